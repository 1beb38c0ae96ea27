"""The language page: anyone chooses the interface language; a signed-in user's choice is kept
on their own account (never anyone else's) and is the language of their e-mails too."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from embct.platform.audit.models import Action
from embct.platform.audit.services import record
from embct.platform.lib.reauth import safe_next

from .forms import LanguageForm


@require_http_methods(["GET", "POST"])
def language(request: HttpRequest) -> HttpResponse:
    """GET: the choice; POST: change it and go back (``next``, else the page the form was on)."""
    form = LanguageForm(request.POST or None, initial={"language": translation.get_language()})
    back = request.POST.get("next") or request.GET.get("next") or request.headers.get("referer")
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["language"]
        user = request.user
        if user.is_authenticated and user.language != code:  # type: ignore[union-attr]
            old = user.language  # type: ignore[union-attr]
            user.language = code  # type: ignore[union-attr]
            user.save(update_fields=["language"])  # type: ignore[union-attr]
            record(request, Action.LANGUAGE_CHANGE, user, old=old, new=code)
        translation.activate(code)
        response = redirect(safe_next(request, back))
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response
    status = 400 if request.method == "POST" else 200
    ctx = {"form": form, "next": safe_next(request, back)}
    return render(request, "accounts/language.html", ctx, status=status)
