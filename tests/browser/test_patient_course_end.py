"""After the course, in a real browser: a patient whose nine weeks are over sees that the
course has ended, what comes next and every recording, follows the unread badge to the
feedback, reads their progress and turns the feedback e-mail off. Each page goes through
the accessibility audit (axe, keyboard, 200 % zoom, 320 px).

Skipped when no Chromium is found (see test_patient_week.py).
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
from support.testing import FIXTURE_COURSE, NOW, PASSWORD, TODAY
from support.testing_browser import Auditor, log_in, screenshots_dir
from support.testing_browser import shoot as shoot_page

SHOTS = screenshots_dir()


@pytest.fixture
def frozen_day() -> Iterator[None]:
    """Server time starts on Wednesday 18 March 2026, 10:00 and runs on."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_patient_after_the_course(
    live_server: Any, browser: Any, frozen_day: None, auditor: Auditor
) -> None:
    course, _ = load_course(FIXTURE_COURSE)
    tessa = User.objects.create_user(
        "tessa", password=PASSWORD, role=Role.THERAPIST, first_name="Tessa", last_name="de Vries"
    )
    pim = User.objects.create_user(
        "pim", password=PASSWORD, role=Role.PATIENT, first_name="Pim", email="pim@example.org"
    )
    # Started ten weeks ago: the nine course weeks ended last Sunday.
    start = TODAY - timedelta(days=66)
    profile = PatientProfile.objects.create(
        user=pim, therapist=tessa, course=course, start_date=start, feedback_weekday=3
    )
    for week, minutes in ((1, 20), (2, 35), (3, 15)):
        session = course.sessions.get(week=week)
        DiaryEntry.objects.create(
            patient=profile,
            session=session,
            date=start + timedelta(days=7 * (week - 1) + 1),
            minutes=minutes,
        )
        send_log_files(profile, session)
    Message.objects.create(
        patient=profile,
        author=tessa,
        kind=MessageKind.FEEDBACK,
        body="Thank you for your last log files, Pim. Keep the breathing space going.",
    )
    base = live_server.url
    page = auditor.watch(
        browser.new_context(viewport={"width": 412, "height": 860}, locale="en-GB").new_page()
    )
    page.goto(base + "/login/")
    auditor.audit(page)
    log_in(page, base, "pim")

    page.get_by_role("heading", name="Your course has ended").wait_for()
    assert page.get_by_role("heading", name="What comes next").is_visible()
    assert page.get_by_role("heading", name="All the recordings").is_visible()
    assert "HADS, after the course" in page.locator("#next-heading + p + ul").inner_text()
    assert "of 9" not in page.get_by_role("heading", level=1).inner_text()
    recordings = page.locator(".recordings li")
    assert recordings.count() == course.sessions.filter(exercises__audio__gt="").count()
    # each recording downloads for practice offline, after the course as before
    with page.expect_download() as download:
        recordings.first.get_by_role("link", name="Ogg").click()
    assert download.value.suggested_filename.endswith(".ogg")
    assert page.get_by_text("You have new feedback from Tessa de Vries").is_visible()
    inbox = page.get_by_role("link", name="Inbox, 1 unread")
    assert inbox.is_visible()
    shoot_page(page, SHOTS / "patient-course-ended.png")
    auditor.audit(page)

    inbox.click()
    page.get_by_text("Keep the breathing space going.").wait_for()
    assert page.get_by_role("link", name="Inbox", exact=True).is_visible()
    auditor.audit(page)

    page.get_by_role("link", name="My progress").click()
    page.get_by_role("heading", name="My progress").wait_for()
    table = page.get_by_role("table", name="Sessions and minutes practised per course week")
    assert table.locator("tbody tr").count() == 9
    assert table.locator("tbody tr").nth(1).locator("td").nth(2).inner_text().startswith("35")
    assert page.get_by_text("3 of 9").is_visible()
    shoot_page(page, SHOTS / "patient-progress.png")
    auditor.audit(page)

    page.get_by_role("link", name="E-mail settings").click()
    page.get_by_role("heading", name="E-mail settings").wait_for()
    auditor.audit(page)
    page.get_by_label("No e-mail: I look in my inbox myself").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Your e-mail setting is saved.").wait_for()
    auditor.audit(page)
    pim.refresh_from_db()
    assert not pim.email_on_new_message
