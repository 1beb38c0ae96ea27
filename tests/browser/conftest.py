"""Fixtures of the browser journeys: Debian's Chromium through Playwright, and the
accessibility auditor (:mod:`support.testing_browser`).

Every test here is marked ``browser`` and skipped, with a message saying how to install
one, where no Chromium is found.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.testing_browser import (
    CHROMIUM,
    LAUNCH_ARGS,
    NO_CHROMIUM,
    Auditor,
    have_chromium,
)

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)  # a journey in a real browser
            if not have_chromium():
                item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # are still synchronous. Undone after the test, so no subprocess inherits it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            # The test's ORM calls ran while Playwright's event loop was set: Django's
            # connections are context-local, so they were another connection than the one
            # pytest-django closes, and on PostgreSQL it kept the test database from being
            # dropped ("being accessed by other users"). Close it here.
            from django.db import connections

            connections.close_all()


@pytest.fixture
def auditor() -> Iterator[Auditor]:
    """Audits pages; at the end of the test, fails if a visited page went unaudited."""
    checker = Auditor()
    yield checker
    checker.assert_every_page_audited()
