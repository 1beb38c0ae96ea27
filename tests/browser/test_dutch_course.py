"""The Dutch demo course in a real browser (headless Chromium through Playwright).

A Dutch patient follows the Dutch demo course (``course_content/demo-nl``): her week page,
a session with its Dutch audio (which plays), the silent day, a handout-bearing later
session and the diary form, each through the accessibility audit (axe serious/critical 0,
keyboard, 200 % zoom, 320 px): Dutch words are longer, and the course's texts must fit too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import PatientProfile
from embct.platform.course.loader import load_course
from support.testing import NOW, PASSWORD, TODAY
from support.testing_browser import Auditor, log_in

DUTCH_DEMO = Path(__file__).resolve().parents[2] / "src/embct/platform/course_content/demo-nl"


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_dutch_patient_walks_the_dutch_demo_course(
    live_server: Any, browser: Any, frozen: None, auditor: Auditor
) -> None:
    course, _ = load_course(DUTCH_DEMO)
    tessa = User.objects.create_user("tessa", role=Role.THERAPIST, first_name="Tessa")
    femke = User.objects.create_user(
        "femke", password=PASSWORD, role=Role.PATIENT, first_name="Femke", language="nl"
    )
    PatientProfile.objects.create(
        user=femke,
        therapist=tessa,
        course=course,
        start_date=TODAY - timedelta(days=45),  # week 7: session 6, after the silent day
        feedback_weekday=3,
    )
    base = live_server.url
    page = auditor.watch(
        browser.new_context(viewport={"width": 412, "height": 860}, locale="en-GB").new_page()
    )
    page.goto(base + "/login/")
    auditor.audit(page)
    log_in(page, base, "femke")  # an English login page; her account then speaks Dutch
    page.get_by_role("heading", name="Week 7 van 9").wait_for()
    assert page.locator("html").get_attribute("lang") == "nl"
    auditor.audit(page)

    first = course.sessions.get(week=1)
    page.goto(base + reverse("care:session", args=[first.pk]))
    page.get_by_text("Welkom in de eerste week.").wait_for()
    assert page.locator("main [lang=en]").count() == 0  # nothing marked as English
    auditor.audit(page)
    audio = page.locator("audio").first
    assert audio.locator("source").nth(1).get_attribute("type") == "audio/mpeg"
    playing = audio.evaluate(
        """async (el) => { await el.play();
             await new Promise(r => setTimeout(r, 600));
             return {time: el.currentTime, paused: el.paused,
                     error: el.error && el.error.code}; }"""
    )
    assert playing["error"] is None, playing
    assert playing["time"] > 0, playing

    silent = course.sessions.get(week=6)
    page.goto(base + reverse("care:session", args=[silent.pk]))
    page.get_by_text("tussen sessie 5 en 6").wait_for()
    auditor.audit(page)

    seventh = course.sessions.get(week=7)
    page.goto(base + reverse("care:session", args=[seventh.pk]))
    page.get_by_text("Welkom in de zevende week").wait_for()
    auditor.audit(page)
    page.goto(base + reverse("care:diary", args=[seventh.pk]))
    auditor.audit(page)
    assert "Gedachten laten voorbijgaan" in page.locator("select").first.inner_text()
