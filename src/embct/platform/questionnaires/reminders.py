"""Neutral reminder e-mails for questionnaires that are due or overdue.

The e-mail says only that something is waiting: no questionnaire name, no health content.
Each assessment is reminded at most once a day (a :class:`Reminder` row per assessment and
day, under a unique constraint), never once it is done, and every reminder is logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from embct.platform.care.models import PatientProfile
from embct.platform.care.notify import user_language

from . import services
from .models import Reminder

logger = logging.getLogger("embct.reminders")

SUBJECT = _("embct: something is waiting for you")
BODY = _(
    "Hello,\n\nSomething is waiting for you on embct. Please log in when it suits you.\n\n"
    "This is an automatic message; please do not reply to it.\n"
)


@dataclass
class RemindResult:
    emails: int = 0
    items: int = 0


def remind(today: date, *, dry_run: bool = False) -> RemindResult:
    """Send one e-mail per patient with something due or overdue today and not reminded yet."""
    result = RemindResult()
    profiles = PatientProfile.objects.select_related("user", "group").filter(user__is_active=True)
    for profile in profiles.iterator():
        open_items = [w for w in services.windows(profile, today) if w.is_open]
        if not open_items or not profile.user.email:
            continue
        fresh = []
        for window in open_items:
            if dry_run:
                if not Reminder.objects.filter(assessment=window.assessment, day=today).exists():
                    fresh.append(window)
                continue
            try:
                with transaction.atomic():
                    Reminder.objects.create(assessment=window.assessment, day=today)
            except IntegrityError:  # already reminded today
                continue
            fresh.append(window)
        if not fresh:
            continue
        result.items += len(fresh)
        result.emails += 1
        if not dry_run:
            with translation.override(user_language(profile.user)):  # the patient's language
                subject, body = str(SUBJECT), str(BODY)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [profile.user.email])
        logger.info(
            "reminder: patient #%s, %s", profile.pk, ", ".join(w.assessment.key for w in fresh)
        )
    return result
