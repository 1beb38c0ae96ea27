"""Helpers shared by the measurement tests (`support.measure_helpers`)."""

from __future__ import annotations

import uuid
from typing import Any

from embct.instruments import get_instrument
from embct.platform.care.models import PatientProfile
from embct.platform.questionnaires import services
from embct.platform.questionnaires.models import Response, ScheduledAssessment


def answers(instrument: str, value: int | None = None, **overrides: Any) -> dict[str, Any]:
    """Form data answering every item with ``value`` (the lowest allowed by default)."""
    spec = get_instrument(instrument)
    low = spec.coding().allowed(1)[0] if value is None else value
    data: dict[str, Any] = {str(i): str(low) for i in spec.items}
    data.update({k.lstrip("i"): v for k, v in overrides.items()})
    return data


def fill(profile: PatientProfile, key: str, scores: dict[int, int | None] | int) -> Response:
    """Store a response through the service (as the form does)."""
    services.materialize(profile)
    assessment = ScheduledAssessment.objects.get(patient=profile, key=key)
    spec = get_instrument(assessment.instrument)
    if isinstance(scores, int):
        scores = dict.fromkeys(spec.items, scores)
    raw = {str(i): services.SKIP if v is None else str(v) for i, v in scores.items()}
    response, _ = services.submit(assessment, raw, uuid.uuid4())
    return response


CRITERIA_OK = {
    "cancer_diagnosis": True,
    "distress_at_least_mild": True,
    "computer_and_internet": True,
    "course_language": True,
    "willing_either_format": True,
    "severe_psychiatric_morbidity": False,
    "psychotropic_medication_change": False,
    "previous_mindfulness_course": False,
}
BASELINE = {
    "female": True,
    "relationship": True,
    "children": False,
    "education_high": True,
    "age": 52,
    "diagnosis_breast": True,
    "intent_curative": True,
    "current_treatment": False,
    "psychiatric_diagnosis": False,
    "years_since_diagnosis": 2.5,
}


def participant(
    today: Any,
    *,
    consent: bool = True,
    baseline: bool | None = None,
    site: str = "",
    hads: int = 2,
    phone: str = "0612345678",
) -> Any:
    """A screened, eligible participant, consented on ``today`` and with the complete
    :data:`BASELINE` (ready to randomize) unless told otherwise; ``baseline`` follows
    ``consent`` by default."""
    from embct.platform.research import services as research

    screening = research.screen(dict.fromkeys(range(1, 15), hads), phone, uuid.uuid4())
    person = research.record_eligibility(screening, CRITERIA_OK, site, today)
    if consent:
        research.record_consent(person, today, today)
    if consent if baseline is None else baseline:
        research.record_baseline(person, BASELINE)
    return person


def linked_profile(person: Any, therapist: Any, course: Any, arm: str, **fields: Any) -> Any:
    """A patient account and profile in ``arm`` with ``therapist`` and ``course`` (and
    ``fields``), linked to the study id of ``person``."""
    from embct.platform.accounts.models import Role, User
    from embct.platform.research import services as research

    user = User.objects.create_user(f"p{person.pk}", role=Role.PATIENT)
    profile = PatientProfile.objects.create(
        user=user, therapist=therapist, course=course, arm=arm, **fields
    )
    research.link_profile(person, profile)
    return profile
