"""The work behind the questionnaire pages: the schedule per patient, drafts, submission.

The schedule, its due dates and states come from :mod:`embct.trial`; validation and scores
from :mod:`embct.instruments`. Nothing here re-implements either.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from embct import trial
from embct.instruments import InstrumentError, get_instrument, score_response
from embct.platform.care.models import PatientProfile

from .content import content_pack
from .models import Draft, Response, ScheduledAssessment

SKIP = "skip"
#: States in which a patient may fill in an assessment.
OPEN_STATES = (trial.AssessmentState.DUE, trial.AssessmentState.OVERDUE)


@functools.cache
def _schedule(mode: str) -> tuple[trial.Assessment, ...]:
    # The screening HADS is filled in on the public screening page, not by patients.
    return tuple(
        a for a in trial.assessment_schedule(mode) if a.anchor is not trial.Anchor.SCREENING
    )


def schedule() -> tuple[trial.Assessment, ...]:
    """The site's schedule: ``EMBCT_ASSESSMENT_MODE`` "trial" (default) or "every_session"."""
    return _schedule(getattr(settings, "EMBCT_ASSESSMENT_MODE", trial.TRIAL))


def definition(key: str) -> trial.Assessment:
    for item in schedule():
        if item.key == key:
            return item
    raise KeyError(key)


def course_start(profile: PatientProfile) -> date | None:
    """The first day of the course: the eMBCT start date, or the group's first meeting."""
    if profile.start_date is not None:
        return profile.start_date
    if profile.group_id is not None:
        first = profile.group.meetings.order_by("date").values_list("date", flat=True).first()  # type: ignore[union-attr]
        return first
    return None


def key_dates(profile: PatientProfile) -> trial.KeyDates:
    """Anchor dates: consent from the study record, else (routine care) the course start."""
    start = course_start(profile)
    # The study record is research's; read through the profile's relation to it, so that
    # questionnaires does not import research (which builds on questionnaires).
    consent = (
        PatientProfile.objects.filter(pk=profile.pk)
        .values_list("study_participant__consent_on", flat=True)
        .first()
    )
    return trial.KeyDates(consent=consent or start, course_start=start)


def materialize(
    profile: PatientProfile,
    dates: trial.KeyDates | None = None,
    rows: list[ScheduledAssessment] | None = None,
) -> bool:
    """Create or update the patient's scheduled assessments (idempotent); True if it wrote.

    ``rows``: the patient's assessments when the caller has read them already.
    """
    dates = key_dates(profile) if dates is None else dates
    existing = {a.key: a for a in (profile.assessments.all() if rows is None else rows)}
    new, changed = [], []
    for position, item in enumerate(schedule()):
        due = trial.due_date(item, dates)
        row = existing.get(item.key)
        if row is None:
            new.append(
                ScheduledAssessment(
                    patient=profile,
                    key=item.key,
                    instrument=item.instrument,
                    wave=item.wave,
                    position=position,
                    due=due,
                    grace_days=item.grace_days,
                )
            )
        elif row.completed_at is None and (row.due, row.position) != (due, position):
            row.due, row.position = due, position
            changed.append(row)
    if new:
        ScheduledAssessment.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        ScheduledAssessment.objects.bulk_update(changed, ["due", "position"])
    return bool(new or changed)


@dataclass
class Window:
    """An assessment with its state on a day (embct.trial decides the state)."""

    assessment: ScheduledAssessment
    state: trial.AssessmentState
    due: date | None

    @property
    def name(self) -> str:
        return title(self.assessment.instrument, self.assessment.wave)

    @property
    def has_draft(self) -> bool:
        return hasattr(self.assessment, "draft")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


def title(instrument: str, wave: str) -> str:
    """A short neutral title in the current language, e.g. "HADS, before the course"."""
    label = get_instrument(instrument).short_name or instrument.upper()
    if wave in WAVE_NAMES:
        when = str(WAVE_NAMES[wave])
    elif wave.startswith("w"):
        when = gettext("start of week %(week)s") % {"week": wave[1:]}
    else:
        when = wave
    return f"{label}, {when}"


#: The waves of the schedule other than the weeks ("w2": "start of week 2").
WAVE_NAMES = {
    "screen": gettext_lazy("screening"),
    "pre": gettext_lazy("before the course"),
    "post": gettext_lazy("after the course"),
}


def windows(profile: PatientProfile, today: date, *, refresh: bool = True) -> list[Window]:
    """The patient's assessments with their states on ``today`` (materialized first)."""
    dates = key_dates(profile)
    rows = list(profile.assessments.select_related("draft"))
    if refresh and materialize(profile, dates, rows):
        rows = list(profile.assessments.select_related("draft"))
    out = []
    for row in rows:
        try:
            item = definition(row.key)
        except KeyError:  # from an earlier schedule mode: shown only when done
            if row.completed_at is None:
                continue
            item = trial.Assessment(row.key, row.instrument, row.wave, trial.Anchor.CONSENT, 0)
        done = None if row.completed_at is None else timezone.localdate(row.completed_at)
        window = trial.assessment_state(item, dates, today, done)
        out.append(Window(row, window.state, window.due))
    return out


def skip_allowed(instrument: str) -> bool:
    """Whether the instrument's missing-item rule tolerates any unanswered item."""
    spec = get_instrument(instrument)
    return any(
        spec.missing.min_answered[name] < len(items) for name, items in spec.subscales.items()
    )


class QuestionnaireError(ValueError):
    """The answers cannot be stored as a response; the message says what to do.

    ``items``: the item numbers that are neither answered nor skipped, if that is why.
    """

    def __init__(self, message: str, items: Iterable[int] = ()) -> None:
        super().__init__(message)
        self.items = tuple(items)


def _parse(instrument: str, raw: Mapping[str, Any]) -> dict[int, int | None]:
    spec = get_instrument(instrument)
    answers: dict[int, int | None] = {}
    for item in spec.items:
        value = raw.get(str(item))
        if value in (None, ""):
            continue
        if value == SKIP:
            answers[item] = None
            continue
        try:
            answers[item] = int(value)
        except (TypeError, ValueError):
            raise QuestionnaireError(
                gettext("item %(item)s: %(value)r is not one of the options")
                % {"item": item, "value": value}
            ) from None
    return answers


def parse_complete(instrument: str, raw: Mapping[str, Any]) -> dict[int, int | None]:
    """The answers of a form on which every item is answered or explicitly skipped
    (:class:`QuestionnaireError` naming the items left open otherwise)."""
    answers = _parse(instrument, raw)
    blank = [i for i in get_instrument(instrument).items if i not in answers]
    if blank:
        raise QuestionnaireError(
            gettext("Please answer or skip every question; not yet answered: %(items)s")
            % {"items": ", ".join(map(str, blank))},
            items=blank,
        )
    return answers


def save_draft(assessment: ScheduledAssessment, raw: Mapping[str, Any]) -> Draft:
    """Keep the answers given so far (only item keys; values as given)."""
    spec = get_instrument(assessment.instrument)
    kept = {str(i): raw[str(i)] for i in spec.items if raw.get(str(i)) not in (None, "")}
    draft, _ = Draft.objects.update_or_create(
        assessment=assessment, defaults={"answers": kept, "updated_at": timezone.now()}
    )
    return draft


def submit(
    assessment: ScheduledAssessment,
    raw: Mapping[str, Any],
    token: uuid.UUID,
    *,
    submitted_at: datetime | None = None,
    refresh: bool = True,
) -> tuple[Response, bool]:
    """Validate with embct.instruments and store one response; returns (response, created).

    Every item must be answered or explicitly skipped, and the skips must leave a score the
    instrument's missing-item rule can compute. The same form sent twice (same token) or a
    second submission for a completed assessment returns the stored response.

    ``submitted_at``: when the answers were given, if not now (answers entered later, as the
    demo's trial does). ``refresh``: False when the caller refreshes the early warnings itself,
    once for many responses (:func:`embct.platform.questionnaires.early.refresh_all`).
    """
    previous = Response.objects.filter(assessment=assessment).first()
    if previous is not None:
        return previous, False
    spec = get_instrument(assessment.instrument)
    answers = parse_complete(assessment.instrument, raw)
    pack = content_pack(assessment.instrument)
    try:
        scored = score_response(
            spec, answers, participant_id=f"assessment {assessment.pk}", coding=pack.coding
        )
    except InstrumentError as error:
        raise QuestionnaireError(str(error)) from None
    if scored["total"] is None:
        short = [name for name, value in scored["subscales"].items() if value is None]
        raise QuestionnaireError(
            gettext(
                "Too many questions were skipped to give a score (%(parts)s). "
                "Please answer a few more."
            )
            % {"parts": ", ".join(short)}
        )
    now = timezone.now() if submitted_at is None else submitted_at
    try:
        with transaction.atomic():
            response = Response.objects.create(
                assessment=assessment,
                patient_id=assessment.patient_id,
                key=assessment.key,
                instrument=assessment.instrument,
                wave=assessment.wave,
                coding=scored["coding"],
                answers={str(i): answers.get(i) for i in spec.items},
                item_scores={str(i): s for i, s in scored["item_scores"].items()},
                total=scored["total"],
                subscales=scored["subscales"],
                prorated=scored["prorated"],
                submitted_at=now,
                form_token=token,
            )
            ScheduledAssessment.objects.filter(pk=assessment.pk).update(completed_at=now)
            Draft.objects.filter(assessment=assessment).delete()
            # A new score is an input of the early warnings: keep what it fires now.
            if refresh:
                from .early import refresh_flags

                refresh_flags([assessment.patient], timezone.localdate())
    except IntegrityError:  # a double click raced us: the first one is stored
        stored = Response.objects.filter(assessment=assessment).first()
        if stored is None:
            raise
        return stored, False
    return response, True


def totals_by_patient(
    patient_ids: Iterable[int],
) -> dict[int, dict[str, Response]]:
    """Every response of these patients by key (1 query)."""
    out: dict[int, dict[str, Response]] = {}
    for response in Response.objects.filter(patient_id__in=list(patient_ids)).defer(
        "answers", "item_scores"
    ):
        out.setdefault(response.patient_id, {})[response.key] = response
    return out
