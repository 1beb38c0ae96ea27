"""A mail server that takes a second to answer (Django's in-memory backend, slowed): for tests
of what happens while a send is waiting on the mail server."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.locmem import EmailBackend

DELAY = 1.0


class SlowBackend(EmailBackend):
    def send_messages(self, messages: Sequence[Any]) -> int:
        time.sleep(DELAY)
        return super().send_messages(messages)
