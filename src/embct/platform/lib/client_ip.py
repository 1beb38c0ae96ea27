"""The client's address, for the audit log and the login throttle alike.

``REMOTE_ADDR``, unless the request came from one of ``settings.EMBCT_TRUSTED_PROXIES`` (the
addresses of the TLS proxies in front of gunicorn, from the ``TRUSTED_PROXIES`` variable):
then the nearest address in ``X-Forwarded-For`` that is not itself a trusted proxy. A client
that is not behind a trusted proxy cannot choose its address by sending the header itself.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from.

    ``REMOTE_ADDR``, unless that is one of ``settings.EMBCT_TRUSTED_PROXIES`` (the TLS proxy
    in front of gunicorn): then the nearest address in ``X-Forwarded-For`` that is not itself a
    trusted proxy. A client cannot forge its address by sending the header itself.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = set(getattr(settings, "EMBCT_TRUSTED_PROXIES", ()))
    if remote not in trusted:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for address in reversed([part.strip() for part in forwarded.split(",")]):
        if address and address not in trusted:
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote
    return remote
