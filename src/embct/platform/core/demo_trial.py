"""A whole trial beside the demo clinic, entered through the platform's own services.

About 245 people drawn with :mod:`embct.simulate` (seeded) go through the trial in its order,
each on real dates over the trial's months ending today: the public screening (HADS), the
eligibility call, consent, the baseline, randomization (the demo's seed), TAU's
re-randomization when it is due, the course (eMBCT log files sent and answered, group MBCT
attendance), the questionnaires when they were due, and dropout. Beside them, people at every
other stage: screened below the HADS threshold, not eligible on each criterion, still on the
call list, allocated and waiting for their course, in TAU, and in their course now.

The arms come from the platform's randomizer, never from the simulator: the sequence of the
seed (:func:`embct.trial.allocation_sequence`, the one the randomizer follows) says which arm
the next allocation gets, and the next simulated person of that arm is entered; each
allocation is checked against it. Weeks and due dates come from :mod:`embct.trial`'s schedule
(through the questionnaires' own schedule), never written out here.

One transaction per person; the early warnings are refreshed once at the end. The people are
fictional; their accounts have no usable password.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from embct import schema, trial
from embct.instruments import item_columns
from embct.platform.accounts.models import Role, User
from embct.platform.care.models import LogSubmission, PatientProfile
from embct.platform.core.demo import item_scores
from embct.platform.course.models import Course, CourseSession
from embct.platform.groups.models import Attendance, GroupMeeting, MbctGroup
from embct.platform.questionnaires import services as questionnaires
from embct.platform.questionnaires.early import refresh_all
from embct.platform.questionnaires.models import ScheduledAssessment
from embct.platform.research import services as research
from embct.platform.research.models import Participant, Reason, Screening, WithdrawalKind

#: The simulated cohort (embct.simulate, population mode) and the demo's other draws.
SIMULATION_SEED = 14
#: People who finished the trial (randomized long enough ago) and people in it now.
FINISHED = 245
IN_PROGRESS = 20
#: People screened below the HADS threshold, not eligible per criterion, on the call list.
BELOW_THRESHOLD = 60
INELIGIBLE_PER_CRITERION = 2
CALL_LIST = 6
#: People whose eligibility call ended before the interview: declined, or not reached.
DECLINED_CALL = 4
NOT_REACHED = 3
#: Days before today of the first and the last randomization of those who finished, and of
#: the first of those in the trial now (the last is a few days ago).
FIRST_RANDOMIZATION = 600
LAST_FINISHED = 230
FIRST_IN_PROGRESS = 150
#: A new MBCT group starts every this many days (on a Thursday), led by the trial's
#: therapists in turn.
GROUP_EVERY = 42
THERAPISTS = 4
#: Dropout reasons with their shares (the trial's categories, embct.trial.DropoutReason).
REASONS = (
    (Reason.PRACTICAL, 0.3),
    (Reason.TOO_BURDENSOME, 0.25),
    (Reason.PHYSICAL_CONDITION, 0.25),
    (Reason.NOT_AS_EXPECTED, 0.1),
    (Reason.OTHER, 0.1),
)


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


@dataclass
class Planned:
    """One person of the demo trial and their dates (decided before anything is entered)."""

    kind: str  # "below", "ineligible", "call_list", "declined_call", "not_reached", "randomized"
    screen_on: date
    failed: str = ""  # the criterion a not-eligible person fails
    consent_on: date | None = None
    randomized_on: date | None = None
    finished: bool = True  # in the trial long enough to have finished it


@dataclass
class _Trial:
    """What entering the people needs besides each person: who acts, the course, the
    therapists, the groups made so far, the simulated people not entered yet (per arm) and the
    allocation sequences the randomizer follows (to take the right simulated person, and to
    check every allocation against)."""

    today: date
    researcher: User
    course: Course
    sessions: list[CourseSession]
    therapists: list[User]
    rng: np.random.Generator
    pools: dict[str, list[dict[str, Any]]]
    main: list[trial.SequenceSlot]
    tau: list[trial.SequenceSlot]
    first_group: date
    allocated: dict[str, int] = field(default_factory=lambda: {"main": 0, "tau": 0})
    groups: dict[int, tuple[MbctGroup, list[GroupMeeting]]] = field(default_factory=dict)

    def next_slot(self, list_name: str) -> trial.SequenceSlot:
        """The slot the randomizer fills next in ``list_name`` (not taken)."""
        slots = self.main if list_name == "main" else self.tau
        return slots[self.allocated[list_name]]

    def check(self, participant: Participant, allocation: Any, list_name: str) -> None:
        expected = self.next_slot(list_name).arm.value
        if allocation.arm != expected:
            raise RuntimeError(
                f"{participant.study_id}: the {list_name} list gave {allocation.arm}, "
                f"its sequence {expected}"
            )
        self.allocated[list_name] += 1

    def row(self, arm: str | None) -> dict[str, Any]:
        """The next simulated person of ``arm`` (of the larger pool when it is empty or the
        arm is not decided yet)."""
        if arm is None or not self.pools[arm]:
            arm = max(self.pools, key=lambda a: len(self.pools[a]))
        return self.pools[arm].pop(0)


def seed_trial(researcher: User, today: date | None = None) -> int:
    """Enter the demo trial where the platform has no study record yet; return how many
    people were screened (0 when the trial was there already). Needs a randomization seed
    (``embct demo`` sets the demo's) and a loaded course."""
    if Participant.objects.exists() or Screening.objects.exists():
        return 0
    seed = settings.EMBCT_RANDOMIZATION_SEED
    if seed is None:
        raise research.WorkflowError(
            "no randomization seed is configured (EMBCT_RANDOMIZATION_SEED): `embct demo` sets "
            "the demo's; production never does"
        )
    if research.sites():
        raise research.WorkflowError("the demo trial is unstratified: unset EMBCT_SITES")
    course = Course.current(settings.LANGUAGE_CODE)  # its people keep the default language
    if course is None:
        raise ValueError("load a course first (embct manage load_course)")
    today = today or timezone.localdate()
    rng = np.random.default_rng(SIMULATION_SEED)
    plan, cohort = _plan(today, rng)
    n_main = sum(p.kind == "randomized" for p in plan)
    state = _Trial(
        today=today,
        researcher=researcher,
        course=course,
        sessions=list(course.sessions.order_by("week")),
        therapists=_therapists(),
        rng=rng,
        # The simulator writes each arm's rows by role (declined first): shuffled, they come
        # in any order.
        pools={
            arm: [cohort[i] for i in rng.permutation(len(cohort)) if cohort[i]["arm"] == arm]
            for arm in schema.ARMS
        },
        main=list(trial.allocation_sequence(seed, n_main)),
        tau=list(
            trial.allocation_sequence(
                seed,
                n_main,
                list_name="tau",
                arms=trial.TREATMENT_ARMS,
                block_sizes=trial.randomization.TAU_BLOCK_SIZES,
            )
        ),
        first_group=_next_weekday(today - timedelta(days=FIRST_RANDOMIZATION), 3),
    )
    for number, person in enumerate(plan, start=1):
        with transaction.atomic():
            _enter(person, number, state)
    refresh_all(today)  # the early warnings, as the daily job keeps them (pages only read)
    return len(plan)


def _therapists() -> list[User]:
    out = []
    for k in range(1, THERAPISTS + 1):
        user, created = User.objects.get_or_create(
            username=f"trial-therapist-{k}",
            defaults={
                "role": Role.THERAPIST,
                "first_name": f"Therapist {k}",
                "last_name": "Demo (trial)",
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        out.append(user)
    return out


# ---- the plan -------------------------------------------------------------------------------
def _plan(today: date, rng: np.random.Generator) -> tuple[list[Planned], list[dict[str, Any]]]:
    """Everyone in the order of their screening (or randomization), and the simulated
    cohort whose people the randomized take their data from."""
    from embct.simulate import simulate

    cohort = simulate(n=FINISHED + IN_PROGRESS, seed=SIMULATION_SEED, mode="population")
    plan: list[Planned] = []
    finished = np.linspace(FIRST_RANDOMIZATION, LAST_FINISHED, FINISHED).round()
    # Denser towards today: some are still waiting for their course to start.
    in_trial = (3 + (FIRST_IN_PROGRESS - 3) * np.linspace(1, 0, IN_PROGRESS) ** 1.5).round()
    for k, days_ago in enumerate([*finished, *in_trial]):
        randomized_on = today - timedelta(days=int(days_ago))
        consent_on = randomized_on - timedelta(days=int(rng.integers(0, 4)))
        screen_on = consent_on - timedelta(days=int(rng.integers(3, 15)))
        plan.append(
            Planned(
                "randomized",
                screen_on,
                consent_on=consent_on,
                randomized_on=randomized_on,
                finished=k < FINISHED,
            )
        )
    span = FIRST_RANDOMIZATION + 20
    for _ in range(BELOW_THRESHOLD):
        plan.append(Planned("below", today - timedelta(days=int(rng.integers(1, span)))))
    for criterion in trial.CRITERIA:
        for _ in range(INELIGIBLE_PER_CRITERION):
            on = today - timedelta(days=int(rng.integers(10, span)))
            plan.append(Planned("ineligible", on, failed=criterion.id))
    for kind, count in (("declined_call", DECLINED_CALL), ("not_reached", NOT_REACHED)):
        for _ in range(count):
            plan.append(Planned(kind, today - timedelta(days=int(rng.integers(20, span)))))
    for k in range(CALL_LIST):
        plan.append(Planned("call_list", today - timedelta(days=k)))
    plan.sort(key=lambda p: (p.randomized_on or p.screen_on, p.kind))
    return plan, [{str(k): v for k, v in row.items()} for row in cohort.to_dict("records")]


# ---- entering one person --------------------------------------------------------------------
def _call(person: Planned, screening: Screening, number: int, state: _Trial) -> None:
    """The eligibility call before any interview: declined, not reached in the site's number
    of attempts (then closed), or, for every other one still on the call list, a call back."""
    by, today = state.researcher, state.today
    if person.kind == "declined_call":
        on = person.screen_on + timedelta(days=int(state.rng.integers(1, 5)))
        research.record_call_attempt(screening, "declined", on, today, by=by)
    elif person.kind == "not_reached":
        for k in range(settings.EMBCT_CALL_ATTEMPTS):
            on = person.screen_on + timedelta(days=1 + 3 * k)
            research.record_call_attempt(screening, "not_reached", on, today, by=by)
        research.close_unreached(screening, today, by=by)
    elif number % 2:
        research.record_call_attempt(
            screening, "call_back", today, today, call_back_on=today + timedelta(days=2), by=by
        )


def _criteria(failed: str = "") -> dict[str, bool]:
    """Answers to the eligibility call: every criterion met, but ``failed``."""
    met = {c.id: c.kind is trial.CriterionKind.INCLUSION for c in trial.CRITERIA}
    if failed:
        met[failed] = not met[failed]
    return met


def _baseline(row: dict[str, Any]) -> dict[str, Any]:
    kinds = {"bool": bool, "int": lambda v: round(float(v)), "float": lambda v: round(float(v), 1)}
    return {f.name: kinds[f.kind](row[f.name]) for f in trial.BASELINE_FIELDS}


def _screen(person: Planned, row: dict[str, Any] | None, number: int, state: _Trial) -> Screening:
    """The public screening: below the threshold, or the simulated person's baseline HADS
    raised to the threshold where it is lower (they were invited to the call)."""
    rng, threshold = state.rng, trial.SCREENING_HADS_THRESHOLD
    columns = item_columns("hads", "pre")
    order = rng.permutation(len(columns)).tolist()
    if person.kind == "below":
        answers = item_scores("hads", int(rng.integers(2, threshold)), order=order)
    elif row is None:
        answers = item_scores("hads", threshold + int(rng.integers(0, 8)), order=order)
    else:
        answers = item_scores("hads", threshold, [int(row[c]) for c in columns], order)
    screening = research.screen(answers, f"+3160000{number:04d}", uuid.uuid4())
    # The service stamps the moment it runs; the demo's person filled it in on screen_on.
    Screening.objects.filter(pk=screening.pk).update(created_at=_at(person.screen_on, 20))
    screening.refresh_from_db()
    return screening


def _enter(person: Planned, number: int, state: _Trial) -> None:
    """One person, as far as they got by today, through the services in the trial's order."""
    if person.kind != "randomized":
        screening = _screen(person, None, number, state)
        if person.kind == "ineligible":
            call_on = person.screen_on + timedelta(days=int(state.rng.integers(1, 8)))
            research.record_eligibility(
                screening, _criteria(person.failed), "", call_on, by=state.researcher
            )
        elif person.kind in ("declined_call", "not_reached", "call_list"):
            _call(person, screening, number, state)
        return
    consent_on, randomized_on = person.consent_on, person.randomized_on
    assert consent_on is not None
    assert randomized_on is not None
    first = state.next_slot("main").arm
    tau_first = first is trial.Arm.TAU
    decided = state.next_slot("tau").arm.value if tau_first else first.value
    if tau_first and trial.tau_rerandomization_date(randomized_on) > state.today:
        decided = ""  # in TAU now: the arm is not decided yet
    row = state.row(decided or None)
    screening = _screen(person, row, number, state)
    call_on = min(person.screen_on + timedelta(days=int(state.rng.integers(1, 4))), consent_on)
    participant = research.record_eligibility(
        screening, _criteria(), "", call_on, by=state.researcher
    )
    research.record_consent(participant, consent_on, consent_on, by=state.researcher)
    research.record_baseline(participant, _baseline(row), by=state.researcher)
    allocation = research.randomize(
        participant, state.researcher, randomized_on, by=state.researcher
    )
    state.check(participant, allocation, "main")
    if not decided:
        return  # in TAU, waiting for re-randomization
    ready = randomized_on
    if tau_first:
        ready = trial.tau_rerandomization_date(randomized_on)
        second = research.rerandomize_tau(participant, state.researcher, ready, by=state.researcher)
        state.check(participant, second, "tau")
    _treat(participant, person, row, decided, ready, state)


def _treat(
    participant: Participant,
    person: Planned,
    row: dict[str, Any],
    arm: str,
    ready: date,
    state: _Trial,
) -> None:
    """The patient's account, the course and the questionnaires, as far as today."""
    rng, today = state.rng, state.today
    user = User.objects.create_user(
        f"trial-{participant.study_id.lower()}",
        role=Role.PATIENT,
        first_name="Participant",
        last_name=participant.study_id,
    )
    started = bool(row["started"]) or not person.finished
    group: MbctGroup | None = None
    meetings: list[GroupMeeting] = []
    start = None
    if arm == trial.Arm.MBCT.value:
        group, meetings = _group(ready + timedelta(days=7), state)
        therapist = group.therapist
    else:
        start = _next_weekday(ready + timedelta(days=7), 0)
        therapist = state.therapists[int(rng.integers(len(state.therapists)))]
    profile = PatientProfile.objects.create(
        user=user,
        therapist=therapist,
        arm=arm,
        course=state.course,
        group=group if started else None,
        start_date=start if started else None,
        feedback_weekday=int(rng.integers(0, 5)),
    )
    research.link_profile(participant, profile)
    first_day = meetings[0].date if meetings else start
    assert first_day is not None
    if not started:
        on = min(first_day, ready + timedelta(days=int(rng.integers(3, 15))))
        research.record_withdrawal(
            participant, WithdrawalKind.DECLINED, min(on, today), _reason(rng), by=state.researcher
        )
    attended = int(row["sessions_attended"]) if person.finished else len(state.sessions)
    if started:
        last = _course(profile, meetings, first_day, attended, state)
        if person.finished and attended < trial.ADEQUATE_DOSE_SESSIONS:
            on = min(last + timedelta(days=10), today)
            research.record_withdrawal(
                participant, WithdrawalKind.DROPOUT, on, _reason(rng), by=state.researcher
            )
    _questionnaires(profile, row, state)


def _reason(rng: np.random.Generator) -> str:
    shares = np.array([share for _, share in REASONS])
    return str(REASONS[int(rng.choice(len(REASONS), p=shares / shares.sum()))][0].value)


def _group(ready: date, state: _Trial) -> tuple[MbctGroup, list[GroupMeeting]]:
    """The first MBCT group starting on or after ``ready``, made when it is first needed."""
    k = max(0, -(-(ready - state.first_group).days // GROUP_EVERY))
    if k not in state.groups:
        start = state.first_group + timedelta(days=GROUP_EVERY * k)
        group = MbctGroup.objects.create(
            name=f"Trial group {k + 1} (demo)",
            therapist=state.therapists[k % len(state.therapists)],
            location="Room 1, psycho-oncology centre",
            course=state.course,
        )
        meetings = GroupMeeting.objects.bulk_create(
            GroupMeeting(group=group, session=s, date=start + timedelta(days=7 * i))
            for i, s in enumerate(state.sessions)
        )
        state.groups[k] = (group, meetings)
    return state.groups[k]


def _course(
    profile: PatientProfile,
    meetings: list[GroupMeeting],
    first_day: date,
    attended: int,
    state: _Trial,
) -> date:
    """Log files sent (eMBCT) or meetings attended (MBCT) until today; the last day of the
    course taken part in."""
    now, today = timezone.now(), state.today
    if meetings:
        held = [m for m in meetings if m.date <= today]
        Attendance.objects.bulk_create(
            Attendance(meeting=m, patient=profile, present=i < attended) for i, m in enumerate(held)
        )
        days = [m.date for m in held[:attended]]
        return days[-1] if days else first_day
    sent = []
    for week, session in enumerate(state.sessions[:attended]):
        sent_at = _at(first_day + timedelta(days=7 * week + 5), 20)
        if sent_at >= now:
            break
        answered = sent_at + timedelta(days=2, hours=-6)
        sent.append(
            LogSubmission(
                patient=profile,
                session=session,
                sent_at=sent_at,
                answered_at=answered if answered < now else None,
            )
        )
    LogSubmission.objects.bulk_create(sent)
    return timezone.localdate(sent[-1].sent_at) if sent else first_day


def _questionnaires(profile: PatientProfile, row: dict[str, Any], state: _Trial) -> None:
    """The simulated person's answers to every questionnaire that was due by today, on the
    day it was due or a few days later."""
    questionnaires.materialize(profile)
    now = timezone.now()
    for assessment in ScheduledAssessment.objects.filter(patient=profile, due__lte=state.today):
        columns = item_columns(assessment.instrument, assessment.wave)
        if any(pd.isna(row.get(c)) for c in columns):
            continue
        assert assessment.due is not None
        late = timedelta(days=int(state.rng.integers(0, 4)))
        at = min(_at(assessment.due + late, 19), now - timedelta(hours=1))
        raw = {str(i): str(int(row[c])) for i, c in enumerate(columns, start=1)}
        questionnaires.submit(assessment, raw, uuid.uuid4(), submitted_at=at, refresh=False)
