"""The signed-in user's own language for every request.

Django's ``LocaleMiddleware`` (earlier in ``MIDDLEWARE``) picks a language from the language
cookie or the browser's ``Accept-Language``; that is what anonymous visitors get. Once the user
is known (after ``AuthenticationMiddleware``), their ``language`` field wins, so a patient sees
the same language on every device, whatever the browser says.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import translation

#: The languages the platform offers (settings.LANGUAGES).
AVAILABLE = frozenset(code for code, _name in settings.LANGUAGES)


def user_language(user: object) -> str | None:
    """``user``'s language when it is one the platform offers, else None."""
    language = getattr(user, "language", None)
    return language if language in AVAILABLE else None


class UserLanguageMiddleware:
    """Activate ``request.user.language`` for a signed-in user (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            user = request.user if request.user.is_authenticated else None
        except DatabaseError:  # the database is down: keep LocaleMiddleware's choice, and let
            user = None  # the view's own error handling answer (core.dberrors)
        language = user_language(user)
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
