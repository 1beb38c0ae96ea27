"""Every page, whatever its status and whoever asks, sends the Content-Security-Policy and the
other protective headers; no template carries inline script or style; production adds HSTS and
secure cookies."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from support.testing import BaseTestCase, force_login_verified

PLATFORM = Path(__file__).resolve().parents[3] / "src" / "embct" / "platform"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
CONVERTER = re.compile(r"<(?:\w+:)?\w+>")


def directives(policy: str | None) -> dict[str, list[str]]:
    """A policy header as {directive: sources} (django-csp does not keep the order)."""
    parts = [part.split() for part in (policy or "").split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def every_url(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """One concrete URL per pattern of the URL configuration; path parameters become 1.
    Regular-expression patterns with groups (Django admin's app and catch-all pages) are
    represented by the admin index."""
    resolver = resolver or get_resolver()
    urls: list[str] = []
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            part = CONVERTER.sub("1", str(pattern))
        elif isinstance(pattern, RegexPattern) and "(" not in str(pattern):
            part = str(pattern).lstrip("^").rstrip("$")
        else:
            continue
        if isinstance(entry, URLResolver):
            urls.extend(every_url(entry, prefix + part))
        elif isinstance(entry, URLPattern):
            urls.append("/" + prefix + part)
    return sorted(set(urls))


class SecurityHeaderTests(BaseTestCase):
    @pytest.mark.slow  # every page for every role
    def test_every_page_sends_the_policy_and_headers_to_everyone(self) -> None:
        urls = every_url()
        assert "/account/two-factor/enrol/" in urls
        assert "/patients/1/" in urls
        assert "/admin/accounts/user/1/change/" in urls
        visitors = [None, self.pim, self.tessa, self.rosa, self.ada]
        pages = 0
        for visitor in visitors:
            client = Client()
            if visitor is not None:
                force_login_verified(client, visitor)
            for url in urls:
                response = client.get(url)
                for header, value in HEADERS.items():
                    seen = response.get(header)
                    if header == "Content-Security-Policy":
                        seen, value = directives(seen), directives(value)
                    assert seen == value, (visitor, url, header, response)
                if response.status_code == 200 and "html" in response["Content-Type"]:
                    pages += 1
                    body = response.content.decode()
                    assert not INLINE_SCRIPT.search(body), (visitor, url)
                    assert not INLINE_STYLE.search(body), (visitor, url)
                    assert not EVENT_HANDLER.search(body), (visitor, url)
        assert pages > 20  # the sweep reached real pages, not only redirects

    def test_an_error_page_sends_them_too(self) -> None:
        response = self.client.get("/no/such/page/")
        assert response.status_code == 404
        assert directives(response["Content-Security-Policy"]) == directives(POLICY)


def test_no_platform_template_has_inline_script_style_or_handlers() -> None:
    templates = sorted(PLATFORM.rglob("templates/**/*.html"))
    assert len(templates) > 15
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(text), template
        assert not INLINE_STYLE.search(text), template
        assert not EVENT_HANDLER.search(text), template


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
# collectstatic has not run: serve the stylesheet name unhashed for this probe.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
response = Client().get("/login/", secure=True)
csrf = response.cookies["csrftoken"]
print(json.dumps({
    "status": response.status_code,
    "hsts": response.get("Strict-Transport-Security"),
    "csp": response.get("Content-Security-Policy"),
    "frame": response.get("X-Frame-Options"),
    "referrer": response.get("Referrer-Policy"),
    "csrf_secure": bool(csrf["secure"]), "csrf_httponly": bool(csrf["httponly"]),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "insecure": Client().get("/login/").status_code,
}))
"""


@pytest.mark.slow  # a subprocess with the production settings
def test_production_sends_hsts_and_secure_http_only_cookies(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="embct.platform.settings.production",
        SECRET_KEY="kQ3vT9-pZ2mW8xR4nB6yH1jL5cF7gD0sA_eU" * 2,
        ALLOWED_HOSTS="testserver",
        EMBCT_DATA_DIR=str(tmp_path),
    )
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    seen["csp"] = directives(seen["csp"])
    assert seen == {
        "status": 200,
        "hsts": "max-age=31536000; includeSubDomains; preload",
        "csp": directives(POLICY),
        "frame": "DENY",
        "referrer": "same-origin",
        "csrf_secure": True,
        "csrf_httponly": True,
        "session_secure": True,
        "session_httponly": True,
        "insecure": 301,  # plain HTTP is sent to HTTPS
    }
