"""Group MBCT: the therapist's groups and attendance; members' handouts and audio."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from embct.platform.access import (
    AuthenticatedHttpRequest,
    get_group_for_therapist,
    get_own_profile,
    patient_required,
    therapist_required,
)
from embct.platform.audit.models import Action
from embct.platform.audit.services import record, record_each
from embct.platform.care.models import PatientProfile
from embct.platform.lib import schedule
from embct.platform.questionnaires import early
from embct.platform.questionnaires import services as questionnaires

from .models import Attendance, GroupMeeting, MbctGroup


@require_safe
@login_required
@therapist_required
def group_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    groups = MbctGroup.objects.filter(therapist=request.user).annotate(n=Count("members"))
    return render(request, "groups/list.html", {"groups": groups})


@require_safe
@login_required
@therapist_required
def group_detail(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    group = get_group_for_therapist(request, group_id)
    record(request, "group.view", group)
    meetings = list(group.meetings.select_related("session"))
    members = list(
        group.members.select_related("user").annotate(
            attended=Count(
                "attendance", filter=Q(attendance__present=True, attendance__meeting__group=group)
            )
        )
    )
    present = set(
        Attendance.objects.filter(meeting__group=group, present=True).values_list(
            "meeting_id", "patient_id"
        )
    )
    today = timezone.localdate()
    everyone: list[PatientProfile] = list(members)
    flags = early.open_flags(everyone, today)  # a group is small: all its members at once
    grid = [
        (m, [(meeting, (meeting.pk, m.pk) in present) for meeting in meetings], flags.get(m.pk, []))
        for m in members
    ]
    record_each(request, Action.PATIENT_LIST, members, page="group", group=group.pk)
    held = [m.pk for m in meetings if m.date <= today]
    ctx = {
        "group": group,
        "meetings": meetings,
        "latest_held": held[-1] if held else None,
        "grid": grid,
        "dose": schedule.ADEQUATE_DOSE_SESSIONS,
        "today": today,
    }
    return render(request, "groups/detail.html", ctx)


@require_POST
@login_required
@therapist_required
def record_attendance(
    request: AuthenticatedHttpRequest, group_id: int, meeting_id: int
) -> HttpResponse:
    group = get_group_for_therapist(request, group_id)
    try:
        meeting = group.meetings.get(pk=meeting_id, date__lte=timezone.localdate())
    except GroupMeeting.DoesNotExist:  # or not held yet
        raise Http404("no such meeting") from None
    present_ids = set(request.POST.getlist("present"))
    for member in group.members.all():
        Attendance.objects.update_or_create(
            meeting=meeting, patient=member, defaults={"present": str(member.pk) in present_ids}
        )
    early.refresh_flags(list(group.members.all()), timezone.localdate())  # "too few sessions"
    flash.success(
        request,
        gettext("Attendance saved for %(session)s.") % {"session": meeting.session.label.lower()},
    )
    return redirect("groups:detail", group_id=group.pk)


@require_safe
@login_required
@patient_required
def my_group(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = get_own_profile(request)
    if profile.group_id is None:
        raise Http404("not in a group")
    today = timezone.localdate()
    group = MbctGroup.objects.select_related("course").get(pk=profile.group_id)
    meetings = list(group.meetings.select_related("session").prefetch_related("session__exercises"))
    attended = set(
        Attendance.objects.filter(patient=profile, present=True).values_list(
            "meeting_id", flat=True
        )
    )
    ctx = {
        "group": group,
        "meetings": meetings,
        "today": today,
        "attended": attended,
        "windows": questionnaires.windows(profile, today),
    }
    return render(request, "groups/mine.html", ctx)
