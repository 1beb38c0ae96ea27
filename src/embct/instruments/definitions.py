"""The three questionnaires of the trial, defined once as data.

An :class:`Instrument` holds everything scoring needs and nothing else: item numbers, the
subscales and their items, the codings (how a stored answer maps to a score, per item),
the missing-item rule, cut-off bands, the screening rule and, for the MHC-SF, Keyes'
categorical diagnosis. Scoring (:mod:`embct.instruments.scoring`) is generic over this data:
there are no per-instrument code branches.

No item wording or answer wording is stored here (the instruments are copyrighted); a
licensed site supplies it in a content pack (:mod:`embct.instruments.content`).

Settings that the literature leaves open (the WAI-SR numeric coding, the missing-item
rule, the HADS bands and screening cut-off) are fields: change them with
:func:`dataclasses.replace` and pass the resulting :class:`Instrument` wherever a key is
accepted.

Sources (see ``reference/instruments.md`` of the project):

* HADS: Zigmond & Snaith (1983), Acta Psychiatr Scand 67:361-370; option order of the
  printed form as in CamCOPS and the HADS-D FHIR code system; missing items: Bell,
  Fairclough, Fiero & Butow (2016), BMC Res Notes 9:479 ("half rule").
* WAI-SR: Hatcher & Gillaspy (2006), Psychother Res 16:12-25.
* MHC-SF: Keyes (2002), J Health Soc Behav 43:207; Keyes et al. (2008), Clin Psychol
  Psychother 15:181; Lamers et al. (2011), J Clin Psychol 67:99-110.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import UnknownInstrumentError

__all__ = [
    "INSTRUMENTS",
    "Band",
    "Coding",
    "Cutoff",
    "Instrument",
    "KeyesDiagnosis",
    "MissingRule",
    "get_instrument",
]


@dataclass(frozen=True)
class Coding:
    """How stored answers map to scores.

    Attributes
    ----------
    name : str
        The coding's name (``"printed"``, ``"position"``, ``"1-5"`` ...).
    description : str
        One sentence for users.
    option_values : dict[int, tuple[int, ...]]
        Per item, the value stored for each answer option, in display order.
    option_scores : dict[int, tuple[int, ...]]
        Per item, the score of each answer option, in display order.
    """

    name: str
    description: str
    option_values: dict[int, tuple[int, ...]] = field(hash=False)
    option_scores: dict[int, tuple[int, ...]] = field(hash=False)

    def score(self, item: int, value: int) -> int | None:
        """The score of stored ``value`` for ``item``, or ``None`` if it is not a code.

        Examples
        --------
        >>> position = get_instrument("hads").codings["position"]
        >>> position.score(1, 0), position.score(2, 0), position.score(1, 4)
        (3, 0, None)
        """
        values = self.option_values[item]
        if value not in values:
            return None
        return self.option_scores[item][values.index(value)]

    def allowed(self, item: int) -> tuple[int, ...]:
        """The stored values allowed for ``item``, ascending."""
        return tuple(sorted(self.option_values[item]))


@dataclass(frozen=True)
class MissingRule:
    """When a subscale with missing items is still scored.

    A subscale is scored when at least ``min_answered[subscale]`` of its items are
    answered; it is then prorated: mean of the answered item scores times the number of
    items. The total is the sum of the (prorated) subscales and is missing when any
    subscale is missing. A score that cannot be computed is missing (NaN), never zero.
    """

    description: str
    min_answered: dict[str, int] = field(hash=False)


@dataclass(frozen=True)
class Band:
    """A labelled score band starting at ``low`` (inclusive) up to the next band."""

    low: float
    label: str


@dataclass(frozen=True)
class Cutoff:
    """A positive screen when the ``scale`` score is at least ``threshold``.

    No rounding is applied: a prorated 10.5 is below a threshold of 11.
    """

    scale: str
    threshold: float
    name: str
    description: str


@dataclass(frozen=True)
class KeyesDiagnosis:
    """Keyes' categorical diagnosis of mental health from MHC-SF item scores.

    ``flourishing``: at least ``min_hedonic`` hedonic items scored ``>= high`` and at least
    ``min_functioning`` functioning items scored ``>= high``; ``languishing``: the same
    counts with items scored ``<= low``; otherwise ``moderate``. With missing items the
    rule is evaluated with every missing item at the lowest and at the highest score; if
    the two agree that is the category, otherwise it is ``indeterminate`` (the rule is
    monotone, so the two extremes decide). A response with no answered item has no
    category.
    """

    hedonic: tuple[int, ...]
    functioning: tuple[int, ...]
    high: int = 4
    low: int = 1
    min_hedonic: int = 1
    min_functioning: int = 6
    labels: tuple[str, str, str, str] = (
        "flourishing",
        "moderate",
        "languishing",
        "indeterminate",
    )

    def classify(
        self, scores: Mapping[int, int | None], min_score: int, max_score: int
    ) -> str | None:
        """The category of one response (item -> score, ``None`` when missing).

        Examples
        --------
        >>> keyes = get_instrument("mhc").diagnosis
        >>> keyes.classify({i: 4 for i in range(1, 15)}, 0, 5)
        'flourishing'
        >>> answers = {i: (1 if i <= 8 else None) for i in range(1, 15)}
        >>> keyes.classify(answers, 0, 5)
        'indeterminate'
        """
        if all(scores.get(item) is None for item in (*self.hedonic, *self.functioning)):
            return None
        low_fill = self._category(scores, min_score)
        high_fill = self._category(scores, max_score)
        return low_fill if low_fill == high_fill else self.labels[3]

    def _category(self, scores: Mapping[int, int | None], fill: int) -> str:
        def filled(item: int) -> int:
            score = scores.get(item)
            return fill if score is None else score

        hedonic = [filled(i) for i in self.hedonic]
        functioning = [filled(i) for i in self.functioning]
        if (
            sum(s >= self.high for s in hedonic) >= self.min_hedonic
            and sum(s >= self.high for s in functioning) >= self.min_functioning
        ):
            return self.labels[0]
        if (
            sum(s <= self.low for s in hedonic) >= self.min_hedonic
            and sum(s <= self.low for s in functioning) >= self.min_functioning
        ):
            return self.labels[2]
        return self.labels[1]


@dataclass(frozen=True)
class Instrument:
    """One questionnaire, as data.

    Attributes
    ----------
    key : str
        ``"wai"``, ``"hads"`` or ``"mhc"``.
    name : str
        Full name.
    prefix : str
        Column prefix in tables (``{prefix}_{wave}_{item}``).
    items : tuple[int, ...]
        Item numbers, 1..n.
    subscales : dict[str, tuple[int, ...]]
        Subscale name -> its items; the subscales partition the items.
    min_score, max_score : int
        Range of one item's score under the default coding.
    codings : dict[str, Coding]
        The codings a stored answer may use; ``default_coding`` names the default.
    missing : MissingRule
        When subscales with missing items are scored (prorated).
    bands : dict[str, tuple[Band, ...]]
        Cut-off bands per scale (``"total"`` or a subscale name); empty when none are
        published.
    screening : Cutoff or None
        The trial's screening rule, if any.
    diagnosis : KeyesDiagnosis or None
        Categorical diagnosis, if any.
    higher_is_better : bool
        Direction of improvement (for reliable change).
    subscale_means : bool
        Whether tables report the mean item score per subscale too.
    recall_period, reference : str
        Documentation: the recall period and the source of the key.
    short_name : str
        Abbreviation for labels (``"HADS"``).
    """

    key: str
    name: str
    prefix: str
    items: tuple[int, ...]
    subscales: dict[str, tuple[int, ...]] = field(hash=False)
    min_score: int
    max_score: int
    codings: dict[str, Coding] = field(hash=False)
    default_coding: str
    missing: MissingRule
    bands: dict[str, tuple[Band, ...]] = field(hash=False, default_factory=dict)
    screening: Cutoff | None = None
    diagnosis: KeyesDiagnosis | None = None
    higher_is_better: bool = True
    subscale_means: bool = False
    recall_period: str = ""
    reference: str = ""
    short_name: str = ""

    @property
    def n_items(self) -> int:
        return len(self.items)

    def coding(self, name: str | None = None) -> Coding:
        """The coding called ``name`` (the default coding when ``None``).

        Examples
        --------
        >>> get_instrument("wai").coding().name
        '1-5'
        >>> get_instrument("wai").coding("0-4").allowed(1)
        (0, 1, 2, 3, 4)
        """
        chosen = self.default_coding if name is None else name
        if chosen not in self.codings:
            raise ValueError(
                f"{self.key}: unknown coding {chosen!r}; expected one of "
                + ", ".join(repr(c) for c in self.codings)
            )
        return self.codings[chosen]

    def score_range(self, scale: str = "total", coding: str | None = None) -> tuple[int, int]:
        """The (lowest, highest) score of ``scale`` (``"total"`` or a subscale).

        Examples
        --------
        >>> hads = get_instrument("hads")
        >>> hads.score_range(), hads.score_range("anxiety")
        ((0, 42), (0, 21))
        >>> get_instrument("wai").score_range(coding="0-4")
        (0, 48)
        """
        items = self.items if scale == "total" else self.subscales[scale]
        chosen = self.coding(coding)
        low = sum(min(chosen.option_scores[i]) for i in items)
        high = sum(max(chosen.option_scores[i]) for i in items)
        return low, high

    def subscale_of(self, item: int) -> str:
        """The name of the subscale ``item`` belongs to."""
        for name, members in self.subscales.items():
            if item in members:
                return name
        raise KeyError(item)

    def __post_init__(self) -> None:
        # The definitions are data: check their internal consistency once, here.
        members = sorted(i for items in self.subscales.values() for i in items)
        if members != list(self.items):
            raise ValueError(f"{self.key}: subscales do not partition the items")
        if self.default_coding not in self.codings:
            raise ValueError(f"{self.key}: default coding {self.default_coding!r} undefined")
        for coding in self.codings.values():
            for item in self.items:
                values = coding.option_values[item]
                if len(values) != len(coding.option_scores[item]) or len(set(values)) != len(
                    values
                ):
                    raise ValueError(f"{self.key}: coding {coding.name!r} item {item} is bad")
        if set(self.missing.min_answered) != set(self.subscales):
            raise ValueError(f"{self.key}: the missing rule must name every subscale")


def _same(items: tuple[int, ...], options: tuple[int, ...]) -> dict[int, tuple[int, ...]]:
    return {item: options for item in items}


def _scale_coding(
    name: str, description: str, items: tuple[int, ...], low: int, high: int
) -> Coding:
    """A Likert coding whose stored value is the score, options displayed low to high."""
    options = tuple(range(low, high + 1))
    return Coding(name, description, _same(items, options), _same(items, options))


# --- HADS ------------------------------------------------------------------------------
HADS_ITEMS = tuple(range(1, 15))
#: Items whose top printed option scores 3 (score = 3 - position when stored by position).
HADS_TOP_OPTION_SCORES_3 = (1, 3, 5, 6, 8, 10, 11, 13)
_HADS_KEY: dict[int, tuple[int, ...]] = {
    item: ((3, 2, 1, 0) if item in HADS_TOP_OPTION_SCORES_3 else (0, 1, 2, 3))
    for item in HADS_ITEMS
}
HADS = Instrument(
    key="hads",
    name="Hospital Anxiety and Depression Scale",
    prefix="hads",
    items=HADS_ITEMS,
    subscales={"anxiety": (1, 3, 5, 7, 9, 11, 13), "depression": (2, 4, 6, 8, 10, 12, 14)},
    min_score=0,
    max_score=3,
    codings={
        "printed": Coding(
            "printed",
            "the score printed beside the ticked option (0-3, 3 = most symptomatic)",
            option_values=_HADS_KEY,
            option_scores=_HADS_KEY,
        ),
        "position": Coding(
            "position",
            "the position of the ticked option, 0 = top option (items 1, 3, 5, 6, 8, 10, 11 "
            "and 13 are reversed: score = 3 - position)",
            option_values=_same(HADS_ITEMS, (0, 1, 2, 3)),
            option_scores=_HADS_KEY,
        ),
    },
    default_coding="printed",
    missing=MissingRule(
        "half rule (Bell et al. 2016): a subscale with at least 4 of its 7 items answered is "
        "prorated (mean of answered items x 7); the total is the sum of both subscales",
        {"anxiety": 4, "depression": 4},
    ),
    bands={
        scale: (Band(0, "non-case"), Band(8, "doubtful"), Band(11, "case"))
        for scale in ("anxiety", "depression")
    },
    screening=Cutoff(
        "total",
        11,
        "screen_positive",
        "at least mild distress: HADS total >= 11 (inclusion rule of the trial)",
    ),
    higher_is_better=False,
    recall_period="the past week",
    reference="Zigmond & Snaith (1983), Acta Psychiatr Scand 67:361-370",
    short_name="HADS",
)

# --- WAI-SR ----------------------------------------------------------------------------
WAI_ITEMS = tuple(range(1, 13))
WAI = Instrument(
    key="wai",
    name="Working Alliance Inventory - Short Revised (WAI-SR)",
    prefix="wai",
    items=WAI_ITEMS,
    subscales={"task": (1, 2, 10, 12), "bond": (3, 5, 7, 9), "goal": (4, 6, 8, 11)},
    min_score=1,
    max_score=5,
    codings={
        "1-5": _scale_coding(
            "1-5", "options scored 1 (first option) to 5 (last option)", WAI_ITEMS, 1, 5
        ),
        "0-4": _scale_coding(
            "0-4", "options scored 0 (first option) to 4 (last option)", WAI_ITEMS, 0, 4
        ),
    },
    default_coding="1-5",
    missing=MissingRule(
        "at most one missing item per 4-item subscale, prorated (mean of answered items x 4); "
        "the total only when all three subscales are scored",
        {"task": 3, "bond": 3, "goal": 3},
    ),
    higher_is_better=True,
    subscale_means=True,
    recall_period="the therapy so far",
    reference="Hatcher & Gillaspy (2006), Psychother Res 16:12-25",
    short_name="WAI-SR",
)

# --- MHC-SF ----------------------------------------------------------------------------
MHC_ITEMS = tuple(range(1, 15))
MHC = Instrument(
    key="mhc",
    name="Mental Health Continuum - Short Form (MHC-SF)",
    prefix="mhc",
    items=MHC_ITEMS,
    subscales={
        "emotional": (1, 2, 3),
        "social": (4, 5, 6, 7, 8),
        "psychological": (9, 10, 11, 12, 13, 14),
    },
    min_score=0,
    max_score=5,
    codings={
        "0-5": _scale_coding(
            "0-5", "options scored 0 (first option) to 5 (last option)", MHC_ITEMS, 0, 5
        ),
    },
    default_coding="0-5",
    missing=MissingRule(
        "at most one missing item per subscale, prorated (mean of answered items x number of "
        "items); the total only when all three subscales are scored",
        {"emotional": 2, "social": 4, "psychological": 5},
    ),
    diagnosis=KeyesDiagnosis(hedonic=(1, 2, 3), functioning=tuple(range(4, 15))),
    higher_is_better=True,
    subscale_means=True,
    recall_period="the past month",
    reference="Keyes (2002), J Health Soc Behav 43:207; Lamers et al. (2011), "
    "J Clin Psychol 67:99-110",
    short_name="MHC-SF",
)

#: The built-in instruments by key.
INSTRUMENTS: dict[str, Instrument] = {i.key: i for i in (WAI, HADS, MHC)}


def get_instrument(key: str | Instrument) -> Instrument:
    """The built-in instrument ``key`` (``"wai"``, ``"hads"`` or ``"mhc"``).

    An :class:`Instrument` is returned as it is, so every function that takes a key also
    takes a customised instrument (made with :func:`dataclasses.replace`).

    Raises
    ------
    UnknownInstrumentError
        For any other key.

    Examples
    --------
    >>> import dataclasses
    >>> hads = get_instrument("hads")
    >>> hads.subscales["anxiety"], hads.min_score, hads.max_score
    ((1, 3, 5, 7, 9, 11, 13), 0, 3)
    >>> strict = dataclasses.replace(hads, missing=MissingRule("complete", {"anxiety": 7,
    ...                                                                     "depression": 7}))
    >>> get_instrument(strict).missing.description
    'complete'
    """
    if isinstance(key, Instrument):
        return key
    if not isinstance(key, str) or key.lower() not in INSTRUMENTS:
        raise UnknownInstrumentError(
            "unknown instrument; expected one of " + ", ".join(repr(k) for k in INSTRUMENTS),
            instrument=str(key),
            value=key,
        )
    return INSTRUMENTS[key.lower()]
