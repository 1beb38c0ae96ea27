"""The authorization matrix: every URL x every role x own / someone else's object.

The URLs come from the URL configuration itself (``get_resolver().url_patterns``, walked
recursively), so a new URL name without an entry in ``EXPECTED`` fails
``test_every_url_has_an_entry``; an entry whose URL is gone fails it too.

Roles: anonymous, patient (``pim``), therapist (``tessa``), researcher (``rosa``) and
admin (``ada``), the personas of :mod:`embct.platform.testing`. "Own" objects belong to
``pim`` (and hence to his therapist ``tessa``); "other" objects to ``olga``, a patient of
another therapist (``otto``). For objects nobody owns in that sense (course sessions,
exercises, screenings, study participants, accounts and profiles managed by the
administrator) both columns use the same object; ``SHARED_OBJECTS`` lists those URLs.

Expected answers follow the platform's rules: anonymous gets 302 to the login page for
private pages and 200 for public ones; a wrong role gets 403; the right role but someone
else's object gets 404; own gets 200 (302 for views that only redirect). POST-only views
answer GET with 405 for everybody; for them the matrix also POSTs as every wrong role and
as the right role on someone else's object, and asserts 302-to-login / 403 / 404 and that
no row changed anywhere.

Excluded from the walk (documented, each for a reason):

- Django admin's own URLs under ``/admin/`` except its index: they are Django's, guarded by
  ``is_staff`` as a whole, and the index proves that guard here.
- Static and media files: none are routed through the URL configuration (whitenoise serves
  static files in front of Django).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from embct.platform.accounts.models import User
from embct.platform.care.models import PatientProfile
from embct.platform.groups.models import GroupMeeting, MbctGroup
from embct.platform.questionnaires.models import FlagRecord
from embct.platform.questionnaires.services import windows
from embct.platform.research.models import Participant, Screening
from embct.platform.testing import TODAY, BaseTestCase

ROLES = ("anonymous", "patient", "therapist", "researcher", "admin")

#: Views that answer GET with 405: the matrix POSTs to them instead (empty form).
POST_ONLY = {
    "logout",
    "security:backup_codes",
    "care:send_logs",
    "care:write_message",
    "care:write_feedback",
    "care:reset_password",
    "groups:attendance",
    "privacy:download",
    "questionnaires:acknowledge",
    "research:consent",
    "research:baseline",
    "research:randomize",
    "research:withdraw",
    "research:link",
    "research:export",
}

#: URLs whose object has no owner among the personas: "own" and "other" are the same object.
SHARED_OBJECTS = {
    "care:session",  # a session of the course (opened for the patient by the calendar)
    "care:diary",
    "care:send_logs",
    "care:audio",  # course audio: any signed-in user may listen
    "care:assign",  # the administrator manages every profile and account
    "care:reset_password",
    "research:eligibility",  # screenings and participants belong to the study, not a person
    "research:participant",
    "research:consent",
    "research:baseline",
    "research:randomize",
    "research:withdraw",
    "research:link",
}

#: url name -> role -> status (URL without parameters) or (own, other) for a URL with an
#: object. For POST-only views the statuses are those of an empty POST (GET is 405 for every
#: role). ``None``: the right role changing its own data, not exercised here (the feature
#: tests do it; an empty POST would change data).
#: Deliberate answers that differ from the plain rule:
#: - admin:index sends every signed-in non-staff user to Django admin's own login (302).
#: - care:preparation is 404 for the patient until the silent day's week (week 6; the
#:   fixture patient is in week 3): "not open yet" looks the same as "no such page".
#: - home redirects each role to its start page; researchers have their start page there.
#: - login redirects a signed-in user (302); security:verify is for staff only (403 for the
#:   patient) and redirects staff who already gave their second factor.
#: - logout is POST-only (Django 5) and answers everyone with a redirect.
EXPECTED: dict[str, dict[str, Any]] = {
    # Anyone chooses the interface language here (a GET shows the choice); a POST changes only
    # the signed-in user's own account (tests/platform_i18n/test_language_choice.py).
    "accounts:language": {
        "anonymous": 200,
        "patient": 200,
        "therapist": 200,
        "researcher": 200,
        "admin": 200,
    },
    "admin:index": {
        "anonymous": 302,
        "patient": 302,
        "therapist": 302,
        "researcher": 302,
        "admin": 200,
    },
    "audit:list": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 403,
        "researcher": 403,
        "admin": 200,
    },
    "care:assign": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (403, 403),
        "admin": (200, 200),
    },
    "care:audio": {
        "anonymous": (302, 302),
        "patient": (200, 200),
        "therapist": (200, 200),
        "researcher": (200, 200),
        "admin": (200, 200),
    },
    "care:caseload": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 200,
        "researcher": 403,
        "admin": 403,
    },
    "care:clinic": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 403,
        "researcher": 403,
        "admin": 200,
    },
    "care:diary": {
        "anonymous": (302, 302),
        "patient": (200, 200),
        "therapist": (403, 403),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "care:inbox": {
        "anonymous": 302,
        "patient": 200,
        "therapist": 403,
        "researcher": 403,
        "admin": 403,
    },
    "care:new_patient": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 403,
        "researcher": 403,
        "admin": 200,
    },
    "care:new_therapist": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 403,
        "researcher": 403,
        "admin": 200,
    },
    "care:patient": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (200, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "care:preparation": {
        "anonymous": 302,
        "patient": 404,
        "therapist": 403,
        "researcher": 403,
        "admin": 403,
    },
    "care:queue": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 200,
        "researcher": 403,
        "admin": 403,
    },
    "care:reset_password": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (403, 403),
        "admin": (None, None),
    },
    "care:send_logs": {
        "anonymous": (302, 302),
        "patient": (None, None),
        "therapist": (403, 403),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "care:session": {
        "anonymous": (302, 302),
        "patient": (200, 200),
        "therapist": (403, 403),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "care:supervision": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 200,
        "researcher": 403,
        "admin": 403,
    },
    "care:week": {
        "anonymous": 302,
        "patient": 200,
        "therapist": 403,
        "researcher": 403,
        "admin": 403,
    },
    "care:write_feedback": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (None, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "care:write_message": {
        "anonymous": 302,
        "patient": None,
        "therapist": 403,
        "researcher": 403,
        "admin": 403,
    },
    "groups:attendance": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (None, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "groups:detail": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (200, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "groups:list": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 200,
        "researcher": 403,
        "admin": 403,
    },
    "groups:mine": {
        "anonymous": 302,
        "patient": 200,
        "therapist": 403,
        "researcher": 403,
        "admin": 403,
    },
    "healthz": {
        "anonymous": 200,
        "patient": 200,
        "therapist": 200,
        "researcher": 200,
        "admin": 200,
    },
    "home": {"anonymous": 302, "patient": 302, "therapist": 302, "researcher": 200, "admin": 302},
    "login": {"anonymous": 200, "patient": 302, "therapist": 302, "researcher": 302, "admin": 302},
    "logout": {"anonymous": 302, "patient": 302, "therapist": 302, "researcher": 302, "admin": 302},
    "privacy:download": {
        "anonymous": 302,
        "patient": 200,
        "therapist": 403,
        "researcher": 403,
        "admin": 403,
    },
    "privacy:my_data": {
        "anonymous": 302,
        "patient": 200,
        "therapist": 403,
        "researcher": 403,
        "admin": 403,
    },
    "questionnaires:acknowledge": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (None, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "questionnaires:fill": {
        "anonymous": (302, 302),
        "patient": (200, 404),
        "therapist": (403, 403),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "questionnaires:list": {
        "anonymous": 302,
        "patient": 200,
        "therapist": 403,
        "researcher": 403,
        "admin": 403,
    },
    "questionnaires:measures": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (200, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "questionnaires:warnings": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 200,
        "researcher": 403,
        "admin": 403,
    },
    "research:baseline": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (None, None),
        "admin": (403, 403),
    },
    "research:consent": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (None, None),
        "admin": (403, 403),
    },
    "research:dashboard": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 403,
        "researcher": 200,
        "admin": 403,
    },
    "research:eligibility": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (200, 200),
        "admin": (403, 403),
    },
    "research:export": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 403,
        "researcher": None,
        "admin": 403,
    },
    "research:link": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (403, 403),
        "admin": (None, None),
    },
    "research:participant": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (200, 200),
        "admin": (403, 403),
    },
    "research:randomize": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (None, None),
        "admin": (403, 403),
    },
    "research:report": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 403,
        "researcher": 200,
        "admin": 403,
    },
    "research:screening": {
        "anonymous": 200,
        "patient": 200,
        "therapist": 200,
        "researcher": 200,
        "admin": 200,
    },
    "research:withdraw": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (None, None),
        "admin": (403, 403),
    },
    "security:backup_codes": {
        "anonymous": 302,
        "patient": 403,
        "therapist": None,
        "researcher": None,
        "admin": None,
    },
    "security:enrol": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 200,
        "researcher": 200,
        "admin": 200,
    },
    "security:reauth": {
        "anonymous": 302,
        "patient": 200,
        "therapist": 200,
        "researcher": 200,
        "admin": 200,
    },
    "security:verify": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 302,
        "researcher": 302,
        "admin": 302,
    },
}


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(url name, route)`` for every named pattern, namespaces joined with ``:``."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            if ns == "admin":
                yield "admin:index", prefix + str(entry.pattern)
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), full_ns or "")
        elif isinstance(entry, URLPattern):
            assert entry.name, f"unnamed URL pattern {prefix}{entry.pattern}"
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern)


def url_names() -> dict[str, str]:
    return dict(walk(get_resolver().url_patterns))


class AuthorizationMatrixTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        first = TODAY - timedelta(days=14)
        groups = {}
        for key, therapist, profile in (
            ("own", cls.tessa, cls.pim_profile),
            ("other", cls.otto, cls.olga_profile),
        ):
            group = MbctGroup.objects.create(
                name=f"{key} group", therapist=therapist, location="Room", course=cls.course
            )
            meeting = GroupMeeting.objects.create(
                group=group, session=cls.course.sessions.get(week=1), date=first
            )
            groups[key] = (group, meeting)
            PatientProfile.objects.filter(pk=profile.pk).update(group=group)
        cls.groups = groups
        cls.assessments = {
            key: next(w.assessment for w in windows(profile, TODAY) if w.is_open)
            for key, profile in (("own", cls.pim_profile), ("other", cls.olga_profile))
        }
        cls.flags = {
            key: FlagRecord.objects.create(
                patient=profile, code="test", occurrence=key, title="t", explanation="e"
            )
            for key, profile in (("own", cls.pim_profile), ("other", cls.olga_profile))
        }
        cls.screening = Screening.objects.create(
            answers={}, total=12, invited=True, form_token=uuid4()
        )
        cls.participant = Participant.objects.create(
            study_id="S-001", assessed_on=TODAY, eligibility={}, eligible=True
        )

    def kwargs(self, name: str, route: str, which: str) -> dict[str, int]:
        """URL keyword arguments for ``name``: ``which`` is "own" or "other"."""
        own = which == "own"
        session = self.course.sessions.get(week=1)
        values = {
            "session_id": session.pk,
            "exercise_id": session.exercises.first().pk,
            "patient_id": (self.pim_profile if own else self.olga_profile).pk,
            "profile_id": self.pim_profile.pk,
            "user_id": self.pim.pk,
            "group_id": self.groups[which][0].pk,
            "meeting_id": self.groups[which][1].pk,
            "assessment_id": self.assessments[which].pk,
            "flag_id": self.flags[which].pk,
            "screening_id": self.screening.pk,
            "participant_id": self.participant.pk,
        }
        return {key: value for key, value in values.items() if f"<int:{key}>" in route}

    def user_for(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "patient": self.pim,
            "therapist": self.tessa,
            "researcher": self.rosa,
            "admin": self.ada,
        }[role]

    def snapshot(self) -> dict[str, int]:
        return {
            model._meta.label: model._default_manager.count()
            for model in apps.get_models()
            if model._meta.app_label not in {"sessions", "audit", "axes", "admin"}
        }

    def as_role(self, role: str) -> None:
        self.client.logout()
        user = self.user_for(role)
        if user is not None:
            self.login(user)

    def request(self, name: str, role: str, which: str) -> tuple[int, str]:
        """Status and Location of the request the matrix makes for one cell."""
        route = url_names()[name]
        url = reverse(name, kwargs=self.kwargs(name, route, which))
        method = self.client.post if name in POST_ONLY else self.client.get
        response = method(url)
        return response.status_code, response.get("Location", "")

    def test_every_url_has_an_entry(self) -> None:
        names = set(url_names())
        assert sorted(names - set(EXPECTED)) == [], "URLs without an entry in EXPECTED: add them"
        assert sorted(set(EXPECTED) - names) == [], "entries for URLs that are gone"
        for name, row in EXPECTED.items():
            assert set(row) == set(ROLES), name
            has_object = "<" in url_names()[name]
            for role, cell in row.items():
                assert isinstance(cell, tuple) == has_object, f"{name} {role}"

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

    def test_the_matrix(self) -> None:
        login_url = reverse("login")
        wrong = []
        cells = 0
        for name, row in EXPECTED.items():
            has_object = "<" in url_names()[name]
            for role in ROLES:
                self.as_role(role)
                expected = row[role] if has_object else (row[role],)
                for which, want in zip(("own", "other"), expected, strict=False):
                    if want is None:
                        continue
                    refused = want in (403, 404, 405) or (
                        role == "anonymous" and want == 302 and name != "logout"
                    )
                    before = self.snapshot() if name in POST_ONLY and refused else None
                    status, location = self.request(name, role, which)
                    cells += 1
                    if status != want:
                        wrong.append(f"{name} as {role} ({which}): {status}, expected {want}")
                    if role == "anonymous" and want == 302 and name not in {"logout"}:
                        target = "/admin/login/" if name == "admin:index" else login_url
                        if not location.startswith(target):
                            wrong.append(f"{name} as anonymous: redirect to {location!r}")
                    if before is not None and self.snapshot() != before:
                        wrong.append(f"{name} as {role} ({which}): refused, yet rows changed")
        assert wrong == [], "\n".join(wrong)
        assert cells > 5 * len(EXPECTED)

    def test_post_only_views_refuse_get(self) -> None:
        for name in sorted(POST_ONLY):
            for role in ROLES:
                self.as_role(role)
                route = url_names()[name]
                url = reverse(name, kwargs=self.kwargs(name, route, "own"))
                assert self.client.get(url).status_code == 405, f"GET {name} as {role}"
