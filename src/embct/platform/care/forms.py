from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from embct.platform.course.models import CourseSession
from embct.platform.lib.schedule import COURSE_WEEKS

from . import photos
from .models import DiaryEntry, MessageKind, Snippet, Weekday

MAX_MESSAGE = 5000


class CourseTextSelect(forms.Select):
    """A select whose options are the course's own text, each marked with the course's
    language (WCAG 3.1.2: a Dutch page may show an English course); the empty option is
    the interface's and keeps the page's language."""

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"] not in ("", None):
            option["attrs"]["lang"] = self.language
        return option


class DiaryForm(forms.ModelForm):
    form_token = forms.UUIDField(widget=forms.HiddenInput)

    class Meta:
        model = DiaryEntry
        fields = ["exercise", "date", "minutes", "body", "thoughts", "feelings", "text"]
        labels = {
            "exercise": _("Exercise"),
            "date": _("Date"),
            "minutes": _("Minutes practised"),
            "body": _("What did you notice in your body?"),
            "thoughts": _("What thoughts were there?"),
            "feelings": _("What feelings were there?"),
            "text": _("Anything else you want to write"),
        }
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "minutes": forms.NumberInput(attrs={"min": 0, "max": 600, "inputmode": "numeric"}),
            "body": forms.Textarea(attrs={"rows": 3}),
            "thoughts": forms.Textarea(attrs={"rows": 3}),
            "feelings": forms.Textarea(attrs={"rows": 3}),
            "text": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, session: CourseSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        exercise = cast(forms.ModelChoiceField, self.fields["exercise"])
        exercise.widget = CourseTextSelect(language=session.course.language)
        exercise.queryset = session.exercises.filter(diary=True)
        exercise.empty_label = _("Other practice")
        exercise.required = False
        cast(forms.IntegerField, self.fields["minutes"]).min_value = 0
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("form_token", uuid.uuid4())

    def clean_date(self) -> Any:
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean_minutes(self) -> Any:
        minutes = self.cleaned_data["minutes"]
        if not 0 <= minutes <= 600:
            raise forms.ValidationError(_("Enter the minutes you practised (0 to 600)."))
        return minutes


class MessageForm(forms.Form):
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_MESSAGE,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", uuid.uuid4())


class DraftForm(forms.Form):
    """The text typed so far in the feedback form (blank: no draft)."""

    body = forms.CharField(max_length=MAX_MESSAGE, required=False, strip=False)
    form_token = forms.UUIDField(required=False)
    kind = forms.ChoiceField(
        choices=[
            (MessageKind.WELCOME.value, MessageKind.WELCOME.label),
            (MessageKind.FEEDBACK.value, MessageKind.FEEDBACK.label),
        ],
        required=False,
    )


MAX_CONCERN = 2000


class ConcernForm(forms.Form):
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("What worries you?"),
        help_text=_(
            "Only the people listed above are told. Write what they need to act on, in a few "
            "lines. Like the rest of the record, the patient can read it in their own data "
            "download (My data)."
        ),
        max_length=MAX_CONCERN,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Write what worries you before sending it."),
            "max_length": _("Write at most %(limit_value)d characters (this is %(show_value)d)."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", uuid.uuid4())


class AcknowledgeConcernForm(forms.Form):
    reply = forms.CharField(
        label=_("What you are doing about it (optional)"),
        max_length=MAX_CONCERN,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MessageEmailForm(forms.Form):
    """A patient's e-mail setting: an e-mail when their therapist writes to them, or not."""

    email_on_new_message = forms.TypedChoiceField(
        label=_("When your therapist writes to you (feedback or a message)"),
        choices=[
            ("yes", _("Send me an e-mail that something new is waiting")),
            ("no", _("No e-mail: I look in my inbox myself")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether you want an e-mail."),
            "invalid_choice": _("Choose whether you want an e-mail."),
        },
    )


MAX_SNIPPET = 2000


class SnippetForm(forms.ModelForm):
    class Meta:
        model = Snippet
        fields = ["title", "text"]
        labels = {"title": _("Name (only you see it)"), "text": _("Text")}
        widgets = {"text": forms.Textarea(attrs={"rows": 5, "maxlength": MAX_SNIPPET})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text = cast(forms.CharField, self.fields["text"])
        text.max_length = MAX_SNIPPET
        text.validators.append(MaxLengthValidator(MAX_SNIPPET))
        text.strip = True
        for name in ("title", "text"):
            self.fields[name].error_messages["required"] = _("Fill this in.")


MAX_MEMO = 5000


class MemoForm(forms.Form):
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(
        label=_("New note"),
        max_length=MAX_MEMO,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Write the note before saving it."),
            "max_length": _("Write at most %(limit_value)d characters (this is %(show_value)d)."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", uuid.uuid4())


MAX_ABOUT = 1000


class TherapistProfileForm(forms.Form):
    about = forms.CharField(
        label=_("A few words about yourself"),
        max_length=MAX_ABOUT,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_ABOUT}),
        error_messages={
            "max_length": _("Write at most %(limit_value)d characters (this is %(show_value)d)."),
        },
    )
    photo = forms.FileField(
        label=_("Photo (JPEG, PNG or WebP, at most 8 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    def clean_photo(self) -> bytes | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            return photos.process(upload, size=upload.size)
        except photos.PhotoError as problem:
            if str(problem) == "too large":
                raise forms.ValidationError(_("The photo is larger than 8 MB.")) from None
            raise forms.ValidationError(
                _("This file is not a photo we can use: upload a JPEG, PNG or WebP image.")
            ) from None


#: The caseload's orders: GET ``sort`` -> label (the queryset's order is progress.caseload's).
CASELOAD_SORTS = {
    "week": _("Course week (furthest first)"),
    "name": _("Name"),
    "feedback_day": _("Feedback day"),
    "waiting": _("Most waiting first"),
}


class CaseloadFilterForm(forms.Form):
    """The caseload's sorting and filters (GET; all optional, kept across its pages)."""

    sort = forms.ChoiceField(
        required=False, label=_("Sort by"), choices=list(CASELOAD_SORTS.items())
    )
    feedback_day = forms.TypedChoiceField(
        required=False,
        label=_("Feedback day"),
        coerce=int,
        empty_value=None,
        choices=[("", _("any")), *Weekday.choices],
    )
    week = forms.TypedChoiceField(
        required=False,
        label=_("Course week"),
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("any")),
            ("0", _("not started")),
            *((str(w), str(w)) for w in range(1, COURSE_WEEKS + 1)),
        ],
    )
    warnings = forms.BooleanField(required=False, label=_("Only patients with early warnings"))
