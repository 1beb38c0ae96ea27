"""The README's screenshots, taken of the demo (the demo course, clinic and trial).

Sets up ``embct demo`` in a fresh data folder (SQLite), serves it with ``embct serve`` on a
free port, logs in as the demo's patient, therapist and researcher in Debian's Chromium
(Playwright) and writes the pictures the README shows:

    patient-week.png  session.png  diary-form.png  inbox.png
    therapist-queue.png  therapist-warnings.png  research-dashboard.png

Usage (from the repository root; ``make screenshots`` runs it)::

    .venv/bin/python scripts/demo_screenshots.py [--out docs/screenshots]

Needs the dev dependencies (playwright) and a Chromium (``apt-get install chromium``, or
``EMBCT_CHROMIUM=/path/to/chromium``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EMBCT = Path(sys.executable).with_name("embct")
# The printed demo logins (seed_demo.DEMO_PASSWORD_SUFFIX; refused in production).
PASSWORD_SUFFIX = "-demo-2026"  # noqa: S105
SHOTS = (
    "patient-week.png",
    "session.png",
    "diary-form.png",
    "inbox.png",
    "patient-progress.png",
    "patient-week-nl.png",
    "therapist-caseload.png",
    "therapist-patient.png",
    "therapist-queue.png",
    "therapist-warnings.png",
    "research-dashboard.png",
)
WIDTH = 1280


def chromium() -> str:
    found = os.environ.get("EMBCT_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise SystemExit("demo_screenshots: error: no Chromium (apt-get install chromium)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def demo_server(data: Path) -> Iterator[str]:
    """``embct demo --no-serve`` in ``data``, then ``embct serve``; yields its address."""
    env = {**os.environ, "EMBCT_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)  # the demo runs on SQLite, as `make demo` does
    env.pop("DATABASE_OWNER_URL", None)
    port = free_port()
    subprocess.run(  # noqa: S603 - our own command
        [str(EMBCT), "demo", "--no-serve", "--port", str(port)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    server = subprocess.Popen(  # noqa: S603
        [str(EMBCT), "serve", "--port", str(port), "--workers", "1", "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("demo_screenshots: error: the demo server did not answer")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def shoot(page: Any, path: Path) -> None:
    """The whole page: the viewport stretched to the page's height first."""
    page.wait_for_load_state("load")
    size = page.viewport_size
    height = page.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
    page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    page.screenshot(path=path)
    page.set_viewport_size(size)


def log_in(page: Any, base: str, username: str, staff: bool = False) -> None:
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(username + PASSWORD_SUFFIX)
    page.get_by_role("button", name="Log in").click()
    if staff:
        page.get_by_label("Code").fill(f"2fa-{username}"[:16])  # security.demo.demo_code
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")


def take(out: Path) -> list[Path]:
    """Take every screenshot of SHOTS into ``out``; return their paths."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as data,
        demo_server(Path(data)) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            viewport = {"width": WIDTH, "height": 800}
            patient = browser.new_context(viewport=viewport, locale="en-GB").new_page()
            log_in(patient, base, "patient")
            patient.goto(base + "/week/")
            shoot(patient, out / "patient-week.png")
            patient.get_by_role("link", name="Open session 3").click()
            shoot(patient, out / "session.png")
            patient.get_by_role("link", name="Write a diary entry").click()
            shoot(patient, out / "diary-form.png")
            patient.goto(base + "/inbox/")
            shoot(patient, out / "inbox.png")
            patient.goto(base + "/progress/")
            shoot(patient, out / "patient-progress.png")
            # the Dutch patient: her account's language makes her pages Dutch after login
            dutch = browser.new_context(viewport=viewport, locale="en-GB").new_page()
            log_in(dutch, base, "patient-nl")
            dutch.goto(base + "/week/")
            shoot(dutch, out / "patient-week-nl.png")
            therapist = browser.new_context(viewport=viewport, locale="en-GB").new_page()
            log_in(therapist, base, "therapist", staff=True)
            therapist.goto(base + "/caseload/")
            shoot(therapist, out / "therapist-caseload.png")
            # the patient whose log files wait longest: the feedback form beside them
            therapist.goto(base + "/queue/")
            therapist.locator("main li.queue-row a").first.click()
            shoot(therapist, out / "therapist-patient.png")
            therapist.goto(base + "/queue/")
            shoot(therapist, out / "therapist-queue.png")
            therapist.goto(base + "/warnings/")
            shoot(therapist, out / "therapist-warnings.png")
            researcher = browser.new_context(viewport=viewport, locale="en-GB").new_page()
            log_in(researcher, base, "researcher", staff=True)
            researcher.goto(base + "/research/")
            shoot(researcher, out / "research-dashboard.png")
        finally:
            browser.close()
    return [out / name for name in SHOTS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args(argv)
    for path in take(args.out):
        print(f"{path}  {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
