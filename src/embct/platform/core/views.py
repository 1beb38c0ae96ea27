from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from embct.platform.access import AuthenticatedHttpRequest
from embct.platform.care.models import Arm


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@require_safe
@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send each role to its starting page."""
    user = request.user
    if user.role == "patient":
        profile = getattr(user, "patient_profile", None)
        if profile is not None and (profile.group_id is not None or profile.arm == Arm.MBCT):
            return redirect("groups:mine")
        if profile is not None:
            return redirect("care:week")
    if user.role == "therapist":
        return redirect("care:queue")
    if user.role == "admin":
        return redirect("care:clinic")
    if user.role == "researcher":
        return redirect("research:dashboard")
    return render(request, "core/home.html")  # a patient whose account has no profile yet
