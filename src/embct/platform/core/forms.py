"""The login form."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
    """Django's login form, refusing an over-long username before it authenticates.

    ``AuthenticationForm`` sets the username field's ``max_length`` after the field's
    validators are built, so the length is not checked on the server: a 5000-character
    username reached ``authenticate()`` and django-axes' ``varchar(255)`` column, a 500 on
    PostgreSQL (found by tests/platform_reliability/test_fuzz_forms.py).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))
