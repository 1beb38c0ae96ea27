"""A small demo clinic: therapists, eMBCT patients at different weeks with diaries, messages
and feedback, a supervised therapist, and an MBCT group with attendance. One therapist and
her patient speak Dutch: their accounts are set to Dutch, what they write is Dutch, and the
patient follows the Dutch demo course when it is loaded (``Course.current`` of her language;
else the English one, marked as English on her Dutch pages). The patients
have answered the questionnaires that were due (one has not yet), so the therapist sees
alliance charts and early warnings: a weak early alliance, an alliance that fell.

Everything is created only when missing, relative to the day it is first run; running it
again keeps the data (and what was typed into it since). The people are fictional.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone, translation

from embct.instruments import get_instrument
from embct.platform.accounts.models import Role, User
from embct.platform.care import photos
from embct.platform.care import services as care_services
from embct.platform.care.models import (
    Arm,
    DiaryEntry,
    LogSubmission,
    Message,
    MessageKind,
    PatientProfile,
    Supervision,
)
from embct.platform.course.models import Course, CourseSession, Exercise
from embct.platform.groups.models import Attendance, GroupMeeting, MbctGroup
from embct.platform.questionnaires import services as questionnaires
from embct.platform.questionnaires.early import refresh_all
from embct.platform.questionnaires.models import ScheduledAssessment
from embct.trial import feedback_date


@dataclass(frozen=True)
class DemoPatient:
    username: str
    first_name: str
    therapist: str
    days_in: int  # days since the start date
    weekday: int
    sent_weeks: tuple[int, ...]  # weeks whose log files were sent
    answered_weeks: tuple[int, ...]  # ... and answered
    unsent_week: int | None = None  # a diary written but not sent yet
    question: str = ""
    language: str = "en"  # the account's language, and the one the patient writes in
    #: Totals of the questionnaires answered, per instrument in the order they fell due (the
    #: schedule's, embct.trial); those due later stay open.
    answered: tuple[tuple[str, tuple[int, ...]], ...] = ()


THERAPISTS = [
    # (username, first, last, supervised by, language)
    ("therapist", "Tessa", "Demo (therapist)", None, "en"),
    ("therapist2", "Otto", "Demo (therapist, new to eMBCT)", "therapist", "en"),
    ("therapist-nl", "Eva", "Demo (therapeut)", None, "nl"),
]
#: The demo therapists' short profiles, in their own language.
PROFILES = {
    "therapist": (
        "I am a psychologist and mindfulness teacher. I have worked with people living with "
        "cancer for twelve years, and I read your log files every week on our agreed day."
    ),
    "therapist-nl": (
        "Ik ben psycholoog en mindfulnesstrainer en werk al tien jaar met mensen die met kanker "
        "leven. Ik lees uw logbestanden elke week op de dag die we hebben afgesproken."
    ),
}


def _portrait(username: str) -> io.BytesIO:
    """A drawn placeholder portrait (a head and shoulders in two tones), as a PNG upload."""
    from PIL import Image, ImageDraw

    hue = sum(username.encode()) % 3
    background = ((47, 111, 115), (122, 84, 140), (160, 98, 40))[hue]
    image = Image.new("RGB", (400, 400), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((130, 70, 270, 210), fill=(238, 232, 222))
    draw.ellipse((70, 230, 330, 520), fill=(238, 232, 222))
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    return out


PATIENTS = [
    DemoPatient(
        "patient",
        "Pim",
        "therapist",
        15,
        3,
        (1, 2),
        (1, 2),
        unsent_week=3,
        answered=(("hads", (21,)), ("mhc", (28,)), ("wai", (24,))),  # a weak early alliance
    ),
    DemoPatient(
        "patient2", "Mia", "therapist", 2, 3, (), (), answered=(("hads", (14,)), ("mhc", (40,)))
    ),
    DemoPatient(
        "patient3",
        "Kai",
        "therapist",
        30,
        2,
        (1, 2, 3, 4, 5),
        (1, 2, 3, 4),
        question="Can I do the silent day on a Sunday instead?",
        answered=(("hads", (17,)), ("mhc", (35,)), ("wai", (44, 49))),
    ),
    DemoPatient(
        "patient4",
        "Noor",
        "therapist",
        52,
        4,
        (1, 2, 4, 6, 7),
        (1, 2, 4, 6, 7),
        answered=(("hads", (19,)), ("mhc", (30,)), ("wai", (45, 33))),  # the alliance fell
    ),
    DemoPatient(
        "patient5",
        "Lars",
        "therapist2",
        9,
        1,
        (1, 2),
        (1,),
        question="The body scan makes me sleepy. Is that all right?",
        answered=(("hads", (16,)), ("mhc", (38,))),  # the week-2 alliance is still open
    ),
    DemoPatient(
        "patient-nl",
        "Femke",
        "therapist-nl",
        22,
        1,
        (1, 2, 3),
        (1, 2),
        question="Mag ik de bodyscan ook in bed doen? Na de bestraling ben ik 's avonds erg moe.",
        language="nl",
        answered=(("hads", (23,)), ("mhc", (25,)), ("wai", (38,))),
    ),
]
#: (username, first name, totals answered as DemoPatient.answered)
GROUP_MEMBERS = [
    ("member", "Gwen", (("hads", (18,)), ("mhc", (33,)), ("wai", (41,)))),
    ("member2", "Hugo", (("hads", (20,)), ("mhc", (29,)), ("wai", (26,)))),
    ("member3", "Iris", (("hads", (15,)),)),
    ("member4", "Jan", (("hads", (22,)), ("mhc", (31,)), ("wai", (36,)))),
]

DIARY_LINES = {
    "en": [
        (
            "Warm hands on the blanket; my shoulders were tight.",
            "Planning the next hospital visit.",
            "Restless, then a little calmer.",
        ),
        (
            "Heavy legs, a tingling in the feet.",
            "Am I doing this right?",
            "Tired, but glad I did it.",
        ),
        (
            "The scar felt tender; breathing was shallow.",
            "Thoughts about the scan results.",
            "Worried. It passed after a while.",
        ),
        ("Noticed the taste of my tea for the first time in weeks.", "Not many.", "Quiet."),
    ],
    "nl": [
        (
            "Warme handen op de deken; mijn schouders waren gespannen.",
            "Ik dacht aan de volgende controle in het ziekenhuis.",
            "Onrustig, daarna wat rustiger.",
        ),
        (
            "Zware benen, tintelingen in mijn voeten.",
            "Doe ik dit wel goed?",
            "Moe, maar blij dat ik het gedaan heb.",
        ),
        (
            "Het litteken voelde gevoelig; mijn ademhaling was oppervlakkig.",
            "Gedachten over de uitslag van de scan.",
            "Bezorgd. Na een tijdje zakte het.",
        ),
        ("Voor het eerst in weken proefde ik mijn thee echt.", "Niet veel.", "Stil."),
    ],
}
#: The therapist's welcome and weekly feedback, per language ({name}, {therapist}, {session}).
WELCOME = {
    "en": (
        "Welcome, {name}. I am {therapist}, your therapist for this course. I read the diaries "
        "you send and write back once a week. Take your time; there is no wrong way to do this."
    ),
    "nl": (
        "Welkom, {name}. Ik ben {therapist}, uw therapeut tijdens deze cursus. Ik lees de "
        "dagboeknotities die u stuurt en schrijf u één keer per week terug. Neem de tijd; u "
        "kunt dit niet verkeerd doen."
    ),
}
#: Weekly feedback, varied from week to week as a therapist writes it ({session}).
FEEDBACK = {
    "en": (
        "Thank you for your diary of {session}. You practised on three days and wrote honestly "
        "about what you noticed, also when it was hard. Noticing that your mind goes to the "
        "hospital is the practice itself.",
        "Thank you for your diary of {session}. You wrote that you felt restless; that is very "
        "common this week. You do not have to make it go away: see if you can notice where in "
        "the body you feel it, and breathe with it for a moment.",
        "Thank you for your diary of {session}. It is good to read that you kept practising on "
        "days when you were tired. A shorter practice counts too; kindness to yourself is part "
        "of the course.",
        "Thank you for your diary of {session}. You noticed how one worrying thought led to the "
        "next. Seeing that chain is already a step out of it. This week, try the three-minute "
        "breathing space when it starts.",
    ),
    "nl": (
        "Dank u voor uw dagboek van {session}. U hebt op drie dagen geoefend en eerlijk "
        "opgeschreven wat u opmerkte, ook toen het moeilijk was. Merken dat uw gedachten naar "
        "het ziekenhuis gaan, is de oefening zelf.",
        "Dank u voor uw dagboek van {session}. U schreef dat u onrustig was; dat is heel gewoon "
        "in deze week. U hoeft het niet weg te maken: kijk of u kunt merken waar in uw lichaam u "
        "het voelt, en adem er even mee.",
        "Dank u voor uw dagboek van {session}. Fijn om te lezen dat u bleef oefenen op dagen dat "
        "u moe was. Een kortere oefening telt ook; mild zijn voor uzelf hoort bij de cursus.",
        "Dank u voor uw dagboek van {session}. U merkte hoe de ene zorgelijke gedachte de "
        "volgende opriep. Die keten zien is al een stap eruit. Probeer deze week de "
        "ademruimte van drie minuten als het begint.",
    ),
}
#: No group meets on these days (month, day): the meeting moves a week on.
NO_MEETING_DAYS = ((12, 24), (12, 31))


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _user(
    username: str, password: str, role: str, first: str, last: str, language: str = "en"
) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "first_name": first, "last_name": last, "language": language},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, created


def _not_after(moment: datetime, latest: datetime) -> datetime:
    return min(moment, latest)


def _fill_patient(
    profile: PatientProfile, spec: DemoPatient, sessions: dict[int, CourseSession]
) -> None:
    start = profile.start_date
    assert start is not None
    now = timezone.now()
    today = timezone.localdate()
    therapist = profile.therapist
    assert therapist is not None
    Message.objects.create(
        patient=profile,
        author=therapist,
        kind=MessageKind.WELCOME,
        sent_at=_at(start, 9),
        read_at=_at(start, 18),
        body=WELCOME[spec.language].format(
            name=spec.first_name,
            therapist=therapist.first_name,
        ),
    )
    weeks = [*spec.sent_weeks, *([spec.unsent_week] if spec.unsent_week else [])]
    for n, week in enumerate(weeks):
        session = sessions[week]
        exercises: list[Exercise | None] = [e for e in session.exercises.all() if e.diary] or [None]
        week_start = start + timedelta(days=7 * (week - 1))
        entries = []
        # Three days of practice in a weekly session; one diary on the silent day itself (the
        # first day of its week, the day after the written preparation opened).
        days = (0,) if session.is_silent_day else (1, 2, 3)
        for day, offset in enumerate(days):
            practised = week_start + timedelta(days=offset)
            if practised > today:
                break
            lines = DIARY_LINES[spec.language]
            body, thoughts, feelings = lines[(n + day) % len(lines)]
            entries.append(
                DiaryEntry.objects.create(
                    patient=profile,
                    session=session,
                    exercise=exercises[day % len(exercises)],
                    date=practised,
                    minutes=150 if session.is_silent_day else (10, 20, 15)[day] + n,
                    body=body,
                    thoughts=thoughts,
                    feelings=feelings,
                    created=_not_after(_at(practised, 20), now - timedelta(hours=3)),
                )
            )
        if week not in spec.sent_weeks or not entries:
            continue
        sent = _not_after(_at(entries[-1].date + timedelta(days=1), 21), now - timedelta(hours=2))
        # The therapist answers on the patient's agreed feedback weekday (embct.trial); one
        # whose day has not come yet waits in the queue.
        due = feedback_date(sent.date(), profile.feedback_weekday)
        answer_at = max(
            sent + timedelta(hours=1), _not_after(_at(due, 10), now - timedelta(hours=1))
        )
        answered = week in spec.answered_weeks and due <= today
        read_at = answer_at + timedelta(hours=5)
        submission = LogSubmission.objects.create(
            patient=profile,
            session=session,
            sent_at=sent,
            answered_at=answer_at if answered else None,
        )
        DiaryEntry.objects.filter(pk__in=[e.pk for e in entries]).update(submission=submission)
        if answered:
            with translation.override(spec.language):
                label = session.label.lower()  # "session 2", "sessie 2"
            Message.objects.create(
                patient=profile,
                author=therapist,
                kind=MessageKind.FEEDBACK,
                sent_at=answer_at,
                read_at=read_at if read_at < now else None,
                body=FEEDBACK[spec.language][
                    (n + spec.weekday) % len(FEEDBACK[spec.language])
                ].format(session=label),
            )
    if spec.question:
        Message.objects.create(
            patient=profile,
            author=profile.user,
            body=spec.question,
            from_patient=True,
            sent_at=timezone.now() - timedelta(days=1),
        )


def item_scores(
    instrument: str, total: int, start: Sequence[int] | None = None, order: Iterable[int] = ()
) -> dict[int, int]:
    """Item scores of ``instrument`` (its default coding) adding up to ``total``, or at least
    ``total`` from ``start``: one point at a time to the items in ``order`` (indices; default
    item order), round and round, an item at its highest score passed over."""
    spec = get_instrument(instrument)
    scores = list(start) if start is not None else [spec.min_score] * len(spec.items)
    turn = list(order) or list(range(len(scores)))
    k = 0
    while sum(scores) < min(total, spec.max_score * len(scores)):
        i = turn[k % len(turn)]
        k += 1
        if scores[i] < spec.max_score:
            scores[i] += 1
    return dict(zip(spec.items, scores, strict=True))


def _answer_due(profile: PatientProfile, answered: tuple[tuple[str, tuple[int, ...]], ...]) -> None:
    """The totals of ``answered``, given on the day each questionnaire fell due (its
    schedule, from embct.trial, materialized for the patient); early warnings are refreshed
    once by the caller."""
    questionnaires.materialize(profile)
    totals = {instrument: list(values) for instrument, values in answered}
    now = timezone.now()
    due = ScheduledAssessment.objects.filter(patient=profile, due__lte=timezone.localdate())
    for assessment in due.order_by("due", "position"):
        values = totals.get(assessment.instrument)
        if not values:
            continue
        scores = item_scores(assessment.instrument, values.pop(0))
        raw = {str(item): str(score) for item, score in scores.items()}
        assert assessment.due is not None
        at = _not_after(_at(assessment.due, 19), now - timedelta(hours=1))
        questionnaires.submit(assessment, raw, uuid.uuid4(), submitted_at=at, refresh=False)


#: How the printed logins mark the accounts set to another language than English.
_SPEAKS = {"en": "", "nl": " (Nederlands)"}


@transaction.atomic
def seed_clinic(password_suffix: str, today: date | None = None) -> list[tuple[str, str, str]]:
    """Create what is missing of the demo clinic; return its logins (role, username, password)."""
    today = today or timezone.localdate()
    course = Course.current("en")  # the group's, and the English-speaking patients'
    if course is None:
        raise ValueError("load a course first (embct manage load_course)")
    # Each patient follows the course in their language, as the clinic's new patients do.
    courses: dict[str, tuple[Course, dict[int, CourseSession]]] = {}
    for language in {spec.language for spec in PATIENTS} | {"en"}:
        chosen = Course.current(language) or course
        courses[language] = (
            chosen,
            {s.week: s for s in chosen.sessions.prefetch_related("exercises")},
        )
    sessions = courses["en"][1]
    logins: list[tuple[str, str, str]] = []
    therapists: dict[str, User] = {}
    for username, first, last, _sup, language in THERAPISTS:
        therapists[username], _ = _user(
            username, username + password_suffix, Role.THERAPIST, first, last, language
        )
        logins.append(("Therapist" + _SPEAKS[language], username, username + password_suffix))
    for username, profile_text in PROFILES.items():
        # what her patients see beside her welcome (the trial's welcome had a photo): a drawn
        # placeholder, not a person, through the same checks and re-encoding as an upload
        care_services.save_therapist_profile(
            therapists[username], profile_text, photos.process(_portrait(username))
        )
    for username, _first, _last, supervisor, _language in THERAPISTS:
        if supervisor:
            Supervision.objects.get_or_create(
                therapist=therapists[username], defaults={"supervisor": therapists[supervisor]}
            )
    for spec in PATIENTS:
        user, _ = _user(
            spec.username,
            spec.username + password_suffix,
            Role.PATIENT,
            spec.first_name,
            "Demo (patient)",
            spec.language,
        )
        logins.append(
            (
                f"Patient, week {min(spec.days_in // 7 + 1, 9)}{_SPEAKS[spec.language]}",
                spec.username,
                spec.username + password_suffix,
            )
        )
        if PatientProfile.objects.filter(user=user).exists():
            continue
        own_course, own_sessions = courses[spec.language]
        profile = PatientProfile.objects.create(
            user=user,
            therapist=therapists[spec.therapist],
            arm=Arm.EMBCT,
            course=own_course,
            start_date=today - timedelta(days=spec.days_in),
            feedback_weekday=spec.weekday,
        )
        _fill_patient(profile, spec, own_sessions)
        _answer_due(profile, spec.answered)
    group, created = MbctGroup.objects.get_or_create(
        name="Thursday evening group (demo)",
        defaults={
            "therapist": therapists["therapist"],
            "location": "Room 2, psycho-oncology centre",
            "course": course,
        },
    )
    if created:
        day_one = today - timedelta(days=today.weekday() - 3 + 7 * 4)  # a Thursday, 4-5 weeks ago
        meets = day_one
        for _week, session in sorted(sessions.items()):
            while (meets.month, meets.day) in NO_MEETING_DAYS:
                meets += timedelta(days=7)
            GroupMeeting.objects.create(group=group, session=session, date=meets)
            meets += timedelta(days=7)
    for n, (username, first_name, answered) in enumerate(GROUP_MEMBERS):
        user, _ = _user(
            username, username + password_suffix, Role.PATIENT, first_name, "Demo (group)"
        )
        if n == 0:
            logins.append(("Group member", username, username + password_suffix))
        profile, made = PatientProfile.objects.get_or_create(
            user=user,
            defaults={
                "therapist": therapists["therapist"],
                "arm": Arm.MBCT,
                "course": course,
                "group": group,
            },
        )
        if made:
            for k, meeting in enumerate(group.meetings.filter(date__lte=today)):
                Attendance.objects.create(
                    meeting=meeting, patient=profile, present=(k + n) % 5 != 4
                )
            _answer_due(profile, answered)
    refresh_all(today)  # the early warnings, as the daily job keeps them (pages only read)
    return logins
