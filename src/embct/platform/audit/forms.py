from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Action


class EventFilterForm(forms.Form):
    """The audit page's filters; all optional."""

    actor = forms.CharField(required=False, max_length=150, label=_("Who (user name)"))
    action = forms.ChoiceField(
        required=False, label=_("Action"), choices=[("", _("any")), *Action.choices]
    )
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
