"""A course has a language; a new patient gets the newest course in their own language.

``Course.current(language)``: the newest course in that language, else one sharing its
primary subtag, else any. The administrator's new patient and the demo's patients are given
the course of their account's language; the Dutch demo course loads without errors.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from embct.platform.accounts.models import User
from embct.platform.care.models import Arm, PatientProfile
from embct.platform.core.demo import seed_clinic
from embct.platform.course.loader import CourseData, load_course, read_course, upsert_course
from embct.platform.course.models import Course
from support.testing import FIXTURE_COURSE, BaseTestCase, fixture_course

CONTENT = Path(__file__).resolve().parents[3] / "src" / "embct" / "platform" / "course_content"
DUTCH_DEMO = CONTENT / "demo-nl"


def variant(slug: str, language: str, version: int = 1) -> CourseData:
    return dataclasses.replace(fixture_course(), slug=slug, language=language, version=version)


def test_the_loader_reads_the_dutch_demo_course_without_errors() -> None:
    data = read_course(DUTCH_DEMO)
    assert (data.slug, data.language, data.demo, data.silent_day_week) == (
        "demo-nl",
        "nl",
        True,
        6,
    )
    assert [s.week for s in data.sessions] == list(range(1, 10))
    assert [s.number for s in data.sessions] == [1, 2, 3, 4, 5, None, 6, 7, 8]
    assert data.sessions[0].exercises[0].title == "Een rustige bodyscan"
    assert data.sessions[5].title == "De stiltedag"
    assert (
        data.sessions[0]
        .exercises[0]
        .transcript.startswith("Dit is demo-audio voor de embct-democursus.")
    )
    assert "Welkom in de zevende week" in data.sessions[6].intro_html
    assert all(e.audio for s in data.sessions for e in s.exercises if e.kind != "other")


@pytest.mark.django_db
def test_current_picks_the_newest_course_in_the_language_and_falls_back_to_any() -> None:
    english, _ = upsert_course(variant("course-en", "en"))
    assert Course.current("nl") == english  # no Dutch course: any course rather than none
    dutch, _ = upsert_course(variant("course-nl", "nl"))
    assert Course.current("nl") == dutch
    assert Course.current("en") == english
    assert Course.current("nl-BE") == dutch  # the same primary language
    flemish, _ = upsert_course(variant("course-nl-be", "nl-BE"))
    assert Course.current("nl-BE") == flemish
    assert Course.current("nl") == dutch  # the exact language first
    newer, _ = upsert_course(variant("course-nl", "nl", version=2))
    assert Course.current("nl") == newer
    assert Course.current("en") == english
    assert Course.current("pt") == newer  # none in Portuguese: the newest of all
    assert Course.current() == newer


@pytest.mark.django_db
def test_no_course_loaded_gives_none_in_any_language() -> None:
    assert Course.current("nl") is None
    assert Course.current() is None


@pytest.mark.django_db
def test_the_demo_gives_its_dutch_patient_the_dutch_course(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    english, _ = load_course(FIXTURE_COURSE)
    dutch, _ = load_course(DUTCH_DEMO)
    seed_clinic("-demo-test")
    femke = PatientProfile.objects.get(user__username="patient-nl")
    assert femke.course == dutch
    # her diaries and log files are in the Dutch course's sessions and exercises
    assert femke.diaries.exists()
    assert {entry.session.course_id for entry in femke.diaries.all()} == {dutch.pk}
    assert {e.exercise.session.course_id for e in femke.diaries.all() if e.exercise} == {dutch.pk}
    assert {s.session.course_id for s in femke.submissions.all()} == {dutch.pk}
    others = PatientProfile.objects.exclude(user__username="patient-nl")
    assert set(others.values_list("course", flat=True)) == {english.pk}
    assert set(others.values_list("user__language", flat=True)) == {"en"}


class NewPatientLanguageTests(BaseTestCase):
    """The administrator's new patient follows the course of the account's language."""

    def form(self, username: str, language: str) -> dict[str, object]:
        return {
            "account-username": username,
            "account-first_name": "Nel",
            "account-email": f"{username}@example.org",
            "account-language": language,
            "care-therapist": self.tessa.pk,
            "care-arm": Arm.EMBCT,
            "care-start_date": "2026-03-23",
            "care-feedback_weekday": 1,
        }

    def test_a_dutch_patient_gets_the_dutch_course_and_an_english_one_the_english(self) -> None:
        dutch, _ = load_course(DUTCH_DEMO)
        self.login(self.ada)
        for username, language, course in (("nel", "nl", dutch), ("ned", "en", self.course)):
            response = self.client.post("/clinic/patients/new/", self.form(username, language))
            assert response.status_code == 201
            user = User.objects.get(username=username)
            assert user.language == language
            assert PatientProfile.objects.get(user=user).course == course

    def test_without_a_course_in_their_language_a_patient_gets_the_newest_one(self) -> None:
        self.login(self.ada)
        response = self.client.post("/clinic/patients/new/", self.form("nel", "nl"))
        assert response.status_code == 201
        assert PatientProfile.objects.get(user__username="nel").course == self.course
