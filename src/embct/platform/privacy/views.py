"""A patient downloads their own data as one JSON file."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from embct.platform.access import AuthenticatedHttpRequest, get_own_profile, patient_required
from embct.platform.audit.models import Action
from embct.platform.audit.services import record

from .export import patient_data


@require_safe
@login_required
@patient_required
def my_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The page that explains the download and offers it."""
    profile = get_own_profile(request)
    return render(request, "privacy/my_data.html", {"profile": profile})


@require_POST
@login_required
@patient_required
@never_cache
def download(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = get_own_profile(request)
    data = patient_data(profile)
    record(request, Action.SELF_EXPORT, profile)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = data["exported_at"][:10]
    response["Content-Disposition"] = f'attachment; filename="embct-my-data-{stamp}.json"'
    return response
