"""When the database cannot be reached or is locked: a clear 503 page that keeps the draft.

A patient who has just written a diary entry or a message must not lose it because the
database is briefly locked (SQLite under a long write) or unavailable (PostgreSQL restarting).
Instead of a 500 with a stack trace in the log only, they get a calm page saying the text was
not saved, with the text itself in a form that sends it again to the same address. The draft
travels in the page, not in the session: the session lives in the same database that has just
failed.

Two entry points share :func:`unavailable_response`:

- :class:`DatabaseErrorMiddleware` turns an :class:`~django.db.OperationalError` or
  :class:`~django.db.InterfaceError` raised by a view into the 503 page;
- :func:`server_error` (``handler500``) does the same for one raised outside a view (a
  session saved after the view, a middleware), and is Django's plain 500 page otherwise.

Other database errors (an integrity or programming error) are bugs, not outages: they stay
500 so they are noticed.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.middleware.csrf import get_token
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views import defaults

logger = logging.getLogger("embct.platform.dberrors")

#: The exceptions that mean "the database is not there right now", not "the code is wrong".
UNAVAILABLE = (OperationalError, InterfaceError)
#: Seconds a browser (or a retrying client) is asked to wait.
RETRY_AFTER = 30

# Never echoed back into a page: credentials and one-time codes.
_SECRET = re.compile(r"password|passwd|secret|otp|csrfmiddlewaretoken", re.IGNORECASE)
# Kept, but as hidden fields: machine values (ids, dates, numbers, tokens), not prose.
_MACHINE_VALUE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9][0-9:. T+\-]*"
)
_MACHINE_NAME = re.compile(r"token|^id$|_id$", re.IGNORECASE)


def draft_fields(request: HttpRequest) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The posted fields to keep: ``(text, hidden)`` lists of ``(name, value)`` pairs.

    ``text`` is what the user wrote (shown in text areas they can edit or copy); ``hidden``
    holds machine values (ids, dates, numbers, the form's token, which makes sending again
    safe) sent back unchanged. Passwords, one-time codes and the CSRF token are dropped.
    """
    text: list[tuple[str, str]] = []
    hidden: list[tuple[str, str]] = []
    if request.method != "POST":
        return text, hidden
    try:
        items = [(name, value) for name in request.POST for value in request.POST.getlist(name)]
    except Exception:  # an unreadable body: nothing to keep, the page still explains
        return text, hidden
    for name, value in items:
        if _SECRET.search(name):
            continue
        if (
            not value.strip()
            or _MACHINE_NAME.search(name)
            or _MACHINE_VALUE.fullmatch(value.strip())
        ):
            hidden.append((name, value))
        else:
            text.append((name, value))
    return text, hidden


def unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 page: what happened, that the text is kept, and a form to send it again.

    Rendered without the request's context processors (they read the user, hence the
    database that has just failed).
    """
    logger.error(
        "database unavailable during %s %s: %s",
        request.method,
        request.path,
        error,
        exc_info=(type(error), error, error.__traceback__),
    )
    text, hidden = draft_fields(request)
    context = {
        "text_fields": [(name, _label(name), value) for name, value in text],
        "hidden_fields": hidden,
        "action": request.path if request.method == "POST" else request.get_full_path(),
        "csrf_token": get_token(request) if request.method == "POST" else "",
        "posted": request.method == "POST",
        "retry_after": RETRY_AFTER,
    }
    body = loader.render_to_string("core/db_unavailable.html", context)
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


#: Labels of the free-text fields people write in, in the reader's language; other names are
#: spelled out from the field name.
FIELD_LABELS = {
    "body": _("Body"),
    "thoughts": _("Thoughts"),
    "feelings": _("Feelings"),
    "text": _("Text"),
    "note": _("Note"),
    "contact": _("Contact"),
}


def _label(name: str) -> str:
    """``thoughts`` -> ``Thoughts``; ``care-start_date`` -> ``Start date``."""
    short = name.rsplit("-", 1)[-1]
    if short in FIELD_LABELS:
        return str(FIELD_LABELS[short])
    short = short.replace("_", " ").strip()
    return short[:1].upper() + short[1:] if short else name


class DatabaseErrorMiddleware:
    """Turn a view's :data:`UNAVAILABLE` database error into the 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, UNAVAILABLE):
            return unavailable_response(request, exception)
        return None


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: the 503 page when the uncaught error is a database outage.

    Django calls it inside its ``except`` block, so the error is in ``sys.exc_info()``.
    """
    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE):
        return unavailable_response(request, error)
    response = defaults.server_error(request, template_name)
    return response if response is not None else HttpResponseServerError()
