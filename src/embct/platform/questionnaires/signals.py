"""Keep each patient's questionnaire schedule in step with their profile."""

from __future__ import annotations

from typing import Any

from embct.platform.care.models import PatientProfile


def schedule_for_profile(sender: Any, instance: PatientProfile, **kwargs: Any) -> None:
    """A saved profile (new, or a changed start date or group) gets its schedule."""
    if kwargs.get("raw"):
        return
    from .services import materialize

    materialize(instance)
