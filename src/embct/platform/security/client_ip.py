"""The client's address for login throttling (``AXES_CLIENT_IP_CALLABLE``).

Behind ``EMBCT_TRUSTED_PROXIES`` reverse proxies (production: 1, the TLS proxy) the client is
the entry that many places from the right of ``X-Forwarded-For``; entries further left are
written by the client and are not trusted. With no proxy it is ``REMOTE_ADDR``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    proxies = getattr(settings, "EMBCT_TRUSTED_PROXIES", 0)
    remote = request.META.get("REMOTE_ADDR")
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        return remote
    return hops[-proxies]
