"""The personas every platform test uses (in the spirit of healthchecks' ``hc/test.py``).

- ``tessa``: a therapist; ``pim`` is her eMBCT patient (started 15 days ago: week 3).
- ``otto``: another therapist; ``olga`` is his patient.
- ``sam``: a supervising therapist who supervises ``tessa``.
- ``rosa``: a researcher; ``ada``: an administrator.
- ``gus`` (made on demand, :func:`create_group_patient`): ``tessa``'s patient in group MBCT,
  a member of her group, started with ``pim``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client, TestCase
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import (
    Arm,
    DiaryEntry,
    LogSubmission,
    PatientProfile,
    Supervision,
    Weekday,
)
from embct.platform.care.services import send_log_files
from embct.platform.core.sessions import REFRESHED_KEY
from embct.platform.course.loader import CourseData, read_course, upsert_course
from embct.platform.course.models import Course, CourseSession
from embct.platform.groups.models import MbctGroup
from embct.platform.security.services import needs_second_factor

#: The tiny course the tests load (tests/platform/fixture_course/tiny).
FIXTURE_COURSE = Path(__file__).resolve().parents[1] / "platform" / "fixture_course" / "tiny"
PASSWORD = "a long enough passphrase"
#: Tests run on a fixed day: Wednesday 18 March 2026, 10:00 in Amsterdam.
TODAY = date(2026, 3, 18)
NOW = datetime(2026, 3, 18, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def force_login_verified(client: Client, user: User) -> None:
    """``client.force_login(user)``; for staff, also as if they had given their second factor
    (a confirmed device of theirs is recorded in the session, as django-otp does). The session
    carries SessionRefreshMiddleware's stamp, as one saved by the login page does, so the first
    request does not write it again (query counts are of the steady state)."""
    client.force_login(user)
    session = client.session
    session[REFRESHED_KEY] = int(timezone.now().timestamp())
    session.save()
    if needs_second_factor(user):
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name="test device", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@functools.cache
def fixture_course() -> CourseData:
    """The fixture course, parsed once per test run (each test case writes it afresh)."""
    return read_course(FIXTURE_COURSE)


@dataclass
class Personas:
    """The personas of the module's docstring, and the fixture course their patients follow."""

    course: Course
    tessa: User
    otto: User
    sam: User
    rosa: User
    ada: User
    pim: User
    olga: User
    pim_profile: PatientProfile
    olga_profile: PatientProfile


def create_personas() -> Personas:
    """Write the fixture course and the personas to the database (users without a password:
    tests log them in with :func:`force_login_verified`, or set one)."""
    course, _ = upsert_course(fixture_course())

    def user(name: str, role: str, **extra: object) -> User:
        return User.objects.create_user(
            name,
            password=None,  # force_login in tests; hashing costs 0.3 s a user
            role=role,
            first_name=name.title(),
            email=f"{name}@example.org",
            **extra,
        )

    tessa = user("tessa", Role.THERAPIST)
    otto = user("otto", Role.THERAPIST)
    sam = user("sam", Role.THERAPIST)
    rosa = user("rosa", Role.RESEARCHER)
    ada = user("ada", Role.ADMIN, is_staff=True, is_superuser=True)
    pim = user("pim", Role.PATIENT)
    olga = user("olga", Role.PATIENT)
    pim_profile = PatientProfile.objects.create(
        user=pim,
        therapist=tessa,
        start_date=TODAY - timedelta(days=15),
        feedback_weekday=Weekday.THURSDAY,
        course=course,
    )
    olga_profile = PatientProfile.objects.create(
        user=olga,
        therapist=otto,
        start_date=TODAY - timedelta(days=15),
        feedback_weekday=Weekday.MONDAY,
        course=course,
    )
    Supervision.objects.create(supervisor=sam, therapist=tessa)
    return Personas(course, tessa, otto, sam, rosa, ada, pim, olga, pim_profile, olga_profile)


def create_group_patient(therapist: User, course: Course) -> PatientProfile:
    """``gus``: a patient allocated to group MBCT, in a group ``therapist`` leads, with a
    diary entry of the first session (as if written before the arm rule; it must not be sent)."""
    gus = User.objects.create_user(
        "gus", password=None, role=Role.PATIENT, first_name="Gus", email="gus@example.org"
    )
    group = MbctGroup.objects.create(
        name="Gus's group", therapist=therapist, location="Room 2", course=course
    )
    profile = PatientProfile.objects.create(
        user=gus,
        therapist=therapist,
        arm=Arm.MBCT,
        start_date=TODAY - timedelta(days=15),
        course=course,
        group=group,
    )
    session = course.sessions.get(week=1)
    DiaryEntry.objects.create(
        patient=profile, session=session, date=TODAY, minutes=10, body="group diary"
    )
    return profile


class BaseTestCase(TestCase):
    course: Course
    tessa: User
    otto: User
    sam: User
    rosa: User
    ada: User
    pim: User
    olga: User
    pim_profile: PatientProfile
    olga_profile: PatientProfile

    @classmethod
    def setUpClass(cls) -> None:
        # The class's test data (setUpTestData) is made on the personas' day too, so that its
        # dates agree with the tests' frozen clock (a screening is not later than "today").
        with time_machine.travel(NOW, tick=False):
            super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        for name, value in vars(create_personas()).items():
            setattr(cls, name, value)

    def setUp(self) -> None:
        super().setUp()
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        cache.clear()  # rate-limit counts (the screening form) start afresh in every test

    def login(self, user: User) -> None:
        force_login_verified(self.client, user)

    def session(self, week: int) -> CourseSession:
        return self.course.sessions.get(week=week)

    def diary(self, profile: PatientProfile, week: int, **fields: object) -> DiaryEntry:
        """A diary entry of ``profile`` for the session of ``week`` (not sent)."""
        session = self.session(week)
        values: dict[str, object] = {
            "date": TODAY,
            "minutes": 10,
            "body": "warm hands",
            "exercise": session.exercises.first(),
        }
        values.update(fields)
        return DiaryEntry.objects.create(patient=profile, session=session, **values)

    def send(self, profile: PatientProfile, week: int, entries: int = 1) -> LogSubmission:
        """``entries`` diary entries for ``week``, sent to the therapist."""
        for _ in range(entries):
            self.diary(profile, week)
        return send_log_files(profile, self.session(week))


def table_rows(*, skip: tuple[str, ...] = ()) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """``table -> (columns, rows)`` for every table the database lists (not only the models'),
    read with plain SQL, rows sorted: to prove that something changed nothing, or to scan for
    a value. Tables in ``skip`` are left out."""
    out = {}
    schema, quote = connection.introspection, connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in schema.table_names(cursor):
            if table in skip:
                continue
            columns = [c.name for c in schema.get_table_description(cursor, table)]
            cursor.execute(f"SELECT * FROM {quote(table)}")
            out[table] = (columns, sorted((tuple(row) for row in cursor.fetchall()), key=repr))
    return out
