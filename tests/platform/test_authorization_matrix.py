"""The authorization matrix: every URL x every role x own / someone else's object.

The URLs come from the URL configuration itself (``get_resolver().url_patterns``, walked
recursively), so a new URL name without an entry in ``EXPECTED`` fails
``test_every_url_has_an_entry``; an entry whose URL is gone fails it too. The walk, the
table (``EXPECTED``, ``POST_ONLY``, ``GET_AND_POST``, ``SHARED_OBJECTS``, ``PASSWORD_ONLY``)
and the objects the URLs point at live in :mod:`support.testing_urls`, shared with the
browser sweep of every page (tests/browser/test_every_page.py).

Roles: anonymous, patient (``pim``), therapist (``tessa``), researcher (``rosa``) and
admin (``ada``), the personas of :mod:`support.testing`. "Own" objects belong to
``pim`` (and hence to his therapist ``tessa``); "other" objects to ``olga``, a patient of
another therapist (``otto``), or are course sessions (and their exercises) that have not
opened for ``pim`` or belong to another course (see :class:`UrlObjects`). For objects nobody
owns in that sense (screenings, study participants, accounts and profiles managed by the
administrator) both columns use the same object; ``SHARED_OBJECTS`` lists those URLs.

And "password only": ``tessa``, ``rosa`` and ``ada`` (each has backup codes) signed in with
the password, not yet with the second factor; and ``fay``, a therapist who never had a
device, in the same state (her first login: she may enrol, nothing else).

Expected answers follow the platform's rules: anonymous gets 302 to the login page for
private pages and 200 for public ones; a wrong role gets 403; the right role but someone
else's object gets 404; own gets 200 (302 for views that only redirect); a password-only
session gets 302 to the second-factor page. POST-only views answer GET with 405 for
everybody. Every view that takes POST (``ACCEPTS_POST``: the POST-only ones and the pages
with a form) is POSTed to (empty form) in every cell that is refused; every other view
answers POST with 405. After every refused request, GET or POST, the rows of every table
(their values, not their count; sessions, login throttling, the audit trail and
``last_login`` aside) are what they were before. No page a patient or a therapist gets
names another therapist's patient.

``MatrixBitesTests`` proves the matrix can fail: with each object check of the access helpers
made permissive in turn (and the second-factor middleware switched off, and a list that
shows every patient), the matrix reports wrong cells.

Excluded from the walk (documented, each for a reason):

- Django admin's own URLs under ``/admin/`` except its index: they are Django's, guarded by
  ``is_staff`` as a whole, and the index proves that guard here. For the password-only
  session, ``test_every_admin_page_refuses_a_password_only_session`` visits them all.
- Static and media files: none are routed through the URL configuration (whitenoise serves
  static files in front of Django).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any
from unittest import mock
from uuid import uuid4

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from embct.platform import access
from embct.platform.accounts.models import Role, User
from embct.platform.care.models import Arm, PatientProfile, SafetyConcern
from embct.platform.care.services import patient_writes, send_log_files
from embct.platform.course.models import CourseSession, Exercise
from embct.platform.groups.models import GroupMeeting, MbctGroup
from embct.platform.questionnaires import early
from embct.platform.questionnaires.models import FlagRecord, ScheduledAssessment
from embct.platform.security.middleware import SecondFactorRequiredMiddleware
from support.testing import TODAY, BaseTestCase, create_group_patient
from support.testing_urls import (
    ACCEPTS_POST,
    EXPECTED,
    GET_AND_POST,
    MET_FOR_AN_EMBCT_PATIENT,
    ONLINE_COURSE,
    PASSWORD_ONLY,
    POST_ONLY,
    ROLES,
    SHARED_OBJECTS,
    UrlObjects,
    has_object,
    url_names,
)

FIRST_LOGIN_ROLE = "password only, first login (therapist)"
#: A patient allocated to group MBCT (``gus``): the patient's table, but 403 on every page of
#: the online course (:data:`ONLINE_COURSE`).
GROUP_PATIENT_ROLE = "patient (group MBCT)"
#: The password-only roles: the staff persona whose session has passed the password only.
PASSWORD_ONLY_ROLES = {
    "password only (therapist)": "tessa",
    "password only (researcher)": "rosa",
    "password only (admin)": "ada",
    FIRST_LOGIN_ROLE: "fay",
}
#: The matrix's lines for the enrolment page in a password-only session of an account with a
#: device (the first login's role is spelled with a comma).
ENROL_WITH_A_DEVICE = "security:enrol as password only ("
#: What the first login may reach besides :data:`PASSWORD_ONLY`: the second-factor page sends
#: an account without a device to the enrolment page, and that answers.
FIRST_LOGIN = {**PASSWORD_ONLY, "security:verify": 302, "security:enrol": 200}


def password_only_table(role: str) -> dict[str, int]:
    """The URLs a password-only ``role`` may reach, and what they answer."""
    return FIRST_LOGIN if role == FIRST_LOGIN_ROLE else PASSWORD_ONLY


#: Tables and columns a refused request may change: the session, django-axes' throttle, the
#: audit trail (a refusal may be recorded) and the time of the last login (the matrix logs in).
VOLATILE_APPS = {"sessions", "axes", "audit"}
VOLATILE_FIELDS = {("accounts.User", "last_login")}


@functools.cache
def snapshot_queries() -> tuple[tuple[str, str], ...]:
    """(table's label, the SQL that reads its rows' values) for every table but the volatile."""
    quote = connection.ops.quote_name
    out = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in VOLATILE_APPS:
            continue
        columns = ", ".join(
            quote(str(f.column))
            for f in meta.concrete_fields
            if (meta.label, f.name) not in VOLATILE_FIELDS
        )
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} ORDER BY {quote(str(meta.pk.column))}"
        out.append((meta.label, sql))
    return tuple(out)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """The values of every row of every table (many-to-many tables included), by table."""
    rows = {}
    with connection.cursor() as cursor:
        for label, sql in snapshot_queries():
            cursor.execute(sql)
            rows[label] = cursor.fetchall()
    return rows


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


@dataclass(frozen=True)
class Cell:
    """One request of the matrix and the status it must get."""

    name: str
    role: str
    which: str  # "own", "other" or the label of another "other" object
    method: str
    url: str
    want: int
    refused: bool


class MatrixCase(BaseTestCase):
    """The personas, the objects the URLs point at, and :meth:`check`, the matrix itself."""

    objects: UrlObjects
    fay: User
    gus: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.objects = UrlObjects.create(cls.course, cls.pim_profile, cls.olga_profile, TODAY)
        # Staff with backup codes only (as after the README's "lost phone" procedure, and as
        # every demo staff account): in the password-only state they may not enrol.
        for user in (cls.tessa, cls.rosa, cls.ada):
            device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
            StaticToken.objects.create(device=device, token="abcd1234")
        cls.fay = User.objects.create_user("fay", role=Role.THERAPIST, first_name="Fay")
        cls.gus = create_group_patient(cls.tessa, cls.course).user
        # Something in every list, for both therapists, so a list that leaks shows it.
        for profile in (cls.pim_profile, cls.olga_profile):
            session = cls.course.sessions.get(week=1)
            exercise = session.exercises.first()
            profile.diaries.create(
                session=session, date=TODAY, minutes=10, body="b", exercise=exercise
            )
            send_log_files(profile, session)
            patient_writes(profile, "a question", form_token=uuid4())

    def user_for(self, role: str) -> User | None:
        if role in PASSWORD_ONLY_ROLES:
            return User.objects.get(username=PASSWORD_ONLY_ROLES[role])
        if role == GROUP_PATIENT_ROLE:
            return self.gus
        return {
            "anonymous": None,
            "patient": self.pim,
            "therapist": self.tessa,
            "researcher": self.rosa,
            "admin": self.ada,
        }[role]

    def as_role(self, role: str) -> None:
        self.client.logout()
        user = self.user_for(role)
        if role in PASSWORD_ONLY_ROLES:
            assert user is not None
            self.client.force_login(user)  # the password, not the second factor
        elif user is not None:
            self.login(user)

    def strangers(self) -> list[str]:
        """What names ``olga`` on a page: her username, name and e-mail address."""
        olga = self.olga
        return [s.lower() for s in (olga.username, olga.get_full_name(), olga.email) if s]

    # ---- the cells ---------------------------------------------------------------------
    def cells(self, names: Iterable[str], roles: Iterable[str]) -> Iterator[Cell]:
        for role in roles:
            for name in names:
                yield from self.cells_of(name, role)

    def cells_of(self, name: str, role: str) -> Iterator[Cell]:
        first = "POST" if name in POST_ONLY else "GET"
        for which, url, want in self.targets(name, role):
            if want is None:
                continue
            refused = self.is_refusal(name, role, want)
            yield Cell(name, role, which, first, url, want, refused)
            if refused and name in GET_AND_POST:
                yield Cell(name, role, which, "POST", url, want, refused)

    def targets(self, name: str, role: str) -> list[tuple[str, str, int | None]]:
        """(which, URL, expected status) for the own object and then every other one."""
        if role in PASSWORD_ONLY_ROLES:
            want = password_only_table(role).get(name, 302)
            cell: Any = (want, want) if has_object(name) else want
        elif role == GROUP_PATIENT_ROLE and name in ONLINE_COURSE:
            cell = (403, 403) if has_object(name) else 403
        else:
            cell = EXPECTED[name][role]
        if not has_object(name):
            return [("own", self.objects.url(name), cell)]
        own, other = cell
        others = [(which, url, other) for which, url in self.objects.others(name)]
        return [("own", self.objects.url(name), own), *others]

    @staticmethod
    def is_refusal(name: str, role: str, want: int) -> bool:
        if role in PASSWORD_ONLY_ROLES:
            return name not in password_only_table(role)
        if want in (403, 404, 405):
            return True
        if want != 302:
            return False
        if role == "anonymous":
            return name != "logout"
        return name == "admin:index"  # a signed-in non-staff user: Django admin's login

    def refusal_target(self, cell: Cell) -> str | None:
        """Where a refused 302 must send the user (and a first login's second-factor page)."""
        if cell.role == FIRST_LOGIN_ROLE and cell.name == "security:verify":
            return reverse("security:enrol")
        if cell.want != 302 or not cell.refused:
            return None
        if cell.role in PASSWORD_ONLY_ROLES:
            return reverse("security:verify")
        return "/admin/login/" if cell.name == "admin:index" else reverse("login")

    # ---- the matrix --------------------------------------------------------------------
    def check(
        self, names: Iterable[str] | None = None, roles: Iterable[str] | None = None
    ) -> tuple[list[str], int]:
        """Make every request of the matrix (restricted to ``names`` and ``roles``); return
        what was wrong, one line a cell, and how many requests were made."""
        names = sorted(EXPECTED if names is None else names)
        # (password-only first: the staff pages they must not reach have not been visited yet)
        roles = list((*PASSWORD_ONLY_ROLES, *ROLES) if roles is None else roles)
        strangers = self.strangers()
        wrong: list[str] = []
        cells = 0
        current_role = None
        before: dict[str, list[Any]] | None = None
        for cell in self.cells(names, roles):
            if cell.role != current_role:
                self.as_role(cell.role)
                current_role, before = cell.role, None
            if cell.refused and before is None:
                before = snapshot()
            where = f"{cell.method} {cell.name} as {cell.role} ({cell.which})"
            send = self.client.post if cell.method == "POST" else self.client.get
            try:
                response = send(cell.url)
            except Exception as error:  # a crash is a wrong cell too
                wrong.append(f"{where}: raised {error!r}")
                current_role = None  # the session may be in any state: log in again
                continue
            cells += 1
            target = self.refusal_target(cell)
            location = response.get("Location", "")
            if response.status_code != cell.want:
                wrong.append(f"{where}: {response.status_code}, expected {cell.want}")
            elif target is not None and not location.startswith(target):
                wrong.append(f"{where}: redirect to {location!r}, expected {target!r}")
            if cell.role in ("patient", "therapist") and not response.streaming:
                text = response.content.decode(errors="replace").lower()
                # whole words only: a random CSRF token or key may hold "olga" by chance
                shown = [
                    s
                    for s in strangers
                    if re.search(rf"(?<![a-z0-9]){re.escape(s)}(?![a-z0-9])", text)
                ]
                if shown:
                    wrong.append(f"{where}: shows another therapist's patient ({shown})")
            if cell.name == "logout":
                current_role = None  # signed out: sign in again for the next cell
            if cell.refused:
                assert before is not None
                after = snapshot()
                if changes := changed_tables(before, after):
                    wrong.append(f"{where}: refused, yet rows changed in {changes}")
                before = after
            else:
                before = None  # an allowed request may change rows: compare from the next
        return wrong, cells


class AuthorizationMatrixTests(MatrixCase):
    def test_every_url_has_an_entry(self) -> None:
        names = set(url_names())
        assert sorted(names - set(EXPECTED)) == [], "URLs without an entry in EXPECTED: add them"
        assert sorted(set(EXPECTED) - names) == [], "entries for URLs that are gone"
        assert sorted(set(PASSWORD_ONLY) - names) == [], "PASSWORD_ONLY names URLs that are gone"
        assert sorted(ACCEPTS_POST - names) == [], "ACCEPTS_POST names URLs that are gone"
        assert POST_ONLY.isdisjoint(GET_AND_POST)
        for name, row in EXPECTED.items():
            assert set(row) == set(ROLES), name
            for role, cell in row.items():
                assert isinstance(cell, tuple) == has_object(name), f"{name} {role}"

    def test_the_table_follows_the_rules(self) -> None:
        """Guard against an expected table that merely records a bug."""
        for name, row in EXPECTED.items():
            public = row["anonymous"] in (200, (200, 200))
            if not public:
                assert row["anonymous"] in (302, (302, 302)), name
            for role in ROLES[1:]:
                cell = row[role]
                if not isinstance(cell, tuple) or name in SHARED_OBJECTS:
                    continue
                own, other = cell
                if own is None or own < 400:  # the role may act on its own object ...
                    assert other == 404, f"{name} {role}: someone else's object"
                else:  # ... or it is refused for both the same way
                    assert own == other, f"{name} {role}"
        # Before the second factor a staff session reaches only the pages to give it (and to
        # leave): none that shows or changes data.
        assert set(PASSWORD_ONLY) <= {"healthz", "login", "logout", "security:verify"}

    @pytest.mark.slow  # every URL for every role, own and other's
    def test_the_matrix(self) -> None:
        wrong, cells = self.check()
        # (the enrolment page before the second factor: the next test's)
        wrong = [line for line in wrong if ENROL_WITH_A_DEVICE not in line]
        assert wrong == [], "\n".join(wrong)
        assert cells > 5 * len(EXPECTED)

    def test_a_password_only_session_of_an_account_with_a_device_cannot_enrol(self) -> None:
        """Backup codes count as a device: an account that has one gives its second factor
        before it may enrol an authenticator (the page sends it to the second-factor page and
        creates no device); only a first login enrols with the password alone."""
        roles = [role for role in PASSWORD_ONLY_ROLES if role != FIRST_LOGIN_ROLE]
        wrong, cells = self.check(["security:enrol"], roles)
        assert wrong == [], "\n".join(wrong)
        assert cells == 2 * len(roles)  # GET and POST
        wrong, _ = self.check(["security:enrol", "security:verify"], [FIRST_LOGIN_ROLE])
        assert wrong == [], "\n".join(wrong)

    def test_a_group_mbct_patient_cannot_reach_the_online_course(self) -> None:
        """The arm rule: ``gus``, allocated to group MBCT, gets 403 on the week page and on
        every session, diary and log-file URL (own course, not opened, another course), GET
        and POST, and no row changes (his diary entry is not sent)."""
        wrong, cells = self.check(sorted(ONLINE_COURSE), [GROUP_PATIENT_ROLE])
        assert wrong == [], "\n".join(wrong)
        assert cells >= 3 * 3 + 1

    def test_post_only_views_refuse_get(self) -> None:
        for name in sorted(POST_ONLY):
            for role in ROLES:
                self.as_role(role)
                url = self.objects.url(name, "own")
                assert self.client.get(url).status_code == 405, f"GET {name} as {role}"

    def test_every_other_view_refuses_post(self) -> None:
        """A view missing from ``ACCEPTS_POST`` would escape the matrix's POSTs: none is."""
        wrong = []
        for role in ROLES:
            self.as_role(role)
            for name in sorted(set(EXPECTED) - ACCEPTS_POST):
                status = self.client.post(self.objects.url(name, "own")).status_code
                if status != 405:
                    wrong.append(f"POST {name} as {role}: {status}")
        assert wrong == [], "these take POST: add them to GET_AND_POST\n" + "\n".join(wrong)

    def test_every_admin_page_refuses_a_password_only_session(self) -> None:
        """Every list, add and change page of Django admin, and its own account pages, send a
        password-only administrator to the second-factor page, GET or POST, and change
        nothing; with the second factor the same pages answer."""
        urls = [reverse("admin:index"), reverse("admin:password_change")]
        for model in admin.site._registry:
            meta = model._meta
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
            first = model._base_manager.order_by("pk").first()
            if first is not None:
                change = f"admin:{meta.app_label}_{meta.model_name}_change"
                urls.append(reverse(change, args=[first.pk]))
        verify = reverse("security:verify")
        self.as_role("password only (admin)")
        before = snapshot()
        wrong = []
        for url in urls:
            for send in (self.client.get, self.client.post):
                response = send(url)
                if response.status_code != 302 or not response["Location"].startswith(verify):
                    wrong.append(f"{url}: {response.status_code} {response.get('Location')}")
        assert wrong == [], "\n".join(wrong)
        assert changed_tables(before, snapshot()) == []
        # With the second factor: the pages, or Django admin's own refusal of an add page for
        # read-only data (the audit trail, django-axes' logs, courses loaded from files).
        self.login(self.ada)
        answers = {url: self.client.get(url).status_code for url in urls}
        assert {
            url: s
            for url, s in answers.items()
            if s != 200 and not (s == 403 and url.endswith("/add/"))
        } == {}


# ---- proof that the matrix bites ----------------------------------------------------------
@contextmanager
def replaced(original: Callable[..., Any], replacement: Callable[..., Any]) -> Iterator[None]:
    """``original`` replaced by ``replacement`` wherever the platform's modules name it (the
    views import the access helpers by name). The URL configuration is loaded first: a view
    module imported later would keep ``replacement`` for good."""
    url_names()
    with ExitStack() as stack:
        for module in list(sys.modules.values()):
            if module is None or not module.__name__.startswith("embct.platform"):
                continue
            for attr, value in list(vars(module).items()):
                if value is original:
                    stack.enter_context(mock.patch.object(module, attr, replacement))
        assert stack._exit_callbacks, f"nothing names {original.__qualname__}"  # type: ignore[attr-defined]
        yield


def session_of_any_course(profile: PatientProfile, session_id: int, today: date) -> CourseSession:
    """``get_session_for_patient`` without its check of the patient's course."""
    session = get_object_or_404(CourseSession.objects.select_related("course"), pk=session_id)
    if session.week > profile.week(today) and not access._group_has_met(profile, session, today):
        raise Http404
    return session


def session_opened_or_not(profile: PatientProfile, session_id: int, today: date) -> CourseSession:
    """``get_session_for_patient`` without its check that the session has opened."""
    return get_object_or_404(CourseSession.objects, pk=session_id, course_id=profile.course_id)


def any_group_has_met(profile: PatientProfile, session: CourseSession, today: date) -> bool:
    """``_group_has_met`` without its check that the group is the patient's."""
    return GroupMeeting.objects.filter(session=session, date__lte=today).exists()


def group_met_for_any_arm(profile: PatientProfile, session: CourseSession, today: date) -> bool:
    """``_group_has_met`` without its check that the patient follows group MBCT."""
    if profile.group is None:
        return False
    return profile.group.meetings.filter(session=session, date__lte=today).exists()


def group_meets_some_day(profile: PatientProfile, session: CourseSession, today: date) -> bool:
    """``_group_has_met`` without its check that the meeting has been held."""
    return GroupMeeting.objects.filter(group_id=profile.group_id, session=session).exists()


def any_exercise(request: HttpRequest, exercise_id: int, today: date) -> Exercise:
    """``get_exercise_for_user`` without its check that a patient's session has opened."""
    return get_object_or_404(Exercise.objects.select_related("session"), pk=exercise_id)


def anyones_patient(request: HttpRequest, patient_id: int) -> PatientProfile:
    """``get_patient_for_therapist`` without its check of the therapist."""
    return get_object_or_404(PatientProfile.objects.select_related("user", "course"), pk=patient_id)


def anyones_profile(request: HttpRequest) -> PatientProfile:
    """``get_own_profile`` without its check of the user: the newest eMBCT profile (``olga``'s;
    not the group patient's, whom the online course refuses anyway)."""
    profiles = PatientProfile.objects.select_related("course", "therapist").filter(arm=Arm.EMBCT)
    profile = profiles.order_by("-pk")[0]
    request.user.patient_profile = profile  # type: ignore[union-attr]
    return profile


def anyones_assessment(profile: PatientProfile, assessment_id: int) -> ScheduledAssessment:
    """``get_own_assessment`` without its check of the patient."""
    return get_object_or_404(ScheduledAssessment.objects, pk=assessment_id)


def anyones_flag(request: HttpRequest, flag_id: int) -> FlagRecord:
    """``get_flag_for_therapist`` without its check of the therapist."""
    return get_object_or_404(FlagRecord.objects.select_related("patient"), pk=flag_id)


def anyones_concern(request: HttpRequest, concern_id: int) -> SafetyConcern:
    """``get_concern_for_recipient`` without its check of the recipients."""
    return get_object_or_404(SafetyConcern.objects.select_related("patient"), pk=concern_id)


def anyones_group(request: HttpRequest, group_id: int) -> MbctGroup:
    """``get_group_for_therapist`` without its check of the therapist."""
    return get_object_or_404(MbctGroup.objects.select_related("course"), pk=group_id)


def every_patients_warnings(therapist_id: int) -> QuerySet[PatientProfile]:
    """The warnings page's patients: every patient, not only the therapist's."""
    return PatientProfile.objects.select_related("user").order_by("start_date", "pk")


def no_second_factor(
    self: SecondFactorRequiredMiddleware, request: HttpRequest, *args: Any
) -> HttpResponse | None:
    return None


SESSION_URLS = ["care:session", "care:diary", "care:send_logs", "care:audio"]

#: (what is removed, the original, its permissive version, the URL names to check, a part of
#: a line the matrix must report).
MUTANTS: list[tuple[str, Callable[..., Any], Callable[..., Any], list[str], str]] = [
    (
        "the session's course",
        access.get_session_for_patient,
        session_of_any_course,
        SESSION_URLS,
        "(another course's session): 200, expected 404",
    ),
    (
        "the session has opened",
        access.get_session_for_patient,
        session_opened_or_not,
        SESSION_URLS,
        "GET care:session as patient (other): 200, expected 404",
    ),
    (
        "the group that met is the patient's",
        access._group_has_met,
        any_group_has_met,
        SESSION_URLS,
        "GET care:session as patient (other): 200, expected 404",
    ),
    (
        "the patient follows group MBCT (an eMBCT patient gets nothing from a group's meetings)",
        access._group_has_met,
        group_met_for_any_arm,
        SESSION_URLS,
        f"GET care:session as patient ({MET_FOR_AN_EMBCT_PATIENT}): 200, expected 404",
    ),
    (
        "the group's meeting was held",
        access._group_has_met,
        group_meets_some_day,
        SESSION_URLS,
        "(a session the group meets for next week): 200, expected 404",
    ),
    (
        "the exercise's session has opened for the patient",
        access.get_exercise_for_user,
        any_exercise,
        ["care:audio"],
        "GET care:audio as patient (other): 200, expected 404",
    ),
    (
        "the patient is the therapist's",
        access.get_patient_for_therapist,
        anyones_patient,
        ["care:patient", "care:write_feedback", "questionnaires:measures"],
        "GET care:patient as therapist (other): 200, expected 404",
    ),
    (
        "the profile is the user's",
        access.get_own_profile,
        anyones_profile,
        ["care:week", "care:inbox", "questionnaires:fill", "questionnaires:list"],
        "GET questionnaires:fill as patient (other): 200, expected 404",
    ),
    (
        "the questionnaire is the patient's",
        access.get_own_assessment,
        anyones_assessment,
        ["questionnaires:fill"],
        "(someone else's completed questionnaire): 302, expected 404",
    ),
    (
        "the flag is of the therapist's patient",
        access.get_flag_for_therapist,
        anyones_flag,
        ["questionnaires:acknowledge"],
        "POST questionnaires:acknowledge as therapist (other): refused, yet rows changed",
    ),
    (
        "the safety concern was sent to the therapist",
        access.get_concern_for_recipient,
        anyones_concern,
        ["care:acknowledge_concern"],
        "POST care:acknowledge_concern as therapist (other): 302, expected 404",
    ),
    (
        "the group is the therapist's",
        access.get_group_for_therapist,
        anyones_group,
        ["groups:detail", "groups:attendance"],
        "GET groups:detail as therapist (other): 200, expected 404",
    ),
    (
        "the warnings list shows the therapist's patients only",
        early.caseload_patients,
        every_patients_warnings,
        ["questionnaires:warnings"],
        "GET questionnaires:warnings as therapist (own): shows another therapist's patient",
    ),
]


class MatrixBitesTests(MatrixCase):
    """Each check removed in turn: the matrix must report it (as tests/test_layers.py proves
    its checker can fail)."""

    @pytest.mark.slow  # the matrix again for each mutant
    def test_the_matrix_reports_each_check_removed_from_the_access_helpers(self) -> None:
        silent = []
        for removed, original, permissive, names, report in MUTANTS:
            with transaction.atomic(), replaced(original, permissive):
                wrong, _ = self.check(names, ("patient", "therapist"))
                transaction.set_rollback(True)
            if not any(report in line for line in wrong):
                silent.append(f"without the check that {removed}: {wrong}")
        assert silent == [], "\n".join(silent)

    def test_the_matrix_reports_a_password_only_session_let_through(self) -> None:
        names = ["care:caseload", "research:dashboard", "care:clinic", "admin:index"]
        with mock.patch.object(SecondFactorRequiredMiddleware, "process_view", no_second_factor):
            wrong, _ = self.check(names, list(PASSWORD_ONLY_ROLES))
        for role, persona in [("therapist", "care:caseload"), ("researcher", "research:dashboard")]:
            line = f"GET {persona} as password only ({role}) (own): 200, expected 302"
            assert line in wrong

    def test_the_checker_runs_on_a_crash(self) -> None:
        def crash(request: HttpRequest) -> PatientProfile:
            raise RuntimeError("boom")

        with replaced(access.get_own_profile, crash):
            wrong, _ = self.check(["care:week"], ["patient"])
        assert wrong == ["GET care:week as patient (own): raised RuntimeError('boom')"]

    def test_the_snapshot_sees_a_changed_value(self) -> None:
        before = snapshot()
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(feedback_weekday=0)
        # (the write replaces the version of what the export reads: embct.platform.versions)
        assert changed_tables(before, snapshot()) == ["care.PatientProfile", "versions.DataVersion"]
