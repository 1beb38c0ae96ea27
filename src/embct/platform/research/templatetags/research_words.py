"""Codes of the research workflow in words, in the reader's language, for templates."""

from __future__ import annotations

from django import template

from embct.platform.research import trial_text
from embct.platform.research.models import WithdrawalKind

register = template.Library()


@register.filter
def arm_name(code: str | None) -> str:
    """``embct`` -> "eMBCT (online)"; empty stays empty, an unknown code stays as it is."""
    return trial_text.arm(code) if code else ""


@register.filter
def withdrawal_name(code: str | None) -> str:
    """``dropout`` -> "Dropped out of the course"; empty stays empty."""
    if not code:
        return ""
    return str(WithdrawalKind(code).label) if code in WithdrawalKind.values else code
