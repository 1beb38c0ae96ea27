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
``[instruments]`` sets ``wai_coding`` (``"1-5"``, the WAI-SR default, or ``"0-4"``).
"""

from __future__ import annotations

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
_DESCRIPTIVE = tuple(c.name for c in schema.DESCRIPTIVE)
#: The dose, and ``dropped_out``: a user's file may give dropout itself instead of the dose.
_DOSE = (*(c.name for c in schema.DOSE), "dropped_out")
#: Every role a ``[columns]`` table may map.
ROLES: tuple[str, ...] = _DESCRIPTIVE + _DOSE + TOTAL_ROLES + BASELINE_BINARY + BASELINE_CONTINUOUS
_WAI_CODINGS = ("1-5", "0-4")
_TABLES = {"columns", "arms", "items", "dose", "instruments"}


class ConfigError(ValueError):
    """A configuration the analysis cannot use; the message names the file, table and key."""


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
    source : str or None
        The file this configuration was read from (for messages and ``meta``).

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
    source: str | None = None

    def __post_init__(self) -> None:
        where = f" in {self.source}" if self.source else ""
        unknown = sorted(set(self.columns) - set(ROLES))
        if unknown:
            raise ConfigError(
                f"[columns]{where}: unknown role {unknown[0]!r}; expected one of "
                + ", ".join(ROLES)
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
        waves = {f"{key}_{wave}" for key, wave in INSTRUMENT_WAVES}
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
        if self.wai_coding not in _WAI_CODINGS:
            raise ConfigError(
                f"[instruments]{where}: wai_coding must be one of {', '.join(_WAI_CODINGS)}, "
                f"got {self.wai_coding!r}"
            )

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
        }


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
        ``[instruments]``; all optional).

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
    dose = _keys(path, data, "dose", {"completer_min_sessions", "max_sessions"})
    instruments = _keys(path, data, "instruments", {"wai_coding"})
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
    return AnalysisConfig(**kwargs)


def _keys(path: Path, data: dict[str, Any], table: str, allowed: set[str]) -> dict[str, Any]:
    values = dict(data.get(table, {}))
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ConfigError(
            f"{path}: [{table}] has unknown key {unknown[0]!r}; expected "
            + ", ".join(sorted(allowed))
        )
    return values
