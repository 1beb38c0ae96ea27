"""The patient beyond the week (real browser: headless Chromium through Playwright).

- Questionnaires: a wrong password first; the WAI-SR of week 2 filled in with the keyboard
  only; the HADS left half-way and found again as a draft, one item skipped (its
  missing-item rule allows one), sent with an item missing (the error names it and leads to
  it), then sent whole; the stored responses and their scores are read back.
- A patient in week 6: the silent day's preparation, a message to the therapist (an empty
  one refused), the "My data" page and its download.
- A group-MBCT patient's "My group" page.

Every page is audited (:class:`support.testing_browser.Auditor`), error states too.
Skipped when no Chromium is found (see test_patient_week.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt

from embct.instruments import placeholder_pack
from embct.instruments.content import PackOption
from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import Action, AuditEvent
from embct.platform.care.models import Arm, Message, PatientProfile
from embct.platform.course.loader import load_course
from embct.platform.course.models import Exercise
from embct.platform.groups.models import Attendance, GroupMeeting, MbctGroup
from embct.platform.questionnaires.models import Draft, Response
from support.testing import FIXTURE_COURSE, NOW, PASSWORD, TODAY
from support.testing_browser import Auditor, log_in

ACTIVE = """() => { const el = document.activeElement;
  return el ? {tag: el.tagName.toLowerCase(), id: el.id, name: el.name || '',
               type: el.type || '', text: (el.innerText || '').trim().slice(0, 80),
               cls: el.className || ''} : null; }"""


@pytest.fixture
def frozen_day() -> Iterator[None]:
    """Server time starts on Wednesday 18 March 2026, 10:00 and runs on."""
    with time_machine.travel(NOW, tick=True):
        yield


def from_the_top(page: Any) -> None:
    """Start keyboard navigation from the top of the page, as on a freshly loaded page."""
    page.evaluate(
        "() => { window.scrollTo(0, 0); const b = document.body; b.setAttribute('tabindex', '-1');"
        " b.focus(); b.removeAttribute('tabindex'); }"
    )


def patient(name: str, *, therapist: User, **profile: Any) -> PatientProfile:
    user = User.objects.create_user(
        name, password=PASSWORD, role=Role.PATIENT, first_name=name.title()
    )
    return PatientProfile.objects.create(user=user, therapist=therapist, **profile)


def new_page(browser: Any, auditor: Auditor) -> Any:
    context = browser.new_context(
        viewport={"width": 412, "height": 860}, locale="en-GB", accept_downloads=True
    )
    return auditor.watch(context.new_page())


def option_worth(instrument: str, item: int, score: int) -> PackOption:
    """The option of ``item`` whose score is ``score`` (its text, and the value stored)."""
    entry = placeholder_pack(instrument).items[item - 1]
    return next(option for option in entry.options if option.score == score)


def question(page: Any, instrument: str, item: int) -> Any:
    stem = placeholder_pack(instrument).items[item - 1].stem
    return page.get_by_role("group", name=f"{item}. {stem}")


@pytest.mark.django_db(transaction=True)
def test_a_patient_fills_in_questionnaires_by_keyboard_and_keeps_a_draft(
    live_server: Any, browser: Any, frozen_day: None, auditor: Auditor
) -> None:
    course, _ = load_course(FIXTURE_COURSE)
    tessa = User.objects.create_user("tessa", role=Role.THERAPIST, first_name="Tessa")
    # First day of week 2: the WAI-SR of week 2 is due today; the baseline HADS and MHC-SF
    # (due at the start, routine care) are overdue but still open.
    profile = patient("pim", therapist=tessa, course=course, start_date=TODAY - timedelta(days=7))
    base = live_server.url
    page = new_page(browser, auditor)

    # A wrong password: the error is announced, nothing is let in, the attempt is counted.
    page.goto(base + "/login/")
    page.get_by_label("Username").fill("pim")
    page.get_by_label("Password").fill("not my passphrase")
    page.get_by_role("button", name="Log in").click()
    alert = page.get_by_role("alert")
    assert "did not match" in alert.inner_text()
    assert page.url == base + "/login/"
    # The username stays, the password does not; the error has the focus and describes
    # both fields of the login form.
    assert page.get_by_label("Username").input_value() == "pim"
    assert page.get_by_label("Password").input_value() == ""
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    error_id = alert.get_attribute("id")
    assert page.locator("form", has=alert).get_by_label("Password").count() == 1
    for field in ("Username", "Password"):
        assert page.get_by_label(field).get_attribute("aria-describedby") == error_id
        assert page.get_by_label(field).get_attribute("aria-invalid") == "true"
    auditor.audit(page)
    assert AccessAttempt.objects.get(username="pim").failures_since_start == 1

    log_in(page, base, "pim")
    page.get_by_role("heading", name="Week 2 of 9").wait_for()
    auditor.audit(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Questionnaires").click()
    page.get_by_role("heading", name="Questionnaires").wait_for()
    listed = page.locator("ul.questionnaires").inner_text()
    for name in ("WAI-SR, start of week 2", "HADS, before the course", "MHC-SF, before the course"):
        assert name in listed
    auditor.audit(page)

    # -- The WAI-SR with the keyboard only ---------------------------------------------------
    from_the_top(page)
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate(ACTIVE)["text"] == "WAI-SR, start of week 2":
            break
    else:
        pytest.fail("Tab never reached the WAI-SR link")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="WAI-SR, start of week 2").wait_for()
    auditor.audit(page)
    from_the_top(page)
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE)["text"] == "Skip to content"
    page.keyboard.press("Enter")  # to the main content
    page.keyboard.press("Tab")  # the first question's radio group
    wai_choice = {item: item % 5 for item in range(1, 13)}  # option A..E in turn
    for item in range(1, 13):
        active = page.evaluate(ACTIVE)
        assert (active["type"], active["name"]) == ("radio", str(item)), active
        if wai_choice[item] == 0:
            page.keyboard.press("Space")
        for _ in range(wai_choice[item]):
            page.keyboard.press("ArrowDown")  # moves and chooses
        page.keyboard.press("Tab")  # on to the next question
    active = page.evaluate(ACTIVE)
    assert (active["tag"], active["text"]) == ("button", "Send my answers"), active
    page.keyboard.press("Enter")
    page.get_by_text("Thank you. Your answers are saved.").wait_for()
    assert "Done" in page.locator("li", has_text="WAI-SR, start of week 2").inner_text()
    auditor.audit(page)

    wai = Response.objects.get(patient=profile, key="wai_w2")
    pack = placeholder_pack("wai")
    scores = {i: pack.items[i - 1].options[wai_choice[i]].score for i in range(1, 13)}
    assert wai.answers == {
        str(i): pack.items[i - 1].options[wai_choice[i]].value for i in range(1, 13)
    }
    assert wai.subscales == {
        "task": sum(scores[i] for i in (1, 2, 10, 12)),
        "bond": sum(scores[i] for i in (3, 5, 7, 9)),
        "goal": sum(scores[i] for i in (4, 6, 8, 11)),
    }
    assert (wai.total, wai.prorated) == (sum(scores.values()), False)

    # -- The HADS: half-way, a draft, a skip ------------------------------------------------
    # Anxiety (odd items) answered with the option worth 2, depression (even) worth 1.
    def hads_score(item: int) -> int:
        return 2 if item % 2 else 1

    def answer(item: int) -> None:
        group = question(page, "hads", item)
        group.get_by_role("radio", name=option_worth("hads", item, hads_score(item)).text).check()

    page.get_by_role("link", name="HADS, before the course").click()
    page.get_by_role("heading", name="HADS, before the course").wait_for()
    for item in (1, 2, 4, 5, 6):
        answer(item)
    # One anxiety item skipped: the half rule still scores the subscale (prorated).
    question(page, "hads", 3).get_by_role("radio", name="Skip this question").check()
    page.get_by_role("button", name="Save and finish later").click()
    page.get_by_text("Your answers so far are kept.").wait_for()
    assert "started" in page.locator("li", has_text="HADS, before the course").inner_text()
    auditor.audit(page)
    assert Draft.objects.get(assessment__key="hads_pre").answers == {
        **{str(i): str(option_worth("hads", i, hads_score(i)).value) for i in (1, 2, 4, 5, 6)},
        "3": "skip",
    }

    page.get_by_role("link", name="HADS, before the course").click()
    page.get_by_role("heading", name="HADS, before the course").wait_for()
    for item in (1, 2, 4, 5, 6):  # the draft is back
        group = question(page, "hads", item)
        assert group.get_by_role(
            "radio", name=option_worth("hads", item, hads_score(item)).text
        ).is_checked()
    assert question(page, "hads", 3).get_by_role("radio", name="Skip this question").is_checked()
    assert not question(page, "hads", 7).locator("input:checked").count()
    auditor.audit(page)
    for item in (7, 8, 10, 11, 12, 13, 14):  # item 9 forgotten
        answer(item)
    page.get_by_role("button", name="Send my answers").click()

    # -- The error state: a summary at the top, focused, linking to the question -------------
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "9. HADS item 9" in summary.inner_text()
    # focused on arrival (autofocus runs at the next rendering update, so wait for it)
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    item9 = question(page, "hads", 9)
    described = item9.get_attribute("aria-describedby")
    assert described, "the question with the error is not described by it"
    assert "Please answer or skip this question." in page.locator(f"#{described}").inner_text()
    assert item9.locator("input[aria-invalid=true]").count() == 5  # 4 options and the skip
    assert question(page, "hads", 8).get_attribute("aria-describedby") is None
    auditor.audit(page)
    assert not Response.objects.filter(key="hads_pre").exists()
    assert Draft.objects.get(assessment__key="hads_pre").answers["14"]  # kept meanwhile
    summary.get_by_role("link", name="9. HADS item 9").click()
    active = page.evaluate(ACTIVE)
    assert (active["type"], active["name"]) == ("radio", "9"), active  # the link leads there
    answer(9)
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Thank you. Your answers are saved.").wait_for()
    assert "Done" in page.locator("li", has_text="HADS, before the course").inner_text()
    assert "Done" not in page.locator("li", has_text="MHC-SF, before the course").inner_text()
    auditor.audit(page)

    hads = Response.objects.get(patient=profile, key="hads_pre")
    assert (hads.answers["3"], hads.item_scores["3"]) == (None, None)  # the skip
    assert {k: v for k, v in hads.item_scores.items() if k != "3"} == {
        str(i): hads_score(i) for i in range(1, 15) if i != 3
    }
    # Anxiety: six items worth 2, prorated to seven (mean x 7); depression: seven worth 1.
    assert hads.subscales == {"anxiety": 14.0, "depression": 7.0}
    assert (hads.total, hads.prorated) == (21.0, True)
    assert not Draft.objects.filter(assessment__key="hads_pre").exists()


@pytest.mark.django_db(transaction=True)
def test_a_patient_in_week_six_prepares_writes_and_downloads_their_data(
    live_server: Any, browser: Any, frozen_day: None, auditor: Auditor, tmp_path: Path
) -> None:
    course, _ = load_course(FIXTURE_COURSE)
    tessa = User.objects.create_user("tessa", role=Role.THERAPIST, first_name="Tessa")
    noor = patient("noor", therapist=tessa, course=course, start_date=TODAY - timedelta(days=35))
    base = live_server.url
    page = new_page(browser, auditor)
    page.goto(base + "/login/")
    auditor.audit(page)
    log_in(page, base, "noor")
    page.get_by_role("heading", name="Week 6 of 9").wait_for()
    auditor.audit(page)

    page.get_by_role("link", name="Preparing the silent day").click()
    page.get_by_role("heading", name="Preparing the silent day").wait_for()
    assert "Plan a quiet day." in page.locator("main").inner_text()
    auditor.audit(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    page.get_by_role("heading", name="Inbox").wait_for()
    auditor.audit(page)
    box = page.get_by_label("Your message")
    send = page.get_by_role("button", name="Send message")
    send.click()  # empty: the browser itself refuses (the field is required)
    assert box.evaluate("el => el.validity.valueMissing")
    assert page.url == base + "/inbox/"
    box.fill("   ")  # only spaces: the server refuses
    send.click()
    error = page.get_by_role("alert")
    error.wait_for()
    assert "This field is required." in error.inner_text()
    assert box.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in (box.get_attribute("aria-describedby") or "").split()
    auditor.audit(page)
    assert not Message.objects.filter(patient=noor).exists()
    box.fill("Can I do the silent day on Sunday instead of Saturday?")
    send.click()
    page.get_by_text("Your message is sent to your therapist.").wait_for()
    assert "Sunday instead of Saturday" in page.locator("main").inner_text()
    auditor.audit(page)
    message = Message.objects.get(patient=noor)
    assert (message.from_patient, message.author_id) == (True, noor.user_id)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My data").click()
    page.get_by_role("heading", name="My data").wait_for()
    auditor.audit(page)
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download my data").click()
    download = waiting.value
    assert download.suggested_filename == f"embct-my-data-{TODAY.isoformat()}.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["account"]["username"] == "noor"
    bodies = [row["body"] for row in data["records"]["care.message"]]
    assert bodies == ["Can I do the silent day on Sunday instead of Saturday?"]
    assert AuditEvent.objects.filter(action=Action.SELF_EXPORT, actor_id=noor.user_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_group_patient_finds_the_group_its_meetings_and_audio(
    live_server: Any, browser: Any, frozen_day: None, auditor: Auditor
) -> None:
    course, _ = load_course(FIXTURE_COURSE)
    tessa = User.objects.create_user("tessa", role=Role.THERAPIST, first_name="Tessa")
    group = MbctGroup.objects.create(
        name="Tuesday evening group", therapist=tessa, location="Room 2, Radboud", course=course
    )
    first = TODAY - timedelta(days=8)  # the first meeting was last Tuesday but one
    for session in course.sessions.all():
        GroupMeeting.objects.create(
            group=group, session=session, date=first + timedelta(days=7 * (session.week - 1))
        )
    lies = patient("lies", therapist=tessa, course=course, group=group, arm=Arm.MBCT)
    Attendance.objects.create(
        meeting=group.meetings.get(session__week=1), patient=lies, present=True
    )
    base = live_server.url
    page = new_page(browser, auditor)
    page.goto(base + "/login/")
    auditor.audit(page)
    log_in(page, base, "lies")
    page.get_by_role("heading", name="Tuesday evening group").wait_for()
    assert page.url == base + "/my-group/"
    auditor.audit(page)
    main = page.locator("main")
    assert "Room 2, Radboud" in main.inner_text()
    # Two meetings so far, the first attended: their handouts and audio are there; the
    # seven later ones open on the day.
    meeting = page.locator("section", has=page.get_by_role("heading", name="Session 1:"))
    assert "you were there" in meeting.inner_text()
    assert "you were there" not in page.locator("section", has_text="Session 2:").inner_text()
    released = Exercise.objects.filter(session__course=course, session__week__in=(1, 2))
    assert page.locator("audio").count() == released.exclude(audio="").count() > 0
    assert main.get_by_text("The handout and audio open on the day of the meeting.").count() == 7
    meeting.get_by_text("Handout 1").click()
    meeting.get_by_text("Home practice for week 1.").wait_for()
    # The week-2 WAI-SR is due (the course started with the first meeting).
    assert page.get_by_role("link", name="WAI-SR, start of week 2").is_visible()
