"""Notification e-mails. They say only that something new is waiting: never a name, a
diagnosis, a message or a diary; the reader logs in to see it."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

SUBJECT = "embct: something new is waiting for you"
BODY = (
    "Hello,\n\nSomething new is waiting for you on embct. Please log in to read it.\n\n"
    "This is an automatic message; please do not reply to it.\n"
)


def notify(user: object) -> bool:
    """Send the 'something new is waiting' e-mail to ``user`` if they have an address."""
    address = getattr(user, "email", "")
    if not address:
        return False
    send_mail(SUBJECT, BODY, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True)
    return True
