"""Early warnings in the reader's language.

:mod:`embct.trial.flags` (plain Python, no Django) words each warning in English, and
:class:`~.models.FlagRecord` keeps that wording as it fired. A page shows the kept English text
to an English reader, and to anyone else the same sentence rebuilt from the flag's code and
evidence (the numbers that made it fire) through the catalogues. A flag this module does not
know, or evidence it cannot read, is shown as kept.
tests/platform/i18n checks that the English rebuilt here is exactly embct.trial's.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

#: Titles by flag code (embct.trial.FLAG_CODES).
TITLES = {
    "weak_early_alliance": _("Weak early alliance"),
    "alliance_fall": _("Alliance fell"),
    "dose_at_risk": _("Adequate dose at risk"),
    "no_recent_practice": _("No practice logged"),
    "feedback_waiting": _("Feedback waiting"),
    "hads_deterioration": _("Distress reliably worse"),
}

#: Names of the evidence's keys, in plain words (the stored keys are the rules' own).
EVIDENCE_KEYS = {
    "wai_w2": pgettext_lazy("early-warning evidence", "Alliance score, start of week 2"),
    "threshold": pgettext_lazy("early-warning evidence", "Threshold"),
    "before": pgettext_lazy("early-warning evidence", "Score before"),
    "after": pgettext_lazy("early-warning evidence", "Score after"),
    "before_label": pgettext_lazy("early-warning evidence", "Measured before"),
    "after_label": pgettext_lazy("early-warning evidence", "Measured after"),
    "rc": pgettext_lazy("early-warning evidence", "Reliable change index"),
    "direction": pgettext_lazy("early-warning evidence", "Direction"),
    "sd": pgettext_lazy("early-warning evidence", "Standard deviation"),
    "reliability": pgettext_lazy("early-warning evidence", "Reliability"),
    "source": pgettext_lazy("early-warning evidence", "Source of the figures"),
    "sessions_done": pgettext_lazy("early-warning evidence", "Sessions done"),
    "sessions_remaining": pgettext_lazy("early-warning evidence", "Sessions still in time"),
    "adequate_dose": pgettext_lazy("early-warning evidence", "Adequate dose (sessions)"),
    "last_practice": pgettext_lazy("early-warning evidence", "Last practice logged"),
    "days_since": pgettext_lazy("early-warning evidence", "Days without practice"),
    "days": pgettext_lazy("early-warning evidence", "Warn after (days)"),
    "sent": pgettext_lazy("early-warning evidence", "Sent on"),
    "feedback_due": pgettext_lazy("early-warning evidence", "Feedback due on"),
    "days_late": pgettext_lazy("early-warning evidence", "Days late"),
}

#: Words among the evidence's values (embct.instruments.reliable_change).
EVIDENCE_WORDS = {
    "deteriorated": pgettext_lazy("early-warning evidence", "deteriorated"),
    "improved": pgettext_lazy("early-warning evidence", "improved"),
    "no reliable change": pgettext_lazy("early-warning evidence", "no reliable change"),
    "given": pgettext_lazy("early-warning evidence", "given"),
}


def _english() -> bool:
    return (translation.get_language() or "en").split("-")[0] == "en"


def _number(value: Any) -> str:
    """As embct.trial writes it (``{:g}``), with the reader's decimal separator."""
    text = format(float(value), "g")
    return text.replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def _day(value: Any) -> str:
    """A date (or its ISO text, as the evidence keeps it) written as a date: "3 March 2026"."""
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return formats.date_format(day, "j F Y")


def _wave(label: Any) -> str:
    """A WAI-SR wave label ("wai_w2") in words: "start of week 2"."""
    match = re.fullmatch(r"wai_w(\d+)", str(label))
    return gettext("start of week %(week)s") % {"week": match.group(1)} if match else str(label)


def _weak_early_alliance(e: Mapping[str, Any], _seen: datetime | None) -> str:
    return gettext(
        "The alliance score at the start of week 2 is %(score)s, below %(threshold)s. In the "
        "trial a weaker early alliance went with more distress after group MBCT; it may help "
        "to talk about the course's goals and how the work together is going."
    ) % {"score": _number(e["wai_w2"]), "threshold": _number(e["threshold"])}


def _alliance_fall(e: Mapping[str, Any], _seen: datetime | None) -> str:
    return gettext(
        "The alliance score fell from %(before)s (%(before_label)s) to %(after)s "
        "(%(after_label)s), more than measurement error explains. Something in the contact "
        "may have changed."
    ) % {
        "before": _number(e["before"]),
        "before_label": _wave(e["before_label"]),
        "after": _number(e["after"]),
        "after_label": _wave(e["after_label"]),
    }


def _dose_at_risk(e: Mapping[str, Any], _seen: datetime | None) -> str:
    done = int(e["sessions_done"])
    return ngettext(
        "%(done)s session done and %(remaining)s still to come in time: the minimum of "
        "%(dose)s sessions cannot be reached at the current pace unless missed sessions are "
        "caught up.",
        "%(done)s sessions done and %(remaining)s still to come in time: the minimum of "
        "%(dose)s sessions cannot be reached at the current pace unless missed sessions are "
        "caught up.",
        done,
    ) % {
        "done": int(e["sessions_done"]),
        "remaining": int(e["sessions_remaining"]),
        "dose": int(e["adequate_dose"]),
    }


def _no_recent_practice(e: Mapping[str, Any], seen: datetime | None) -> str:
    gap = int(e["days_since"])
    if e.get("last_practice") is None:
        when = gettext("since the course began")
    else:
        # The rule counts from the later of the last practice and the course start: the day
        # it fired minus the gap it saw.
        since = (
            timezone.localdate(seen) - timedelta(days=gap)
            if seen is not None
            else date.fromisoformat(str(e["last_practice"]))
        )
        when = gettext("since %(date)s") % {"date": _day(since)}
    return gettext("No practice has been logged for %(days)s days (%(when)s).") % {
        "days": gap,
        "when": when,
    }


def _feedback_waiting(e: Mapping[str, Any], _seen: datetime | None) -> str:
    late = int(e["days_late"])
    return ngettext(
        "Log files or a message sent on %(sent)s were due for feedback on %(due)s and have "
        "waited %(late)s day longer.",
        "Log files or a message sent on %(sent)s were due for feedback on %(due)s and have "
        "waited %(late)s days longer.",
        late,
    ) % {"sent": _day(e["sent"]), "due": _day(e["feedback_due"]), "late": late}


def _hads_deterioration(e: Mapping[str, Any], _seen: datetime | None) -> str:
    return gettext(
        "The distress score (HADS) rose from %(before)s to %(after)s, more than measurement "
        "error explains. Consider checking in and, where needed, further care."
    ) % {"before": _number(e["before"]), "after": _number(e["after"])}


EXPLANATIONS: dict[str, Callable[[Mapping[str, Any], datetime | None], str]] = {
    "weak_early_alliance": _weak_early_alliance,
    "alliance_fall": _alliance_fall,
    "dose_at_risk": _dose_at_risk,
    "no_recent_practice": _no_recent_practice,
    "feedback_waiting": _feedback_waiting,
    "hads_deterioration": _hads_deterioration,
}


def title(code: str, kept: str) -> str:
    """The flag's title in the current language (``kept``: as it fired)."""
    if _english() or code not in TITLES:
        return kept
    return str(TITLES[code])


def explanation(
    code: str, evidence: Mapping[str, Any], kept: str, first_seen: datetime | None = None
) -> str:
    """The flag's plain-words explanation in the current language (``kept``: as it fired)."""
    if _english() or code not in EXPLANATIONS:
        return kept
    try:
        return EXPLANATIONS[code](evidence, first_seen)
    except (KeyError, TypeError, ValueError):  # evidence from an older rule: as kept
        return kept


#: Evidence keys whose values are dates (kept as ISO text) or WAI-SR wave labels.
DATE_KEYS = {"last_practice", "sent", "feedback_due"}
WAVE_KEYS = {"before_label", "after_label"}


def evidence_rows(evidence: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``(name, value)`` for the evidence list in plain words in the current language: names
    of the keys, dates written as dates, waves as "start of week 2"."""
    rows = []
    for key, value in evidence.items():
        name = str(EVIDENCE_KEYS[key]) if key in EVIDENCE_KEYS else key
        if isinstance(value, str) and value in EVIDENCE_WORDS:
            value = str(EVIDENCE_WORDS[value])
        elif key in DATE_KEYS and value is not None:
            with contextlib.suppress(ValueError):  # not a date after all: as kept
                value = _day(value)
        elif key in WAVE_KEYS:
            value = _wave(value)
        rows.append((name, value))
    return rows
