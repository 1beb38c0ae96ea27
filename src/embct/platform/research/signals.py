"""Study records are never deleted by the application: a patient account linked to a study
id carries the trial's outcomes (questionnaire answers, attendance), which cascade from it.
Deleting it (Django admin's "delete user") is refused; erasure pseudonymizes instead
(embct.platform.privacy blanks the account and keeps the rows)."""

from __future__ import annotations

from typing import Any

from django.db.models import ProtectedError
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from embct.platform.care.models import PatientProfile

from .models import Participant


@receiver(pre_delete, sender=PatientProfile, dispatch_uid="research_protect_linked_profile")
def protect_linked_profile(sender: Any, instance: PatientProfile, **kwargs: Any) -> None:
    linked = Participant.objects.filter(profile=instance).first()
    if linked is not None:
        raise ProtectedError(
            f"patient #{instance.pk} is linked to study id {linked.study_id}: its study records"
            " cannot be deleted (deactivate the account, or let retention pseudonymize it)",
            {linked},
        )
