"""The analysis configuration: which of the user's columns plays which role.

A TOML file maps roles (the canonical trial-table names of DESIGN.md) onto the user's own
column names and arm labels, so ``embct analyze`` runs on a file without renaming::

    [columns]            # role = column in the file; any role may be omitted
    participant_id = "id"
    arm = "group"
    wai_w2 = "wai2"
    [arms]
    reference = "MBCT"   # coded 0 (the paper's MBCT)
    comparison = "eMBCT" # coded 1 (the paper's eMBCT)

Optional further tables: ``[items]`` maps an instrument wave onto a column-name pattern for
its items (``hads_pre = "HADS0_{item}"``), ``[dose]`` sets ``completer_min_sessions``
(default 4, the paper's adequate dose) and ``max_sessions`` (default 9), and
``[instruments]`` sets ``wai_coding`` (``"1-5"``, the WAI-SR default, or ``"0-4"``), and
``[imputation]`` the intention-to-treat analysis's multiple imputation: ``m`` (imputations,
default 20, at least 2), ``iterations`` (rounds of the chained equations, default 10) and
``seed`` (default 2019; the same seed gives the same results).

Another trial's measures and design are configuration too. ``[scales.<instrument>]``
(``wai``: the alliance measure, ``hads``: the first outcome, ``mhc``: the second) declares a
measure in that role: its ``name`` (used in the report), the range ``min`` ... ``max`` of
its total (used for range checks), and for item-level input ``items`` (how many),
``item_min`` and ``item_max`` (the total is then their plain sum). ``[waves]`` names the
waves: ``wai`` two or more alliance waves (``["s1", ..., "s8"]``; the number in a name is
its time, else its position), ``hads`` / ``mhc`` ``pre``, ``post`` and any follow-ups
(``["pre", "post", "fu3", "fu9"]``), and ``early_alliance`` the alliance wave the dropout
and outcome analyses use (default ``w2`` when named, else the first)::

    [scales.wai]
    name = "Session Rating Scale"
    min = 0
    max = 40
    [waves]
    wai = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embct import schema
from embct.trial.protocol import ADEQUATE_DOSE_SESSIONS, N_SESSIONS

__all__ = [
    "BASELINE_BINARY",
    "BASELINE_CONTINUOUS",
    "INSTRUMENT_WAVES",
    "ROLES",
    "TOTAL_ROLES",
    "AnalysisConfig",
    "ConfigError",
    "Scale",
    "load_config",
]

#: Instrument waves of the trial: ``(instrument key, wave)`` in the table's order
#: (:data:`embct.schema.WAVES`).
INSTRUMENT_WAVES: tuple[tuple[str, str], ...] = schema.WAVES
#: Total-score roles, one per instrument wave (``wai_w2`` ...).
TOTAL_ROLES: tuple[str, ...] = schema.TOTALS
#: Binary baseline characteristics of Table 1 (0/1, or yes/no, true/false).
BASELINE_BINARY: tuple[str, ...] = schema.BASELINE_BINARY
#: Continuous baseline characteristics of Table 1 (the baseline outcomes come from the totals).
BASELINE_CONTINUOUS: tuple[str, ...] = schema.BASELINE_CONTINUOUS
#: Roles that identify and describe participants (passed through, not analysed).
_DESCRIPTIVE = tuple(c.name for c in schema.DESCRIPTIVE + schema.CLUSTERS)
#: The dose, and ``dropped_out``: a user's file may give dropout itself instead of the dose.
_DOSE = (*(c.name for c in schema.DOSE), "dropped_out")
#: The withdrawal and its reason, for the CONSORT flow (waiting vs declined, dropout reasons).
_FLOW = tuple(c.name for c in schema.FLOW)
#: Every role a ``[columns]`` table may map.
ROLES: tuple[str, ...] = (
    _DESCRIPTIVE + _DOSE + _FLOW + TOTAL_ROLES + BASELINE_BINARY + BASELINE_CONTINUOUS
)
#: m, iterations and seed of the intention-to-treat analysis's multiple imputation.
_IMPUTATION_DEFAULTS = (20, 10, 2019)
_WAI_CODINGS = ("1-5", "0-4")
_TABLES = {"columns", "arms", "items", "dose", "instruments", "scales", "waves", "imputation"}
_SCALE_KEYS = ("name", "min", "max", "items", "item_min", "item_max")
_WAVE_KEYS = (*schema.INSTRUMENTS, "early_alliance")
_WAVE_NAME = re.compile(r"[a-z][a-z0-9]*\Z")


class ConfigError(ValueError):
    """A configuration the analysis cannot use; the message names the file, table and key."""


@dataclass(frozen=True)
class Scale:
    """A declared measure in an instrument's role (``[scales.<instrument>]``).

    Parameters
    ----------
    name : str
        Its name, as the report writes it (``"Session Rating Scale"``).
    min, max : float
        The range of its total: a total outside it is refused.
    items : int or None
        How many items it has, for item-level input (the total is their plain sum).
    item_min, item_max : float or None
        The range of an item's score, for item-level input.

    Examples
    --------
    >>> Scale("PHQ-9", 0, 27, items=9, item_min=0, item_max=3).scores_items
    True
    """

    name: str
    min: float
    max: float
    items: int | None = None
    item_min: float | None = None
    item_max: float | None = None

    @property
    def scores_items(self) -> bool:
        """Whether the declaration is enough to score item-level input."""
        return None not in (self.items, self.item_min, self.item_max)

    def to_dict(self) -> dict[str, Any]:
        """The declaration as plain data (for ``meta``)."""
        return {key: getattr(self, key) for key in _SCALE_KEYS}


@dataclass(frozen=True)
class AnalysisConfig:
    """Where each role lives in the user's table, and how the arms are labelled.

    Parameters
    ----------
    columns : mapping of str to str
        Role -> column in the user's file (roles in :data:`ROLES`). Roles left out use their
        canonical name when the file has it; a role mapped here must exist in the file.
    reference_label, comparison_label : str
        The arm labels coded 0 (reference, the paper's MBCT) and 1 (comparison, eMBCT).
        Matched case-insensitively, after stripping spaces.
    items : mapping of str to str
        ``"<instrument>_<wave>"`` -> item column pattern with ``{item}`` (e.g. ``"h0_{item}"``).
    completer_min_sessions : int
        A starter who attended at least this many sessions completed the course (default
        :data:`embct.trial.protocol.ADEQUATE_DOSE_SESSIONS`, 4: the paper's adequate dose).
    max_sessions : int
        The largest valid ``sessions_attended`` (default
        :data:`embct.trial.protocol.N_SESSIONS`, 9: eight sessions and a silent day).
    wai_coding : str
        ``"1-5"`` (WAI-SR, default) or ``"0-4"``, passed to :mod:`embct.instruments`.
    imputations, imputation_iterations, imputation_seed : int
        The multiple imputation of the intention-to-treat analysis
        (:func:`embct.analysis.outcome_regression_mi`): m (at least 2), rounds of the chained
        equations (at least 1), and the seed (a whole number >= 0).
    source : str or None
        The file this configuration was read from (for messages and ``meta``).
    scales : mapping of str to Scale
        Declared measures per instrument role (``[scales.wai]`` ...); an instrument not
        declared keeps its built-in range (:mod:`embct.schema`).
    waves : mapping of str to tuple of str
        Configured waves per instrument (``[waves]``); an instrument left out keeps the
        paper's (:data:`embct.schema.WAVES`).
    early_alliance : str or None
        The alliance wave of the dropout and outcome analyses (default ``w2`` when named,
        else the first).

    Examples
    --------
    >>> config = AnalysisConfig(columns={"arm": "group"}, reference_label="MBCT")
    >>> config.column("arm"), config.column("wai_w2")
    ('group', 'wai_w2')
    >>> config.explicit("arm"), config.explicit("wai_w2")
    (True, False)
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    reference_label: str = "mbct"
    comparison_label: str = "embct"
    items: Mapping[str, str] = field(default_factory=dict)
    completer_min_sessions: int = ADEQUATE_DOSE_SESSIONS
    max_sessions: int = N_SESSIONS
    wai_coding: str = "1-5"
    imputations: int = 20  # these three defaults are _IMPUTATION_DEFAULTS
    imputation_iterations: int = 10
    imputation_seed: int = 2019
    source: str | None = None
    scales: Mapping[str, Scale] = field(default_factory=dict)
    waves: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    early_alliance: str | None = None

    def __post_init__(self) -> None:
        where = f" in {self.source}" if self.source else ""
        self._check_scales(where)
        self._check_waves(where)
        unknown = sorted(set(self.columns) - set(self.roles))
        if unknown:
            raise ConfigError(
                f"[columns]{where}: unknown role {unknown[0]!r}; expected one of "
                + ", ".join(self.roles)
            )
        for role, column in self.columns.items():
            if not isinstance(column, str) or not column.strip():
                raise ConfigError(
                    f"[columns]{where}: role {role!r} must name a column (a non-empty "
                    f"string), got {column!r}"
                )
        targets = list(self.columns.values())
        twice = sorted({c for c in targets if targets.count(c) > 1})
        if twice:
            roles = [r for r, c in self.columns.items() if c == twice[0]]
            raise ConfigError(
                f"[columns]{where}: column {twice[0]!r} is mapped to more than one role "
                f"({', '.join(roles)})"
            )
        for name, label in (
            ("reference", self.reference_label),
            ("comparison", self.comparison_label),
        ):
            if not isinstance(label, str) or not label.strip():
                raise ConfigError(f"[arms]{where}: {name} must be a non-empty label, got {label!r}")
        if _fold(self.reference_label) == _fold(self.comparison_label):
            raise ConfigError(
                f"[arms]{where}: reference and comparison are the same label "
                f"{self.reference_label!r}; two different arms are needed"
            )
        waves = set(self.total_roles)
        for role, pattern in self.items.items():
            if role not in waves:
                raise ConfigError(
                    f"[items]{where}: unknown instrument wave {role!r}; expected one of "
                    + ", ".join(sorted(waves))
                )
            if not isinstance(pattern, str) or "{item}" not in pattern:
                raise ConfigError(
                    f"[items]{where}: {role} must be a column pattern containing '{{item}}', "
                    f"got {pattern!r}"
                )
        for name, value, low in (
            ("completer_min_sessions", self.completer_min_sessions, 1),
            ("max_sessions", self.max_sessions, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(
                    f"[dose]{where}: {name} must be a whole number >= {low}, got {value!r}"
                )
        if self.completer_min_sessions > self.max_sessions:
            raise ConfigError(
                f"[dose]{where}: completer_min_sessions ({self.completer_min_sessions}) is "
                f"above max_sessions ({self.max_sessions})"
            )
        for name, value, low in (
            ("m", self.imputations, 2),
            ("iterations", self.imputation_iterations, 1),
            ("seed", self.imputation_seed, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(
                    f"[imputation]{where}: {name} must be a whole number >= {low}, got {value!r}"
                )
        if self.wai_coding not in _WAI_CODINGS:
            raise ConfigError(
                f"[instruments]{where}: wai_coding must be one of {', '.join(_WAI_CODINGS)}, "
                f"got {self.wai_coding!r}"
            )

    def _check_scales(self, where: str) -> None:
        for key, scale in self.scales.items():
            table = f"[scales.{key}]{where}"
            if key not in schema.INSTRUMENTS:
                raise ConfigError(
                    f"[scales]{where}: unknown scale {key!r}; expected one of "
                    + ", ".join(schema.INSTRUMENTS)
                )
            if not isinstance(scale.name, str) or not scale.name.strip():
                raise ConfigError(f"{table}: name must be a non-empty string, got {scale.name!r}")
            for name in ("min", "max", "item_min", "item_max"):
                value = getattr(scale, name)
                if value is None and name in ("item_min", "item_max"):
                    continue
                if not _is_number(value):
                    raise ConfigError(f"{table}: {name} must be a number, got {value!r}")
            if scale.min >= scale.max:
                raise ConfigError(f"{table}: min ({scale.min!r}) must be below max ({scale.max!r})")
            item_keys = {
                "items": scale.items,
                "item_min": scale.item_min,
                "item_max": scale.item_max,
            }
            given = [name for name, value in item_keys.items() if value is not None]
            if not given:
                continue
            if len(given) < 3:
                absent = [name for name in item_keys if name not in given]
                raise ConfigError(
                    f"{table}: {', '.join(given)} given without {', '.join(absent)}; item-level "
                    "input needs items, item_min and item_max"
                )
            items = scale.items
            if isinstance(items, bool) or not isinstance(items, int) or items < 1:
                raise ConfigError(f"{table}: items must be a whole number >= 1, got {items!r}")
            assert scale.item_min is not None
            assert scale.item_max is not None
            if scale.item_min >= scale.item_max:
                raise ConfigError(
                    f"{table}: item_min ({scale.item_min!r}) must be below item_max "
                    f"({scale.item_max!r})"
                )
            low, high = items * scale.item_min, items * scale.item_max
            if low < scale.min or high > scale.max:
                raise ConfigError(
                    f"{table}: the plain sum of {items} items scored {scale.item_min!r} to "
                    f"{scale.item_max!r} runs from {low!r} to {high!r}, outside min ... max "
                    f"({scale.min!r} to {scale.max!r}); embct scores a declared measure as a "
                    "plain sum only, so give its totals instead"
                )

    def _check_waves(self, where: str) -> None:
        table = f"[waves]{where}"
        for key, waves in self.waves.items():
            if key not in schema.INSTRUMENTS:
                raise ConfigError(
                    f"{table}: unknown key {key!r}; expected one of " + ", ".join(_WAVE_KEYS)
                )
            if not isinstance(waves, tuple) or not all(isinstance(w, str) for w in waves):
                raise ConfigError(f"{table}: {key} must be a list of wave names, got {waves!r}")
            for wave in waves:
                if not _WAVE_NAME.match(wave):
                    raise ConfigError(
                        f"{table}: {key} wave {wave!r} is not a wave name (lower-case letters "
                        "and digits, starting with a letter)"
                    )
            twice = sorted({w for w in waves if waves.count(w) > 1})
            if twice:
                raise ConfigError(f"{table}: {key} names wave {twice[0]!r} twice")
            if key == "wai" and len(waves) < 2:
                raise ConfigError(
                    f"{table}: wai names {len(waves)} wave(s); the alliance analyses need at "
                    "least 2"
                )
            if key != "wai" and waves[:2] != ("pre", "post"):
                raise ConfigError(
                    f'{table}: {key} must start with the waves "pre" and "post" (then any '
                    f"follow-ups), got {list(waves)!r}"
                )
        alliance = self.waves_of("wai")
        early = self.early_alliance
        if early is not None and early not in alliance:
            raise ConfigError(
                f"{table}: early_alliance {early!r} is not one of the wai waves "
                + ", ".join(alliance)
            )
        if early not in (None, "w2") and "w2" in alliance:
            raise ConfigError(
                f"{table}: early_alliance {early!r}: with a wave named w2 the early alliance "
                "is w2 (the role results.json calls wai_w2)"
            )

    def waves_of(self, key: str) -> tuple[str, ...]:
        """The waves of instrument ``key``: the configured ones, else the paper's."""
        return self.waves.get(key) or tuple(w for k, w in INSTRUMENT_WAVES if k == key)

    @property
    def instrument_waves(self) -> tuple[tuple[str, str], ...]:
        """``(instrument, wave)`` of every total, in the table's order."""
        return tuple((key, wave) for key in schema.INSTRUMENTS for wave in self.waves_of(key))

    @property
    def total_roles(self) -> tuple[str, ...]:
        """The total-score roles (``wai_w2`` ..., or the configured waves')."""
        return tuple(f"{key}_{wave}" for key, wave in self.instrument_waves)

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role a ``[columns]`` table may map under this configuration."""
        return (
            _DESCRIPTIVE + _DOSE + _FLOW + self.total_roles + BASELINE_BINARY + BASELINE_CONTINUOUS
        )

    @property
    def alliance_waves(self) -> tuple[tuple[str, int], ...]:
        """The alliance totals and their times: the number in each wave's name (``w5``: 5)
        where every name has a different one, else the position (1, 2, ...)."""
        waves = self.waves_of("wai")
        numbers = [re.sub(r"\D", "", wave) for wave in waves]
        if all(numbers) and len({int(n) for n in numbers}) == len(numbers):
            times = [int(n) for n in numbers]
        else:
            times = list(range(1, len(waves) + 1))
        return tuple((f"wai_{wave}", time) for wave, time in zip(waves, times, strict=True))

    @property
    def early_alliance_role(self) -> str:
        """The alliance total the dropout and outcome analyses use (``wai_w2`` by default)."""
        waves = self.waves_of("wai")
        early = self.early_alliance or ("w2" if "w2" in waves else waves[0])
        return f"wai_{early}"

    def follow_ups(self, key: str) -> tuple[str, ...]:
        """The outcome waves of ``key`` after ``post`` (``fu3``, ``fu9`` ...)."""
        return tuple(w for w in self.waves_of(key) if w not in ("pre", "post"))

    def scale_name(self, key: str) -> str | None:
        """The declared name of the measure in ``key``'s role, or None."""
        scale = self.scales.get(key)
        return scale.name if scale else None

    def column(self, role: str) -> str:
        """The user's column for ``role`` (its canonical name unless mapped)."""
        return self.columns.get(role, role)

    def explicit(self, role: str) -> bool:
        """Whether the configuration maps ``role`` (then its column must exist)."""
        return role in self.columns

    def item_column(self, key: str, wave: str, item: int) -> str:
        """The user's column for item ``item`` of instrument ``key`` at ``wave``."""
        pattern = self.items.get(f"{key}_{wave}")
        if pattern is None:
            return f"{key}_{wave}_{item}"
        return pattern.format(item=item)

    def arm_code(self, label: object) -> int | None:
        """0 for the reference label, 1 for the comparison label, None otherwise.

        >>> AnalysisConfig().arm_code(" MBCT "), AnalysisConfig().arm_code("tau")
        (0, None)
        """
        folded = _fold(label)
        if folded == _fold(self.reference_label):
            return 0
        if folded == _fold(self.comparison_label):
            return 1
        return None

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (for ``results.json``'s ``meta``)."""
        return {
            "source": self.source,
            "columns": dict(self.columns),
            "arms": {"reference": self.reference_label, "comparison": self.comparison_label},
            "items": dict(self.items),
            "dose": {
                "completer_min_sessions": self.completer_min_sessions,
                "max_sessions": self.max_sessions,
            },
            "instruments": {"wai_coding": self.wai_coding},
        } | self._design_dict()

    def _design_dict(self) -> dict[str, Any]:
        """The declared scales and waves and the imputation settings; nothing when they are
        the defaults."""
        out: dict[str, Any] = {}
        imputation = (self.imputations, self.imputation_iterations, self.imputation_seed)
        if imputation != _IMPUTATION_DEFAULTS:  # [imputation] only when configured
            out["imputation"] = dict(zip(("m", "iterations", "seed"), imputation, strict=True))
        if self.scales:
            out["scales"] = {key: scale.to_dict() for key, scale in self.scales.items()}
        if self.waves or self.early_alliance:
            out["waves"] = {key: list(self.waves_of(key)) for key in schema.INSTRUMENTS}
            out["waves"]["early_alliance"] = self.early_alliance_role.removeprefix("wai_")
        return out


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fold(label: object) -> str:
    """An arm label as compared: text, stripped, case-folded; whole floats as integers."""
    if isinstance(label, float) and label.is_integer():
        label = int(label)
    return str(label).strip().casefold()


def load_config(path: str | Path) -> AnalysisConfig:
    """Read an analysis configuration from a TOML file.

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file (tables ``[columns]``, ``[arms]``, ``[items]``, ``[dose]``,
        ``[instruments]``, ``[imputation]``; all optional).

    Returns
    -------
    AnalysisConfig

    Raises
    ------
    ConfigError
        The file is missing or not TOML, or names an unknown table, key or role (the message
        names the file, the table and the key).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "trial.toml").write_text(
    ...     '[columns]\\narm = "group"\\n[arms]\\nreference = "MBCT"\\ncomparison = "eMBCT"\\n'
    ... )
    >>> config = load_config(folder / "trial.toml")
    >>> config.column("arm"), config.arm_code("embct")
    ('group', 1)
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    unknown = sorted(set(data) - _TABLES)
    if unknown:
        raise ConfigError(
            f"{path}: unknown table [{unknown[0]}]; expected " + ", ".join(sorted(_TABLES))
        )
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {name} must be a table ([{name}]), got {table!r}")
    arms = _keys(path, data, "arms", {"reference", "comparison"})
    scales: dict[str, Scale] = {}
    for key, table in data.get("scales", {}).items():
        if key not in schema.INSTRUMENTS:
            raise ConfigError(
                f"{path}: [scales] has unknown scale {key!r}; expected one of "
                + ", ".join(schema.INSTRUMENTS)
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: scales.{key} must be a table ([scales.{key}])")
        values = _keys(path, data["scales"], key, set(_SCALE_KEYS), f"scales.{key}")
        for required in ("name", "min", "max"):
            if required not in values:
                raise ConfigError(f"{path}: [scales.{key}] needs {required!r}")
        try:
            scales[key] = Scale(**values)
        except TypeError as error:  # pragma: no cover - keys are checked above
            raise ConfigError(f"{path}: [scales.{key}]: {error}") from None
    waves_table = _keys(path, data, "waves", set(_WAVE_KEYS))
    early = waves_table.pop("early_alliance", None)
    for key, names in waves_table.items():
        if not isinstance(names, list):
            raise ConfigError(f"{path}: [waves] {key} must be a list of wave names, got {names!r}")
    dose = _keys(path, data, "dose", {"completer_min_sessions", "max_sessions"})
    instruments = _keys(path, data, "instruments", {"wai_coding"})
    imputation = _keys(path, data, "imputation", {"m", "iterations", "seed"})
    kwargs: dict[str, Any] = {
        "columns": dict(data.get("columns", {})),
        "items": dict(data.get("items", {})),
        "source": str(path),
    }
    if "reference" in arms:
        kwargs["reference_label"] = arms["reference"]
    if "comparison" in arms:
        kwargs["comparison_label"] = arms["comparison"]
    kwargs.update(dose)
    kwargs.update(instruments)
    for key, argument in (
        ("m", "imputations"),
        ("iterations", "imputation_iterations"),
        ("seed", "imputation_seed"),
    ):
        if key in imputation:
            kwargs[argument] = imputation[key]
    kwargs["scales"] = scales
    kwargs["waves"] = {key: tuple(names) for key, names in waves_table.items()}
    kwargs["early_alliance"] = early
    try:
        return AnalysisConfig(**kwargs)
    except ConfigError as error:
        if str(path) in str(error):
            raise
        raise ConfigError(f"{path}: {error}") from None


def _keys(
    path: Path, data: dict[str, Any], table: str, allowed: set[str], name: str | None = None
) -> dict[str, Any]:
    values = dict(data.get(table, {}))
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ConfigError(
            f"{path}: [{name or table}] has unknown key {unknown[0]!r}; expected "
            + ", ".join(sorted(allowed))
        )
    return values
