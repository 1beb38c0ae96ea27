"""The administrator's clinic pages: create therapists and patients, assign a patient's
therapist, arm, start date and feedback weekday, reset passwords and reset a staff member's
lost second factor. A new or reset password is a random temporary one, shown once on the page
and never stored in clear or e-mailed; it must be changed at the first login and expires after
7 days unused. Resetting a password or a second factor and reassigning a patient need a recent
password entry."""

from __future__ import annotations

import secrets

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html_join
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from embct import trial
from embct.platform.access import (
    AuthenticatedHttpRequest,
    admin_required,
    get_account_for_admin,
    get_profile_for_admin,
    get_staff_for_admin,
)
from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import Action
from embct.platform.audit.services import record, record_each
from embct.platform.course.models import Course
from embct.platform.lib.paging import paginate
from embct.platform.lib.reauth import recent_auth_required
from embct.platform.security.services import issue_enrolment_code, issue_temporary_password

from . import services
from .admin_forms import AssignmentForm, NewAccountForm
from .models import PatientProfile

#: Study ids to link per page: each row repeats the select of unlinked accounts.
LINK_PAGE_SIZE = 10


def temporary_password() -> str:
    return secrets.token_urlsafe(12)


@require_safe
@login_required
@admin_required
def clinic(request: AuthenticatedHttpRequest) -> HttpResponse:
    from embct.platform.research.models import (  # research builds on care
        Allocation,
        Participant,
    )

    therapists = User.objects.filter(role=Role.THERAPIST).order_by("last_name", "first_name")
    patients = PatientProfile.objects.select_related("user", "therapist").order_by("user__username")
    # Randomized study participants whose patient account is not linked yet: the clinic,
    # which knows both the person and the account, links them (researchers see study ids).
    from embct.platform.research.services import arm_label, arms

    patients_page = paginate(request, patients)
    links_page = paginate(
        request,
        # allocated (an EXISTS, not a join made distinct: the count stays an index scan)
        Participant.objects.filter(
            Exists(Allocation.objects.filter(participant=OuterRef("pk"))), profile=None
        )
        .prefetch_related("allocations")
        .order_by("pk"),
        LINK_PAGE_SIZE,
        param="link",
    )
    to_link: list[Participant] = links_page.rows
    for person in to_link:  # the link list names each study id's allocated arm
        allocated, _tau_first = arms(person)
        person.allocated_arm = arm_label(allocated)  # type: ignore[attr-defined]
        # In TAU awaiting re-randomization: no account to link yet, only the due date.
        person.tau_due = (  # type: ignore[attr-defined]
            None
            if allocated is not None
            else trial.tau_rerandomization_date(
                next(a.allocated_on for a in person.allocations.all() if a.list_name == "main")
            )
        )
    # the accounts a study id can be linked to, as <option>s made (and escaped) once for the
    # page and repeated in each row's select (names as people read them)
    accounts = (
        list(
            patients.filter(study_participant=None).values_list(
                "pk", "user__first_name", "user__last_name", "user__username"
            )
        )
        if to_link
        else []  # no study id to link on this page: no select, no names
    )
    unlinked = format_html_join(
        "",
        '<option value="{}">{} ({})</option>',
        (
            (pk, " ".join(n for n in (first, last) if n) or username, username)
            for pk, first, last, username in accounts
        ),
    )
    other_staff = (
        User.objects.filter(role__in=[Role.RESEARCHER, Role.ADMIN])
        .exclude(pk=request.user.pk)
        .order_by("role", "username")
    )
    record_each(request, Action.PATIENT_LIST, patients_page.rows, page="clinic")
    record_each(request, Action.PATIENT_LIST, to_link, page="clinic")
    # the select names every unlinked account, not only the page's patients: audited too
    listed = {profile.pk for profile in patients_page.rows}
    named = [("patient", pk) for pk, *_names in accounts if pk not in listed]
    record_each(request, Action.PATIENT_LIST, named, page="clinic-link")
    ctx = {
        "therapists": therapists,
        "other_staff": other_staff,
        "patients": patients_page.rows,
        "patients_page": patients_page,
        "to_link": to_link,
        "links_page": links_page,
        "unlinked_patients": unlinked,
    }
    return render(request, "care/clinic.html", ctx)


def _create(request: HttpRequest, role: str) -> HttpResponse:
    account = NewAccountForm(request.POST or None, prefix="account")
    assignment = (
        AssignmentForm(request.POST or None, prefix="care") if role == Role.PATIENT else None
    )
    valid = account.is_valid() and (assignment is None or assignment.is_valid())
    if request.method == "POST" and valid:
        password = temporary_password()
        with transaction.atomic():
            user = account.save(commit=False)
            user.role = role
            user.save()
            issue_temporary_password(user, password)
            if assignment is not None:
                profile = assignment.save(commit=False)
                profile.user, profile.course = user, Course.current(user.language)
                profile.save()
            record(request, "account.create", user, role=role)
        ctx = {"account": user, "password": password}
        return render(request, "care/clinic_password.html", ctx, status=201)
    ctx = {"account": account, "assignment": assignment, "role": role}
    return render(
        request, "care/clinic_new.html", ctx, status=400 if request.method == "POST" else 200
    )


@require_http_methods(["GET", "POST"])
@login_required
@admin_required
@never_cache
def new_patient(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _create(request, Role.PATIENT)


@require_http_methods(["GET", "POST"])
@login_required
@admin_required
@recent_auth_required()  # creating a staff account grants a role
@never_cache
def new_therapist(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _create(request, Role.THERAPIST)


@require_http_methods(["GET", "POST"])
@login_required
@admin_required
@recent_auth_required()  # it may move the patient's record to another therapist
def assign(request: AuthenticatedHttpRequest, profile_id: int) -> HttpResponse:
    profile = get_profile_for_admin(profile_id)
    form = AssignmentForm(request.POST or None, instance=profile)
    if request.method == "GET":
        record(request, Action.PATIENT_VIEW, profile, page="assign")
    if request.method == "POST" and form.is_valid():
        services.save_assignment(form, by=request)
        return redirect("care:clinic")
    return render(request, "care/clinic_assign.html", {"profile": profile, "form": form})


@require_POST
@login_required
@admin_required
@recent_auth_required()
@never_cache
def reset_password(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    account = get_account_for_admin(user_id)
    password = temporary_password()
    with transaction.atomic():
        issue_temporary_password(account, password)
        record(request, "account.password_reset", account, temporary=True)
    return render(request, "care/clinic_password.html", {"account": account, "password": password})


@require_POST
@login_required
@admin_required
@recent_auth_required()
@never_cache
def reset_second_factor(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """A lost phone: delete the staff member's devices and show a one-time enrolment code
    (good for 24 hours) for them to set up a new authenticator at their next login."""
    account = get_staff_for_admin(request, user_id)
    code, issued = issue_enrolment_code(request, account)
    ctx = {"account": account, "code": code, "expires_at": issued.expires_at}
    return render(request, "care/clinic_enrolment_code.html", ctx)
