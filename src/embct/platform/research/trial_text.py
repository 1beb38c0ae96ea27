"""The protocol texts of :mod:`embct.trial` that research pages show, in the user's language.

``embct.trial`` is plain Python without Django, so its eligibility criteria and Table 1 labels
are English. Each is marked here (``gettext_noop``), so ``makemessages`` puts it in the
catalogues, and looked up when a page is drawn. The SPSS export keeps the English labels.
tests/platform/i18n checks that every text of ``embct.trial.CRITERIA`` and
``BASELINE_FIELDS`` is marked here and translated.
"""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop

from embct import trial
from embct.trial import BOX_LABELS, BaselineField, CallAttemptError, Criterion, StepProblem

#: Every text of embct.trial a page shows, as marked for translation.
MARKED = frozenset(
    {
        # criterion kinds, as a form label starts ("Inclusion: ...") and as a list shows them
        gettext_noop("Inclusion"),
        gettext_noop("Exclusion"),
        gettext_noop("inclusion"),
        gettext_noop("exclusion"),
        # embct.trial.CRITERIA
        gettext_noop("Has had a diagnosis of cancer."),
        gettext_noop("Has at least mild psychological distress."),
        gettext_noop("Can use a computer and has internet access."),
        gettext_noop("Has a good command of the language of the course (Dutch in the trial)."),
        gettext_noop("Is willing to take part in either the online or the group course."),
        gettext_noop("Has severe psychiatric problems, such as suicidal thoughts or psychosis."),
        gettext_noop("Changed psychotropic medication in the 3 months before baseline."),
        gettext_noop("Takes or has taken part in an MBCT or MBSR course."),
        # embct.trial.BASELINE_FIELDS: labels
        gettext_noop("Gender female"),
        gettext_noop("In a relationship"),
        gettext_noop("Has children"),
        gettext_noop("Education level high"),
        gettext_noop("Age in years"),
        gettext_noop("Cancer diagnosis breast"),
        gettext_noop("Treatment intent curative"),
        gettext_noop("Current anticancer treatment"),
        gettext_noop("Psychiatric diagnosis"),
        gettext_noop("Years since cancer diagnosis"),
        # ... the form's question where a label names a value
        gettext_noop("Gender"),
        gettext_noop("Education level"),
        gettext_noop("Cancer diagnosis"),
        gettext_noop("Treatment intent"),
        # ... and the meaning of their values
        gettext_noop("no"),
        gettext_noop("yes"),
        gettext_noop("not female"),
        gettext_noop("female"),
        gettext_noop("low or middle"),
        gettext_noop("high"),
        gettext_noop("other cancer"),
        gettext_noop("breast cancer"),
        gettext_noop("palliative"),
        gettext_noop("curative"),
        # embct.trial.STEPS, as a refusal names them
        gettext_noop("eligibility"),
        gettext_noop("consent"),
        gettext_noop("baseline"),
        gettext_noop("randomization"),
        # embct.trial.RULE_TEXTS
        gettext_noop("the participant is not eligible"),
        gettext_noop("consent must be recorded first"),
        gettext_noop("consent cannot be before the screening (%(limit)s)"),
        gettext_noop("consent cannot be in the future (today is %(limit)s)"),
        gettext_noop("randomization needs the complete baseline (Table 1)"),
        gettext_noop("only a participant allocated to TAU is re-randomized"),
        gettext_noop("re-randomization is due on %(limit)s, 3 months after the TAU allocation"),
        # embct.trial.BOX_LABELS: the boxes of the CONSORT flow
        gettext_noop("After TAU to eMBCT"),
        gettext_noop("After TAU to group MBCT"),
        gettext_noop("Allocated to TAU"),
        gettext_noop("Allocated to eMBCT"),
        gettext_noop("Allocated to group MBCT"),
        gettext_noop("Allocated, not started yet"),
        gettext_noop("Analysed: HADS, intention to treat"),
        gettext_noop("Analysed: MHC-SF, intention to treat"),
        gettext_noop("Analysed: baseline characteristics"),
        gettext_noop("Analysed: development of the alliance"),
        gettext_noop("Analysed: distress (HADS) after treatment"),
        gettext_noop("Analysed: early alliance and dropout"),
        gettext_noop("Analysed: well-being (MHC-SF) after treatment"),
        gettext_noop("Another reason"),
        gettext_noop("Awaiting re-randomization"),
        gettext_noop("Completed (4 sessions or more)"),
        gettext_noop("Declined after randomization"),
        gettext_noop("Declined at the eligibility call"),
        gettext_noop("Distress not at least mild"),
        gettext_noop("Dropped out (fewer than 4 sessions)"),
        gettext_noop("Earlier MBCT or MBSR course"),
        gettext_noop("Eligible, not randomized yet"),
        gettext_noop("Group MBCT: allocated in all"),
        gettext_noop("HADS total below 11"),
        gettext_noop("No cancer diagnosis"),
        gettext_noop("No computer or internet"),
        gettext_noop("No reason recorded"),
        gettext_noop("Not eligible"),
        gettext_noop("Not fluent in the course's language"),
        gettext_noop("Not reached for the eligibility call"),
        gettext_noop("Not willing to take either format"),
        gettext_noop("On the call list"),
        gettext_noop("Practical reasons (time, travel, technology)"),
        gettext_noop("Psychotropic medication changed"),
        gettext_noop("Randomized"),
        gettext_noop("Screened"),
        gettext_noop("Severe psychiatric problems"),
        gettext_noop("Started"),
        gettext_noop("The course asked too much of them"),
        gettext_noop("The course was not what they expected"),
        gettext_noop("Their physical condition"),
        gettext_noop("eMBCT: allocated in all"),
    }
)

#: The fields of embct.trial.StepProblem that are not baseline fields, as a refusal names them.
STEP_FIELDS = {
    "eligible": gettext_noop("eligible"),
    "consent_on": gettext_noop("date of consent"),
    "allocation": gettext_noop("allocation"),
}
#: The rules of embct.trial's eligibility call (embct.trial.CALL_RULE_TEXTS), as marked here.
CALL_RULES = frozenset(
    {
        gettext_noop("an attempt is not reached, call back or declined"),
        gettext_noop("the call is already closed ({final})"),
        gettext_noop("not after today ({today})"),
        gettext_noop("not before the screening ({screened_on})"),
        gettext_noop("call back needs a date"),
        gettext_noop("a call-back date is not in the past (today is {today})"),
        gettext_noop("the telephone number is erased on {erased_on}"),
        gettext_noop("a call-back date goes only with call back, not {outcome}"),
        gettext_noop("{required} attempts are needed"),
        gettext_noop("no exclusion that is referred on"),
        gettext_noop("not before the eligibility interview ({assessed_on})"),
    }
)
#: The fields a refused call attempt or referral names (embct.trial.CallAttemptError.field).
CALL_FIELDS = {
    "outcome": gettext_noop("outcome"),
    "on": gettext_noop("date"),
    "call_back_on": gettext_noop("call-back date"),
    "attempts": gettext_noop("attempts not reached"),
    "referral": gettext_noop("referral"),
}
#: The call's outcomes by code (embct.trial.CallOutcome), as a rule's parameter names them.
CALL_OUTCOMES = {
    "not_reached": gettext_noop("not reached"),
    "call_back": gettext_noop("call back"),
    "declined": gettext_noop("declined"),
    "not_eligible": gettext_noop("not eligible"),
    "eligible": gettext_noop("eligible"),
}

#: The arms of embct.trial.Arm, by code, as the clinic names them (care.models.Arm).
ARMS = {
    "embct": gettext_noop("eMBCT (online)"),
    "mbct": gettext_noop("MBCT (group)"),
    "tau": gettext_noop("treatment as usual (TAU)"),
}
#: The randomization lists (Allocation.list_name) of embct.trial.allocation_sequence.
LISTS = {
    "main": gettext_noop("Main randomization list"),
    "tau": gettext_noop("Re-randomization list after TAU"),
}


def kind(criterion: Criterion, *, capital: bool = False) -> str:
    """The criterion's kind, "inclusion" or "exclusion" ("Inclusion" with ``capital``)."""
    text = criterion.kind.value
    return gettext(text.title() if capital else text)


def description(criterion: Criterion) -> str:
    return gettext(criterion.description)


def label(field: BaselineField) -> str:
    return gettext(field.label)


def form_label(field: BaselineField) -> str:
    """The baseline form's label of ``field``, in words: "Gender", then its answers."""
    return gettext(field.question or field.label)


def value_label(text: str) -> str:
    """What a yes/no field's 0 or 1 means ("breast cancer"), translated."""
    return gettext(text)


def baseline_value(field: BaselineField, value: object) -> object:
    """A Table 1 value as a page shows it: a yes/no field's meaning in words ("Breast
    cancer", "Yes"), translated; a number as it is (the page formats it); None as not
    recorded."""
    if value is None:
        return gettext("not recorded")
    if field.kind == "bool":
        return capfirst(gettext(dict(field.value_labels)[int(bool(value))]))
    return value


def arm(code: str) -> str:
    """An arm's name ("eMBCT (online)") from its code ("embct"); an unknown code as it is."""
    return gettext(ARMS[code]) if code in ARMS else code


def randomization_list(name: str) -> str:
    """A randomization list's name from its code ("main", "tau"); an unknown one as it is."""
    return gettext(LISTS[name]) if name in LISTS else name


def step_field(name: str) -> str:
    """A field a step checks (``"consent_on"``, a baseline field's name), as a page names it."""
    fields = {f.name: f for f in trial.BASELINE_FIELDS}
    if name in fields:
        return label(fields[name])
    return gettext(STEP_FIELDS[name]) if name in STEP_FIELDS else name


def step_value(value: object) -> str:
    """A value a step found: a date as ISO, yes/no, "not recorded" for None."""
    if value is None:
        return gettext("not recorded")
    if isinstance(value, bool):
        return gettext("yes" if value else "no")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def rule(problem: StepProblem) -> str:
    """The rule a problem breaks, in words, with its date ("consent cannot be in the future
    (today is 2026-03-18)")."""
    limit = "" if problem.limit is None else problem.limit.isoformat()
    return gettext(trial.RULE_TEXTS[problem.rule]) % {"limit": limit}


def step_refusal(study_id: str, problems: tuple[StepProblem, ...]) -> str:
    """Why a step is refused, in the reader's language: the study id, the step, then each
    rule broken with the fields and values that break it (missing fields listed together):
    "S00001: consent refused. date of consent: 2026-03-19: consent cannot be in the future
    (today is 2026-03-18)."
    """
    groups: dict[tuple[object, str], list[StepProblem]] = {}
    for problem in problems:
        groups.setdefault((problem.rule, step_value(problem.value)), []).append(problem)
    parts = []
    for (_rule, value), members in groups.items():
        fields = ", ".join(step_field(p.field) for p in members)
        parts.append(
            gettext("%(fields)s: %(value)s: %(rule)s")
            % {"fields": fields, "value": value, "rule": rule(members[0])}
        )
    return gettext("%(study_id)s: %(step)s refused. %(problems)s.") % {
        "study_id": study_id,
        "step": gettext(problems[0].step.value),
        "problems": "; ".join(parts),
    }


def call_field(name: str) -> str:
    """The field a refused call attempt names ("call-back date"), translated."""
    return gettext(CALL_FIELDS[name]) if name in CALL_FIELDS else name


def call_value(value: object) -> str:
    """A refused value as a reader writes it: a date as YYYY-MM-DD, an outcome in words,
    nothing as "none"."""
    if value is None:
        return gettext("none")
    if isinstance(value, str) and value in CALL_OUTCOMES:
        return gettext(CALL_OUTCOMES[value])
    return str(value)


def call_rule(error: CallAttemptError) -> str:
    """The rule the attempt broke, in the reader's language, with its parameters."""
    params = {key: call_value(item) for key, item in error.params.items()}
    return gettext(trial.CALL_RULE_TEXTS[error.rule]).format(**params)


def box_labels() -> dict[str, str]:
    """The boxes of the CONSORT flow (embct.trial.BOX_LABELS), in the reader's language."""
    return {key: gettext(text) for key, text in BOX_LABELS.items()}
