"""The canonical trial table (DESIGN.md), defined once: columns, waves, kinds, ranges, labels.

One row per randomized participant. The analysis reads this table, the platform exports it and
the simulator writes it; each of them takes the names, the order and the limits from here.

- :data:`WAVES` are the instrument waves in the one order every writer uses: the order of the
  paper's Measures section (alliance, distress, well-being), each instrument's waves in time.
- A column's ``plausible`` range is what any trial's data may hold: the analysis rejects a
  value outside it (``embct analyze`` also reads other trials' files). Its ``eligible`` range,
  where there is one, is this trial's rule, narrower: the baseline form and
  :func:`embct.trial.validate_baseline` accept nothing else (the trial took adults only).
  Where the two are the same rule the column gives one range for both.
- Totals and items take their ranges from the instruments' own definitions
  (:mod:`embct.instruments`): the schema names them, it does not restate them.

No Django, no pandas: plain data a notebook, the platform and the command line can import.

Examples
--------
>>> [c.name for c in BASELINE][:3]
['female', 'relationship', 'children']
>>> COLUMNS["age"].plausible, COLUMNS["age"].eligible
(Range(low=0, high=120), Range(low=18, high=110))
>>> TOTALS[:3], total_range("hads")
(('wai_w2', 'wai_w5', 'wai_w9'), Range(low=0, high=42))
>>> WAVE_LABELS["post"]
'posttreatment'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from embct.instruments import get_instrument, item_columns

__all__ = [
    "ARMS",
    "BASELINE",
    "BASELINE_BINARY",
    "BASELINE_CONTINUOUS",
    "CLUSTERS",
    "COLUMNS",
    "DESCRIPTIVE",
    "DOSE",
    "FLOW",
    "INSTRUMENTS",
    "TABLE_1",
    "TOTALS",
    "WAVES",
    "WAVE_LABELS",
    "Column",
    "Kind",
    "Range",
    "item_names",
    "item_range",
    "total_range",
]


class Kind(StrEnum):
    """What a column holds; missing is empty / NaN in every kind."""

    TEXT = "text"  # identifiers and labels
    ARM = "arm"  # an arm code of ARMS
    BOOL = "bool"  # 0/1 (yes/no, true/false in a user's file)
    INT = "int"  # a whole number in its range
    FLOAT = "float"  # a number in its range


@dataclass(frozen=True)
class Range:
    """An inclusive range of numbers.

    >>> 17 in Range(18, 110), 18 in Range(18, 110)
    (False, True)
    """

    low: float
    high: float

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.low <= value <= self.high


@dataclass(frozen=True)
class Column:
    """One column of the canonical table.

    Attributes
    ----------
    name : str
        Its name (lower snake case).
    kind : Kind
    label : str
        Variable label (an SPSS export's, a form's).
    plausible : Range or None
        Values any trial's data may hold; the analysis rejects others.
    eligible : Range or None
        This trial's rule where it is narrower than ``plausible`` (the baseline form and
        :func:`embct.trial.validate_baseline`); None where the plausible range is the rule.
    value_labels : tuple of (int, str)
        What 0 and 1 mean, for yes/no columns.
    table_label : str
        The row label in Table 1 of the paper (baseline characteristics), else empty.
    question : str
        What a form asks where ``label`` names one of the values ("Gender" for "Gender
        female", answered "female" or "not female"); empty where the label is the question.
    """

    name: str
    kind: Kind
    label: str
    plausible: Range | None = None
    eligible: Range | None = None
    value_labels: tuple[tuple[int, str], ...] = ()
    table_label: str = ""
    question: str = ""

    @property
    def rule(self) -> Range | None:
        """The range this trial accepts: ``eligible`` where given, else ``plausible``."""
        return self.eligible or self.plausible


def _yes_no(
    name: str,
    label: str,
    table_label: str = "",
    no: str = "no",
    yes: str = "yes",
    question: str = "",
) -> Column:
    return Column(
        name,
        Kind.BOOL,
        label,
        value_labels=((0, no), (1, yes)),
        table_label=table_label,
        question=question,
    )


#: Who the row is, and where and by whom they were treated.
DESCRIPTIVE: tuple[Column, ...] = (
    Column("participant_id", Kind.TEXT, "Study id"),
    Column("arm", Kind.ARM, "Treatment arm (final)"),
    _yes_no("tau_first", "Treatment as usual first, then re-randomized"),
    Column("site", Kind.TEXT, "Site (randomization stratum)"),
    Column("therapist_id", Kind.TEXT, "Therapist (pseudonym)"),
)
#: Optional clusters beyond the therapist: the course group a group-MBCT patient attended
#: (empty in eMBCT, which is individual). The platform exports its groups' pseudonyms here.
CLUSTERS: tuple[Column, ...] = (Column("group_id", Kind.TEXT, "MBCT group (pseudonym)"),)

#: Table 1 of the paper: the baseline characteristics, in its order.
BASELINE: tuple[Column, ...] = (
    _yes_no("female", "Gender female", "Gender (female)", "not female", "female", "Gender"),
    _yes_no("relationship", "In a relationship", "Relationship (yes)"),
    _yes_no("children", "Has children", "Children (yes)"),
    _yes_no(
        "education_high",
        "Education level high",
        "Education level (high)",
        "low or middle",
        "high",
        "Education level",
    ),
    Column(
        "age",
        Kind.INT,
        "Age in years",
        plausible=Range(0, 120),
        eligible=Range(18, 110),
        table_label="Age (years)",
    ),
    _yes_no(
        "diagnosis_breast",
        "Cancer diagnosis breast",
        "Cancer diagnosis (breast)",
        "other cancer",
        "breast cancer",
        "Cancer diagnosis",
    ),
    _yes_no(
        "intent_curative",
        "Treatment intent curative",
        "Treatment intent (curative)",
        "palliative",
        "curative",
        "Treatment intent",
    ),
    _yes_no(
        "current_treatment", "Current anticancer treatment", "Current anticancer treatment (yes)"
    ),
    _yes_no("psychiatric_diagnosis", "Psychiatric diagnosis", "Psychiatric diagnosis (yes)"),
    Column(
        "years_since_diagnosis",
        Kind.FLOAT,
        "Years since cancer diagnosis",
        plausible=Range(0, 100),
        table_label="Time since diagnosis (years)",
    ),
)
#: Names of the yes/no and of the numeric baseline characteristics.
BASELINE_BINARY: tuple[str, ...] = tuple(c.name for c in BASELINE if c.kind is Kind.BOOL)
BASELINE_CONTINUOUS: tuple[str, ...] = tuple(c.name for c in BASELINE if c.kind is not Kind.BOOL)

#: The instruments, and their waves in the table's one order.
INSTRUMENTS: tuple[str, ...] = ("wai", "hads", "mhc")
WAVES: tuple[tuple[str, str], ...] = (
    ("wai", "w2"),
    ("wai", "w5"),
    ("wai", "w9"),
    ("hads", "pre"),
    ("hads", "post"),
    ("mhc", "pre"),
    ("mhc", "post"),
)
#: How a wave is named in labels and reports.
WAVE_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "pre": "baseline",
        "post": "posttreatment",
        "w2": "week 2",
        "w5": "week 5",
        "w9": "week 9",
    }
)
#: The total columns, one per wave (``wai_w2`` ...).
TOTALS: tuple[str, ...] = tuple(f"{key}_{wave}" for key, wave in WAVES)


def total_range(key: str, coding: str | None = None) -> Range:
    """The totals instrument ``key`` can take (under ``coding``; its default if None)."""
    low, high = get_instrument(key).score_range(coding=coding)
    return Range(low, high)


def item_range(key: str) -> Range:
    """The scores an item of instrument ``key`` can take under its default coding.

    >>> item_range("wai"), item_range("hads")
    (Range(low=1, high=5), Range(low=0, high=3))
    """
    instrument = get_instrument(key)
    return Range(instrument.min_score, instrument.max_score)


def item_names(key: str, wave: str) -> list[str]:
    """The item columns of ``key`` at ``wave`` (``hads_pre_1`` ...), in item order."""
    return item_columns(key, wave)


# The protocol's facts (the arm codes, the course's sessions) are imported here, not at the
# top: embct.trial imports this module for its baseline columns, so everything above must
# exist before embct.trial loads (whichever of the two is imported first).
from embct.trial.protocol import N_SESSIONS, Arm  # noqa: E402

#: Arm codes of the table in code order: 0 = reference (group MBCT), 1 = comparison (eMBCT).
ARMS: tuple[str, str] = (Arm.MBCT.value, Arm.EMBCT.value)

#: The dose: whether the course was started and how many of its sessions were attended
#: (completer: ``sessions_attended >= embct.trial.ADEQUATE_DOSE_SESSIONS``).
DOSE: tuple[Column, ...] = (
    _yes_no("started", "Started the course"),
    Column(
        "sessions_attended",
        Kind.INT,
        f"Sessions attended (0-{N_SESSIONS})",
        plausible=Range(0, N_SESSIONS),
    ),
)

#: Where a randomized participant left the trial's course, for the CONSORT flow
#: (:mod:`embct.trial.flow`): the withdrawal recorded (``declined`` before starting, ``dropout``
#: after; empty when none) and its reason category (:class:`embct.trial.DropoutReason`). A
#: participant not started without a withdrawal is waiting to start, not declined.
FLOW: tuple[Column, ...] = (
    Column("withdrawal", Kind.TEXT, "Withdrawal recorded (declined, dropout; empty if none)"),
    Column("withdrawal_reason", Kind.TEXT, "Reason for the withdrawal (category)"),
)

#: Table 1 rows of the baseline outcomes.
_TABLE_1_TOTALS = {
    "hads_pre": "Psychological distress (HADS total)",
    "mhc_pre": "Mental well-being (MHC-SF total)",
}
#: Every named (non-item) column by name; item columns are :func:`item_names`.
COLUMNS: MappingProxyType[str, Column] = MappingProxyType(
    {c.name: c for c in DESCRIPTIVE + CLUSTERS + BASELINE + DOSE + FLOW}
    | {
        name: Column(
            name,
            Kind.FLOAT,
            f"{get_instrument(key).short_name} total, {WAVE_LABELS[wave]}",
            plausible=total_range(key),
            table_label=_TABLE_1_TOTALS.get(name, ""),
        )
        for (key, wave), name in zip(WAVES, TOTALS, strict=True)
    }
)
#: The rows of the paper's Table 1: the baseline characteristics, then the baseline outcomes.
TABLE_1: tuple[Column, ...] = BASELINE + tuple(COLUMNS[name] for name in _TABLE_1_TOTALS)
