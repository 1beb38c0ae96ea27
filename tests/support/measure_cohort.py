"""A small synthetic trial cohort in the canonical table, and loading it through the
platform's own services (screening, eligibility, consent, baseline, randomization, log files
or group attendance, questionnaires).

embct.simulate has not landed yet, so the cohort is drawn here. Its arms follow the
randomization sequence of ``seed``, so that loading it through the platform's real
randomizer gives every row its own arm back.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from embct import trial
from embct.instruments import get_instrument, item_columns
from embct.platform.accounts.models import Role, User
from embct.platform.care.models import Arm, LogSubmission, PatientProfile
from embct.platform.course.models import Course
from embct.platform.groups.models import Attendance, GroupMeeting, MbctGroup
from embct.platform.questionnaires import services as questionnaires
from embct.platform.questionnaires.models import ScheduledAssessment
from embct.platform.research import services as research
from embct.schema import WAVES

BASELINE_BOOLS = [f.name for f in trial.BASELINE_FIELDS if f.kind == "bool"]


def cohort(seed: int, n: int, therapist_id: str = "") -> pd.DataFrame:
    """``n`` participants in the canonical table, arms from the randomization of ``seed``,
    with the dtypes of the platform's export (so the two CSV files can be compared)."""
    rng = np.random.default_rng(seed)
    main = trial.allocation_sequence(seed, n)
    n_tau = sum(slot.arm is trial.Arm.TAU for slot in main)
    second = iter(
        trial.allocation_sequence(
            seed, n_tau, list_name="tau", arms=("mbct", "embct"), block_sizes=(2, 4)
        )
    )
    rows = []
    for slot in main:
        tau_first = slot.arm is trial.Arm.TAU
        arm = next(second).arm if tau_first else slot.arm
        started = bool(rng.random() < 0.9)
        sessions = int(rng.integers(1, 10)) if started else 0
        row: dict[str, Any] = {
            "participant_id": f"S{slot.position:05d}",
            "arm": arm.value,
            "tau_first": int(tau_first),
            "site": "",
            "therapist_id": therapist_id,
        }
        for spec in trial.BASELINE_FIELDS:
            if spec.kind == "bool":
                row[spec.name] = int(rng.random() < 0.5)
            elif spec.kind == "int":
                row[spec.name] = int(rng.integers(30, 75))
            else:
                row[spec.name] = float(rng.integers(1, 20)) / 2
        row["started"] = int(started)
        row["sessions_attended"] = sessions
        wai = rng.normal(0, 1)
        distress = rng.normal(0, 1) - 0.4 * wai
        for instrument, wave in WAVES:
            present = (
                wave == "pre"
                or (wave == "w2" and started)
                or (wave in ("w5", "post") and sessions >= 4)
                or (wave == "w9" and sessions >= 7)
            )
            spec = get_instrument(instrument)
            low, high = spec.min_score, spec.max_score
            level = {"wai": wai, "hads": distress, "mhc": -distress}[instrument]
            centre = (low + high) / 2 + (high - low) / 4 * level
            for column in item_columns(instrument, wave):
                value = int(np.clip(round(rng.normal(centre, 0.6)), low, high))
                row[column] = value if present else None
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        if column in ("participant_id", "arm", "site", "therapist_id"):
            frame[column] = frame[column].astype("string")
        elif column == "years_since_diagnosis":
            frame[column] = pd.array(frame[column], dtype="Float64")
        else:
            frame[column] = pd.array(frame[column], dtype="Int64")
    return frame


def load(
    frame: pd.DataFrame, course: Course, therapist: User, researcher: User, today: date
) -> None:
    """Put ``frame`` into the platform through its services, row by row, and give its
    ``participant_id`` column the study ids the platform assigned (database sequences need
    not start at 1, e.g. on PostgreSQL after earlier tests)."""
    group = MbctGroup.objects.create(
        name="cohort group", therapist=therapist, location="room", course=course
    )
    sessions = list(course.sessions.order_by("week"))
    meetings = [
        GroupMeeting.objects.create(group=group, session=s, date=today + timedelta(weeks=i))
        for i, s in enumerate(sessions)
    ]
    study_ids: list[str] = []
    for row in frame.itertuples(index=False):
        data = row._asdict()
        screening = research.screen(dict.fromkeys(range(1, 15), 2), "06", uuid.uuid4())
        person = research.record_eligibility(screening, _criteria(), "", today)
        study_ids.append(person.study_id)
        research.record_consent(person, today, today)
        research.record_baseline(
            person,
            {
                **{name: bool(data[name]) for name in BASELINE_BOOLS},
                "age": int(data["age"]),
                "years_since_diagnosis": float(data["years_since_diagnosis"]),
            },
        )
        research.randomize(person, researcher, today)
        if data["tau_first"]:
            research.rerandomize_tau(person, researcher, today + timedelta(days=100))
        group_member = data["arm"] == "mbct"
        user = User.objects.create_user(f"c{data['participant_id']}", role=Role.PATIENT)
        profile = PatientProfile.objects.create(
            user=user,
            therapist=therapist,
            course=course,
            arm=Arm.MBCT if group_member else Arm.EMBCT,
            group=group if group_member else None,
            start_date=None if group_member else today,
        )
        research.link_profile(person, profile)
        attended = int(data["sessions_attended"])
        if not data["started"]:
            research.record_withdrawal(person, "declined", today, "practical")
        elif group_member:
            Attendance.objects.bulk_create(
                Attendance(meeting=m, patient=profile, present=True) for m in meetings[:attended]
            )
        else:
            LogSubmission.objects.bulk_create(
                LogSubmission(patient=profile, session=s) for s in sessions[:attended]
            )
        questionnaires.materialize(profile)
        for instrument, wave in WAVES:
            values = [data[c] for c in item_columns(instrument, wave)]
            if all(pd.isna(v) for v in values):
                continue
            assessment = ScheduledAssessment.objects.get(
                patient=profile, key=f"{instrument}_{wave}"
            )
            raw = {str(i): str(int(v)) for i, v in enumerate(values, start=1)}
            questionnaires.submit(assessment, raw, uuid.uuid4())
    frame["participant_id"] = pd.array(study_ids, dtype=frame["participant_id"].dtype)


def _criteria() -> dict[str, bool]:
    return {c.id: c.kind == trial.CriterionKind.INCLUSION for c in trial.CRITERIA}


def from_simulator(simulated: pd.DataFrame, seed: int, therapist_id: str) -> pd.DataFrame:
    """The rows of an ``embct.simulate`` cohort in the order the platform's randomizer (with
    ``seed``) will allocate them: slot by slot, the next row of that arm (TAU slots: the next
    TAU-first row of the re-randomized arm), until a slot cannot be filled. Study ids and the
    therapist's pseudonym replace the simulator's; nothing else changes."""
    pools: dict[tuple[bool, str], list[int]] = {}
    for index, row in simulated.iterrows():
        pools.setdefault((bool(row["tau_first"]), str(row["arm"])), []).append(index)
    main = trial.allocation_sequence(seed, len(simulated))
    second = iter(
        trial.allocation_sequence(
            seed, len(simulated), list_name="tau", arms=("mbct", "embct"), block_sizes=(2, 4)
        )
    )
    chosen = []
    for slot in main:
        key = (
            (True, next(second).arm.value) if slot.arm is trial.Arm.TAU else (False, slot.arm.value)
        )
        if not pools.get(key):
            break
        chosen.append(pools[key].pop(0))
    out = simulated.loc[chosen].reset_index(drop=True)
    out["participant_id"] = [f"S{k:05d}" for k in range(1, len(out) + 1)]
    out["site"] = ""
    out["therapist_id"] = therapist_id
    return out
