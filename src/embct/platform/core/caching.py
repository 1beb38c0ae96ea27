"""No page of the platform is kept in a cache: they show health data.

:class:`NoStoreMiddleware` gives every response the platform makes ``Cache-Control:
no-store`` (browsers, and proxies between them and the server, keep no copy: the back button
on a shared computer after logging out shows nothing), unless the view chose its own (course
audio, which holds no one's data, is ``private``). It sits after WhiteNoise, so static files
keep their long cache.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
