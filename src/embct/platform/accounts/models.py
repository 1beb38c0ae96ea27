from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from embct.platform.lib.roles import Role

__all__ = ["Role", "User"]


class User(AbstractUser):
    """A person who logs in. What they may see follows from ``role``, never from flags alone."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.PATIENT)
    #: The interface language, and the language of the e-mails the user gets. The names are
    #: autonyms ("Nederlands"), the same in every interface language.
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    #: A patient's choice: an e-mail ("something new is waiting") when their therapist writes
    #: to them (feedback, a welcome, an answer). On by default, as before the choice existed.
    # A default in the database too: a host still on the previous release (several hosts are
    # upgraded one by one) creates accounts without knowing the column.
    email_on_new_message = models.BooleanField(
        _("e-mail me when my therapist writes to me"), default=True, db_default=True
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[choice.value for choice in Role]),
                name="accounts_user_role_valid",
            ),
        ]

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST

    @property
    def is_researcher(self) -> bool:
        return self.role == Role.RESEARCHER

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff_role(self) -> bool:
        """Therapists, researchers and administrators: the people who log in with a second
        factor once that lands."""
        return self.role in {Role.THERAPIST, Role.RESEARCHER, Role.ADMIN}
