"""A questionnaire as a form: one item per row, its options as radio buttons."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from embct.instruments import ContentPack

from .services import SKIP, QuestionnaireError


class QuestionnaireForm(forms.Form):
    """Fields ``"1"`` .. ``"n"`` (one per item) and a hidden ``form_token``.

    Items are not required here: a draft may be partial; :func:`services.submit` decides
    whether the answers make a response.
    """

    form_token = forms.UUIDField(widget=forms.HiddenInput)
    #: The value of the "skip this question" option (the interface's, not the pack's words).
    skip = SKIP

    def __init__(self, *args: Any, pack: ContentPack, allow_skip: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pack = pack
        self.allow_skip = allow_skip
        for entry in pack.items:
            choices: list[tuple[str, str | Promise]] = [
                (str(option.value), option.text) for option in entry.options
            ]
            if allow_skip:
                choices.append((SKIP, _("Skip this question")))
            self.fields[str(entry.item)] = forms.ChoiceField(
                label=f"{entry.item}. {entry.stem}",
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
            )
        if not self.is_bound:
            self.initial.setdefault("form_token", uuid.uuid4())

    def item_fields(self) -> list[forms.BoundField]:
        return [self[str(entry.item)] for entry in self.pack.items]

    def item_errors(self) -> list[forms.BoundField]:
        """The questions that carry an error, in order (the error summary links to each)."""
        return [field for field in self.item_fields() if field.errors]

    def refuse(self, error: QuestionnaireError) -> None:
        """Show why the answers were refused: the message above the questions, and each
        question left open carries its own error."""
        self.add_error(None, str(error))
        for item in error.items:
            if self.allow_skip:
                self.add_error(str(item), _("Please answer or skip this question."))
            else:
                self.add_error(str(item), _("Please answer this question."))


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note (what you did or decided)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
