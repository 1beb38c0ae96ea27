"""The four roles a user has; what a user may see follows from the role
(:mod:`embct.platform.access`).

The roles live outside the accounts app so that every app, the audit log too, names them
without importing accounts; :mod:`embct.platform.accounts.models` re-exports them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    THERAPIST = "therapist", _("Therapist")
    RESEARCHER = "researcher", _("Researcher")
    ADMIN = "admin", _("Administrator")
