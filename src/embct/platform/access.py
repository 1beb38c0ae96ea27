"""Who may see what, in one place for every app. A user of the wrong role gets 403 (the role
decorators); a user of the right role who is not entitled to the object gets 404, exactly as if
it did not exist (the ``get_*`` helpers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext

from embct.platform.accounts.models import User
from embct.platform.care.models import (
    Arm,
    PatientProfile,
    SafetyConcern,
    Snippet,
    Supervision,
    TherapistProfile,
)
from embct.platform.course.models import CourseSession, Exercise
from embct.platform.groups.models import MbctGroup
from embct.platform.lib.roles import Role
from embct.platform.questionnaires.models import FlagRecord, ScheduledAssessment
from embct.platform.research.models import Participant, Screening

View = Callable[..., HttpResponseBase]


class AuthenticatedHttpRequest(HttpRequest):
    """The request a view behind ``login_required`` gets: its user is an account, never the
    anonymous user. A type only (Django passes its ordinary request); views behind the login
    and role decorators take it, so they read ``request.user.pk`` and ``.role`` unguarded."""

    user: User


def role_required(*roles: str) -> Callable[[View], View]:
    """The view is for these roles only (403 for the others). Use after ``login_required``."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


patient_required = role_required(Role.PATIENT)
therapist_required = role_required(Role.THERAPIST)
researcher_required = role_required(Role.RESEARCHER)
admin_required = role_required(Role.ADMIN)


def get_own_profile(request: AuthenticatedHttpRequest) -> PatientProfile:
    """The logged-in patient's profile (404 for a patient account not yet set up)."""
    try:
        profile = PatientProfile.objects.select_related("course", "therapist").get(
            user_id=request.user.pk
        )
    except PatientProfile.DoesNotExist:
        raise Http404("no patient profile") from None
    request.user.patient_profile = profile  # the menu reads it
    return profile


def get_own_online_profile(request: AuthenticatedHttpRequest) -> PatientProfile:
    """The logged-in patient's profile, for the online course's pages (the week, its sessions,
    diaries and log files): a patient whose arm is group MBCT gets 403, a page saying the
    online course is not part of their treatment (their group's pages hold their material)."""
    profile = get_own_profile(request)
    if profile.arm != Arm.EMBCT:
        raise PermissionDenied(gettext("The online course is not part of your treatment."))
    return profile


def get_session_for_patient(profile: PatientProfile, session_id: int, today: date) -> CourseSession:
    """A session of the patient's course that has opened for them; 404 otherwise."""
    try:
        session = CourseSession.objects.select_related("course").get(
            pk=session_id, course=profile.course_id
        )
    except CourseSession.DoesNotExist:
        raise Http404("no such session") from None
    if session.week > profile.week(today) and not _group_has_met(profile, session, today):
        raise Http404("not open yet")
    return session


def _group_has_met(profile: PatientProfile, session: CourseSession, today: date) -> bool:
    """Whether the patient's own group has held its meeting for ``session``: that opens the
    session early, for a group-MBCT patient only. An eMBCT patient follows the online course
    week by week and gets nothing from a group's meetings (the arms are kept apart)."""
    if profile.arm != Arm.MBCT or profile.group is None:
        return False
    return profile.group.meetings.filter(session=session, date__lte=today).exists()


def get_exercise_for_user(
    request: AuthenticatedHttpRequest, exercise_id: int, today: date
) -> Exercise:
    """Course audio: a patient reaches exercises of opened sessions of their course; staff
    reach all course content (it holds no patient data)."""
    try:
        exercise = Exercise.objects.select_related("session").get(pk=exercise_id)
    except Exercise.DoesNotExist:
        raise Http404("no such exercise") from None
    if request.user.role == Role.PATIENT:
        profile = get_own_profile(request)
        get_session_for_patient(profile, exercise.session_id, today)
    return exercise


def get_patient_for_therapist(request: AuthenticatedHttpRequest, patient_id: int) -> PatientProfile:
    """A patient in the logged-in therapist's own caseload; 404 for anyone else's."""
    try:
        return PatientProfile.objects.select_related("user", "course").get(
            pk=patient_id, therapist_id=request.user.pk
        )
    except PatientProfile.DoesNotExist:
        raise Http404("no such patient") from None


def get_snippet_for_therapist(request: AuthenticatedHttpRequest, snippet_id: int) -> Snippet:
    """One of the logged-in therapist's own snippets; 404 for anyone else's."""
    try:
        return Snippet.objects.get(pk=snippet_id, therapist_id=request.user.pk)
    except Snippet.DoesNotExist:
        raise Http404("no such snippet") from None


def get_therapist_photo(request: AuthenticatedHttpRequest, therapist_id: int) -> TherapistProfile:
    """A therapist's profile with its photo, for those who may see her: her own patients, she
    herself and her supervisor. 404 for anyone else, and when she has no photo (researchers
    and administrators get 403 from the view's role decorator)."""
    user = request.user
    if user.role == Role.PATIENT:
        allowed = PatientProfile.objects.filter(user=user, therapist_id=therapist_id).exists()
    elif user.role == Role.THERAPIST:
        allowed = therapist_id == user.pk or (
            Supervision.objects.filter(supervisor=user, therapist_id=therapist_id).exists()
        )
    else:
        allowed = False
    if not allowed:
        raise Http404("no such photo")
    try:
        return TherapistProfile.objects.get(
            user_id=therapist_id, user__role=Role.THERAPIST, photo_updated__isnull=False
        )
    except TherapistProfile.DoesNotExist:
        raise Http404("no such photo") from None


# ---- questionnaires ----------------------------------------------------------------------------
def get_concern_for_recipient(request: AuthenticatedHttpRequest, concern_id: int) -> SafetyConcern:
    """A safety concern sent to the logged-in therapist; 404 for any other (also for the
    therapist who raised it: they do not acknowledge their own)."""
    try:
        return SafetyConcern.objects.select_related("patient", "raised_by").get(
            pk=concern_id, recipients=request.user
        )
    except SafetyConcern.DoesNotExist:
        raise Http404("no such safety concern") from None


def get_own_assessment(profile: PatientProfile, assessment_id: int) -> ScheduledAssessment:
    try:
        return ScheduledAssessment.objects.get(pk=assessment_id, patient=profile)
    except ScheduledAssessment.DoesNotExist:
        raise Http404("no such questionnaire") from None


def get_flag_for_therapist(request: AuthenticatedHttpRequest, flag_id: int) -> FlagRecord:
    try:
        return FlagRecord.objects.select_related("patient").get(
            pk=flag_id, patient__therapist_id=request.user.pk
        )
    except FlagRecord.DoesNotExist:
        raise Http404("no such flag") from None


# ---- groups -----------------------------------------------------------------------------------
def get_group_for_therapist(request: AuthenticatedHttpRequest, group_id: int) -> MbctGroup:
    """A group the logged-in therapist leads; 404 for anyone else's."""
    try:
        return MbctGroup.objects.select_related("course").get(pk=group_id, therapist=request.user)
    except MbctGroup.DoesNotExist:
        raise Http404("no such group") from None


# ---- research ---------------------------------------------------------------------------------
def get_participant(participant_id: int) -> Participant:
    try:
        return Participant.objects.get(pk=participant_id)
    except Participant.DoesNotExist:
        raise Http404("no such participant") from None


def get_screening(screening_id: int) -> Screening:
    try:
        return Screening.objects.get(pk=screening_id, invited=True)
    except Screening.DoesNotExist:
        raise Http404("no such screening") from None


# ---- the clinic's administration -------------------------------------------------------------
def get_profile_for_admin(profile_id: int) -> PatientProfile:
    try:
        return PatientProfile.objects.select_related("user").get(pk=profile_id)
    except PatientProfile.DoesNotExist:
        raise Http404("no such patient") from None


def get_staff_for_admin(request: AuthenticatedHttpRequest, user_id: int) -> User:
    """A staff account other than the administrator's own (another administrator resets it)."""
    try:
        return User.objects.exclude(pk=request.user.pk).get(
            pk=user_id, role__in=[Role.THERAPIST, Role.RESEARCHER, Role.ADMIN]
        )
    except User.DoesNotExist:
        raise Http404("no such staff account") from None


def get_account_for_admin(user_id: int) -> User:
    """Therapist and patient accounts; other administrators reset their own in Django admin."""
    try:
        return User.objects.get(pk=user_id, role__in=[Role.PATIENT, Role.THERAPIST])
    except User.DoesNotExist:
        raise Http404("no such account") from None
