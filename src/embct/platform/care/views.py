"""Patient and therapist pages. Thin views: role decorator, access helper, form, service."""

from __future__ import annotations

import re

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from embct.platform.access import (
    AuthenticatedHttpRequest,
    get_concern_for_recipient,
    get_exercise_for_user,
    get_own_online_profile,
    get_own_profile,
    get_patient_for_therapist,
    get_session_for_patient,
    patient_required,
    role_required,
    therapist_required,
)
from embct.platform.audit.models import Action
from embct.platform.audit.services import record, record_each
from embct.platform.course import media
from embct.platform.lib import schedule
from embct.platform.lib.paging import paginate
from embct.platform.questionnaires import early
from embct.platform.questionnaires import services as questionnaires

from . import progress, services
from .forms import (
    AcknowledgeConcernForm,
    CaseloadFilterForm,
    ConcernForm,
    DiaryForm,
    MessageForm,
)
from .models import Message, MessageKind, PatientProfile, SafetyConcern


# ---- patient -------------------------------------------------------------------------------
@require_safe
@login_required
@patient_required
def week(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = get_own_online_profile(request)
    today = timezone.localdate()
    windows = questionnaires.windows(profile, today)
    ctx = {
        "w": progress.patient_week(profile, today),
        "windows": windows,
        # due and overdue questionnaires are "still to do" too
        "to_fill": [window for window in windows if window.is_open],
    }
    return render(request, "care/week.html", ctx)


@require_safe
@login_required
@patient_required
def session_page(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    profile = get_own_online_profile(request)
    session = get_session_for_patient(profile, session_id, timezone.localdate())
    ctx = {
        "profile": profile,
        "session": session,
        "exercises": session.exercises.all(),
        "examples": session.examples.all(),
        "entries": profile.diaries.filter(session=session).select_related("exercise"),
        "sent": profile.submissions.filter(session=session).exists(),
    }
    return render(request, "care/session.html", ctx)


@require_http_methods(["GET", "POST"])
@login_required
@patient_required
def diary(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    profile = get_own_online_profile(request)
    session = get_session_for_patient(profile, session_id, timezone.localdate())
    form = DiaryForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        entry = form.save(commit=False)
        entry.patient, entry.session = profile, session
        entry.form_token = form.cleaned_data["form_token"]
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:  # the same form sent twice: the entry is already saved
            pass
        flash.success(
            request, gettext("Your diary entry is saved. Send your log files when you are ready.")
        )
        return redirect("care:session", session_id=session.pk)
    return render(request, "care/diary.html", {"session": session, "form": form})


@require_POST
@login_required
@patient_required
def send_logs(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    profile = get_own_online_profile(request)
    session = get_session_for_patient(profile, session_id, timezone.localdate())
    try:
        services.send_log_files(profile, session)
    except services.NothingToSend:
        flash.error(request, gettext("There is nothing to send yet: write a diary entry first."))
    else:
        flash.success(request, gettext("Your log files are sent to your therapist."))
    return redirect("care:session", session_id=session.pk)


@require_safe
@login_required
@patient_required
def preparation(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = get_own_profile(request)
    if not profile.preparation_released(timezone.localdate()):
        raise Http404("not open yet")
    return render(request, "care/preparation.html", {"course": profile.course})


@require_safe
@login_required
@patient_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = get_own_profile(request)
    thread = list(profile.messages.select_related("author"))
    services.mark_read(profile)
    ctx = {
        "profile": profile,
        "thread": thread,
        "form": MessageForm(),
    }
    return render(request, "care/inbox.html", ctx)


@require_POST
@login_required
@patient_required
def write_message(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = get_own_profile(request)
    form = MessageForm(request.POST)
    if not form.is_valid():
        thread = profile.messages.select_related("author")
        ctx = {
            "profile": profile,
            "thread": thread,
            "form": form,
        }
        return render(request, "care/inbox.html", ctx, status=400)
    services.patient_writes(
        profile, form.cleaned_data["body"], form_token=form.cleaned_data["form_token"]
    )
    flash.success(request, gettext("Your message is sent to your therapist."))
    return redirect("care:inbox")


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@require_safe
@login_required
@role_required("patient", "therapist", "admin", "researcher")
def audio(request: AuthenticatedHttpRequest, exercise_id: int) -> HttpResponseBase:
    """The exercise's audio; answers a single byte range so the player can seek.

    ``?as=mp3`` (or another of course.media.FORMATS) gives the same recording in that format
    where the course has it; ``?download=1`` sends it as a file to keep for offline practice.
    """
    exercise = get_exercise_for_user(request, exercise_id, timezone.localdate())
    path = exercise.session.course.file(exercise.audio) if exercise.audio else None
    if path is None:
        raise Http404("no audio")
    wanted = request.GET.get("as", "")
    if wanted:
        chosen = {source.suffix: source for source in media.sources(path)}.get(wanted)
        if chosen is None:
            raise Http404("no audio in that format")
        path = chosen.path
    content_type = media.MIME.get(path.suffix.lstrip("."), "application/octet-stream")
    size = path.stat().st_size
    match = _RANGE.match(request.headers.get("Range", "").strip())
    response: HttpResponseBase
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        start = int(first) if first else max(size - int(last), 0)
        end = min(int(last), size - 1) if first and last else size - 1
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        with path.open("rb") as handle:
            handle.seek(start)
            response = HttpResponse(
                handle.read(end - start + 1), status=206, content_type=content_type
            )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(
            path.open("rb"),
            content_type=content_type,
            as_attachment=request.GET.get("download") == "1",
            filename=path.name,
        )
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---- therapist -----------------------------------------------------------------------------
@require_safe
@login_required
@therapist_required
def caseload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The therapist's eMBCT patients, a page at a time, sorted and filtered by GET."""
    today = timezone.localdate()
    form = CaseloadFilterForm(request.GET or None)
    status, chosen = 200, {}
    if form.is_bound and not form.is_valid():
        status = 400  # the error is shown beside its field; the list stays unfiltered
    elif form.is_bound:
        chosen = form.cleaned_data
    profiles = progress.caseload_profiles(
        request.user.pk,
        today,
        sort=chosen.get("sort") or "week",
        feedback_day=chosen.get("feedback_day"),
        week=chosen.get("week"),
        only=early.with_warnings(request.user.pk) if chosen.get("warnings") else None,
    )
    paged = paginate(request, profiles)
    rows = progress.caseload_rows(paged.rows, today)
    flags = early.open_flags([row.profile for row in rows], today)
    for row in rows:
        row.flags = flags.get(row.profile.pk, [])  # type: ignore[attr-defined]
    record_each(request, Action.PATIENT_LIST, [row.profile for row in rows], page="caseload")
    ctx = {
        "rows": rows,
        "paged": paged,
        "form": form,
        "filtered": any(chosen.get(k) not in (None, "", False) for k in chosen if k != "sort"),
        "dose": schedule.ADEQUATE_DOSE_SESSIONS,
    }
    return render(request, "care/caseload.html", ctx, status=status)


@require_safe
@login_required
@therapist_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    paged = paginate(request, progress.feedback_queue(request.user.pk))
    rows = progress.queue_rows(paged.rows)
    record_each(request, Action.PATIENT_LIST, [row.profile for row in rows], page="queue")
    ctx = {
        "rows": rows,
        "paged": paged,
        "today": today,
        "now": timezone.now(),
        "open_concerns": SafetyConcern.objects.filter(
            recipients=request.user, acknowledged_at=None
        ).count(),
    }
    return render(request, "care/queue.html", ctx)


@require_safe
@login_required
@therapist_required
def patient_detail(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    profile = get_patient_for_therapist(request, patient_id)
    return _patient_page(request, profile, MessageForm())


def _patient_page(
    request: HttpRequest, profile: PatientProfile, form: MessageForm, status: int = 200
) -> HttpResponse:
    """The patient's record, log files and messages, with the form to write to them."""
    record(request, "patient.view", profile)
    today = timezone.localdate()
    submissions = profile.submissions.select_related("session").prefetch_related(
        "entries__exercise"
    )
    thread = profile.messages.select_related("author")
    ctx = {
        "profile": profile,
        "week": profile.week(today),
        "completed": profile.submissions.values("session").distinct().count(),
        "dose": schedule.ADEQUATE_DOSE_SESSIONS,
        "minutes": progress.minutes_per_week(profile),
        "submissions": submissions,
        "unsent": profile.diaries.filter(submission=None).count(),
        "thread": thread,
        "has_welcome": any(m.kind == MessageKind.WELCOME for m in thread),
        "form": form,
        "kind": request.POST.get("kind", MessageKind.WELCOME),
    }
    return render(request, "care/patient.html", ctx, status=status)


@require_POST
@login_required
@therapist_required
def write_feedback(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    profile = get_patient_for_therapist(request, patient_id)
    kind = MessageKind.WELCOME if request.POST.get("kind") == "welcome" else MessageKind.FEEDBACK
    form = MessageForm(request.POST)
    if not form.is_valid():
        # The page again, the text kept and the error tied to the field (nothing is lost).
        form.errors["body"] = form.error_class(
            [gettext("Write a message before sending it (at most 5000 characters).")]
        )
        form.fields["body"].widget.attrs["autofocus"] = True
        return _patient_page(request, profile, form, status=400)
    written = services.therapist_writes(
        request.user,
        profile,
        form.cleaned_data["body"],
        kind=kind,
        form_token=form.cleaned_data["form_token"],
    )
    if not written.created:
        flash.success(request, gettext("This message was already sent."))
    elif written.emailed:
        flash.success(
            request, gettext("Sent. Your patient gets an e-mail that something new is waiting.")
        )
    else:
        flash.success(
            request,
            gettext(
                "Sent. No e-mail went out (your patient has no e-mail address here, or it could "
                "not be sent): they see it when they next log in."
            ),
        )
    return redirect("care:patient", patient_id=profile.pk)


@require_safe
@login_required
@therapist_required
def supervision(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The feedback written by the therapists this therapist supervises (read only)."""
    feedback = list(
        Message.objects.filter(author__supervision__supervisor=request.user, from_patient=False)
        .select_related("author", "patient")
        .order_by("-sent_at")[:200]
    )
    record_each(request, "supervision.view", [m.patient for m in feedback])
    supervisees = request.user.supervisees_links.select_related("therapist")
    return render(
        request, "care/supervision.html", {"feedback": feedback, "supervisees": supervisees}
    )


# ---- safety concerns -------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@login_required
@therapist_required
def raise_concern(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """A therapist worried about their patient's safety tells their supervisor and the clinic's
    leads at once (the page names them)."""
    profile = get_patient_for_therapist(request, patient_id)
    form = ConcernForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.raise_concern(
                    request.user,
                    profile,
                    form.cleaned_data["note"],
                    form_token=form.cleaned_data["form_token"],
                    by=request,
                )
            except services.NoOneToTell:
                form.add_error(
                    None,
                    gettext(
                        "Nobody can receive a safety concern yet: you have no supervisor and "
                        "the clinic has no lead. Nothing was sent. Call a colleague or the "
                        "patient's doctor now, and ask the administrator to set up a lead."
                    ),
                )
            else:
                flash.success(
                    request,
                    gettext(
                        "Your safety concern is sent. They get an e-mail now that something is "
                        "waiting, and see it on their queue."
                    ),
                )
                return redirect("care:patient", patient_id=profile.pk)
        status = 400
    record(request, Action.PATIENT_VIEW, profile, page="concern")
    ctx = {
        "profile": profile,
        "form": form,
        "recipients": services.concern_recipients(request.user),
        "raised": profile.safety_concerns.select_related("raised_by", "acknowledged_by"),
    }
    return render(request, "care/concern.html", ctx, status=status)


@require_safe
@login_required
@therapist_required
def concerns(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The safety concerns sent to this therapist (open ones first) and those they raised."""
    related = ("patient__user", "raised_by", "acknowledged_by")
    received = list(
        SafetyConcern.objects.filter(recipients=request.user)
        .select_related(*related)
        .order_by(F("acknowledged_at").asc(nulls_first=True), "-raised_at")[:100]
    )
    raised = list(
        SafetyConcern.objects.filter(raised_by=request.user).select_related(*related)[:100]
    )
    patients = {c.patient.pk: c.patient for c in [*received, *raised]}
    record_each(request, Action.PATIENT_LIST, list(patients.values()), page="concerns")
    return render(request, "care/concerns.html", {"received": received, "raised": raised})


@require_POST
@login_required
@therapist_required
def acknowledge_concern(request: AuthenticatedHttpRequest, concern_id: int) -> HttpResponse:
    concern = get_concern_for_recipient(request, concern_id)
    form = AcknowledgeConcernForm(request.POST)
    if not form.is_valid():
        flash.error(request, gettext("The reply is too long (at most 2000 characters)."))
    elif services.acknowledge_concern(
        concern, request.user, form.cleaned_data["reply"], by=request
    ):
        flash.success(
            request, gettext("The concern is acknowledged; the therapist who raised it is told.")
        )
    else:
        flash.success(request, gettext("Someone has already acknowledged this concern."))
    return redirect("care:concerns")
