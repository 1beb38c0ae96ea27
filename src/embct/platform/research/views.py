"""Research pages: the public screening, the researcher's workflow by study id, the export
and the live report. Researchers see study ids only."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from embct import trial
from embct.platform.access import (
    AuthenticatedHttpRequest,
    admin_required,
    get_participant,
    get_screening,
    researcher_required,
)
from embct.platform.audit.models import Action
from embct.platform.audit.services import record, record_each
from embct.platform.care.models import PatientProfile
from embct.platform.lib.client_ip import client_ip
from embct.platform.lib.csp import allow_inline_styles
from embct.platform.lib.paging import paginate
from embct.platform.lib.reauth import recent_auth_required
from embct.platform.questionnaires.content import content_pack
from embct.platform.questionnaires.forms import QuestionnaireForm
from embct.platform.questionnaires.services import QuestionnaireError, parse_complete

from . import corrections, export, live, services, trial_text
from .forms import (
    BaselineCorrectionForm,
    BaselineForm,
    CallAttemptForm,
    ConsentCorrectionForm,
    ConsentForm,
    ContactForm,
    EligibilityCorrectionForm,
    EligibilityForm,
    ExportForm,
    LinkForm,
    ReferralForm,
    RemoveScreeningForm,
    WithdrawalCorrectionForm,
    WithdrawalForm,
    WithdrawalInErrorForm,
)
from .models import ExportLog, Participant, Screening, Withdrawal


def _screening_rate(group: str, request: HttpRequest) -> str:
    return str(settings.EMBCT_SCREENING_RATE)


def _client_address(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


# ---- public ---------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@never_cache
@ratelimit(key=_client_address, rate=_screening_rate, method="POST", block=False)
def screening(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):  # EMBCT_SCREENING_RATE per address, in the cache
        return render(request, "research/screening_limited.html", status=429)
    pack = content_pack("hads")
    form = QuestionnaireForm(request.POST or None, pack=pack, allow_skip=True)
    contact = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and contact.is_valid():
        raw = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}
        try:
            answers = parse_complete("hads", raw)
            result = services.screen(
                answers, contact.cleaned_data["contact"], form.cleaned_data["form_token"]
            )
        except QuestionnaireError as error:
            form.refuse(error)
        except services.ContactMissing as error:
            contact.add_error("contact", str(error))
        except services.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            return render(request, "research/screening_done.html", {"invited": result.invited})
    status = 400 if request.method == "POST" else 200
    error_fields = [*form.item_errors(), *(field for field in contact if field.errors)]
    ctx = {
        "form": form,
        "contact": contact,
        "pack": pack,
        "error_fields": error_fields,
        "study": services.study_information(),
    }
    return render(request, "research/screening.html", ctx, status=status)


# ---- researcher -----------------------------------------------------------------------------
@require_POST
@login_required
@researcher_required
def remove_screening(request: AuthenticatedHttpRequest, screening_id: int) -> HttpResponse:
    """Remove a junk entry from the call list, once the researcher has confirmed it."""
    screening = get_screening(screening_id)
    if not RemoveScreeningForm(request.POST).is_valid():
        flash.error(request, gettext("Tick the box to confirm that the entry is junk."))
    else:
        try:
            services.remove_screening(screening, request)
        except services.WorkflowError as error:
            flash.error(request, str(error))
        else:
            flash.success(
                request, gettext("Screening #%(number)s removed.") % {"number": screening_id}
            )
    return redirect("research:dashboard")


@require_safe
@login_required
@researcher_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    calls_page = paginate(request, services.call_list(timezone.localdate()), param="calls")
    calls = calls_page.rows
    people_page = paginate(request, live.participants())
    participants = live.participant_rows(people_page.rows)
    record_each(request, Action.CALL_LIST_VIEW, [c.screening for c in calls], page="dashboard")
    shown = [("participant", row.pk) for row in participants]
    record_each(request, Action.PATIENT_LIST, shown, page="dashboard")
    summary = live.study_summary()
    flow = summary.flow
    reallocations_page = paginate(
        request, live.reallocations(timezone.localdate()), param="reallocations"
    )
    ctx = {
        "calls": calls,
        "calls_page": calls_page,
        "referrals": summary.referrals,
        "participants": participants,
        "people_page": people_page,
        "reallocations": reallocations_page.rows,
        "reallocations_page": reallocations_page,
        "soon_days": trial.REALLOCATION_SOON_DAYS,
        "flow": flow,
        "flow_rows": live.flow_rows(flow),
        "flow_figure": live.flow_figure(flow),
        "exports": ExportLog.objects.select_related("user")[:20],
        "export_form": ExportForm(),
    }
    return render(request, "research/dashboard.html", ctx)


@require_http_methods(["GET", "POST"])
@login_required
@researcher_required
def eligibility(request: AuthenticatedHttpRequest, screening_id: int) -> HttpResponse:
    """The call page: the attempts so far, a form for another attempt, and the eligibility
    interview."""
    screening = get_screening(screening_id)
    if hasattr(screening, "participant"):
        return redirect("research:participant", participant_id=screening.participant.pk)
    record(request, Action.CALL_LIST_VIEW, screening, page="eligibility")
    form = EligibilityForm(request.POST or None)
    if request.method == "POST" and not screening.call_outcome and form.is_valid():
        try:
            participant = services.record_eligibility(
                screening,
                form.answers(),
                form.cleaned_data.get("site", ""),
                timezone.localdate(),
                by=request,
            )
        except services.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            flash.success(
                request, gettext("Recorded as %(study_id)s.") % {"study_id": participant.study_id}
            )
            return redirect("research:participant", participant_id=participant.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "research/eligibility.html", _call_context(screening, form), status=status
    )


def _call_context(
    screening: Screening, form: EligibilityForm | None = None, **forms: Any
) -> dict[str, Any]:
    return {
        "screening": screening,
        "call": services.call_entry(screening, timezone.localdate()),
        "form": form or EligibilityForm(),
        "attempt_form": forms.get("attempt_form")
        or CallAttemptForm(initial={"on": timezone.localdate()}),
    }


@require_POST
@login_required
@researcher_required
def call_attempt(request: AuthenticatedHttpRequest, screening_id: int) -> HttpResponse:
    """Record an attempt that did not reach the interview: not reached, call back, declined."""
    screening = get_screening(screening_id)
    form = CallAttemptForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_call_attempt(
                screening,
                data["outcome"],
                data["on"],
                timezone.localdate(),
                call_back_on=data["call_back_on"],
                by=request,
            )
        except services.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            done = gettext("Screening #%(number)s: the call is recorded.")
            flash.success(request, done % {"number": screening.pk})
            return redirect("research:dashboard")
    record(request, Action.CALL_LIST_VIEW, screening, page="eligibility")
    ctx = _call_context(screening, attempt_form=form)
    return render(request, "research/eligibility.html", ctx, status=400)


@require_POST
@login_required
@researcher_required
def close_call(request: AuthenticatedHttpRequest, screening_id: int) -> HttpResponse:
    """Close an entry as not reached after the site's number of attempts (erases the number)."""
    screening = get_screening(screening_id)
    try:
        services.close_unreached(screening, timezone.localdate(), by=request)
    except services.WorkflowError as error:
        flash.error(request, str(error))
    else:
        done = gettext("Screening #%(number)s is closed as not reached; its number is erased.")
        flash.success(request, done % {"number": screening.pk})
    return redirect("research:dashboard")


@require_safe
@login_required
@researcher_required
def participant(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    person = get_participant(participant_id)
    record(request, Action.PATIENT_VIEW, person, page="participant")
    return render(request, "research/participant.html", _participant_context(person))


def _participant_context(person: Participant, **forms: Any) -> dict[str, Any]:
    arm, tau_first = services.arms(person)
    allocations = list(person.allocations.all())
    first = next((a for a in allocations if a.list_name == "main"), None)
    tau_due = (
        trial.tau_rerandomization_date(first.allocated_on)
        if first is not None and first.arm == trial.Arm.TAU
        else None
    )
    today = timezone.localdate()
    return {
        "step": trial.next_step(person.eligible, person.consent_on, person.baseline, bool(first)),
        "missing_baseline": [
            trial_text.form_label(f) for f in trial.missing_baseline(person.baseline)
        ],
        "tau_due_now": first is not None
        and not trial.rerandomization_problems(first.arm, first.allocated_on, today),
        "person": person,
        "arm": arm,
        "arm_name": trial_text.arm(arm) if arm else None,
        "tau_first": tau_first,
        "allocations": allocations,
        "allocation_rows": [
            (a, trial_text.randomization_list(a.list_name), trial_text.arm(a.arm))
            for a in allocations
        ],
        "tau_due": tau_due,
        "criteria": [
            (trial_text.kind(c), trial_text.description(c), person.eligibility.get(c.id))
            for c in trial.CRITERIA
        ],
        "baseline_fields": [
            (trial_text.form_label(f), trial_text.baseline_value(f, person.baseline.get(f.name)))
            for f in trial.BASELINE_FIELDS
        ],
        "withdrawal": getattr(person, "withdrawal", None),
        "withdrawals_in_error": corrections.withdrawals_in_error(person),
        "corrections": corrections.history(person),  # with who made each, in one query
        "needs_referral": trial.needs_referral(person.eligibility),
        "referral": getattr(person, "referral", None),
        "referral_procedure": services.referral_procedure(),
        "referral_form": forms.get("referral_form")
        or ReferralForm(initial={"made_on": timezone.localdate()}),
        "consent_form": forms.get("consent_form") or ConsentForm(),
        "baseline_form": forms.get("baseline_form") or BaselineForm(),
        "withdrawal_form": forms.get("withdrawal_form") or WithdrawalForm(),
    }


def _act(request: HttpRequest, person: Participant, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except services.WorkflowError as error:
        flash.error(request, str(error))
    else:
        flash.success(request, done)
    return redirect("research:participant", participant_id=person.pk)


@require_POST
@login_required
@researcher_required
def consent(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    person = get_participant(participant_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        ctx = _participant_context(person, consent_form=form)
        return render(request, "research/participant.html", ctx, status=400)
    return _act(
        request,
        person,
        lambda: services.record_consent(
            person, form.cleaned_data["consent_on"], timezone.localdate(), by=request
        ),
        gettext("Consent recorded."),
    )


@require_POST
@login_required
@researcher_required
def baseline(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    person = get_participant(participant_id)
    form = BaselineForm(request.POST)
    if form.is_valid():
        try:
            services.record_baseline(person, form.record(), by=request)
        except services.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, gettext("Baseline characteristics recorded."))
            return redirect("research:participant", participant_id=person.pk)
    ctx = _participant_context(person, baseline_form=form)
    return render(request, "research/participant.html", ctx, status=400)


@require_POST
@login_required
@researcher_required
def randomize(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    person = get_participant(participant_id)
    today = timezone.localdate()
    tau = request.POST.get("list") == "tau"
    action = services.rerandomize_tau if tau else services.randomize

    def allocate() -> None:
        action(person, request.user, today, by=request)

    return _act(request, person, allocate, gettext("Allocated."))


@require_POST
@login_required
@researcher_required
def withdraw(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    person = get_participant(participant_id)
    form = WithdrawalForm(request.POST)
    if not form.is_valid():
        ctx = _participant_context(person, withdrawal_form=form)
        return render(request, "research/participant.html", ctx, status=400)
    data = form.cleaned_data
    return _act(
        request,
        person,
        lambda: services.record_withdrawal(
            person, data["kind"], data["on"], data["reason"], by=request
        ),
        gettext("Recorded."),
    )


# ---- corrections (a reason each, never silent edits; the password again first) ------------
def _correct(
    request: AuthenticatedHttpRequest,
    person: Participant,
    form: Any,
    title: str,
    apply: Callable[[dict[str, Any]], object],
    *,
    missing: str = "",
) -> HttpResponse:
    """A correction page: the form with the values as recorded (GET), or the correction made
    by ``apply`` with the form's data (POST). ``missing``: why there is nothing to correct
    yet (no form then). A refusal shows the service's message and changes nothing."""
    if request.method == "GET":
        record(request, Action.PATIENT_VIEW, person, page="correction")
    elif not missing and form.is_valid():
        try:
            apply(form.cleaned_data)
        except services.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, gettext("Corrected, with the original value kept."))
            return redirect("research:participant", participant_id=person.pk)
    shown = form.is_bound and not missing
    ctx = {
        "person": person,
        "form": None if missing else form,
        "error_fields": [field for field in form if field.errors] if shown else [],
        "title": title,
        "missing": missing,
    }
    return render(
        request, "research/correct.html", ctx, status=200 if request.method == "GET" else 400
    )


def _why(data: dict[str, Any]) -> tuple[str, str]:
    return data["correction_reason"], data["explanation"]


@require_http_methods(["GET", "POST"])
@login_required
@researcher_required
@recent_auth_required()
def correct_eligibility(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    person = get_participant(participant_id)
    form = EligibilityCorrectionForm(request.POST or None, participant=person)

    def apply(data: dict[str, Any]) -> object:
        return corrections.correct_eligibility_answers(
            person, form.answers(), *_why(data), by=request
        )

    return _correct(request, person, form, gettext("Correct the eligibility answers"), apply)


@require_http_methods(["GET", "POST"])
@login_required
@researcher_required
@recent_auth_required()
def correct_consent(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    person = get_participant(participant_id)
    form = ConsentCorrectionForm(request.POST or None, participant=person)

    def apply(data: dict[str, Any]) -> object:
        today = timezone.localdate()
        return corrections.correct_consent(
            person, data["consent_on"], *_why(data), today, by=request
        )

    missing = "" if person.consent_on else gettext("No consent is recorded yet.")
    title = gettext("Correct the consent date")
    return _correct(request, person, form, title, apply, missing=missing)


@require_http_methods(["GET", "POST"])
@login_required
@researcher_required
@recent_auth_required()
def correct_baseline(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    person = get_participant(participant_id)
    form = BaselineCorrectionForm(request.POST or None, participant=person)

    def apply(data: dict[str, Any]) -> object:
        return corrections.correct_baseline_values(person, form.record(), *_why(data), by=request)

    missing = "" if person.baseline else gettext("No baseline characteristics are recorded yet.")
    title = gettext("Correct the baseline characteristics")
    return _correct(request, person, form, title, apply, missing=missing)


def _withdrawal_missing(withdrawal: Withdrawal | None) -> str:
    return "" if withdrawal else gettext("No withdrawal is recorded.")


@require_http_methods(["GET", "POST"])
@login_required
@researcher_required
@recent_auth_required()
def correct_withdrawal(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    person = get_participant(participant_id)
    withdrawal = getattr(person, "withdrawal", None)
    form = WithdrawalCorrectionForm(request.POST or None, withdrawal=withdrawal)

    def apply(data: dict[str, Any]) -> object:
        return corrections.correct_withdrawal(
            person,
            *_why(data),
            timezone.localdate(),
            kind=data["kind"],
            on=data["on"],
            dropout_reason=data["reason"],
            by=request,
        )

    title = gettext("Correct the withdrawal")
    return _correct(request, person, form, title, apply, missing=_withdrawal_missing(withdrawal))


@require_http_methods(["GET", "POST"])
@login_required
@researcher_required
@recent_auth_required()
def withdrawal_in_error(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    """Undo a withdrawal recorded in error: the record is kept, marked in error."""
    person = get_participant(participant_id)
    withdrawal = getattr(person, "withdrawal", None)
    form = WithdrawalInErrorForm(request.POST or None)

    def apply(data: dict[str, Any]) -> object:
        return corrections.withdrawal_in_error(person, *_why(data), by=request)

    title = gettext("Undo a withdrawal recorded in error")
    return _correct(request, person, form, title, apply, missing=_withdrawal_missing(withdrawal))


@require_POST
@login_required
@researcher_required
def referral(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    """Record that the referral after an exclusion for suicidal thoughts or psychosis was made."""
    person = get_participant(participant_id)
    form = ReferralForm(request.POST)
    if not form.is_valid():
        ctx = _participant_context(person, referral_form=form)
        return render(request, "research/participant.html", ctx, status=400)
    made_on = form.cleaned_data["made_on"]
    return _act(
        request,
        person,
        lambda: services.record_referral(person, made_on, timezone.localdate(), by=request),
        gettext("Referral recorded."),
    )


@require_POST
@login_required
@researcher_required
@recent_auth_required()
def export_file(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    form = ExportForm(request.POST)
    if not form.is_valid():
        flash.error(request, gettext("Choose CSV or SPSS .sav."))
        return redirect("research:dashboard")
    fmt = form.cleaned_data["format"]
    data, _ = export.export_bytes(fmt, user=request.user, via="web", by=request)
    response = FileResponse(io.BytesIO(data), as_attachment=True, filename=f"embct-trial.{fmt}")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@login_required
@researcher_required
@recent_auth_required()  # the live report shows the trial's results: an export
def report(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        results, html = live.report(request.user, by=request)
    except ValueError as error:  # no data yet, or data the analysis cannot use
        ctx = {"problem": str(error).split("/")[-1] if "no data rows" in str(error) else error}
        return render(request, "research/report.html", ctx)
    response = render(request, "research/report.html", {"results": results, "report_html": html})
    return allow_inline_styles(response, html)  # the report's own <style>, by hash


# ---- administrator --------------------------------------------------------------------------
@require_POST
@login_required
@admin_required
def link(request: AuthenticatedHttpRequest, participant_id: int) -> HttpResponse:
    """The clinic links a study id to the patient's account (names stay in the clinic)."""
    person = get_participant(participant_id)
    form = LinkForm(request.POST)
    if not form.is_valid():
        flash.error(request, gettext("Give the patient profile number."))
        return redirect("care:clinic")
    try:
        profile = PatientProfile.objects.get(pk=form.cleaned_data["profile"])
    except PatientProfile.DoesNotExist:
        raise Http404("no such patient") from None
    try:
        services.link_profile(person, profile, by=request)
    except services.WorkflowError as error:
        flash.error(request, str(error))
    else:
        done = gettext("%(study_id)s is linked to patient #%(number)s.")
        flash.success(request, done % {"study_id": person.study_id, "number": profile.pk})
    return redirect("care:clinic")
