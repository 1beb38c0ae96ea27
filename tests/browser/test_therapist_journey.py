"""The therapist's day in a real browser (headless Chromium through Playwright).

Tessa has four eMBCT patients in different weeks (one, starting soon, still without a welcome)
and an MBCT group. She logs in with her second factor (mistyping it once), answers the log
files and the message in her feedback queue beside them (a draft saved as she types and back
after a reload; an empty answer sent once; a snippet put in), writes a private note, sees
whose welcome is still to write, reads a patient's record and measures, acknowledges an early
warning with a note, records a meeting's attendance and reads the supervision page.
Every page is audited (axe-core, keyboard, 200% zoom, phone width), and what she did is read
back from the database. The early warnings page is shot for the documentation.

Skipped when no Chromium is found: install Debian's ``chromium`` package, or point
``EMBCT_CHROMIUM`` at a Chromium binary.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import (
    Arm,
    DiaryEntry,
    FeedbackDraft,
    LogSubmission,
    Message,
    MessageKind,
    PatientProfile,
    Snippet,
    Supervision,
    TherapistMemo,
    Weekday,
)
from embct.platform.care.services import send_log_files, therapist_writes
from embct.platform.course.loader import load_course
from embct.platform.course.models import Course
from embct.platform.groups.models import Attendance, GroupMeeting, MbctGroup
from embct.platform.questionnaires import early
from embct.platform.questionnaires.models import FlagRecord
from embct.platform.security.demo import give_demo_code
from support import measure_helpers as measure  # stores a questionnaire through the service
from support.testing import FIXTURE_COURSE, NOW, PASSWORD, TODAY
from support.testing_browser import Auditor, screenshots_dir
from support.testing_browser import shoot as shoot_page

REPO = Path(__file__).resolve().parents[2]
SIGN_OFF = "\n\nWarm regards, and until next week,\nTessa"
SHOTS = screenshots_dir()


@pytest.fixture
def frozen_day() -> Iterator[None]:
    """Server time starts on Wednesday 18 March 2026, 10:00 and runs on (stable screenshots)."""
    with time_machine.travel(NOW, tick=True):
        yield


def person(username: str, role: str, first: str, last: str = "", **extra: Any) -> User:
    return User.objects.create_user(
        username,
        password=PASSWORD if role == Role.THERAPIST else None,
        role=role,
        first_name=first,
        last_name=last,
        email=f"{username}@example.org",
        **extra,
    )


def patient(therapist: User, course: Course, name: str, days_in: int, weekday: int) -> Any:
    return PatientProfile.objects.create(
        user=person(name.lower(), Role.PATIENT, name),
        therapist=therapist,
        course=course,
        start_date=TODAY - timedelta(days=days_in),
        feedback_weekday=weekday,
    )


def diary_sent(profile: Any, week: int, day: int, minutes: int, **text: str) -> LogSubmission:
    """A diary entry of ``week`` written ``day`` days ago, sent as log files that day."""
    course = profile.course
    session = course.sessions.get(week=week)
    with time_machine.travel(NOW - timedelta(days=day), tick=False):
        DiaryEntry.objects.create(
            patient=profile,
            session=session,
            exercise=session.exercises.filter(diary=True).first(),
            date=TODAY - timedelta(days=day),
            minutes=minutes,
            **text,
        )
        return send_log_files(profile, session)


def caseload(course: Course, tessa: User) -> dict[str, Any]:
    """Three eMBCT patients, each raising a different early warning, one who has not started
    (no welcome yet), and an MBCT group."""
    # Pim, week 2: log files sent on Monday, feedback due today; a weak alliance at week 2.
    pim = patient(tessa, course, "Pim", days_in=9, weekday=Weekday.WEDNESDAY)
    therapist_writes(tessa, pim, "Welcome, Pim. I read your diaries on Wednesdays.", "welcome")
    diary_sent(
        pim,
        2,
        day=2,
        minutes=15,
        body="Tight shoulders during the body scan.",
        thoughts="Will the scan next week be clear?",
        feelings="Restless, then calmer.",
    )
    measure.fill(pim, "wai_w2", 2)  # total 24, below 27.1
    # Kai, week 3: practised last 11 days ago, asked a question yesterday.
    kai = patient(tessa, course, "Kai", days_in=15, weekday=Weekday.THURSDAY)
    therapist_writes(tessa, kai, "Welcome, Kai.", "welcome")
    diary_sent(kai, 1, day=11, minutes=20, body="Heavy legs.")
    therapist_writes(tessa, kai, "Thank you for your first diary, Kai.")
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        Message.objects.create(
            patient=kai,
            author=kai.user,
            body="Can I do the silent day on a Sunday instead?",
            from_patient=True,
        )
    # Noor, after the course: distress rose reliably from before to after.
    noor = patient(tessa, course, "Noor", days_in=66, weekday=Weekday.MONDAY)
    therapist_writes(tessa, noor, "Welcome, Noor.", "welcome")
    for week in range(1, 6):
        diary_sent(noor, week, day=66 - 7 * week + 3, minutes=10 + week)
        therapist_writes(tessa, noor, f"Thank you for your diary of week {week}.")
    for key, score in (("hads_pre", 1), ("wai_w2", 3), ("wai_w5", 4), ("wai_w9", 5)):
        measure.fill(noor, key, score)
    measure.fill(noor, "hads_post", 2)  # 14 -> 28: a reliable deterioration

    # Lena starts on Saturday: her welcome is still to write.
    lena = patient(tessa, course, "Lena", days_in=-3, weekday=Weekday.MONDAY)

    group = MbctGroup.objects.create(
        name="Tuesday evening group", therapist=tessa, location="Room 2", course=course
    )
    first = TODAY - timedelta(days=22)  # meetings on Tuesdays; the 4th was yesterday evening
    for session in course.sessions.order_by("week"):
        GroupMeeting.objects.create(
            group=group, session=session, date=first + timedelta(days=7 * (session.week - 1))
        )
    members = []
    for name in ("Gwen", "Hugo", "Iris"):
        members.append(
            PatientProfile.objects.create(
                user=person(name.lower(), Role.PATIENT, name),
                therapist=tessa,
                arm=Arm.MBCT,
                course=course,
                group=group,
            )
        )
    for meeting in group.meetings.filter(date__lt=TODAY - timedelta(days=1)):
        for member in members:
            Attendance.objects.create(meeting=meeting, patient=member, present=True)
    early.refresh_all(TODAY)  # last night's `embct remind` kept the warnings that come with time
    return {
        "pim": pim,
        "kai": kai,
        "noor": noor,
        "lena": lena,
        "group": group,
        "members": members,
    }


@pytest.mark.django_db(transaction=True)
def test_a_therapist_works_through_her_day(
    live_server: Any, browser: Any, frozen_day: None, auditor: Auditor
) -> None:
    course, _ = load_course(FIXTURE_COURSE)
    tessa = person("tessa", Role.THERAPIST, "Tessa", "de Vries")
    people = caseload(course, tessa)
    pim, kai, noor, group = people["pim"], people["kai"], people["noor"], people["group"]
    # Tessa supervises Otto, who has just answered his patient Olga.
    otto = person("otto", Role.THERAPIST, "Otto", "Jansen")
    Supervision.objects.create(supervisor=tessa, therapist=otto)
    olga = patient(otto, course, "Olga", days_in=9, weekday=Weekday.TUESDAY)
    therapist_writes(otto, olga, "Welcome, Olga. Take your time with the first week.", "welcome")
    Snippet.objects.create(therapist=tessa, title="Sign-off", text=SIGN_OFF)
    code = give_demo_code(tessa)
    mail.outbox.clear()
    base = live_server.url

    page = auditor.watch(
        browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-GB").new_page()
    )
    page.set_default_timeout(10_000)
    nav = page.get_by_role("navigation", name="Main")
    page.goto(base + "/login/")
    auditor.audit(page)
    page.get_by_label("Username").fill("tessa")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Two-factor check").wait_for()
    auditor.audit(page)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    error = page.get_by_role("alert")
    assert "That code is not right" in error.inner_text()
    code_field = page.get_by_label("Code")
    assert code_field.get_attribute("aria-invalid") == "true"
    assert code_field.get_attribute("aria-describedby") == error.get_attribute("id")
    page.wait_for_function("() => document.activeElement.id === 'id_code'")  # typing goes there
    auditor.audit(page)
    # After a wrong code the device refuses every code for a second (django-otp's throttle):
    # a person takes that long to look again.
    page.wait_for_timeout(1100)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()

    # The queue: Pim's log files are due today, Kai's question tomorrow.
    page.get_by_role("heading", name="Feedback queue").wait_for()
    auditor.audit(page)
    rows = page.locator(".queue-row")
    assert rows.count() == 2
    assert "Pim" in rows.nth(0).inner_text()
    assert "Log files of session 2 (1 entry)" in rows.nth(0).inner_text()
    assert "A message" in rows.nth(1).inner_text()
    rows.nth(0).get_by_role("link", name="Pim").click()
    page.get_by_text("Will the scan next week be clear?").wait_for()
    auditor.audit(page)

    # The form is beside what it answers (1200 px: two columns) and stays in view while she
    # scrolls through the log files and messages.
    compose = page.locator("#compose")
    logs = page.get_by_role("heading", name="Log files", exact=True)
    assert compose.bounding_box()["x"] > logs.bounding_box()["x"] + 400
    assert abs(compose.bounding_box()["y"] - logs.bounding_box()["y"]) < 120  # side by side
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = compose.bounding_box()
    assert box["y"] >= 0, box  # still on screen
    assert box["y"] + 100 < 800, box
    # Below 1024 px one column: the form comes after what it answers.
    page.set_viewport_size({"width": 900, "height": 800})
    assert compose.bounding_box()["y"] > logs.bounding_box()["y"] + 100
    assert abs(compose.bounding_box()["x"] - logs.bounding_box()["x"]) < 60
    page.set_viewport_size({"width": 1200, "height": 800})
    # What she types is saved as a draft a moment after she stops, and is back after a reload.
    page.get_by_label("Your feedback").fill("Dear Pim, the worry")
    page.locator("#draft-status").filter(has_text="Draft saved at").wait_for()
    assert FeedbackDraft.objects.get(patient=pim, therapist=tessa).body == "Dear Pim, the worry"
    page.reload()
    assert page.get_by_label("Your feedback").input_value() == "Dear Pim, the worry"
    assert "Draft saved at" in page.locator("#draft-status").inner_text()
    auditor.audit(page)

    # An answer of blanks is refused, with the error tied to the field; then a real one.
    feedback = page.get_by_label("Your feedback")
    feedback.fill("   ")
    page.get_by_role("button", name="Send to patient").click()
    page.get_by_role("alert").filter(has_text="Write a message").wait_for()
    field = page.get_by_label("Your feedback")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "id_body_error"
    page.wait_for_function("() => document.activeElement.id === 'id_body'")  # typing goes there
    auditor.audit(page)
    assert not Message.objects.filter(patient=pim, kind=MessageKind.FEEDBACK).exists()
    answer = "Thank you, Pim. Noticing the worry about the scan, and the calm after: that is it."
    page.get_by_label("Your feedback").fill(answer)
    page.get_by_role("button", name="Send to patient").click()
    page.get_by_text("Sent.").wait_for()
    auditor.audit(page)
    assert page.locator(".thread").get_by_text("Noticing the worry about the scan").is_visible()
    assert not FeedbackDraft.objects.filter(patient=pim).exists()  # sent: the draft is gone

    # A private note about Pim, on its own page (never shown to him).
    page.get_by_role("link", name="Private notes").click()
    page.get_by_role("heading", name="Private notes about Pim").wait_for()
    auditor.audit(page)
    memo = "Worried about the scan next week; ask how it went."
    page.get_by_label("New note").fill(memo)
    page.get_by_role("button", name="Save the note").click()
    page.get_by_text("Your note is saved.").wait_for()
    assert page.locator("ol.memos").get_by_text(memo).is_visible()
    auditor.audit(page)
    assert TherapistMemo.objects.get(patient=pim).text == memo

    # Kai's question, from the queue.
    nav.get_by_role("link", name="Queue").click()
    page.get_by_role("heading", name="Feedback queue").wait_for()
    assert page.locator(".queue-row").count() == 1
    page.locator(".queue-row").get_by_role("link", name="Kai").click()
    page.get_by_text("Can I do the silent day on a Sunday instead?").wait_for()
    auditor.audit(page)
    start = "Yes, Kai: a Sunday is fine. Tell me which one, and I will send the preparation."
    field = page.get_by_label("Your feedback")
    field.fill(start)
    field.press("Control+End")
    # One of her snippets, put in at the cursor (the picker appears with the script).
    page.get_by_label("One of your snippets").select_option(label="Sign-off")
    page.get_by_role("button", name="Insert at the cursor").click()
    reply = start + SIGN_OFF
    assert field.input_value() == reply
    page.wait_for_function("() => document.activeElement.id === 'id_body'")  # typing goes on
    page.get_by_role("button", name="Send to patient").click()
    page.get_by_text("Sent.").wait_for()
    nav.get_by_role("link", name="Queue").click()
    page.get_by_text("Nothing is waiting for feedback.").wait_for()
    auditor.audit(page)

    # The caseload, then Noor's record and measures.
    nav.get_by_role("link", name="Caseload").click()
    page.get_by_role("heading", name="Your eMBCT patients").wait_for()
    auditor.audit(page)
    prompt = page.get_by_role("region", name="Welcome messages still to write")
    assert prompt.get_by_role("link", name="Write a welcome to Lena").is_visible()
    assert "Pim" not in prompt.inner_text()  # welcomed
    table = page.get_by_role("table")
    for name in ("Pim", "Kai", "Noor", "Lena"):
        assert table.get_by_role("link", name=name).is_visible()
    assert "Gwen" not in table.inner_text()  # group members are on the Groups page
    # On a 1280 px screen the whole table fits, its warnings column in view, and a row with a
    # warning stays a line or two: the warnings are a count that opens to the explanations.
    page.set_viewport_size({"width": 1280, "height": 800})
    scroller = page.locator(".table-scroll").filter(has=table)
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth"), "the caseload scrolls sideways"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    header = table.get_by_role("columnheader", name="Early warnings").bounding_box()
    assert header is not None
    assert header["x"] + header["width"] <= 1280
    for name in ("Pim", "Kai", "Noor"):
        row = table.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))
        box = row.bounding_box()
        assert box is not None
        assert box["height"] < 120, f"{name}'s row is {box['height']} px tall"
        assert row.locator(".warn-badge").is_visible(), name
    pim_row = table.get_by_role("row").filter(has=page.get_by_role("link", name="Pim", exact=True))
    pim_row.locator("summary").click()
    assert "weak early alliance" in pim_row.inner_text().lower()
    auditor.audit(page)
    page.set_viewport_size({"width": 1200, "height": 800})
    table.get_by_role("link", name="Noor").click()
    page.get_by_role("heading", name="Noor").wait_for()
    auditor.audit(page)
    page.get_by_role("link", name="Measures and early warnings").click()
    page.get_by_role("heading", name="Measures: Noor").wait_for()
    auditor.audit(page)
    charts = page.locator("svg.chart")
    assert charts.count() == 3  # WAI-SR total, Task/Bond/Goal, HADS before and after
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "img"
        assert chart.get_attribute("aria-label")
    # Each chart's numbers are in a table beside it, for those who cannot see the lines.
    figure = page.get_by_role("figure", name="Distress (HADS) before and after the course")
    hads = figure.get_by_role("table", name="The numbers in the chart")
    assert hads.get_by_role("cell", name="14").is_visible()
    assert hads.get_by_role("cell", name="28").is_visible()
    # Her questionnaires are listed, with no links to forms only she may open.
    assert "HADS, after the course" in page.locator("ul.questionnaires").inner_text()
    assert page.locator("ul.questionnaires a").count() == 0

    # The early warnings of the whole caseload.
    nav.get_by_role("link", name="Early warnings").click()
    page.get_by_role("heading", name="Early warnings", level=1).wait_for()
    auditor.audit(page)
    text = page.locator("main").inner_text()
    for title in ("Weak early alliance", "No practice logged", "Distress reliably worse"):
        assert title.lower() in text.lower(), title
    shoot_page(page, SHOTS / "therapist-warnings.png")

    # Pim's weak early alliance: talked about, and marked as seen with a note.
    page.get_by_role("link", name="Pim").click()
    page.get_by_role("heading", name="Measures: Pim").wait_for()
    auditor.audit(page)
    weak = page.locator(".flag").filter(has_text="Weak early alliance")
    note = "Phoned Pim: we agreed on goals for the coming weeks."
    weak.get_by_label("Note (what you did or decided)").fill(note)
    weak.get_by_role("button", name="Mark as seen").click()
    page.get_by_text("The warning is marked as seen").wait_for()
    auditor.audit(page)
    seen = page.locator(".flag.seen").filter(has_text="Weak early alliance")
    assert f"Seen by Tessa de Vries on 18 March 2026: {note}" in seen.inner_text()
    nav.get_by_role("link", name="Early warnings").click()
    page.get_by_role("heading", name="Early warnings", level=1).wait_for()
    assert "weak early alliance" not in page.locator("main").inner_text().lower()

    # The group: yesterday's meeting, Hugo was not there.
    nav.get_by_role("link", name="Groups").click()
    page.get_by_role("heading", name="Your MBCT groups").wait_for()
    auditor.audit(page)
    page.get_by_role("link", name="Tuesday evening group").click()
    page.get_by_role("heading", name="Tuesday evening group").wait_for()
    auditor.audit(page)
    latest = page.locator("details[open]")
    assert "Session 4" in latest.locator("summary").inner_text()
    latest.get_by_label("Gwen").check()
    latest.get_by_label("Iris").check()
    latest.get_by_label("Hugo").uncheck()
    latest.get_by_role("button", name="Save attendance").click()
    page.get_by_text("Attendance saved").wait_for()
    auditor.audit(page)

    # Supervision: Otto's messages, read only.
    nav.get_by_role("link", name="Supervision").click()
    page.get_by_role("heading", name="Supervision").wait_for()
    auditor.audit(page)
    assert "You supervise: Otto Jansen" in page.locator("main").inner_text()
    page.get_by_text("Take your time with the first week.").wait_for()

    # What she did, read back from the database.
    sent = Message.objects.get(patient=pim, kind=MessageKind.FEEDBACK)
    assert (sent.author, sent.body, sent.from_patient) == (tessa, answer, False)
    assert pim.submissions.get().answered_at is not None
    to_kai = Message.objects.filter(patient=kai, author=tessa).latest("sent_at")
    assert to_kai.body.replace("\r\n", "\n") == reply  # a form sends its line ends as CR LF
    assert kai.messages.get(from_patient=True).answered_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["kai@example.org", "pim@example.org"]
    flag = FlagRecord.objects.get(patient=pim, code="weak_early_alliance")
    assert (flag.acknowledged_by, flag.note) == (tessa, note)
    assert flag.acknowledged_at is not None
    assert FlagRecord.objects.filter(patient=noor, code="hads_deterioration").exists()
    meeting = group.meetings.get(session__week=4)
    attendance = Attendance.objects.filter(meeting=meeting)
    present = dict(attendance.values_list("patient__user__first_name", "present"))
    assert present == {"Gwen": True, "Hugo": False, "Iris": True}
