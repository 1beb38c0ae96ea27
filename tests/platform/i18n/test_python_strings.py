"""Python-side interface strings are translated, so a new bare English label fails here.

- every label and choice of every platform form reads differently in Dutch, or is a msgid of
  a catalogue whose Dutch happens to be the same ("Code");
- model choices, explicit verbose names and help texts are lazy translations;
- the texts of embct.trial that research pages show (criteria, Table 1 labels) are marked in
  research/trial_text.py and translated;
- the early warnings rebuilt for non-English readers say, in English, exactly what
  embct.trial says.
"""

from __future__ import annotations

import inspect
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real

from embct import trial
from embct.instruments import placeholder_pack
from embct.platform.accounts import forms as account_forms
from embct.platform.audit import forms as audit_forms
from embct.platform.care import admin_forms
from embct.platform.care import forms as care_forms
from embct.platform.core import forms as core_forms
from embct.platform.questionnaires import flag_text
from embct.platform.questionnaires import forms as questionnaire_forms
from embct.platform.research import forms as research_forms
from embct.platform.research import trial_text
from embct.platform.security import forms as security_forms
from support.testing import BaseTestCase

FORM_MODULES = [
    account_forms,
    audit_forms,
    admin_forms,
    care_forms,
    core_forms,
    questionnaire_forms,
    research_forms,
    security_forms,
]
#: Texts that are the same in every language on purpose: file formats and language names
#: (each language is named in itself).
SAME_IN_EVERY_LANGUAGE = {"CSV", "SPSS .sav", "English", "Nederlands"}


def platform_forms() -> list[type[forms.BaseForm]]:
    found = []
    for module in FORM_MODULES:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def has_dutch(text: str) -> bool:
    """Whether ``text`` is a msgid of a catalogue for Dutch (ours, Django's, an app's)."""
    return text in trans_real.translation("nl")._catalog  # type: ignore[attr-defined]


def texts(form: forms.BaseForm) -> dict[str, str]:
    """Every label and choice label a form shows, by a stable key; content (questionnaire
    wording from the content pack) and database rows (a ModelChoiceField's queryset) left out."""
    out = {}
    for name, f in form.fields.items():
        if name.isdigit():  # a questionnaire item: its wording comes from the content pack
            out[f"{name} skip"] = str(dict(f.choices).get("skip", ""))
            continue
        out[f"{name} label"] = str(f.label if f.label is not None else "")
        if isinstance(f, forms.ModelChoiceField):
            out[f"{name} empty"] = str(f.empty_label or "")
        elif isinstance(f, forms.ChoiceField):
            for value, label in f.choices:
                out[f"{name} = {value}"] = str(label)
    return {key: text for key, text in out.items() if any(c.isalpha() for c in text)}


class FormTextTests(BaseTestCase):
    def build(self, cls: type[forms.BaseForm]) -> forms.BaseForm:
        if cls is care_forms.DiaryForm:
            return cls(session=self.session(3))
        if cls is questionnaire_forms.QuestionnaireForm:
            return cls(pack=placeholder_pack("hads"), allow_skip=True)
        return cls()

    def test_every_form_label_and_choice_is_translated(self) -> None:
        classes = platform_forms()
        assert len(classes) >= 15
        untranslated = []
        for cls in classes:
            with translation.override("en"):
                english = texts(self.build(cls))
            with translation.override("nl"):
                dutch = texts(self.build(cls))
            assert english.keys() == dutch.keys(), cls
            for key, text in english.items():
                same = text == dutch[key] and text not in SAME_IN_EVERY_LANGUAGE
                if same and not has_dutch(text):
                    untranslated.append(f"{cls.__name__}: {key} {text!r}")
        assert untranslated == []

    def test_the_check_catches_a_bare_label(self) -> None:
        class Bare(forms.Form):
            note = forms.CharField(label="A bare English label")

        with translation.override("nl"):
            text = texts(Bare())["note label"]
        assert text == "A bare English label"
        assert not has_dutch(text)


def test_model_choices_verbose_names_and_help_texts_are_lazy() -> None:
    bare = []
    models = [m for m in apps.get_models() if m.__module__.startswith("embct.platform.")]
    assert len(models) > 15
    for model in models:
        for f in model._meta.get_fields():
            if not hasattr(f, "choices") or f.auto_created:  # reverse relations, the "ID"
                continue
            where = f"{model._meta.label}.{f.name}"
            explicit = getattr(f, "_verbose_name", None)
            if explicit is not None and not isinstance(explicit, Promise):
                bare.append(f"{where} verbose_name {explicit!r}")
            if f.help_text and not isinstance(f.help_text, Promise):
                bare.append(f"{where} help_text {f.help_text!r}")
            if f.choices and where != "accounts.User.language":  # autonyms, see settings
                for _value, label in f.flatchoices:
                    if not isinstance(label, Promise):
                        bare.append(f"{where} choice {label!r}")
    assert bare == []


def trial_texts() -> set[str]:
    out = set()
    for c in trial.CRITERIA:
        out |= {c.description, c.kind.value, c.kind.value.title()}
    for spec in trial.BASELINE_FIELDS:
        out |= {spec.label, spec.question}
        out |= {text for _value, text in spec.value_labels}
    out |= set(trial.RULE_TEXTS.values()) | {step.value for step in trial.STEPS}
    out |= set(trial.BOX_LABELS.values())  # the boxes of the CONSORT flow
    return out


def test_every_trial_text_a_page_shows_is_marked_and_translated() -> None:
    assert trial_texts() - trial_text.MARKED == set(), "mark it in research/trial_text.py"
    with translation.override("nl"):
        untranslated = [t for t in trial_text.MARKED if translation.gettext(t) == t]
    assert untranslated == []


def test_every_rule_of_the_eligibility_call_is_marked_and_translated() -> None:
    assert set(trial.CALL_RULE_TEXTS.values()) == trial_text.CALL_RULES, "mark it in trial_text.py"
    assert set(trial_text.CALL_OUTCOMES) == {o.value for o in trial.CallOutcome}
    fields = set(trial_text.CALL_FIELDS.values()) | set(trial_text.CALL_OUTCOMES.values())
    with translation.override("nl"):
        untranslated = [t for t in trial_text.CALL_RULES | fields if translation.gettext(t) == t]
        # a Dutch rule keeps the English one's placeholders
        error = trial.CallAttemptError("on", TODAY, trial.CallRule.FUTURE, today=TODAY)
        shown = trial_text.call_rule(error)
    assert untranslated == []
    assert shown == "niet na vandaag (2026-03-18)"


def test_the_research_pages_show_trial_texts_in_dutch() -> None:
    criterion = trial.CRITERIA[0]
    with translation.override("nl"):
        label = research_forms.EligibilityForm().fields[criterion.id].label
        baseline = research_forms.BaselineForm().fields["diagnosis_breast"]
    assert label == "Inclusie: Heeft de diagnose kanker gekregen."
    assert baseline.label == "Diagnose kanker"
    assert [text for _value, text in baseline.choices] == ["borstkanker", "andere kanker"]


TODAY = date(2026, 3, 18)
#: One flag of each rule, as embct.trial makes it.
FLAGS = [
    trial.weak_early_alliance(25),
    trial.alliance_fall([("wai_w2", 45), ("wai_w5", 36.5)]),
    trial.dose_at_risk(1, 2),
    trial.no_recent_practice(None, TODAY, date(2026, 3, 2)),
    trial.no_recent_practice(date(2026, 3, 4), TODAY, date(2026, 3, 2)),
    trial.no_recent_practice(date(2026, 2, 20), TODAY, date(2026, 3, 2)),  # before the start
    trial.feedback_waiting(date(2026, 3, 3), 3, TODAY),
    trial.hads_deterioration(15, 22.5),
]
FIRED = datetime.combine(TODAY, time(10), tzinfo=ZoneInfo("Europe/Amsterdam"))


def test_every_flag_rule_has_a_title_and_an_explanation() -> None:
    assert set(flag_text.TITLES) == set(trial.FLAG_CODES) == set(flag_text.EXPLANATIONS)
    with translation.override("en"):
        assert {k: str(v) for k, v in flag_text.TITLES.items()} == dict(trial.FLAG_CODES)


@pytest.mark.parametrize("flag", FLAGS, ids=lambda f: f.code)
def test_the_rebuilt_explanation_is_embct_trial_s_in_english(flag: trial.Flag) -> None:
    evidence = flag.as_dict()["evidence"]  # as FlagRecord keeps it (dates as ISO text)
    with translation.override("en"):
        rebuilt = flag_text.EXPLANATIONS[flag.code](evidence, FIRED)  # type: ignore[arg-type]
        assert flag_text.explanation(flag.code, evidence, flag.explanation) == flag.explanation
    assert rebuilt == flag.explanation
    with translation.override("nl"):
        dutch = flag_text.explanation(flag.code, evidence, flag.explanation, FIRED)
        title = flag_text.title(flag.code, flag.title)
    assert dutch != flag.explanation
    assert title != flag.title


def test_dutch_explanations_write_numbers_the_dutch_way() -> None:
    flag = trial.alliance_fall([("wai_w2", 45), ("wai_w5", 36.5)])
    with translation.override("nl"):
        dutch = flag_text.explanation(flag.code, flag.as_dict()["evidence"], flag.explanation)
        rows = dict(flag_text.evidence_rows(flag.as_dict()["evidence"]))
    assert "van 45 (begin van week 2) naar 36,5 (begin van week 5)" in dutch
    assert rows["Richting"] == "verslechterd"
    assert rows["Eerder gemeten"] == "begin van week 2"
    with translation.override("en"):
        assert dict(flag_text.evidence_rows(flag.as_dict()["evidence"]))["Direction"] == (
            "deteriorated"
        )


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("flag", FLAGS, ids=lambda f: f.code)
def test_early_warnings_are_in_plain_words(flag: trial.Flag, language: str) -> None:
    """No variable names (``wai_w2``), no "day(s)", dates written as dates, in the text and in
    the evidence list."""
    evidence = flag.as_dict()["evidence"]
    with translation.override(language):
        text = flag_text.explanation(flag.code, evidence, flag.explanation, FIRED)
        rows = flag_text.evidence_rows(evidence)
    shown = [text, *(f"{name}: {value}" for name, value in rows)]
    for line in shown:
        assert "wai_w" not in line, line
        assert "(s)" not in line, line
        assert "(en)" not in line, line
        assert not ISO_DATE.search(line), line
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", line), line  # no key names


def test_one_day_and_one_session_are_singular() -> None:
    late = trial.feedback_waiting(date(2026, 3, 3), 3, date(2026, 3, 6))
    dose = trial.dose_at_risk(1, 2)
    assert late is not None
    assert dose is not None
    assert "sent on 3 March 2026 were due for feedback on 5 March 2026" in late.explanation
    assert "waited 1 day longer" in late.explanation
    assert dose.explanation.startswith("1 session done")
    with translation.override("nl"):
        dutch = flag_text.explanation(late.code, late.as_dict()["evidence"], late.explanation)
        assert "3 maart 2026" in dutch
        assert "1 dag" in dutch
        dutch = flag_text.explanation(dose.code, dose.as_dict()["evidence"], dose.explanation)
        assert dutch.startswith("1 sessie gedaan")


def test_a_flag_with_evidence_it_cannot_read_is_shown_as_kept() -> None:
    with translation.override("nl"):
        assert flag_text.explanation("dose_at_risk", {}, "as kept") == "as kept"
        assert flag_text.explanation("a_new_rule", {"x": 1}, "as kept") == "as kept"
        assert flag_text.title("a_new_rule", "Kept title") == "Kept title"
