"""A draft save that arrives while the same form's message is being sent (the script's save
still on its way when she pressed "Send") waits for the send and keeps no draft: the send and
the save lock the patient's row, so they happen one after the other (PostgreSQL; SQLite has
one writer at a time)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connection

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import FeedbackDraft, Message, PatientProfile
from embct.platform.care.services import save_draft, therapist_writes


@pytest.mark.django_db(transaction=True)
def test_a_draft_save_during_the_send_of_its_form_keeps_no_draft(settings: object) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite has one writer at a time)")
    settings.EMAIL_BACKEND = "support.slow_mail.SlowBackend"  # type: ignore[attr-defined]
    tessa = User.objects.create_user("race-tessa", role=Role.THERAPIST)
    pim = User.objects.create_user("race-pim", role=Role.PATIENT, email="pim@example.org")
    profile = PatientProfile.objects.create(user=pim, therapist=tessa)
    token = uuid.uuid4()
    failures: list[BaseException] = []

    def send() -> None:
        try:  # commits after the mail server has answered (a second)
            therapist_writes(tessa, profile, "Well done, Pim.", form_token=token)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.4)  # the send has written its message and waits on the mail server
    assert save_draft(tessa, profile, "Well done, Pim.", form_token=token) is None
    sender.join()
    assert failures == []
    assert Message.objects.filter(form_token=token).count() == 1
    assert not FeedbackDraft.objects.exists()
