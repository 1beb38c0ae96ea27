"""The canonical trial table (DESIGN.md) from live data: item-level and pseudonymized.

One row per participant with a treatment arm (MBCT or eMBCT; a TAU participant once
re-randomized), with the withdrawal recorded and its reason (``schema.FLOW``), so that the flow
:func:`embct.analysis.analyze` reports on the file is the live one (``live.flow``).
Study ids stand for people, ``T<number>`` for therapists and ``G<number>`` for the MBCT group
a group-MBCT patient attended (empty in eMBCT); no names, e-mail addresses or free text leave
the platform. Yes/no columns are 0/1.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Count, TextField
from django.db.models.functions import Cast

from embct import schema, trial
from embct.instruments import get_instrument, item_columns
from embct.platform.audit.models import Action
from embct.platform.audit.services import record
from embct.platform.care.models import LogSubmission
from embct.platform.groups.models import Attendance
from embct.platform.questionnaires.content import content_pack
from embct.platform.questionnaires.models import Response
from embct.spreadsheet import write_csv

from .models import Allocation, CallOutcome, ExportLog, Participant, Screening, Withdrawal

#: The columns before the items, in the table's order (embct.schema).
COLUMNS = schema.DESCRIPTIVE + schema.CLUSTERS + schema.BASELINE + schema.DOSE + schema.FLOW


def sessions_attended(profile_id: int | None) -> int:
    """The sessions one patient attended, by the rule of the export's column; 0 without an
    account linked."""
    if profile_id is None:
        return 0
    return _sessions({profile_id}, only=True).get(profile_id, 0)


def _sessions(profile_ids: set[int], *, only: bool = False) -> dict[int, int]:
    """Sessions attended: eMBCT sessions whose log files were sent, group meetings attended
    (``only``: the database counts just these patients, for a few)."""
    out: dict[int, int] = defaultdict(int)
    logs, meetings = LogSubmission.objects.all(), Attendance.objects.filter(present=True)
    if only:
        logs, meetings = (
            logs.filter(patient_id__in=profile_ids),
            meetings.filter(patient_id__in=profile_ids),
        )
    for pk, n in (
        logs.values("patient_id")
        .annotate(n=Count("session", distinct=True))
        .values_list("patient_id", "n")
    ):
        if pk in profile_ids:
            out[pk] = n
    for pk, n in (
        meetings.values("patient_id")
        .annotate(n=Count("meeting", distinct=True))
        .values_list("patient_id", "n")
    ):
        if pk in profile_ids:
            out[pk] = max(out[pk], n)
    return out


def call_outcome_counts() -> dict[str, int]:
    """The eligibility calls' final outcomes before any study id: how many invited screenings
    ended the call not reached and how many declined (the CONSORT boxes ``not_reached`` and
    ``declined_call``), from ``Screening.call_outcome`` in one grouped count. A call that
    reached the interview has a study id and is counted as eligible or not eligible there."""
    boxes = {
        CallOutcome.NOT_REACHED.value: "not_reached",
        CallOutcome.DECLINED.value: "declined_call",
    }
    counts = dict.fromkeys(boxes.values(), 0)
    rows = (
        Screening.objects.filter(invited=True, participant=None, call_outcome__in=list(boxes))
        .values("call_outcome")
        .annotate(n=Count("pk"))
        .values_list("call_outcome", "n")
    )
    for outcome, n in rows:
        counts[boxes[outcome]] = n
    return counts


def _item_matrices(n_items: dict[str, int]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per questionnaire key, the patient ids and a float matrix of item scores (NaN =
    missing) of every response. The database joins each key's responses into one text, a
    record ``<patient id> <item scores as JSON>`` per response, the records separated by
    ASCII's record separator (U+001E, which JSON text cannot hold; a newline can be JSON's
    whitespace) (``group_concat`` /
    ``string_agg``: one query, one row per key, so that 10^5 responses cost neither the
    ORM's nor the driver's per-row work), which pandas' C parser reads (see
    :func:`_scores_text`). Item scores are stored in item order (see services.submit);
    PostgreSQL's jsonb writes its keys shortest first, which for 1..n is the same order."""
    from django.db import connection

    quote = connection.ops.quote_name
    keys = list(n_items)
    line = "CAST(patient_id AS TEXT) || ' ' || CAST(item_scores AS TEXT)"
    joined = (
        f"string_agg({line}, chr(30))"
        if connection.vendor == "postgresql"
        else f"group_concat({line}, char(30))"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('key')}, {joined} "  # noqa: S608
            f"FROM {quote(Response._meta.db_table)} "
            f"WHERE {quote('key')} IN ({', '.join(['%s'] * len(keys))}) "
            f"GROUP BY {quote('key')}",
            keys,
        )
        texts = dict(cursor.fetchall())
    out = {}
    for key in keys:
        k = n_items[key]
        text = texts.get(key) or ""
        if not text:
            out[key] = (np.empty(0, dtype=np.int64), np.empty((0, k)))
            continue
        parsed = _scores_text(text, k)
        if parsed is None:  # not json.dumps's layout: each line parsed as JSON, by item
            lines = [row.split(" ", 1) for row in text.split(_RECORDS)]
            scores = json.loads("[" + ",".join(row[1] for row in lines) + "]")
            numbers = [str(i) for i in range(1, k + 1)]
            parsed = (
                np.array([int(row[0]) for row in lines], dtype=np.int64),
                np.array([[item.get(n) for n in numbers] for item in scores], dtype=float),
            )
        out[key] = parsed
    return out


#: Between the records of the joined text (ASCII's record separator: not in any JSON text).
_RECORDS = "\x1e"
#: JSON's punctuation as blanks: ``{"1": 3, "2": null}`` becomes the fields ``1 3 2 null``.
_JSON_BLANKS = str.maketrans('{},:"', "     ")


def _scores_text(text: str, n_items: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The patient ids and item scores of records ``<patient id> <JSON>`` (separated by
    :data:`_RECORDS`) whose JSON is as json.dumps writes it (``{"1": 3, "2": null}``, items
    1..n in order, on one line), parsed by pandas' C parser: the punctuation made blanks, one
    line per response of the id, then alternating item numbers and scores. None unless every
    record holds exactly an id and items 1..n in order with numbers or null (the caller then
    parses the JSON)."""
    if "\n" in text or "\r" in text:  # JSON over several lines: not json.dumps's layout
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text.replace(_RECORDS, "\n").translate(_JSON_BLANKS)),
            sep=r"\s+",
            header=None,
            na_values=["null"],
            keep_default_na=False,
            dtype=float,
        )
    except (ValueError, pd.errors.ParserError):
        return None
    values = frame.to_numpy(dtype=float)
    if values.shape != (text.count(_RECORDS) + 1, 1 + 2 * n_items):
        return None
    if not (values[:, 1::2] == np.arange(1, n_items + 1)).all():
        return None
    ids = values[:, 0]
    if np.isnan(ids).any() or (ids != np.round(ids)).any():
        return None
    return ids.astype(np.int64), np.ascontiguousarray(values[:, 2::2])


def trial_table() -> pd.DataFrame:
    """The canonical trial table of every participant with a treatment arm."""
    by_list: dict[int, dict[str, str]] = defaultdict(dict)
    for pk, list_name, arm in Allocation.objects.values_list("participant_id", "list_name", "arm"):
        by_list[pk][list_name] = arm
    withdrawals = {
        pk: (kind, reason)
        for pk, kind, reason in Withdrawal.objects.values_list("participant_id", "kind", "reason")
    }
    # The baseline as its JSON text, parsed below in one call (not a json.loads per row).
    people = [
        row
        for row in Participant.objects.order_by("study_id")
        .annotate(baseline_text=Cast("baseline", TextField()))
        .values_list(
            "pk",
            "study_id",
            "site",
            "baseline_text",
            "profile_id",
            "profile__therapist_id",
            "profile__group_id",
        )
        if row[0] in by_list
    ]
    parsed = json.loads("[" + ",".join(row[3] or "null" for row in people) + "]")
    people = [(*row[:3], data, *row[4:]) for row, data in zip(people, parsed, strict=True)]
    profiles = {row[4] for row in people if row[4] is not None}
    sessions = _sessions(profiles)
    columns: dict[str, list[Any]] = defaultdict(list)
    baselines: list[dict[str, Any]] = []
    row_of: dict[int, int] = {}
    arm_of: dict[tuple[str | None, str | None], tuple[trial.Arm | None, bool]] = {}
    for pk, study_id, site, baseline, profile, therapist, group in people:
        lists = by_list[pk]
        pair = (lists.get("main"), lists.get("tau"))
        if pair not in arm_of:  # a pure rule of a few distinct pairs: decided once each
            arm_of[pair] = trial.arm_so_far(*pair)
        final, tau_first = arm_of[pair]
        if final is None:
            continue
        n_sessions = sessions.get(profile, 0) if profile is not None else 0
        if profile is not None:
            row_of[profile] = len(columns["participant_id"])
        columns["participant_id"].append(study_id)
        columns["arm"].append(final.value)
        columns["tau_first"].append(int(tau_first))
        columns["site"].append(site)
        columns["therapist_id"].append("" if therapist is None else f"T{therapist}")
        in_group = group is not None and final is trial.Arm.MBCT
        columns["group_id"].append(f"G{group}" if in_group else "")
        baselines.append(baseline or {})
        kind, reason = withdrawals.get(pk, (None, None))
        columns["started"].append(int(kind != "declined" and n_sessions > 0))
        columns["sessions_attended"].append(n_sessions)
        columns["withdrawal"].append(kind)
        columns["withdrawal_reason"].append(reason)
    # Items: one float matrix (NaN = missing), filled wave by wave from the responses.
    names_items: list[str] = []
    slots: dict[str, tuple[int, list[str]]] = {}
    for instrument, wave in schema.WAVES:
        slots[f"{instrument}_{wave}"] = (
            len(names_items),
            [str(i) for i in get_instrument(instrument).items],
        )
        names_items += item_columns(instrument, wave)
    matrix = np.full((len(columns["participant_id"]), len(names_items)), np.nan)
    matrices = _item_matrices({key: len(items) for key, (_, items) in slots.items()})
    profiles_index = pd.Index(np.fromiter(row_of, dtype=np.int64, count=len(row_of)))
    rows_of_profiles = np.fromiter(row_of.values(), dtype=np.int64, count=len(row_of))
    for key, (start, items) in slots.items():
        patients, values = matrices[key]
        found = profiles_index.get_indexer(pd.Index(patients))  # -1: not in the table
        keep = found >= 0
        where = np.full(len(found), -1, dtype=np.int64)
        where[keep] = rows_of_profiles[found[keep]]
        matrix[where[keep], start : start + len(items)] = values[keep]
    names = [c.name for c in COLUMNS]
    fields = [c.name for c in schema.BASELINE]
    table = pd.DataFrame.from_records(baselines, columns=fields) if baselines else None
    for name in fields:  # booleans become 0/1 below; None stays missing
        columns[name] = [] if table is None else table[name].tolist()
    frame = pd.DataFrame({name: columns.get(name, []) for name in names})
    for column in COLUMNS:
        name = column.name
        if column.kind in (schema.Kind.TEXT, schema.Kind.ARM):
            frame[name] = frame[name].astype("string")
        elif column.kind is schema.Kind.FLOAT:
            frame[name] = pd.array(frame[name].to_numpy(), dtype="Float64")
        else:
            frame[name] = pd.array(frame[name].to_numpy(), dtype="Int64")
    items_frame = pd.DataFrame(matrix, columns=names_items).astype("Int64")
    return pd.concat([frame, items_frame], axis=1)


def labels() -> tuple[dict[str, str], dict[str, dict[Any, str]]]:
    """SPSS variable labels and value labels for the columns of :func:`trial_table`."""
    variable = {c.name: c.label for c in COLUMNS}
    values: dict[str, dict[Any, str]] = {
        c.name: {float(v): text for v, text in c.value_labels} for c in COLUMNS if c.value_labels
    }
    for instrument, wave in schema.WAVES:
        spec = get_instrument(instrument)
        pack = content_pack(instrument)
        for item, column in zip(spec.items, item_columns(instrument, wave), strict=True):
            variable[column] = f"{spec.short_name} item {item}, {schema.WAVE_LABELS[wave]}"
            values[column] = {float(o.score): o.text for o in pack.item(item).options}
    return variable, values


def file_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """``frame`` as the bytes of a ``csv`` file (UTF-8, formula-like cells neutralized for
    spreadsheets, :mod:`embct.spreadsheet`) or a labelled ``sav`` file. Nothing is left on
    disk: pyreadstat writes only to a path, so a .sav file is made in a private temporary
    folder that is removed before this returns."""
    if fmt == "csv":
        buffer = io.StringIO()
        write_csv(frame, buffer)
        return buffer.getvalue().encode("utf-8")
    if fmt != "sav":
        raise ValueError(f"format: {fmt!r} is not 'csv' or 'sav'")
    import pyreadstat

    variable, values = labels()
    plain = pd.DataFrame(
        {
            name: (
                frame[name].astype(object).where(frame[name].notna(), "").astype(str)
                if isinstance(frame[name].dtype, pd.StringDtype)
                else frame[name].astype("float64")
            )
            for name in frame.columns
        }
    )
    with tempfile.TemporaryDirectory(prefix="embct-export-") as folder:
        path = Path(folder) / "embct-trial.sav"
        pyreadstat.write_sav(
            plain,
            str(path),
            column_labels={c: variable.get(c, c) for c in plain.columns},
            variable_value_labels={c: v for c, v in values.items() if c in plain.columns},
        )
        return path.read_bytes()


def export_bytes(
    fmt: str, *, user: Any = None, via: str = "web", by: Any = None
) -> tuple[bytes, ExportLog]:
    """The trial table as the bytes of a ``fmt`` file, and the log of who exported it; for
    the web, where the file goes straight into the response and never onto the disk. ``by``
    as for :func:`export`."""
    frame = trial_table()
    data = file_bytes(frame, fmt)
    return data, log_export(_digest(frame, data), fmt, user, via, by=by)


def export(
    path: Path, fmt: str, *, user: Any = None, via: str = "web", what: str = "", by: Any = None
) -> ExportLog:
    """Write the trial table to ``path`` and log who exported what (atomic: a temporary file
    is renamed into place, so an error leaves no partial file). The export log and its audit
    event are written in one transaction; ``what`` names it when it is not the file format
    ("report"), ``by`` is the request or user (default: ``user``; None: the command line)."""
    frame = trial_table()
    data = file_bytes(frame, fmt)
    staging = path.with_name(f".{path.name}.partial")
    try:
        staging.write_bytes(data)
        staging.replace(path)
    finally:
        staging.unlink(missing_ok=True)
    return log_export(_digest(frame, data), fmt, user, via, what=what, by=by)


def _digest(frame: pd.DataFrame, data: bytes) -> Digest:
    return Digest(hashlib.sha256(data).hexdigest(), len(frame), frame.shape[1])


@dataclass(frozen=True)
class Digest:
    """What the export log keeps of a file: its SHA-256, rows and columns."""

    sha256: str
    rows: int
    columns: int


def log_export(
    digest: Digest, fmt: str, user: Any, via: str, *, what: str = "", by: Any = None
) -> ExportLog:
    """The export log of a file with ``digest`` and its audit event, in one transaction (also
    for a live report served from the cache: the file it was made from, not made again).
    ``what``, ``by`` as for :func:`export`."""
    what = what or fmt
    with transaction.atomic():
        log = ExportLog.objects.create(
            user=user,
            what=what,
            via=via,
            rows=digest.rows,
            columns=digest.columns,
            sha256=digest.sha256,
        )
        record(user if by is None else by, Action.EXPORT, log, format=what, rows=log.rows, via=via)
    return log
