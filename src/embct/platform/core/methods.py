"""A 405 page in the site's layout.

Django answers a method a view does not take (``require_POST``, ``require_safe``) with an
empty ``HttpResponseNotAllowed``: a blank page in the browser. This middleware gives that
response the site's page and keeps the status and the ``Allow`` header (which the
authorization matrix checks).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template import loader


class MethodNotAllowedPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.method == "HEAD":
            return response
        page = loader.render_to_string("405.html", {}, request)
        response.content = page.encode()
        response["Content-Type"] = "text/html; charset=utf-8"
        return response
