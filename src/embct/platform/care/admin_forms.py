"""Forms of the administrator's clinic pages."""

from __future__ import annotations

from typing import Any

from django import forms

from embct.platform.accounts.models import Role, User

from .models import PatientProfile


class NewAccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = PatientProfile
        fields = ["therapist", "arm", "start_date", "feedback_weekday", "group"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"})}
        labels = {"feedback_weekday": "Feedback weekday", "group": "MBCT group (group arm)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role=Role.THERAPIST, is_active=True
        ).order_by("last_name", "first_name")
        self.fields["therapist"].required = True
