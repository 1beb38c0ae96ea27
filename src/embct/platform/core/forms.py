"""The login form."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from embct.platform.security.models import AccountState


class LoginForm(AuthenticationForm):
    """Django's login form, refusing an over-long username before it authenticates.

    ``AuthenticationForm`` sets the username field's ``max_length`` after the field's
    validators are built, so the length is not checked on the server: a 5000-character
    username reached ``authenticate()`` and django-axes' ``varchar(255)`` column, a 500 on
    PostgreSQL (found by tests/platform/reliability/test_fuzz_forms.py).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.temporary_password_expired = False
        field = cast(forms.CharField, self.fields["username"])
        field.validators.append(MaxLengthValidator(field.max_length))

    def confirm_login_allowed(self, user: Any) -> None:
        """Django's check (an inactive account), and: a temporary password from an
        administrator logs in only within a week of being issued."""
        super().confirm_login_allowed(user)
        state = AccountState.objects.filter(user_id=user.pk).first()
        self.temporary_password_expired = state is not None and state.temporary_password_expired()
        if self.temporary_password_expired:
            raise ValidationError(
                _(
                    "This temporary password has expired (after 7 days). Ask your "
                    "administrator for a new one."
                ),
                code="temporary_password_expired",
            )
