"""Object access for questionnaire pages: 404 for anything that is not the user's own."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from embct.platform.care.models import PatientProfile

from .models import FlagRecord, ScheduledAssessment


def get_own_assessment(profile: PatientProfile, assessment_id: int) -> ScheduledAssessment:
    try:
        return ScheduledAssessment.objects.get(pk=assessment_id, patient=profile)
    except ScheduledAssessment.DoesNotExist:
        raise Http404("no such questionnaire") from None


def get_flag_for_therapist(request: HttpRequest, flag_id: int) -> FlagRecord:
    try:
        return FlagRecord.objects.select_related("patient").get(
            pk=flag_id, patient__therapist_id=request.user.pk
        )
    except FlagRecord.DoesNotExist:
        raise Http404("no such flag") from None
