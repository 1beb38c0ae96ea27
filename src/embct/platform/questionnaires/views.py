"""Questionnaire pages for patients; alliance charts and early warnings for therapists."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from embct.platform.access import (
    AuthenticatedHttpRequest,
    get_flag_for_therapist,
    get_own_assessment,
    get_own_profile,
    get_patient_for_therapist,
    patient_required,
    therapist_required,
)
from embct.platform.audit.models import Action
from embct.platform.audit.services import record, record_each
from embct.platform.lib.paging import paginate

from . import early, services
from .content import content_pack
from .forms import AcknowledgeForm, QuestionnaireForm


# ---- patient -------------------------------------------------------------------------------
@require_safe
@login_required
@patient_required
def questionnaire_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = get_own_profile(request)
    windows = services.windows(profile, timezone.localdate())
    return render(request, "questionnaires/list.html", {"windows": windows})


@require_http_methods(["GET", "POST"])
@login_required
@patient_required
def fill(request: AuthenticatedHttpRequest, assessment_id: int) -> HttpResponse:
    profile = get_own_profile(request)
    assessment = get_own_assessment(profile, assessment_id)
    today = timezone.localdate()
    window = next(
        (w for w in services.windows(profile, today) if w.assessment.pk == assessment.pk), None
    )
    if assessment.completed_at is not None:
        flash.info(request, gettext("This questionnaire is already done. Thank you."))
        return redirect("questionnaires:list")
    if window is None or not window.is_open:
        raise Http404("not open")
    pack = content_pack(assessment.instrument)
    allow_skip = services.skip_allowed(assessment.instrument)
    if request.method == "POST":
        form = QuestionnaireForm(request.POST, pack=pack, allow_skip=allow_skip)
        if not form.is_valid():
            return _form_page(request, window, form, status=400)
        answers = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}
        if request.POST.get("action") == "save":
            services.save_draft(assessment, answers)
            flash.success(
                request, gettext("Your answers so far are kept. Come back to finish any time.")
            )
            return redirect("questionnaires:list")
        try:
            services.submit(assessment, answers, form.cleaned_data["form_token"])
        except services.QuestionnaireError as error:
            services.save_draft(assessment, answers)
            form.refuse(error)
            return _form_page(request, window, form, status=400)
        flash.success(request, gettext("Thank you. Your answers are saved."))
        return redirect("questionnaires:list")
    draft = getattr(assessment, "draft", None)
    form = QuestionnaireForm(
        initial=dict(draft.answers) if draft else None, pack=pack, allow_skip=allow_skip
    )
    return _form_page(request, window, form)


def _form_page(
    request: HttpRequest, window: services.Window, form: QuestionnaireForm, status: int = 200
) -> HttpResponse:
    ctx = {"window": window, "form": form, "pack": form.pack, "error_fields": form.item_errors()}
    return render(request, "questionnaires/fill.html", ctx, status=status)


# ---- therapist -----------------------------------------------------------------------------
@require_safe
@login_required
@therapist_required
def measures(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Alliance over time and distress/well-being before and after, with the flags."""
    profile = get_patient_for_therapist(request, patient_id)
    record(request, "patient.view", profile, page="measures")
    today = timezone.localdate()
    ctx = {
        "profile": profile,
        "charts": early.charts(profile),
        "flags": profile.flags.select_related("acknowledged_by").order_by("-first_seen"),
        "form": AcknowledgeForm(),
        "windows": services.windows(profile, today),
    }
    return render(request, "questionnaires/measures.html", ctx)


@require_safe
@login_required
@therapist_required
def warnings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The patients of the caseload with early warnings not acknowledged, a page at a time,
    each with the warnings open today."""
    paged = paginate(request, early.caseload_patients(request.user.pk))
    rows = early.caseload_flags(paged.rows, timezone.localdate())
    record_each(request, Action.PATIENT_LIST, [row.profile for row in rows], page="warnings")
    return render(request, "questionnaires/warnings.html", {"rows": rows, "paged": paged})


@require_POST
@login_required
@therapist_required
def acknowledge(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    flag = get_flag_for_therapist(request, flag_id)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        flash.error(request, gettext("The note is too long (at most 2000 characters)."))
    else:
        early.acknowledge(flag, request.user, form.cleaned_data["note"], by=request)
        flash.success(request, gettext("The warning is marked as seen; it stays in the record."))
    return redirect("questionnaires:measures", patient_id=flag.patient_id)
