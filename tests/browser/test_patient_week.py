"""One week in a real browser (headless Chromium through Playwright).

The patient logs in, opens the session, plays its audio, writes and sends a diary; the
therapist finds it in the queue and answers; the patient reads the feedback. Screenshots go
to docs/screenshots/ (the README shows them).

Skipped when no Chromium is found: install Debian's ``chromium`` package, or point
``EMBCT_CHROMIUM`` at a Chromium binary.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import DiaryEntry, Message, MessageKind, PatientProfile
from embct.platform.care.services import send_log_files
from embct.platform.course.loader import load_course
from embct.platform.security.demo import give_demo_code
from support.testing import FIXTURE_COURSE, NOW, PASSWORD, TODAY
from support.testing_browser import Auditor, log_in, screenshots_dir
from support.testing_browser import shoot as shoot_page

SHOTS = screenshots_dir()


def shoot(page: Any, name: str) -> None:
    shoot_page(page, SHOTS / name)


@pytest.fixture
def frozen_week() -> Iterator[None]:
    """Server time starts on Wednesday 18 March 2026, 10:00 and runs on (stable screenshots)."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_patient_and_a_therapist_walk_one_week(
    live_server: Any, browser: Any, frozen_week: None, auditor: Auditor
) -> None:
    course, _ = load_course(FIXTURE_COURSE)
    tessa = User.objects.create_user(
        "tessa", password=PASSWORD, role=Role.THERAPIST, first_name="Tessa", last_name="de Vries"
    )
    pim = User.objects.create_user("pim", password=PASSWORD, role=Role.PATIENT, first_name="Pim")
    profile = PatientProfile.objects.create(
        user=pim,
        therapist=tessa,
        course=course,
        start_date=TODAY - timedelta(days=15),
        feedback_weekday=3,
    )
    # Another patient, whose log files have waited since Monday, due today (Wednesday).
    mia = User.objects.create_user("mia", role=Role.PATIENT, first_name="Mia")
    mia_profile = PatientProfile.objects.create(
        user=mia,
        therapist=tessa,
        course=course,
        start_date=TODAY - timedelta(days=9),
        feedback_weekday=2,
    )
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        DiaryEntry.objects.create(
            patient=mia_profile, session=course.sessions.get(week=2), date=TODAY, minutes=15
        )
        send_log_files(mia_profile, course.sessions.get(week=2))
        Message.objects.create(
            patient=mia_profile,
            author=mia,
            body="Is it all right to skip a day?",
            from_patient=True,
        )
    Message.objects.create(
        patient=profile,
        author=tessa,
        kind=MessageKind.WELCOME,
        body="Welcome, Pim. I am Tessa, and I will read your diaries every Thursday.",
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    patient = auditor.watch(
        browser.new_context(viewport={"width": 412, "height": 860}, locale="en-GB").new_page()
    )
    patient.goto(base + "/login/")
    auditor.audit(patient)
    log_in(patient, base, "pim")
    patient.get_by_role("heading", name="Week 3 of 9").wait_for()
    shoot(patient, "patient-week.png")
    auditor.audit(patient)

    patient.get_by_role("link", name="Open session 3").click()
    auditor.audit(patient)
    audio = patient.locator("audio").first
    sources = audio.locator("source")
    assert sources.first.get_attribute("src").endswith("/audio/")
    assert sources.nth(1).get_attribute("type") == "audio/mpeg"
    playing = audio.evaluate(
        """async (el) => { await el.play();
             await new Promise(r => setTimeout(r, 600));
             return {time: el.currentTime, paused: el.paused,
                     error: el.error && el.error.code}; }"""
    )
    assert playing["error"] is None, playing
    assert not playing["paused"], playing
    assert playing["time"] > 0, playing

    patient.get_by_role("link", name="Write a diary entry").click()
    auditor.audit(patient)
    patient.get_by_label("Exercise").select_option(label="Breathing space 3")
    patient.get_by_label("Minutes practised").fill("20")
    patient.get_by_label("What did you notice in your body?").fill("Warm hands, tight jaw.")
    patient.get_by_label("What thoughts were there?").fill("Planning tomorrow's hospital visit.")
    patient.get_by_label("What feelings were there?").fill("Worried, then a little calmer.")
    patient.get_by_label("Anything else you want to write").fill("The audio helped me start.")
    shoot(patient, "diary-form.png")
    patient.get_by_role("button", name="Save diary entry").click()
    patient.get_by_text("Your diary entry is saved.").wait_for()
    auditor.audit(patient)
    patient.get_by_role("button", name="Send my log files to my therapist").click()
    patient.get_by_text("Your log files are sent to your therapist.").wait_for()

    therapist = auditor.watch(
        browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-GB").new_page()
    )
    code = give_demo_code(tessa)
    log_in(therapist, base, "tessa")
    auditor.audit(therapist)  # the second factor
    therapist.get_by_label("Code").fill(code)
    therapist.get_by_role("button", name="Continue").click()
    therapist.get_by_role("heading", name="Feedback queue").wait_for()
    auditor.audit(therapist)
    rows = therapist.locator(".queue-row")
    assert "Mia" in rows.nth(0).inner_text()  # due today, before Pim who is due tomorrow
    row = rows.nth(1)
    assert "Log files of session 3 (1 entry)" in row.inner_text()
    shoot(therapist, "therapist-queue.png")
    row.get_by_role("link").first.click()
    therapist.get_by_text("Planning tomorrow's hospital visit.").wait_for()
    auditor.audit(therapist)
    therapist.get_by_label("Your feedback").fill(
        "Thank you, Pim. Noticing the tight jaw while planning is exactly the practice."
    )
    therapist.get_by_role("button", name="Send to patient").click()
    therapist.get_by_text("Sent.").first.wait_for()
    therapist.goto(base + "/queue/")
    assert "Pim" not in therapist.locator(".queue").inner_text()

    patient.goto(base + "/inbox/")
    patient.get_by_text("Noticing the tight jaw while planning").wait_for()
    shoot(patient, "inbox.png")
    auditor.audit(patient)

    entry = DiaryEntry.objects.get(patient=profile)
    assert (entry.minutes, entry.submission.answered_at is not None) == (20, True)  # type: ignore[union-attr]
    assert Message.objects.filter(kind=MessageKind.FEEDBACK, read_at__isnull=False).count() == 1
