"""Sessions end after an hour without activity, and the session row is written at most every
few minutes, not on every request.

Django's ``SESSION_SAVE_EVERY_REQUEST`` keeps the inactivity timeout by rewriting the session
row (its data and ``expire_date`` = now + ``SESSION_COOKIE_AGE``) on every request: a database
write per page view, the largest part of a simple page's server CPU (issue 18,
bench/RESULTS.md). :class:`SessionRefreshMiddleware` instead marks the session modified only
when it was last written :data:`REFRESH_EVERY` or longer ago (or never, by this middleware),
so Django's :class:`~django.contrib.sessions.middleware.SessionMiddleware` saves it then, with
a new ``expire_date``; a change to the session's data (logging in, a message) still saves it
at once, and that save counts as the refresh.

The timeout still holds: the database refuses a session whose ``expire_date`` has passed, and
``expire_date`` is never later than ``SESSION_COOKIE_AGE`` after the latest request, so a
session idle for longer than that is logged out. It may end up to :data:`REFRESH_EVERY`
earlier (the requests since the last write did not move ``expire_date``): an hour's timeout
is between 55 and 60 minutes of inactivity, never more.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

#: A session is written again when its last write is this many seconds old.
REFRESH_EVERY = 5 * 60

#: The session key holding when this middleware last wrote the session (epoch seconds).
REFRESHED_KEY = "_embct_refreshed"


class SessionRefreshMiddleware:
    """Renew a non-empty session's expiry at most every :data:`REFRESH_EVERY` seconds.

    Sits just after SessionMiddleware, so its response half runs before the save.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if session.is_empty():  # no cookie, or a session just flushed (logout)
            return response
        refreshed = session.get(REFRESHED_KEY)  # loads it if no one has yet
        if session.is_empty():  # the cookie named a session that has expired or is gone
            return response
        now = int(timezone.now().timestamp())
        stale = not isinstance(refreshed, int) or not 0 <= now - refreshed < REFRESH_EVERY
        if stale or session.modified:  # saved now either way (a login, a message): stamp it
            session[REFRESHED_KEY] = now  # modified: SessionMiddleware saves it
        return response
