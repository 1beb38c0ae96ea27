from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Action


def _action_choices() -> list[tuple[str, str]]:
    """Each action in words, with its code (as the log's table shows it) for those who know it."""
    return [("", gettext("any")), *((a.value, f"{a.label} ({a.value})") for a in Action)]


class EventFilterForm(forms.Form):
    """The audit page's filters; all optional."""

    actor = forms.CharField(required=False, max_length=150, label=_("Who (user name)"))
    action = forms.ChoiceField(required=False, label=_("Action"), choices=_action_choices)
    target_type = forms.CharField(required=False, max_length=40, label=_("Target type"))
    target_id = forms.CharField(required=False, max_length=64, label=_("Target id"))
    since = forms.DateField(required=False, label=_("From (date)"))
    until = forms.DateField(required=False, label=_("Until (date, inclusive)"))

    def clean(self) -> dict:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("'From' must not be after 'Until'."))
        return data
