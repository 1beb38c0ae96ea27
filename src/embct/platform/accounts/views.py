"""The language page: anyone chooses the interface language; a signed-in user's choice is kept
on their own account (never anyone else's) and is the language of their e-mails too. And the
password pages: change one's own password, and "forgot password" by e-mail, with Django's
own views, forms and validators."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from embct.platform.audit.models import Action
from embct.platform.audit.services import record
from embct.platform.lib.client_ip import client_ip
from embct.platform.lib.reauth import mark_authenticated, safe_next
from embct.platform.security.services import MUST_CHANGE_SESSION_KEY, clear_temporary_password

from .forms import LanguageForm
from .middleware import user_language


@require_http_methods(["GET", "POST"])
def language(request: HttpRequest) -> HttpResponse:
    """GET: the choice; POST: change it and go back (``next``, else the page the form was on)."""
    form = LanguageForm(request.POST or None, initial={"language": translation.get_language()})
    back = request.POST.get("next") or request.GET.get("next") or request.headers.get("referer")
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["language"]
        user = request.user
        if user.is_authenticated and user.language != code:
            old = user.language
            user.language = code
            user.save(update_fields=["language"])
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


# -- the password lifecycle: Django's own views and validators -------------------------------


class NewPasswordAudited:
    """A view whose form sets the user's own password (Django's ``form.user``): the password is
    no longer a temporary one, and ``action`` is audited in the change's own transaction."""

    action: Action
    request: HttpRequest

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response: HttpResponse = super().form_valid(form)  # type: ignore[misc]
            clear_temporary_password(form.user)
            if self.request.user.is_authenticated:  # changed while signed in
                record(self.request, self.action, form.user)
            else:  # by an e-mailed link: the account is the actor
                record(form.user, self.action, form.user, ip=client_ip(self.request))
        return response


class PasswordChangeView(NewPasswordAudited, auth_views.PasswordChangeView):
    """Change one's own password (the old one, then the new one twice; Django's validators).
    A temporary password from an administrator must be changed here first. The account's
    other sessions end (Django's session hash follows the password); this one goes on."""

    action = Action.PASSWORD_CHANGE
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session.pop(MUST_CHANGE_SESSION_KEY, None)
        mark_authenticated(self.request)  # the password was just entered
        return response


@method_decorator(require_safe, name="dispatch")  # before Django's login_required: 405 for all
class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form; the e-mail goes out in the account's own language."""

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        context = args[2] if len(args) > 2 else kwargs["context"]
        language = user_language(context.get("user")) or translation.get_language()
        with translation.override(language):
            super().send_mail(*args, **kwargs)


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """ "Forgot password": a link by e-mail, valid for ``PASSWORD_RESET_TIMEOUT`` and once.
    The answer is the same whether or not an account has that address."""

    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    # EMBCT_PASSWORD_RESET_RATE, counted in the cache (django-ratelimit) like the screening's.
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _limited(request, "password_reset.address", client_ip(request) or "unknown"):
            return render(request, "accounts/password_reset_limited.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: auth_forms.PasswordResetForm) -> HttpResponse:
        address = form.cleaned_data["email"].strip().lower()
        if _limited(self.request, "password_reset.email", address):
            # The usual answer, and no further e-mail: whether or not the account exists.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


def _limited(request: HttpRequest, group: str, value: str) -> bool:
    """Counts this request against ``value``'s allowance in ``group``; True once it is spent."""
    rate = settings.EMBCT_PASSWORD_RESET_RATE
    return is_ratelimited(request, group=group, key=lambda _g, _r: value, rate=rate, increment=True)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(NewPasswordAudited, auth_views.PasswordResetConfirmView):
    """The link's page: a new password twice. Every session of the account ends (the
    session hash follows the password); the user logs in afresh."""

    action = Action.PASSWORD_RESET_LINK
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
