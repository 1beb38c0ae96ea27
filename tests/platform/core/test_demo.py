"""The demo clinic: seeded once, kept on the next run, and every page of it renders."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO, StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from embct.platform.accounts.models import User
from embct.platform.care.models import DiaryEntry, LogSubmission, Message, PatientProfile
from embct.platform.core.demo import DIARY_LINES
from embct.platform.course.loader import load_course
from embct.platform.groups.models import Attendance, MbctGroup
from embct.platform.questionnaires.early import charts
from embct.platform.questionnaires.models import FlagRecord, Response
from embct.platform.research.models import Screening
from support.testing import FIXTURE_COURSE, force_login_verified


@pytest.fixture
def seeded(db: None, settings: Any) -> str:
    # Argon2 costs 0.3 s a password; the demo's 15 accounts need no real hashing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_course(FIXTURE_COURSE)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (User, PatientProfile, DiaryEntry, LogSubmission, Message, Attendance)
    )


def test_it_seeds_patients_at_different_weeks_a_group_and_prints_logins(seeded: str) -> None:
    assert "patient3-demo-2026" in seeded
    assert "member-demo-2026" in seeded
    today = timezone.localdate()
    weeks = sorted(p.week(today) for p in PatientProfile.objects.filter(arm="embct"))
    assert weeks == [1, 2, 3, 4, 5, 8]
    assert LogSubmission.objects.filter(answered_at=None).exists()
    assert Message.objects.filter(from_patient=True, answered_at=None).exists()
    group = MbctGroup.objects.get()
    assert group.members.count() == 4
    assert Attendance.objects.filter(present=True).exists()


def test_running_it_again_keeps_the_data(seeded: str) -> None:
    pim = PatientProfile.objects.get(user__username="patient")
    DiaryEntry.objects.create(
        patient=pim,
        session=pim.course.sessions.get(week=1),
        date=pim.start_date,
        minutes=3,  # type: ignore[union-attr]
    )
    before = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == before


@pytest.mark.parametrize(
    ("username", "pages"),
    [
        ("patient", ["/week/", "/inbox/"]),
        ("patient3", ["/week/", "/inbox/"]),
        ("member", ["/my-group/", "/inbox/"]),
        ("therapist", ["/queue/", "/caseload/", "/groups/", "/supervision/"]),
        ("therapist2", ["/queue/", "/caseload/"]),
        ("patient-nl", ["/week/", "/inbox/"]),
        ("therapist-nl", ["/queue/", "/caseload/"]),
    ],
)
def test_every_demo_page_renders(seeded: str, username: str, pages: list[str]) -> None:
    client = Client()
    user = User.objects.get(username=username)
    force_login_verified(client, user)
    for page in pages:
        assert client.get(page).status_code == 200, page
    if user.role == "therapist":
        for profile in PatientProfile.objects.filter(therapist=user):
            assert client.get(f"/patients/{profile.pk}/").status_code == 200
        for group in MbctGroup.objects.filter(therapist=user):
            assert client.get(f"/groups/{group.pk}/").status_code == 200
    else:
        profile = user.patient_profile  # type: ignore[attr-defined]
        for session in profile.course.sessions.filter(week__lte=profile.week(timezone.localdate())):
            assert client.get(f"/sessions/{session.pk}/").status_code == 200


def test_a_dutch_therapist_and_her_dutch_patient_write_dutch(seeded: str) -> None:
    assert re.search(r"Therapist \(Nederlands\)\s+therapist-nl\s+therapist-nl-demo-2026", seeded)
    assert re.search(r"Patient, week 4 \(Nederlands\)\s+patient-nl\s+patient-nl-demo-2026", seeded)
    eva = User.objects.get(username="therapist-nl")
    femke = PatientProfile.objects.get(user__username="patient-nl")
    assert (eva.language, femke.user.language, femke.therapist) == ("nl", "nl", eva)
    assert (
        User.objects.exclude(username__in=["therapist-nl", "patient-nl"])
        .filter(language="nl")
        .count()
        == 0
    )
    lines = {text for entry in DIARY_LINES["nl"] for text in entry}
    diaries = DiaryEntry.objects.filter(patient=femke)
    assert diaries.count() >= 6
    assert {text for d in diaries for text in (d.body, d.thoughts, d.feelings)} <= lines
    bodies = list(femke.messages.order_by("sent_at").values_list("body", flat=True))
    assert bodies[0].startswith("Welkom, Femke. Ik ben Eva, uw therapeut")
    assert sum(b.startswith("Dank u voor uw dagboek van sessie") for b in bodies) == 2
    assert bodies[-1].startswith("Mag ik de bodyscan ook in bed doen?")
    assert not any("Thank you" in b or "Welcome" in b for b in bodies)
    # Her week 3 log files wait for Eva's answer.
    waiting = LogSubmission.objects.get(patient=femke, answered_at=None)
    assert waiting.session.week == 3


def test_the_dutch_accounts_see_dutch_pages_around_the_english_course(seeded: str) -> None:
    client = Client()
    force_login_verified(client, User.objects.get(username="patient-nl"))
    page = client.get("/week/").content.decode()
    assert '<html lang="nl">' in page
    assert "Week 4 van 9" in page
    assert '<span lang="en">' in page  # the course's session titles
    force_login_verified(client, User.objects.get(username="therapist-nl"))
    page = client.get("/queue/").content.decode()
    assert '<html lang="nl">' in page
    assert "Femke" in page


def test_the_therapist_sees_alliance_charts_and_early_warnings(seeded: str) -> None:
    flags = set(FlagRecord.objects.values_list("patient__user__username", "code"))
    assert ("patient", "weak_early_alliance") in flags  # Pim, week-2 alliance 24
    assert ("patient4", "alliance_fall") in flags  # Noor, 45 then 33
    assert ("member2", "weak_early_alliance") in flags  # a group member too
    kai = PatientProfile.objects.get(user__username="patient3")
    assert set(charts(kai)) == {"alliance", "alliance_parts", "hads", "mhc"}
    client = Client()
    force_login_verified(client, User.objects.get(username="therapist"))
    page = client.get(reverse("questionnaires:measures", args=[kai.pk]))
    assert page.status_code == 200
    assert "Alliance (WAI-SR total) over time" in page.content.decode()
    # Lars has not answered his week-2 alliance yet: it waits for him.
    lars = Response.objects.filter(patient__user__username="patient5")
    assert sorted(lars.values_list("instrument", flat=True)) == ["hads", "mhc"]
    # each answered on the day it fell due (an hour ago, at the latest)
    latest = timezone.now() - timedelta(hours=1)
    for response in Response.objects.select_related("assessment"):
        day = timezone.localdate(response.submitted_at)
        assert day == response.assessment.due or response.submitted_at >= latest


def test_without_a_randomization_seed_the_trial_is_left_out_and_said_so(seeded: str) -> None:
    assert "the demo trial was not entered" in seeded
    assert not Screening.objects.exists()


def test_nothing_in_the_demo_lies_in_the_future(seeded: str) -> None:
    now = timezone.now()
    assert not Response.objects.filter(submitted_at__gt=now).exists()
    assert not DiaryEntry.objects.filter(date__gt=timezone.localdate()).exists()
    assert not DiaryEntry.objects.filter(created__gt=now).exists()
    assert not LogSubmission.objects.filter(sent_at__gt=now).exists()
    assert not Message.objects.filter(sent_at__gt=now).exists()


def test_the_demo_patients_see_whom_to_call_in_their_language(seeded: str) -> None:
    client = Client()
    for username, heading in (("patient", "Need help now?"), ("patient-nl", "Hulp nodig")):
        force_login_verified(client, User.objects.get(username=username))
        for page in ("/week/", "/inbox/"):
            text = client.get(page).content.decode()
            assert heading in text, (username, page)
            assert 'href="tel:08000113"' in text, (username, page)


def test_the_demo_patients_see_their_therapists_photo_and_profile_with_the_welcome(
    seeded: str,
) -> None:
    from PIL import Image

    client = Client()
    for username, words in (("patient", "mindfulness teacher"), ("patient-nl", "psycholoog")):
        patient = User.objects.get(username=username)
        force_login_verified(client, patient)
        text = client.get("/inbox/").content.decode()
        assert words in text, username
        therapist = PatientProfile.objects.get(user=patient).therapist
        url = reverse("care:therapist_photo", args=[therapist.pk])
        assert f'<img src="{url}?v=' in text, username
        photo = client.get(url)
        assert photo.status_code == 200, username
        with Image.open(BytesIO(photo.content)) as image:
            assert (image.format, image.size) == ("JPEG", (256, 256))


@pytest.mark.parametrize("day", ["2026-12-02", "2027-03-17"])
def test_the_demo_agrees_with_itself(db: None, settings: Any, day: str) -> None:
    """Feedback on each patient's agreed weekday, feedback texts that vary, the silent-day
    diary on the silent day, and no group meeting on 24 or 31 December (seeded early in
    December, the group's weeks run over both)."""
    import time_machine

    from embct.platform.care.models import MessageKind
    from embct.platform.groups.models import GroupMeeting
    from embct.trial import course_calendar

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(f"{day} 14:00 +01:00", tick=False):
        load_course(FIXTURE_COURSE)
        call_command("seed_demo", stdout=StringIO())
        today = timezone.localdate()
    feedback = Message.objects.filter(kind=MessageKind.FEEDBACK).select_related("patient")
    assert feedback.count() >= 8
    for message in feedback:
        sent = timezone.localtime(message.sent_at).date()
        assert sent.weekday() == message.patient.feedback_weekday, (message.patient, sent)
        assert sent <= today
    for profile in PatientProfile.objects.filter(arm="embct"):
        bodies = set(feedback.filter(patient=profile).values_list("body", flat=True))
        assert len(bodies) == feedback.filter(patient=profile).count()  # none repeated
    silent = DiaryEntry.objects.filter(session__number=None).select_related("patient")
    assert silent.exists()  # Noor's week 6
    for entry in silent:
        assert entry.patient.start_date is not None
        assert entry.date == course_calendar(entry.patient.start_date).silent_day.release_date
    dates = list(GroupMeeting.objects.values_list("date", flat=True))
    assert len(dates) == 9
    assert not [d for d in dates if (d.month, d.day) in ((12, 24), (12, 31))]
    if day == "2026-12-02":  # both Thursdays fall in the group's nine weeks: moved a week on
        assert max(dates) - min(dates) == timedelta(weeks=10)
