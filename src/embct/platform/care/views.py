"""Patient and therapist pages. Thin views: role decorator, access helper, form, service."""

from __future__ import annotations

import re

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from embct.platform.access import (
    AuthenticatedHttpRequest,
    get_concern_for_recipient,
    get_exercise_for_user,
    get_own_online_profile,
    get_own_profile,
    get_patient_for_therapist,
    get_session_for_patient,
    get_snippet_for_therapist,
    get_therapist_photo,
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

from . import photos, progress, services, weekpage
from .forms import (
    AcknowledgeConcernForm,
    CaseloadFilterForm,
    ConcernForm,
    DiaryForm,
    DraftForm,
    MemoForm,
    MessageEmailForm,
    MessageForm,
    SnippetForm,
    TherapistProfileForm,
)
from .models import FeedbackDraft, Message, MessageKind, PatientProfile, SafetyConcern


# ---- patient -------------------------------------------------------------------------------
@require_safe
@login_required
@patient_required
def week(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The access check (get_own_online_profile) is weekpage's, made whenever a page is made.
    return weekpage.respond(request, timezone.localdate())


@require_safe
@login_required
@patient_required
def my_progress(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The patient's own progress: sessions completed and minutes practised per week."""
    profile = get_own_online_profile(request)
    ctx = {
        "p": progress.patient_progress(profile, timezone.localdate()),
        "course_weeks": schedule.COURSE_WEEKS,
    }
    return render(request, "care/progress.html", ctx)


@require_http_methods(["GET", "POST"])
@login_required
@patient_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The patient's e-mail setting: an e-mail when their therapist writes to them, or not."""
    user = request.user
    initial = {"email_on_new_message": "yes" if user.email_on_new_message else "no"}
    form = MessageEmailForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            services.set_message_email(user, form.cleaned_data["email_on_new_message"], by=request)
            flash.success(request, gettext("Your e-mail setting is saved."))
            return redirect("care:notifications")
        return render(request, "care/notifications.html", {"form": form}, status=400)
    return render(request, "care/notifications.html", {"form": form})


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
    thread = list(services.thread_of(profile))
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
        thread = services.thread_of(profile)
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
    awaiting = progress.awaiting_welcome(request.user.pk)
    prompted = awaiting[: progress.WELCOME_PROMPT_LIMIT]  # the one more only says "and more"
    listed = {row.profile.pk for row in rows}
    unlisted = [profile for profile in prompted if profile.pk not in listed]
    if unlisted:  # named in the welcome prompt only (the table may show one page of patients)
        record_each(request, Action.PATIENT_LIST, unlisted, page="caseload-welcome")
    ctx = {
        "rows": rows,
        "paged": paged,
        "form": form,
        "filtered": any(chosen.get(k) not in (None, "", False) for k in chosen if k != "sort"),
        "dose": schedule.ADEQUATE_DOSE_SESSIONS,
        "awaiting_welcome": prompted,
        "more_awaiting_welcome": len(awaiting) > progress.WELCOME_PROMPT_LIMIT,
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
    draft = services.draft_of(request.user, profile)
    form = MessageForm(initial={"body": draft.body} if draft else None)
    return _patient_page(request, profile, form, draft=draft)


def _patient_page(
    request: AuthenticatedHttpRequest,
    profile: PatientProfile,
    form: MessageForm,
    status: int = 200,
    draft: FeedbackDraft | None = None,
) -> HttpResponse:
    """The patient's record, log files and messages, with the form to write to them beside
    them (and the therapist's draft put back in it)."""
    record(request, "patient.view", profile)
    today = timezone.localdate()
    submissions = profile.submissions.select_related("session").prefetch_related(
        "entries__exercise"
    )
    thread = services.thread_of(profile)
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
        "kind": request.POST.get("kind", draft.kind if draft else MessageKind.WELCOME),
        "draft": draft,
        "snippets": request.user.snippets.all(),
    }
    return render(request, "care/patient.html", ctx, status=status)


def _draft_saved_text(draft: FeedbackDraft | None) -> str:
    if draft is None:
        return gettext("No draft: the form is empty.")
    saved = timezone.localtime(draft.saved_at)
    return gettext("Draft saved at %(time)s.") % {"time": formats.time_format(saved, "H:i")}


@require_POST
@login_required
@therapist_required
def save_draft(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Keep the feedback typed so far. The form's script posts here as the therapist types
    (and gets JSON back); without the script, the form's "Save draft" button does."""
    profile = get_patient_for_therapist(request, patient_id)
    form = DraftForm(request.POST)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not form.is_valid():
        error = (
            gettext("The draft is too long to keep (at most 5000 characters).")
            if "body" in form.errors
            # only a tampered or stale form sends another kind or token
            else gettext("The draft could not be kept: reload the page and try again.")
        )
        if wants_json:
            return JsonResponse({"saved": False, "message": error}, status=400)
        flash.error(request, error)
        return redirect(reverse("care:patient", args=[profile.pk]) + "#compose")
    draft = services.save_draft(
        request.user,
        profile,
        form.cleaned_data["body"],
        kind=form.cleaned_data["kind"] or MessageKind.FEEDBACK,
        form_token=form.cleaned_data["form_token"],
    )
    text = _draft_saved_text(draft)
    if wants_json:
        return JsonResponse({"saved": draft is not None, "message": text})
    flash.success(request, text)
    return redirect(reverse("care:patient", args=[profile.pk]) + "#compose")


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
        draft = services.draft_of(request.user, profile)
        return _patient_page(request, profile, form, status=400, draft=draft)
    written = services.therapist_writes(
        request.user,
        profile,
        form.cleaned_data["body"],
        kind=kind,
        form_token=form.cleaned_data["form_token"],
    )
    if not written.created:
        flash.success(request, gettext("This message was already sent."))
    elif written.declined:
        flash.success(
            request,
            gettext(
                "Sent. No e-mail went out: your patient chose not to get e-mails about new "
                "messages. They see it when they next log in."
            ),
        )
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


# ---- private notes ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@login_required
@therapist_required
def memos(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """The therapist's private notes about her patient (never shown to the patient), and the
    form to add one."""
    profile = get_patient_for_therapist(request, patient_id)
    form = MemoForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.write_memo(
                request.user,
                profile,
                form.cleaned_data["text"],
                form_token=form.cleaned_data["form_token"],
                by=request,
            )
            flash.success(request, gettext("Your note is saved."))
            return redirect("care:memos", patient_id=profile.pk)
        status = 400
    notes = services.read_memos(request.user, profile, by=request)
    ctx = {"profile": profile, "form": form, "memos": notes}
    return render(request, "care/memos.html", ctx, status=status)


# ---- the therapist's profile and photo ---------------------------------------------------------
#: Profile saves (each may decode an uploaded photo) per therapist and hour.
PROFILE_SAVES_PER_HOUR = 20


@require_http_methods(["GET", "POST"])
@login_required
@therapist_required
@ratelimit(key="user", rate=f"{PROFILE_SAVES_PER_HOUR}/h", method="POST", block=False)
def my_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The short profile and the photo her patients see with her welcome message."""
    current = services.therapist_profile(request.user)
    form = TherapistProfileForm(
        request.POST or None, request.FILES or None, initial={"about": current.about}
    )
    if request.method == "POST" and getattr(request, "limited", False):
        # decoding photos costs memory: a few saves an hour are enough for anyone
        flash.error(request, gettext("Too many changes in one hour: try again later."))
        ctx = {"form": TherapistProfileForm(initial={"about": current.about}), "current": current}
        return render(request, "care/my_profile.html", ctx, status=429)
    if request.method == "POST" and form.is_valid():
        services.save_therapist_profile(
            request.user,
            form.cleaned_data["about"],
            photo=form.cleaned_data["photo"],
            remove_photo=form.cleaned_data["remove_photo"],
        )
        flash.success(request, gettext("Your profile is saved."))
        return redirect("care:my_profile")
    status = 400 if request.method == "POST" else 200
    ctx = {"form": form, "current": current}
    return render(request, "care/my_profile.html", ctx, status=status)


@require_safe
@login_required
@role_required("patient", "therapist")
def therapist_photo(request: AuthenticatedHttpRequest, therapist_id: int) -> HttpResponse:
    """A therapist's photo, for her own patients (their inbox shows it with her welcome),
    herself and her supervisor."""
    profile = get_therapist_photo(request, therapist_id)
    response = HttpResponse(bytes(profile.photo or b""), content_type=photos.CONTENT_TYPE)
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Disposition"] = 'inline; filename="therapist.jpg"'
    return response


# ---- snippets ---------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@login_required
@therapist_required
def snippets(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The therapist's own snippets, and the form to add one."""
    form = SnippetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_snippet(form, request.user)
            except services.TooManySnippets:
                form.add_error(
                    None,
                    gettext("You keep %(limit)d snippets already: delete one first.")
                    % {"limit": services.MAX_SNIPPETS},
                )
            else:
                flash.success(request, gettext("Your snippet is saved."))
                return redirect("care:snippets")
        status = 400
    ctx = {"snippets": request.user.snippets.all(), "form": form}
    return render(request, "care/snippets.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@therapist_required
def edit_snippet(request: AuthenticatedHttpRequest, snippet_id: int) -> HttpResponse:
    snippet = get_snippet_for_therapist(request, snippet_id)
    form = SnippetForm(request.POST or None, instance=snippet)
    if request.method == "POST" and form.is_valid():
        services.save_snippet(form, request.user)
        flash.success(request, gettext("Your snippet is saved."))
        return redirect("care:snippets")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "care/snippet_edit.html", {"form": form, "snippet": snippet}, status=status
    )


@require_POST
@login_required
@therapist_required
def delete_snippet(request: AuthenticatedHttpRequest, snippet_id: int) -> HttpResponse:
    snippet = get_snippet_for_therapist(request, snippet_id)
    snippet.delete()
    flash.success(request, gettext("The snippet is deleted."))
    return redirect("care:snippets")


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
