"""A page that shows the self-contained analysis report allows exactly its inline styles by
hash (``embct.platform.lib.csp``); scripts stay forbidden. Checked on the header django-csp
sends and, in Chromium, on what the browser then applies and blocks."""

from __future__ import annotations

import io
import os
import shutil
from html import escape
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from embct.platform.lib.csp import allow_inline_styles, csp_hash, inline_style_sources

REPORT = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>r</title>
<style>
  h1 { color: rgb(0, 128, 0); }
</style></head><body><h1>Report</h1>
<svg width="10" height="10">
<rect id="box" width="10" height="10" style="fill: rgb(0, 0, 255)"/></svg>
</body></html>"""
CHROMIUM = os.environ.get("EMBCT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def matplotlib_svg() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4, 3))
    axes.plot([0, 1, 2, 3, 4, 5, 6, 7, 8], [30, 28, 25, 24, 22, 21, 20, 20, 19], marker="o")
    axes.plot([0, 1, 2, 3, 4, 5, 6, 7, 8], [30, 30, 29, 29, 28, 28, 27, 27, 27], marker="s")
    axes.set_xlabel("week")
    axes.set_ylabel("HADS total")
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    return buffer.getvalue()


def header_for(html: str) -> str:
    from csp.middleware import CSPMiddleware

    request = RequestFactory().get("/report/")
    middleware = CSPMiddleware(lambda _request: allow_inline_styles(HttpResponse(html), html))
    return str(middleware(request)["Content-Security-Policy"])


def style_src(header: str) -> list[str]:
    for part in header.split(";"):
        words = part.split()
        if words and words[0] == "style-src":
            return words[1:]
    raise AssertionError(header)


def test_the_report_page_policy_adds_only_its_style_hashes() -> None:
    header = header_for(REPORT)
    sources = style_src(header)
    assert sources[0] == "'self'"
    assert set(sources[1:]) == {
        "'unsafe-hashes'",
        csp_hash("\n  h1 { color: rgb(0, 128, 0); }\n"),
        csp_hash("fill: rgb(0, 0, 255)"),
    }
    assert "script-src 'self'" in header
    assert "unsafe-inline" not in header


def test_a_page_without_inline_styles_keeps_the_site_policy() -> None:
    assert style_src(header_for("<p>plain</p>")) == ["'self'"]


def test_a_matplotlib_figure_needs_few_hashes_and_a_modest_header() -> None:
    svg = matplotlib_svg()
    sources = inline_style_sources(f"<html><body>{svg}</body></html>")
    # matplotlib writes one <style> and repeats a handful of style attributes.
    assert 3 < len(sources) < 40, len(sources)
    assert len(header_for(svg)) < 4096


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium found")
def test_chromium_applies_the_hashed_styles_and_blocks_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    allowed = header_for(REPORT)
    tampered = REPORT.replace("rgb(0, 0, 255)", "rgb(255, 0, 0)").replace(
        "</body>", "<script>document.title = 'ran'</script></body>"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            violations: list[str] = []
            page.on("console", lambda message: violations.append(message.text))

            def serve(body: str, policy: str = allowed):  # type: ignore[no-untyped-def]
                def handler(route):  # type: ignore[no-untyped-def]
                    route.fulfill(
                        status=200,
                        headers={"Content-Type": "text/html", "Content-Security-Policy": policy},
                        body=body,
                    )

                return handler

            page.route("http://embct.test/report", serve(REPORT))
            page.goto("http://embct.test/report")
            color = "(selector) => getComputedStyle(document.querySelector(selector))"
            assert page.evaluate(f"s => ({color})(s).color", "h1") == "rgb(0, 128, 0)"
            assert page.evaluate(f"s => ({color})(s).fill", "#box") == "rgb(0, 0, 255)"
            assert not violations

            page.unroute("http://embct.test/report")
            page.route("http://embct.test/report", serve(tampered))
            page.goto("http://embct.test/report")
            assert page.evaluate(f"s => ({color})(s).fill", "#box") != "rgb(255, 0, 0)"
            assert page.title() == "r"  # the inline script did not run
            assert any("Content Security Policy" in text for text in violations)

            # The report in a sandboxed srcdoc iframe of a platform page (the research page's
            # way): the frame inherits the page's policy, so the page lists the report's hashes.
            framed = f'<iframe sandbox class="report" title="Report" srcdoc="{escape(REPORT)}">'
            page.unroute("http://embct.test/report")
            page.route("http://embct.test/report", serve(f"<h2>Live</h2>{framed}</iframe>"))
            page.goto("http://embct.test/report")
            frame = page.frames[1]
            frame.wait_for_selector("#box")
            assert frame.evaluate(f"s => ({color})(s).color", "h1") == "rgb(0, 128, 0)"
            assert frame.evaluate(f"s => ({color})(s).fill", "#box") == "rgb(0, 0, 255)"

            # ... and without them, the site policy would strip the report of its styles.
            page.unroute("http://embct.test/report")
            plain = header_for("<p>no inline styles</p>")
            page.route("http://embct.test/report", serve(f"{framed}</iframe>", plain))
            page.goto("http://embct.test/report")
            frame = page.frames[1]
            frame.wait_for_selector("#box")
            assert frame.evaluate(f"s => ({color})(s).color", "h1") != "rgb(0, 128, 0)"
        finally:
            browser.close()
