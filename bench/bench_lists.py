"""Benchmark: server CPU per request of every list page at 500 patients and 10,000 study
participants, beside ``/healthz`` (the bare view: the middleware stack and one ``SELECT 1``) in
the same run (issue 18: at most 50 ms per list page), and beside a plain logged-in page (one
form, no list) to show what any signed-in page costs on the machine at that moment.

A fresh SQLite database in a temporary folder gets, by ``bulk_create``: the demo course, one
therapist with 500 eMBCT patients at every week of the course (diaries, log files sent and
some answered, messages, WAI-SR/HADS questionnaires, the early warnings kept by the daily job,
:func:`embct.platform.questionnaires.early.refresh_all`), and 10,000 study participants
(screenings, allocations on the main and the TAU list, withdrawals, a call list), as well as
an audit log that these pages' own requests grow.

Each page is requested in-process with Django's test client, logged in as its role (the
second factor given), and its CPU time measured with :func:`time.process_time` around the
request (the client's own cost is a few hundred microseconds, the same for every page and for
the peer). The figure is the median of ``--repeats`` requests, after two warm-up requests.

Usage::

    .venv/bin/python bench/bench_lists.py [--patients 500] [--participants 10000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import benchinfo  # bench/benchinfo.py, beside this script
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 50.0


def machine() -> str:
    import django

    return (
        f"{benchinfo.cpu_model()}; {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"Django {django.get_version()}; numpy {np.__version__}; {platform.platform()}"
    )


def load() -> str:
    """The load averages (1, 5, 15 minutes), as ``uptime`` prints them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def populate_patients(n: int, today: date, rng: np.random.Generator) -> object:
    """One therapist with ``n`` eMBCT patients spread over the course's weeks."""
    from django.utils import timezone

    from embct.platform.accounts.models import Role, User
    from embct.platform.care.models import Arm, DiaryEntry, LogSubmission, Message, PatientProfile
    from embct.platform.course.models import Course
    from embct.platform.questionnaires.early import refresh_all
    from embct.platform.questionnaires.models import Response, ScheduledAssessment

    course = Course.current()
    assert course is not None
    sessions = {s.week: s for s in course.sessions.all()}
    therapist = User.objects.create_user(
        "bench-therapist", role=Role.THERAPIST, first_name="Bench", last_name="Therapist"
    )
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench-patient-{k}",
                password="!",
                role=Role.PATIENT,
                first_name=f"Patient {k}",
                last_name="Bench",
            )
            for k in range(n)
        ]
    )
    profiles = PatientProfile.objects.bulk_create(
        [
            PatientProfile(
                user=user,
                therapist=therapist,
                arm=Arm.EMBCT,
                course=course,
                start_date=today - timedelta(days=int(rng.integers(0, 70))),
                feedback_weekday=int(rng.integers(0, 5)),
            )
            for user in users
        ]
    )
    now = timezone.now()

    def at(day: date, hour: int) -> datetime:
        return min(timezone.make_aware(datetime.combine(day, clock(hour))), now)

    submissions, diaries, messages, assessments = [], [], [], []
    for profile in profiles:
        assert profile.start_date is not None
        weeks = min((today - profile.start_date).days // 7 + 1, 9)
        for week in range(1, weeks + 1):
            if rng.random() < 0.2:  # a week skipped
                continue
            start = profile.start_date + timedelta(days=7 * (week - 1))
            days = [
                start + timedelta(days=d) for d in (1, 2, 3) if start + timedelta(days=d) <= today
            ]
            for day in days:
                diaries.append(
                    DiaryEntry(
                        patient=profile,
                        session=sessions[week],
                        date=day,
                        minutes=int(rng.integers(5, 40)),
                        body="practised",
                        created=at(day, 20),
                    )
                )
            if days and week < weeks:
                sent = at(days[-1] + timedelta(days=1), 21)
                answered = sent + timedelta(days=2) if rng.random() < 0.8 else None
                submissions.append(
                    LogSubmission(
                        patient=profile,
                        session=sessions[week],
                        sent_at=sent,
                        answered_at=answered if answered and answered < now else None,
                    )
                )
        if rng.random() < 0.3:
            messages.append(
                Message(
                    patient=profile,
                    author=profile.user,
                    body="A question",
                    from_patient=True,
                    sent_at=now - timedelta(days=int(rng.integers(1, 9))),
                )
            )
        for position, key in enumerate(("hads_pre", "wai_w2", "wai_w5")):
            assessments.append(
                ScheduledAssessment(
                    patient=profile,
                    key=key,
                    instrument=key.split("_")[0],
                    wave=key.split("_")[1],
                    position=position,
                    due=profile.start_date + timedelta(days=7 * position),
                    completed_at=now,
                )
            )
    DiaryEntry.objects.bulk_create(diaries, batch_size=2000)
    LogSubmission.objects.bulk_create(submissions, batch_size=2000)
    Message.objects.bulk_create(messages, batch_size=2000)
    ScheduledAssessment.objects.bulk_create(assessments, batch_size=2000)
    totals = {"hads": (5, 30), "wai": (20, 60)}
    Response.objects.bulk_create(
        [
            Response(
                assessment=a,
                patient=a.patient,
                key=a.key,
                instrument=a.instrument,
                wave=a.wave,
                coding="default",
                answers={},
                item_scores={},
                total=float(rng.integers(*totals[a.instrument])),
                subscales={},
                submitted_at=now,
                form_token=uuid.uuid4(),
            )
            for a in assessments
        ],
        batch_size=2000,
    )
    refresh_all(today)  # the early warnings, as the daily job keeps them
    return therapist


def populate_participants(n: int, today: date, rng: np.random.Generator) -> None:
    """``n`` study participants at every stage, and a call list."""
    from django.utils import timezone

    from embct.platform.research.models import (
        Allocation,
        Participant,
        Reason,
        Screening,
        Withdrawal,
        WithdrawalKind,
    )

    now = timezone.now()
    screenings = Screening.objects.bulk_create(
        [
            Screening(
                created_at=now - timedelta(days=int(rng.integers(1, 700))),
                answers={},
                total=float(rng.integers(11, 30)),
                invited=True,
                form_token=uuid.uuid4(),
                call_outcome="eligible",
            )
            for _ in range(n)
        ],
        batch_size=5000,
    )
    Screening.objects.bulk_create(  # below the threshold, and still to call (40)
        [
            Screening(
                answers={}, total=float(rng.integers(0, 11)), invited=False, form_token=uuid.uuid4()
            )
            for _ in range(n // 5)
        ]
        + [
            Screening(
                answers={},
                total=14.0,
                invited=True,
                form_token=uuid.uuid4(),
                contact="+31612345678",
            )
            for _ in range(40)
        ],
        batch_size=5000,
    )
    people = Participant.objects.bulk_create(
        [
            Participant(
                study_id=f"S{k:06d}",
                screening=screening,
                assessed_on=today - timedelta(days=600 - k * 600 // n),
                eligibility={},
                eligible=True,
                consent_on=today - timedelta(days=600 - k * 600 // n),
                baseline={},
            )
            for k, screening in enumerate(screenings)
        ],
        batch_size=5000,
    )
    allocations, withdrawals = [], []
    arms = ("mbct", "embct", "tau")
    for k, person in enumerate(people[: n - n // 20]):  # 5 % still to randomize
        arm = arms[k % 3]
        on = person.assessed_on
        allocations.append(
            Allocation(
                participant=person,
                list_name="main",
                stratum="all",
                position=k,
                arm=arm,
                allocated_on=on,
            )
        )
        if arm == "tau" and on < today - timedelta(days=95):
            allocations.append(
                Allocation(
                    participant=person,
                    list_name="tau",
                    stratum="all",
                    position=k,
                    arm=("mbct", "embct")[k % 2],
                    allocated_on=on + timedelta(days=91),
                )
            )
        if rng.random() < 0.1:
            withdrawals.append(
                Withdrawal(
                    participant=person,
                    kind=(WithdrawalKind.DECLINED, WithdrawalKind.DROPOUT)[k % 2],
                    on=on + timedelta(days=10),
                    reason=Reason.PRACTICAL,
                )
            )
    Allocation.objects.bulk_create(allocations, batch_size=5000)
    Withdrawal.objects.bulk_create(withdrawals, batch_size=5000)


def cpu_ms(client: object, path: str, repeats: int) -> tuple[float, int, int]:
    """Median CPU milliseconds of ``repeats`` GETs of ``path``; the response's size and status."""
    for _ in range(2):
        response = client.get(path)  # type: ignore[attr-defined]
    times = []
    for _ in range(repeats):
        started = time.process_time()
        response = client.get(path)  # type: ignore[attr-defined]
        times.append(1000 * (time.process_time() - started))
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}")
    return statistics.median(times), len(response.content), response.status_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="embct-bench-lists-"))
    os.environ["EMBCT_DATA_DIR"] = str(folder / "data")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT / "tests"))  # support.testing: logging in as the tests do
    from django.core.management import call_command

    from embct.platform import setup

    setup()
    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from embct.platform.accounts.models import Role, User
    from embct.platform.course.loader import load_course
    from support.testing import force_login_verified

    print(f"machine: {machine()}")
    print(f"database: {connection.vendor}; load average before: {load()}")
    started = time.perf_counter()
    load_course(ROOT / "src" / "embct" / "platform" / "course_content" / "demo")
    today = timezone.localdate()
    rng = np.random.default_rng(18)
    therapist = populate_patients(args.patients, today, rng)
    populate_participants(args.participants, today, rng)
    researcher = User.objects.create_user("bench-researcher", role=Role.RESEARCHER)
    admin = User.objects.create_user("bench-admin", role=Role.ADMIN)
    print(
        f"populated {args.patients} patients and {args.participants} participants in "
        f"{time.perf_counter() - started:.1f} s"
    )

    clients = {}
    for name, user in (("therapist", therapist), ("researcher", researcher), ("admin", admin)):
        clients[name] = Client()
        force_login_verified(clients[name], user)
    pages = [
        ("peer: /healthz (anonymous)", Client(), "/healthz"),
        (
            "peer: /account/password/ (a plain logged-in page)",
            clients["therapist"],
            "/account/password/",
        ),
        ("/caseload/", clients["therapist"], "/caseload/"),
        (
            "/caseload/?warnings=1&sort=waiting",
            clients["therapist"],
            "/caseload/?warnings=1&sort=waiting",
        ),
        ("/caseload/?page=10", clients["therapist"], "/caseload/?page=10"),
        ("/queue/", clients["therapist"], "/queue/"),
        ("/warnings/", clients["therapist"], "/warnings/"),
        ("/research/ (dashboard)", clients["researcher"], "/research/"),
        ("/clinic/", clients["admin"], "/clinic/"),
        ("/audit/", clients["admin"], "/audit/"),
    ]
    results = []
    print(f"\nserver CPU per request (median of {args.repeats}, time.process_time, in-process)")
    print(f"| page | CPU ms | x /healthz | bytes | target {TARGET_MS:.0f} ms |")
    print("|---|---|---|---|---|")
    peer = None
    for label, client, path in pages:
        ms, size, _status = cpu_ms(client, path, args.repeats)
        peer = ms if peer is None else peer
        ok = "peer" if label.startswith("peer") else ("met" if ms <= TARGET_MS else "MISSED")
        results.append((label, ms, ok))
        print(f"| `{label}` | {ms:.1f} | {ms / peer:.1f}x | {size} | {ok} |")
    print(f"\nload average after: {load()}")
    return 0 if all(ok != "MISSED" for _l, _m, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
