"""Every URL of the platform, and who may GET it: the table the authorization matrix
(tests/platform/test_authorization_matrix.py) asserts and the browser sweep
(tests/browser/test_every_page.py) loads page by page.

- :func:`url_names` walks the URL configuration itself (``get_resolver().url_patterns``,
  recursively), so a new URL name shows up in both tests without anyone listing it; the
  matrix fails until ``EXPECTED`` has an entry for it, and the sweep then audits it as every
  role that gets a page.
- :data:`EXPECTED` says, for every URL name and role, the status the platform answers with
  (for URLs with an object: on the role's own object and on someone else's).
- :class:`UrlObjects` makes the objects whose ids fill the URLs' parameters and builds the
  URL keyword arguments.

Roles: anonymous, patient (``pim``), therapist (``tessa``), researcher (``rosa``) and
admin (``ada``), the personas of :mod:`support.testing`. "Own" objects belong to
``pim`` (and hence to his therapist ``tessa``); "other" objects to ``olga``, a patient of
another therapist (``otto``). A course session's "other" is one ``pim`` may not open yet
(week 5: his group has not met for it, though ``olga``'s group has), one his group meets for
next week (week 4), one his group met for yesterday (week 7: he follows eMBCT, so a
group's meetings open nothing for him), and the first session of another course; an
exercise's "other" is one of each of those sessions; an assessment's "other" is
``olga``'s open one and a completed one of hers. For objects nobody owns in that sense
(screenings, study participants, accounts and profiles managed by the administrator, course
audio for staff) both columns use the same object; ``SHARED_OBJECTS`` lists those URLs.

A sixth state is not a role of its own account but of a session: "password only", a staff
account (therapist, researcher or administrator) that has a confirmed device and has given
its password but not its second factor. :data:`PASSWORD_ONLY` says what it may reach; every
other URL, Django admin included, sends it to the second-factor page.

Django admin's own URLs under ``/admin/`` are walked as one name, ``admin:index``: they
are Django's, guarded by ``is_staff`` as a whole, and the index proves that guard.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from embct.platform.care import photos
from embct.platform.care.models import (
    PatientProfile,
    SafetyConcern,
    Snippet,
    TherapistProfile,
)
from embct.platform.course.loader import read_course, upsert_course
from embct.platform.course.models import Course, CourseSession
from embct.platform.groups.models import GroupMeeting, MbctGroup
from embct.platform.questionnaires.models import FlagRecord
from embct.platform.questionnaires.services import windows
from embct.platform.research.models import Participant, Screening

#: A therapist's photo as the platform stores it (a 256 px JPEG, see care.photos).
PHOTO = photos.process(
    io.BytesIO(
        base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
        )
    )
)

ROLES = ("anonymous", "patient", "therapist", "researcher", "admin")

#: Views that answer GET with 405: the matrix POSTs to them instead (empty form).
POST_ONLY = {
    "logout",
    "security:backup_codes",
    "care:send_logs",
    "care:write_message",
    "care:write_feedback",
    "care:save_draft",
    "care:delete_snippet",
    "care:acknowledge_concern",
    "care:reset_password",
    "care:reset_second_factor",
    "groups:attendance",
    "privacy:download",
    "questionnaires:acknowledge",
    "research:consent",
    "research:baseline",
    "research:randomize",
    "research:withdraw",
    "research:link",
    "research:export",
    "research:remove_screening",
    "research:call_attempt",
    "research:close_call",
    "research:referral",
}

#: Views that answer GET and POST alike (a page with its form): the matrix POSTs to them too
#: (empty form), in every cell that GET refuses, and expects the same refusal.
GET_AND_POST = {
    "accounts:language",
    "accounts:password_change",
    "accounts:password_reset",
    "accounts:password_reset_confirm",
    "admin:index",  # Django admin's views take POST
    "login",
    "security:verify",
    "security:enrol",
    "security:enrolment_code",
    "security:reauth",
    "care:diary",
    "care:notifications",
    "care:raise_concern",
    "care:snippets",
    "care:edit_snippet",
    "care:memos",
    "care:my_profile",
    "care:new_patient",
    "care:new_therapist",
    "care:assign",
    "questionnaires:fill",
    "research:eligibility",
    "research:screening",
    # The correction pages (each behind a recent password): the form as recorded, and the
    # correction it makes.
    "research:correct_baseline",
    "research:correct_consent",
    "research:correct_eligibility",
    "research:correct_withdrawal",
    "research:withdrawal_in_error",
}
#: Every view that takes POST; every other view answers POST with 405.
ACCEPTS_POST = POST_ONLY | GET_AND_POST

#: The online course's pages (eMBCT only): a patient allocated to group MBCT (``gus``) gets 403
#: on each, on every session, GET or POST, and nothing changes.
ONLINE_COURSE = {"care:week", "care:session", "care:diary", "care:send_logs", "care:progress"}

#: URLs whose object has no owner among the personas: "own" and "other" are the same object.
SHARED_OBJECTS = {
    # Course audio: any signed-in staff member may listen to any exercise (it holds no patient
    # data); a patient only to exercises of sessions opened for them ("other" is 404).
    "care:audio",
    "care:assign",  # the administrator manages every profile and account
    "care:reset_password",
    "care:reset_second_factor",  # the own column is a patient's account: not staff, 404
    "accounts:password_reset_confirm",  # a link nobody has: the "link does not work" page
    "research:eligibility",  # screenings and participants belong to the study, not a person
    "research:participant",
    "research:consent",
    "research:baseline",
    "research:randomize",
    "research:withdraw",
    "research:link",
    "research:remove_screening",
    "research:correct_baseline",
    "research:correct_consent",
    "research:correct_eligibility",
    "research:correct_withdrawal",
    "research:withdrawal_in_error",
    "research:call_attempt",
    "research:close_call",
    "research:referral",
}

#: url name -> role -> status (URL without parameters) or (own, other) for a URL with an
#: object. For POST-only views the statuses are those of an empty POST (GET is 405 for every
#: role). ``None``: the right role changing its own data, not exercised here (the feature
#: tests do it; an empty POST would change data).
#: Deliberate answers that differ from the plain rule:
#: - admin:index sends every signed-in non-staff user to Django admin's own login (302).
#: - care:preparation is 404 for the patient until the silent day's week (week 6; the
#:   fixture patient is in week 3): "not open yet" looks the same as "no such page".
#: - home redirects each role to its start page (the researcher's is the research dashboard);
#:   it is a page of its own only for a patient whose account has no profile yet.
#: - login redirects a signed-in user (302); security:verify is for staff only (403 for the
#:   patient) and redirects staff who already gave their second factor.
#: - logout is POST-only (Django 5) and answers everyone with a redirect.
#: - care:session, care:diary, care:send_logs and care:audio on a session that has not opened
#:   for the patient, or of another course, are 404: "not open" looks like "no such page".
EXPECTED: dict[str, dict[str, Any]] = {
    # Anyone chooses the interface language here (a GET shows the choice); a POST changes only
    # the signed-in user's own account (tests/platform/i18n/test_language_choice.py).
    "accounts:language": {
        "anonymous": 200,
        "patient": 200,
        "therapist": 200,
        "researcher": 200,
        "admin": 200,
    },
    # Changing one's own password; "forgot password" (the same pages for everyone: an
    # e-mail address gets the same answer whether or not it has an account).
    "accounts:password_change": {
        "anonymous": 302,
        "patient": 200,
        "therapist": 200,
        "researcher": 200,
        "admin": 200,
    },
    "accounts:password_change_done": {
        "anonymous": 302,
        "patient": 200,
        "therapist": 200,
        "researcher": 200,
        "admin": 200,
    },
    "accounts:password_reset": {
        "anonymous": 200,
        "patient": 200,
        "therapist": 200,
        "researcher": 200,
        "admin": 200,
    },
    "accounts:password_reset_done": {
        "anonymous": 200,
        "patient": 200,
        "therapist": 200,
        "researcher": 200,
        "admin": 200,
    },
    "accounts:password_reset_confirm": {
        "anonymous": (200, 200),
        "patient": (200, 200),
        "therapist": (200, 200),
        "researcher": (200, 200),
        "admin": (200, 200),
    },
    "accounts:password_reset_complete": {
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
        "patient": (200, 404),
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
        "patient": (200, 404),
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
    # A patient's own e-mail setting (on their account: a group MBCT patient has one too).
    "care:notifications": {
        "anonymous": 302,
        "patient": 200,
        "therapist": 403,
        "researcher": 403,
        "admin": 403,
    },
    "care:patient": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (200, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    # Safety concerns: a therapist raises one about their own patient (someone else's: 404)
    # and acknowledges one sent to them ("own": otto's concern sent to tessa; "other": one
    # tessa raised herself, sent to otto, which is not hers to acknowledge).
    "care:raise_concern": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (200, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "care:concerns": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 200,
        "researcher": 403,
        "admin": 403,
    },
    "care:acknowledge_concern": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (None, 404),
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
    # A patient's own progress: the URL names no one, so no one else's can be asked for.
    "care:progress": {
        "anonymous": 302,
        "patient": 200,
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
    "care:reset_second_factor": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (403, 403),
        "admin": (404, 404),
    },
    "care:send_logs": {
        "anonymous": (302, 302),
        "patient": (None, 404),
        "therapist": (403, 403),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "care:session": {
        "anonymous": (302, 302),
        "patient": (200, 404),
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
    # The feedback form's draft, saved as the therapist types: her own patient's only.
    "care:save_draft": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (None, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    # A therapist's private notes about her own patient (someone else's: 404).
    "care:memos": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (200, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    # A therapist's own profile (photo and a few words for the welcome message); her photo for
    # her own patients, herself and her supervisor ("own": tessa's photo, "other": otto's).
    "care:my_profile": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 200,
        "researcher": 403,
        "admin": 403,
    },
    "care:therapist_photo": {
        "anonymous": (302, 302),
        "patient": (200, 404),
        "therapist": (200, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    # A therapist's own snippets ("own": tessa's; "other": otto's, which is not hers).
    "care:snippets": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 200,
        "researcher": 403,
        "admin": 403,
    },
    "care:edit_snippet": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (200, 404),
        "researcher": (403, 403),
        "admin": (403, 403),
    },
    "care:delete_snippet": {
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
    "home": {"anonymous": 302, "patient": 302, "therapist": 302, "researcher": 302, "admin": 302},
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
    # An empty POST is an incomplete form (400) that records nothing.
    "research:call_attempt": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (400, 400),
        "admin": (403, 403),
    },
    # An empty POST on an entry without attempts is refused (too few attempts): back to the
    # dashboard, nothing closed.
    "research:close_call": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (302, 302),
        "admin": (403, 403),
    },
    "research:consent": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (None, None),
        "admin": (403, 403),
    },
    # A researcher corrects a study record with a reason (the participant of the matrix has no
    # consent, baseline or withdrawal yet: the page says so and offers no form).
    "research:correct_baseline": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (200, 200),
        "admin": (403, 403),
    },
    "research:correct_consent": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (200, 200),
        "admin": (403, 403),
    },
    "research:correct_eligibility": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (200, 200),
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
    # An empty POST (no confirmation) removes nothing and goes back to the dashboard.
    # An empty POST has no date (400) and records nothing.
    "research:referral": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (400, 400),
        "admin": (403, 403),
    },
    "research:remove_screening": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (302, 302),
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
    "research:correct_withdrawal": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (200, 200),
        "admin": (403, 403),
    },
    "research:withdrawal_in_error": {
        "anonymous": (302, 302),
        "patient": (403, 403),
        "therapist": (403, 403),
        "researcher": (200, 200),
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
    # After an administrator reset a lost device; staff who gave their second factor are sent
    # on to the enrolment page.
    "security:enrolment_code": {
        "anonymous": 302,
        "patient": 403,
        "therapist": 302,
        "researcher": 302,
        "admin": 302,
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

#: The "password only" state (a staff session that has passed the password, not the second
#: factor; the account has a confirmed device): the URLs it may reach and what they answer.
#: Every other URL answers 302 to the second-factor page (security:verify), GET or POST,
#: Django admin's pages included; so does the enrolment page (security:enrol), for an account
#: that has a confirmed device of any kind, backup codes included, may not enrol another one
#: with the password alone.
PASSWORD_ONLY: dict[str, int] = {
    "healthz": 200,
    "login": 302,  # a signed-in user is sent on (and from there to the second factor)
    "logout": 302,
    "security:verify": 200,
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


def route_of(name: str) -> str:
    """The route of URL name ``name``, parameters included (``patients/<int:patient_id>/``)."""
    return url_names()[name]


def has_object(name: str) -> bool:
    """Whether the URL of ``name`` takes an object's id."""
    return "<" in route_of(name)


#: The label of a session the "own" patient's group met for yesterday, beyond his week: he
#: follows eMBCT, so a group's meetings open nothing early for him (404, as not open).
MET_FOR_AN_EMBCT_PATIENT = "a session his group has met for, for an eMBCT patient"


@dataclass(frozen=True)
class UrlObjects:
    """The values of the URLs' parameters, for "own" and for "other" objects.

    ``alternatives``: more "other" values for some parameters (label, id); the matrix expects
    the "other" answer of a URL on each of them too (see :meth:`others`)."""

    own: dict[str, Any]
    other: dict[str, Any]
    alternatives: dict[str, list[tuple[str, int]]]

    @classmethod
    def create(
        cls, course: Course, own: PatientProfile, other: PatientProfile, today: date
    ) -> UrlObjects:
        """Make the objects the URLs point at: for ``own`` (the patient whose objects are
        "own") and ``other`` (someone else's patient) an MBCT group of their therapist with
        a meeting of the first session two weeks before ``today``, the questionnaire open on
        ``today`` and an early-warning flag; one screening and one study participant for
        both columns. Both patients join their group.

        The sessions that have not opened for ``own`` (who must be in a week before 4): week
        5, for which ``other``'s group met yesterday, week 4, for which ``own``'s group
        meets next week, and week 7, for which ``own``'s group met yesterday (``own`` follows
        eMBCT); and the first session of a copy of ``course`` under another slug.
        ``other`` also gets a completed questionnaire. A safety concern each: ``other``'s
        therapist's about ``other``, sent to ``own``'s therapist (``own``'s to acknowledge),
        and the reverse."""
        first = today - timedelta(days=14)
        session = course.sessions.get(week=1)
        exercise = session.exercises.first()
        assert exercise is not None, "the course's first session has no exercise"
        assert own.week(today) < 4, "the 'own' patient must not have reached week 4"
        unopened = course.sessions.get(week=5)
        next_week = course.sessions.get(week=4)
        other_course, _ = upsert_course(
            replace(read_course(Path(course.source_dir)), slug=f"{course.slug}-other")
        )
        elsewhere = other_course.sessions.get(week=1)
        profiles = {"own": own, "other": other}
        groups = {}
        for key, profile in profiles.items():
            group = MbctGroup.objects.create(
                name=f"{key} group", therapist=profile.therapist, location="Room", course=course
            )
            meeting = GroupMeeting.objects.create(group=group, session=session, date=first)
            groups[key] = (group, meeting)
            PatientProfile.objects.filter(pk=profile.pk).update(group=group)
        GroupMeeting.objects.create(
            group=groups["other"][0], session=unopened, date=today - timedelta(days=1)
        )
        GroupMeeting.objects.create(
            group=groups["own"][0], session=next_week, date=today + timedelta(days=7)
        )
        # ``own`` follows eMBCT: his group's meeting (yesterday, for week 7) opens nothing.
        met = course.sessions.get(week=7)
        GroupMeeting.objects.create(
            group=groups["own"][0], session=met, date=today - timedelta(days=1)
        )
        own.refresh_from_db()
        other.refresh_from_db()
        assessments = {
            key: next(w.assessment for w in windows(profile, today) if w.is_open)
            for key, profile in profiles.items()
        }
        completed = other.assessments.exclude(pk=assessments["other"].pk).first()
        assert completed is not None, "the 'other' patient has a single assessment"
        completed.completed_at = timezone.now()
        completed.save(update_fields=["completed_at"])
        flags = {
            key: FlagRecord.objects.create(
                patient=profile, code="test", occurrence=key, title="t", explanation="e"
            )
            for key, profile in profiles.items()
        }
        concerns = {}
        for key, (about, to) in {"own": (other, own), "other": (own, other)}.items():
            concerns[key] = SafetyConcern.objects.create(
                patient=about, raised_by=about.therapist, note="worried"
            )
            concerns[key].recipients.set([to.therapist])
        snippets = {
            key: Snippet.objects.create(therapist=profile.therapist, title=key, text="Thank you")
            for key, profile in profiles.items()
        }
        for profile in profiles.values():
            TherapistProfile.objects.create(
                user=profile.therapist, about="Hello", photo=PHOTO, photo_updated=timezone.now()
            )
        screening = Screening.objects.create(answers={}, total=12, invited=True, form_token=uuid4())
        participant = Participant.objects.create(
            study_id="S-001", assessed_on=today, eligibility={}, eligible=True
        )
        values = {
            key: {
                "session_id": session.pk if key == "own" else unopened.pk,
                "exercise_id": exercise.pk if key == "own" else _exercise(unopened),
                "patient_id": profile.pk,
                "profile_id": own.pk,
                "user_id": own.user_id,
                "group_id": groups[key][0].pk,
                "meeting_id": groups[key][1].pk,
                "assessment_id": assessments[key].pk,
                "flag_id": flags[key].pk,
                "concern_id": concerns[key].pk,
                "snippet_id": snippets[key].pk,
                "therapist_id": profile.therapist_id,
                "screening_id": screening.pk,
                "participant_id": participant.pk,
                "uidb64": "MA",  # a password-reset link nobody was sent
                "token": "no-such-token",
            }
            for key, profile in profiles.items()
        }
        alternatives = {
            "session_id": [
                ("a session the group meets for next week", next_week.pk),
                ("another course's session", elsewhere.pk),
                (MET_FOR_AN_EMBCT_PATIENT, met.pk),
            ],
            "exercise_id": [
                ("an exercise of a session the group meets for next week", _exercise(next_week)),
                ("an exercise of another course", _exercise(elsewhere)),
                (f"an exercise of {MET_FOR_AN_EMBCT_PATIENT}", _exercise(met)),
            ],
            "assessment_id": [("someone else's completed questionnaire", completed.pk)],
        }
        return cls(own=values["own"], other=values["other"], alternatives=alternatives)

    def kwargs(self, name: str, which: str = "own") -> dict[str, Any]:
        """URL keyword arguments for ``name``: ``which`` is "own" or "other"."""
        values = self.own if which == "own" else self.other
        route = route_of(name)
        return {
            key: value
            for key, value in values.items()
            if f"<int:{key}>" in route or f"<{key}>" in route
        }

    def url(self, name: str, which: str = "own") -> str:
        return reverse(name, kwargs=self.kwargs(name, which))

    def others(self, name: str) -> list[tuple[str, str]]:
        """(label, URL) of every "other" object of ``name``: the "other" column's, then one for
        each alternative of a parameter the URL takes."""
        base = self.kwargs(name, "other")
        out = [("other", reverse(name, kwargs=base))]
        for key, choices in self.alternatives.items():
            if key in base:
                out += [(label, reverse(name, kwargs={**base, key: pk})) for label, pk in choices]
        return out


def _exercise(session: CourseSession) -> int:
    exercise = session.exercises.first()
    assert exercise is not None, f"{session} has no exercise"
    return exercise.pk
