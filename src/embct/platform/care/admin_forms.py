"""Forms of the administrator's clinic pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from embct.platform.accounts.models import Role, User

from .models import Arm, PatientProfile


class NewAccountForm(forms.ModelForm):
    """A new account; its language starts as the administrator's own (a Dutch clinic's
    patients get Dutch from their first login) and can be changed here."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "language"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["language"])
        field.required = False  # a form sent without it (a script) gets the site's default
        field.choices = settings.LANGUAGES  # no empty choice
        self.initial.setdefault("language", translation.get_language() or settings.LANGUAGE_CODE)

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or settings.LANGUAGE_CODE


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = PatientProfile
        fields = ["therapist", "arm", "start_date", "feedback_weekday", "group"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"})}
        labels = {
            "therapist": _("Therapist"),
            "arm": _("Arm"),
            "start_date": _("Start date"),
            "feedback_weekday": _("Feedback weekday"),
            "group": _("MBCT group (group arm)"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role=Role.THERAPIST, is_active=True
        ).order_by("last_name", "first_name")
        self.fields["therapist"].required = True
        # Staff know each other by name: "Tessa Demo (therapist)", not "therapist".
        self.fields["therapist"].label_from_instance = (  # type: ignore[attr-defined]
            lambda user: user.get_full_name() or user.username
        )

    def clean(self) -> dict[str, Any]:
        """Each arm has what its course needs: an online (eMBCT) patient a start date (the
        course's weeks count from it), a group MBCT patient a group (its meetings open the
        sessions)."""
        data = super().clean() or {}
        arm = data.get("arm")
        if arm == Arm.EMBCT and not data.get("start_date") and "start_date" not in self.errors:
            self.add_error("start_date", _("An eMBCT patient needs a start date."))
        if arm == Arm.MBCT and not data.get("group") and "group" not in self.errors:
            self.add_error("group", _("A group MBCT patient needs a group."))
        return data
