"""The audit log page, for administrators only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from embct.platform.access import AuthenticatedHttpRequest, admin_required
from embct.platform.lib.paging import paginate

from .forms import EventFilterForm
from .models import AuditEvent

PAGE_SIZE = 50


@require_safe
@login_required
@admin_required
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    events = AuditEvent.objects.all()
    status = 200
    if form.is_bound and not form.is_valid():
        events, status = AuditEvent.objects.none(), 400
    elif form.is_bound:
        f = form.cleaned_data
        if f["actor"]:
            events = events.filter(actor_name=f["actor"])
        if f["action"]:
            events = events.filter(action=f["action"])
        if f["target_type"]:
            events = events.filter(target_type=f["target_type"])
        if f["target_id"]:
            events = events.filter(target_id=f["target_id"])
        if f["since"]:
            events = events.filter(at__date__gte=f["since"])
        if f["until"]:
            events = events.filter(at__date__lte=f["until"])
    paged = paginate(request, events, PAGE_SIZE)
    ctx = {"form": form, "page": paged.page, "paged": paged}
    return render(request, "audit/list.html", ctx, status=status)
