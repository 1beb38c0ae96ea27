"""Screening, eligibility criteria and the baseline characteristics, as data.

Bisseling et al. (2019), Study Population and Procedure: people who enrolled on the study
website filled in the HADS; those scoring 11 or more were called by a researcher, who checked
5 inclusion and 3 exclusion criteria. The descriptions below are this project's own short,
neutral wording of those criteria. The baseline characteristics are those of the paper's
Table 1, under the canonical trial table's names (DESIGN.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from embct import schema

from .protocol import ProtocolError

__all__ = [
    "BASELINE_FIELDS",
    "CRITERIA",
    "HADS_TOTAL_MAX",
    "SCREENING_HADS_THRESHOLD",
    "BaselineField",
    "BaselineValueError",
    "Criterion",
    "CriterionKind",
    "EligibilityResult",
    "assess_eligibility",
    "invite_for_eligibility_call",
    "validate_baseline",
]

#: A screening HADS total of this or more invites an eligibility call.
SCREENING_HADS_THRESHOLD = 11
HADS_TOTAL_MAX = int(schema.total_range("hads").high)


def invite_for_eligibility_call(
    hads_total: float, threshold: float = SCREENING_HADS_THRESHOLD
) -> bool:
    """Whether a screening HADS total puts the person on the researcher's call list.

    Parameters
    ----------
    hads_total : int or float
        HADS total, 0..42; a prorated total may be fractional and is compared unrounded
        (10.5 is below 11), as ``embct.instruments`` scores it.
    threshold : float, optional
        11 in the trial.

    Returns
    -------
    bool

    Examples
    --------
    >>> invite_for_eligibility_call(10), invite_for_eligibility_call(11)
    (False, True)
    >>> invite_for_eligibility_call(10.5)
    False
    >>> invite_for_eligibility_call(43)
    Traceback (most recent call last):
    ...
    embct.trial.protocol.ProtocolError: hads_total: 43 is not a number from 0 to 42
    """
    if (
        isinstance(hads_total, bool)
        or not isinstance(hads_total, int | float)
        or not 0 <= hads_total <= HADS_TOTAL_MAX
    ):
        raise ProtocolError(
            f"hads_total: {hads_total!r} is not a number from 0 to {HADS_TOTAL_MAX}"
        )
    return hads_total >= threshold


class CriterionKind(StrEnum):
    """An inclusion criterion must hold; an exclusion criterion must not."""

    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"


@dataclass(frozen=True)
class Criterion:
    """One eligibility criterion, answered yes (True) or no (False) on the call."""

    id: str
    kind: CriterionKind
    description: str


#: The 5 inclusion and 3 exclusion criteria of the trial, in the paper's order.
CRITERIA: tuple[Criterion, ...] = (
    Criterion("cancer_diagnosis", CriterionKind.INCLUSION, "Has had a diagnosis of cancer."),
    Criterion(
        "distress_at_least_mild",
        CriterionKind.INCLUSION,
        "Has at least mild psychological distress.",
    ),
    Criterion(
        "computer_and_internet",
        CriterionKind.INCLUSION,
        "Can use a computer and has internet access.",
    ),
    Criterion(
        "course_language",
        CriterionKind.INCLUSION,
        "Has a good command of the language of the course (Dutch in the trial).",
    ),
    Criterion(
        "willing_either_format",
        CriterionKind.INCLUSION,
        "Is willing to take part in either the online or the group course.",
    ),
    Criterion(
        "severe_psychiatric_morbidity",
        CriterionKind.EXCLUSION,
        "Has severe psychiatric problems, such as suicidal thoughts or psychosis.",
    ),
    Criterion(
        "psychotropic_medication_change",
        CriterionKind.EXCLUSION,
        "Changed psychotropic medication in the 3 months before baseline.",
    ),
    Criterion(
        "previous_mindfulness_course",
        CriterionKind.EXCLUSION,
        "Takes or has taken part in an MBCT or MBSR course.",
    ),
)


@dataclass(frozen=True)
class EligibilityResult:
    """The outcome of the eligibility call: ``eligible`` and the criteria that failed."""

    eligible: bool
    failed: tuple[Criterion, ...]

    @property
    def failed_ids(self) -> tuple[str, ...]:
        """The ids of the failed criteria."""
        return tuple(c.id for c in self.failed)


def assess_eligibility(
    answers: Mapping[str, bool], criteria: tuple[Criterion, ...] = CRITERIA
) -> EligibilityResult:
    """Decide eligibility from the answers to every criterion.

    Parameters
    ----------
    answers : mapping of str to bool
        Criterion id -> whether it applies to the person (True/False; every criterion must
        be answered, with a real bool).
    criteria : tuple of Criterion, optional
        Defaults to the trial's :data:`CRITERIA`.

    Returns
    -------
    EligibilityResult
        Eligible when every inclusion criterion holds and no exclusion criterion does.

    Examples
    --------
    >>> answers = {c.id: c.kind == "inclusion" for c in CRITERIA}
    >>> assess_eligibility(answers).eligible
    True
    >>> answers["previous_mindfulness_course"] = True
    >>> assess_eligibility(answers).failed_ids
    ('previous_mindfulness_course',)
    """
    ids = [c.id for c in criteria]
    unknown = sorted(set(answers) - set(ids))
    if unknown:
        raise ProtocolError(f"answers: {unknown[0]!r} is not an eligibility criterion")
    missing = [i for i in ids if i not in answers]
    if missing:
        raise ProtocolError(f"answers: criterion {missing[0]!r} was not answered")
    for key in ids:
        if not isinstance(answers[key], bool):
            raise ProtocolError(f"answers: {key} = {answers[key]!r} is not True or False")
    failed = tuple(c for c in criteria if (c.kind is CriterionKind.INCLUSION) is not answers[c.id])
    return EligibilityResult(eligible=not failed, failed=failed)


class BaselineValueError(ProtocolError):
    """A baseline characteristic with a value its field does not allow."""


@dataclass(frozen=True)
class BaselineField:
    """One baseline characteristic of Table 1.

    Attributes
    ----------
    name : str
        Column name in the canonical trial table.
    kind : {"bool", "int", "float"}
    label : str
        Short label, e.g. for a form or an SPSS variable label.
    minimum, maximum : float or None
        Allowed range for numbers (inclusive).
    value_labels : tuple of (int, str)
        For yes/no fields: what 0 and 1 mean (for SPSS value labels).
    question : str
        What a form asks: ``label`` unless the label names one of the values ("Gender",
        not "Gender female").
    """

    name: str
    kind: str
    label: str
    minimum: float | None = None
    maximum: float | None = None
    value_labels: tuple[tuple[int, str], ...] = ()
    question: str = ""

    def validate(self, value: object) -> bool | int | float:
        """Return ``value`` unchanged if allowed, else raise :class:`BaselineValueError`."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise BaselineValueError(f"{self.name}: {value!r} is not True or False")
            return value
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise BaselineValueError(f"{self.name}: {value!r} is not a whole number")
            number: int | float = value
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise BaselineValueError(f"{self.name}: {value!r} is not a number")
            number = value
        if not math.isfinite(float(number)) or (
            (self.minimum is not None and number < self.minimum)
            or (self.maximum is not None and number > self.maximum)
        ):
            low = "-inf" if self.minimum is None else f"{self.minimum:g}"
            high = "inf" if self.maximum is None else f"{self.maximum:g}"
            raise BaselineValueError(f"{self.name}: {value!r} is outside {low} to {high}")
        return number


def _field(column: schema.Column) -> BaselineField:
    """A baseline column of :mod:`embct.schema` as a field, limited by the trial's rule."""
    rule = column.rule
    return BaselineField(
        column.name,
        column.kind.value,
        column.label,
        None if rule is None else rule.low,
        None if rule is None else rule.high,
        column.value_labels,
        column.question or column.label,
    )


#: Table 1 of the paper as a schema (canonical names, types, allowed values): the columns of
#: :data:`embct.schema.BASELINE` under this trial's eligibility rule (age 18 to 110: adults),
#: where the analysis of any trial's file takes the wider plausible range.
BASELINE_FIELDS: tuple[BaselineField, ...] = tuple(_field(c) for c in schema.BASELINE)


def validate_baseline(
    record: Mapping[str, object], *, partial: bool = False
) -> dict[str, bool | int | float | None]:
    """Check a participant's baseline characteristics against :data:`BASELINE_FIELDS`.

    Parameters
    ----------
    record : mapping
        Field name -> value: bool for yes/no fields, int for ``age``, int or float for
        ``years_since_diagnosis``. Values are never converted (``"1"`` or ``1`` for a yes/no
        field is an error).
    partial : bool, optional
        Allow fields to be absent or None (not recorded yet); by default all are required.

    Returns
    -------
    dict
        Every field name -> its value (None where absent and ``partial``).

    Raises
    ------
    BaselineValueError
        Naming the field, the value and what was expected; also for unknown fields and for
        years since diagnosis larger than the age.

    Examples
    --------
    >>> record = dict(female=True, relationship=True, children=False, education_high=True,
    ...               age=52, diagnosis_breast=True, intent_curative=True,
    ...               current_treatment=False, psychiatric_diagnosis=False,
    ...               years_since_diagnosis=2.5)
    >>> validate_baseline(record)["age"]
    52
    >>> validate_baseline({**record, "age": 17})
    Traceback (most recent call last):
    ...
    embct.trial.eligibility.BaselineValueError: age: 17 is outside 18 to 110
    """
    names = [f.name for f in BASELINE_FIELDS]
    unknown = sorted(set(record) - set(names))
    if unknown:
        raise BaselineValueError(
            f"{unknown[0]}: is not a baseline characteristic; expected one of {', '.join(names)}"
        )
    out: dict[str, bool | int | float | None] = {}
    for spec in BASELINE_FIELDS:
        value = record.get(spec.name)
        if value is None:
            if not partial:
                raise BaselineValueError(f"{spec.name}: None is missing; a value is required")
            out[spec.name] = None
            continue
        out[spec.name] = spec.validate(value)
    age, years = out["age"], out["years_since_diagnosis"]
    if age is not None and years is not None and years > age:
        raise BaselineValueError(f"years_since_diagnosis: {years!r} is larger than age {age!r}")
    return out
