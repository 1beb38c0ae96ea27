"""Notification e-mails. They say only that something new is waiting: never a name, a
diagnosis, a message or a diary; the reader logs in to see it. Each goes out in the
recipient's own language (``User.language``)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from embct.platform.accounts.middleware import user_language as own_language

SUBJECT = _("embct: something new is waiting for you")
BODY = _(
    "Hello,\n\nSomething new is waiting for you on embct. Please log in to read it.\n\n"
    "This is an automatic message; please do not reply to it.\n"
)


def user_language(user: object) -> str:
    """The language to write to ``user`` in: theirs, else the site's default."""
    return own_language(user) or settings.LANGUAGE_CODE


def wants_message_email(user: object) -> bool:
    """Whether ``user`` (a patient) wants an e-mail when their therapist writes to them: their
    own choice on the e-mail settings page (yes unless they said no)."""
    return bool(getattr(user, "email_on_new_message", True))


def notify(user: object) -> bool:
    """Send the 'something new is waiting' e-mail to ``user`` if they have an address; whether
    it went out (False: no address, or the mail server refused it)."""
    address = getattr(user, "email", "")
    if not address:
        return False
    with translation.override(user_language(user)):
        subject, body = str(SUBJECT), str(BODY)
    sent = send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True)
    return sent > 0
