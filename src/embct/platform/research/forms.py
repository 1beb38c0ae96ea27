from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from embct import trial

from . import trial_text
from .models import CallOutcome, CorrectionReason, Participant, Reason, Withdrawal, WithdrawalKind
from .services import sites

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ContactForm(forms.Form):
    contact = forms.CharField(
        label=_("Telephone number (only used to call you if you may take part)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_contact(self) -> str:
        """A telephone number of ``EMBCT_PHONE_REGION`` (or any with a leading +), as E.164
        (``+31612345678``); blank stays blank (the service decides whether one is needed)."""
        text = self.cleaned_data["contact"].strip()
        if not text:
            return ""
        try:
            number = phonenumbers.parse(text, settings.EMBCT_PHONE_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                gettext("This is not a telephone number we can call. Please check it."),
                code="phone",
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class RemoveScreeningForm(forms.Form):
    """A researcher removes a junk entry from the call list only when they say so."""

    confirm = forms.BooleanField(label=_("Yes, this entry is junk: remove it"), required=True)


class CallAttemptForm(forms.Form):
    """One attempt of the eligibility call that did not reach the interview."""

    outcome = forms.ChoiceField(
        label=_("How did the call end?"),
        choices=[(o.value, CallOutcome(o.value).label) for o in trial.ATTEMPT_OUTCOMES],
        widget=forms.RadioSelect,
    )
    on = forms.DateField(
        label=_("Date of the call"), widget=forms.DateInput(attrs={"type": "date"})
    )
    call_back_on = forms.DateField(
        label=_("Call back on (only when the person asked to be called back)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ReferralForm(forms.Form):
    made_on = forms.DateField(
        label=_("Date the referral was made"), widget=forms.DateInput(attrs={"type": "date"})
    )


class EligibilityForm(forms.Form):
    """One yes/no per criterion of embct.trial, plus the site when the trial is stratified."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in trial.CRITERIA:
            kind = trial_text.kind(criterion, capital=True)
            self.fields[criterion.id] = forms.ChoiceField(
                label=f"{kind}: {trial_text.description(criterion)}",
                choices=YES_NO,
                widget=forms.RadioSelect,
            )
        options = sites()
        if options:
            self.fields["site"] = forms.ChoiceField(
                label=_("Site"), choices=[(s, s) for s in options]
            )

    def answers(self) -> dict[str, bool]:
        return {c.id: self.cleaned_data[c.id] == "yes" for c in trial.CRITERIA}


class ConsentForm(forms.Form):
    consent_on = forms.DateField(
        label=_("Date of written informed consent"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class BaselineForm(forms.Form):
    """Table 1 of the paper, fields from embct.trial.BASELINE_FIELDS."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for spec in trial.BASELINE_FIELDS:
            label = trial_text.form_label(spec)
            if spec.kind == "bool":
                no, yes = (trial_text.value_label(text) for _value, text in spec.value_labels)
                self.fields[spec.name] = forms.ChoiceField(
                    label=label, choices=[("1", yes), ("0", no)], widget=forms.RadioSelect
                )
            elif spec.kind == "int":
                low, high = spec.minimum, spec.maximum
                self.fields[spec.name] = forms.IntegerField(
                    label=label,
                    min_value=None if low is None else int(low),
                    max_value=None if high is None else int(high),
                )
            else:
                self.fields[spec.name] = forms.FloatField(
                    label=label, min_value=spec.minimum, max_value=spec.maximum
                )

    def clean(self) -> dict[str, Any]:
        # The protocol's ranges (BASELINE_FIELDS) are the fields' own limits above, so a slip
        # gets Django's message in the reader's language, on its field; embct.trial checks the
        # same again when the record is saved.
        data = super().clean() or {}
        age, years = data.get("age"), data.get("years_since_diagnosis")
        if age is not None and years is not None and years > age:
            self.add_error(
                "years_since_diagnosis",
                gettext("The years since diagnosis cannot be more than the age (%(age)s).")
                % {"age": age},
            )
        return data

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in trial.BASELINE_FIELDS:
            value = self.cleaned_data[spec.name]
            out[spec.name] = value == "1" if spec.kind == "bool" else value
        return out


class WithdrawalForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=WithdrawalKind.choices, widget=forms.RadioSelect
    )
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.ChoiceField(choices=Reason.choices, label=_("Reason (category)"))


# ---- corrections ----------------------------------------------------------------------------
class CorrectionForm(forms.Form):
    """A correction's why, after the corrected fields: a reason from the closed list and a
    short explanation (no names). (``correction_reason``: a withdrawal's ``reason`` is its
    dropout category.)"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["correction_reason"] = forms.ChoiceField(
            label=_("Reason for the correction"), choices=CorrectionReason.choices
        )
        self.fields["explanation"] = forms.CharField(
            label=_("Explanation (no names)"),
            max_length=200,
            help_text=_("What was wrong and where the right value comes from."),
        )


def _yes_no(value: object) -> str | None:
    return None if value is None else ("yes" if value else "no")


class EligibilityCorrectionForm(CorrectionForm, EligibilityForm):
    """Every criterion's answer, as recorded; the ones changed are corrected."""

    def __init__(self, data: Any = None, *, participant: Participant | None = None) -> None:
        answers = {} if participant is None else participant.eligibility
        super().__init__(data, initial={c.id: _yes_no(answers.get(c.id)) for c in trial.CRITERIA})
        self.fields.pop("site", None)  # the stratum is not an answer


class ConsentCorrectionForm(CorrectionForm, ConsentForm):
    def __init__(self, data: Any = None, *, participant: Participant | None = None) -> None:
        on = None if participant is None else participant.consent_on
        super().__init__(data, initial={"consent_on": on})


class BaselineCorrectionForm(CorrectionForm, BaselineForm):
    """Table 1's characteristics, as recorded; the ones changed are corrected."""

    def __init__(self, data: Any = None, *, participant: Participant | None = None) -> None:
        initial: dict[str, Any] = {}
        recorded = {} if participant is None else participant.baseline
        for spec in trial.BASELINE_FIELDS:
            value = recorded.get(spec.name)
            if spec.kind == "bool" and value is not None:
                value = "1" if value else "0"
            initial[spec.name] = value
        super().__init__(data, initial=initial)


class WithdrawalCorrectionForm(CorrectionForm, WithdrawalForm):
    def __init__(self, data: Any = None, *, withdrawal: Withdrawal | None = None) -> None:
        initial = (
            {}
            if withdrawal is None
            else {"kind": withdrawal.kind, "on": withdrawal.on, "reason": withdrawal.reason}
        )
        super().__init__(data, initial=initial)


class WithdrawalInErrorForm(CorrectionForm):
    confirm = forms.BooleanField(
        label=_("Yes, this withdrawal was recorded in error: the participant did not withdraw"),
        required=True,
    )


class LinkForm(forms.Form):
    profile = forms.IntegerField(label=_("Patient profile number"), min_value=1)


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("sav", "SPSS .sav")])
