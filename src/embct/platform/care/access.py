"""Who may see what. A user of the wrong role gets 403; a user of the right role who is not
entitled to the object gets 404, exactly as if it did not exist."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from embct.platform.accounts.models import Role
from embct.platform.course.models import CourseSession, Exercise

from .models import PatientProfile

View = Callable[..., HttpResponse]


def role_required(*roles: str) -> Callable[[View], View]:
    """The view is for these roles only (403 for the others). Use after ``login_required``."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


patient_required = role_required(Role.PATIENT)
therapist_required = role_required(Role.THERAPIST)


def get_own_profile(request: HttpRequest) -> PatientProfile:
    """The logged-in patient's profile (404 for a patient account not yet set up)."""
    try:
        profile = PatientProfile.objects.select_related("course", "therapist").get(
            user_id=request.user.pk
        )
    except PatientProfile.DoesNotExist:
        raise Http404("no patient profile") from None
    request.user.patient_profile = profile  # type: ignore[union-attr]  # the menu reads it
    return profile


def get_session_for_patient(profile: PatientProfile, session_id: int, today: date) -> CourseSession:
    """A session of the patient's course that has opened for them; 404 otherwise."""
    try:
        session = CourseSession.objects.select_related("course").get(
            pk=session_id, course_id=profile.course_id
        )
    except CourseSession.DoesNotExist:
        raise Http404("no such session") from None
    if session.week > profile.week(today) and not _group_has_met(profile, session, today):
        raise Http404("not open yet")
    return session


def _group_has_met(profile: PatientProfile, session: CourseSession, today: date) -> bool:
    if profile.group_id is None:
        return False
    return profile.group.meetings.filter(session=session, date__lte=today).exists()  # type: ignore[union-attr]


def get_exercise_for_user(request: HttpRequest, exercise_id: int, today: date) -> Exercise:
    """Course audio: a patient reaches exercises of opened sessions of their course; staff
    reach all course content (it holds no patient data)."""
    try:
        exercise = Exercise.objects.select_related("session").get(pk=exercise_id)
    except Exercise.DoesNotExist:
        raise Http404("no such exercise") from None
    if request.user.role == Role.PATIENT:  # type: ignore[union-attr]
        profile = get_own_profile(request)
        get_session_for_patient(profile, exercise.session_id, today)
    return exercise


def get_patient_for_therapist(request: HttpRequest, patient_id: int) -> PatientProfile:
    """A patient in the logged-in therapist's own caseload; 404 for anyone else's."""
    try:
        return PatientProfile.objects.select_related("user", "course").get(
            pk=patient_id, therapist_id=request.user.pk
        )
    except PatientProfile.DoesNotExist:
        raise Http404("no such patient") from None
