"""The real browser in tests: Debian's Chromium through Playwright, and the accessibility
audit every page of the browser journeys goes through.

:class:`Auditor` checks one page as it stands, in four ways, and fails with a message that
names the page, the rule and the elements:

1. **axe-core** (the copy bundled with ``axe-playwright-python``; MPL-2.0), every rule it
   runs by default (WCAG 2.x A and AA, best practices): no violation of impact *serious* or
   *critical*. Moderate and minor findings are collected in :attr:`Auditor.minor` for the
   report, not failed.
2. **Keyboard**: pressing Tab from the top of the page reaches every visible interactive
   element (links, buttons, form fields, ``summary``, audio controls; one radio button per
   group, since arrow keys move inside a group), and the focused element shows a focus
   indicator (an outline or a box shadow).
3. **200 % zoom**: a 1280 x 800 window at 200 % zoom lays the page out in 640 x 400 CSS
   pixels; nothing may stick out sideways (WCAG 1.4.4 and 1.4.10), except inside a container
   that scrolls on its own (wide data tables, WCAG's exception), and such a container must
   be reachable by keyboard to scroll it (axe's scrollable-region-focusable at this width).
4. **Phone width**: the same at 320 CSS pixels, the narrowest width WCAG 1.4.10 asks for,
   and there axe runs all its rules again (most patients use a phone: its layout is checked
   as fully as the desktop one).

Every navigation of a page handed to :meth:`Auditor.watch` is recorded;
:meth:`Auditor.assert_every_page_audited` fails when a page the journey visited was never
audited, so a journey cannot skip a page silently.

Playwright is a development dependency: it is imported only inside the functions here.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from support.testing import PASSWORD

CHROMIUM = os.environ.get("EMBCT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
]
NO_CHROMIUM = (
    "no Chromium found: install Debian's chromium (apt-get install chromium) "
    "or set EMBCT_CHROMIUM=/path/to/chromium to run the browser tests"
)

#: Widths the layout must hold without sideways scrolling: (what, width, height, all axe
#: rules or only the scrolling one) in CSS px.
REFLOW_VIEWPORTS = (
    ("a 1280 x 800 window at 200% zoom", 640, 400, False),
    ("a phone (320 CSS px wide)", 320, 640, True),
)
FAILING_IMPACTS = ("serious", "critical")


def have_chromium() -> bool:
    return Path(CHROMIUM).is_file()


@cache
def axe_source() -> str:
    """axe-core's ``axe.min.js`` as bundled by the ``axe-playwright-python`` wheel."""
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def screenshots_dir() -> Path:
    """Where the journeys' screenshots go (pictures of the test data, to look at a failure;
    the README's come from the demo, ``make screenshots``): ``$EMBCT_SCREENSHOTS`` when set,
    else a folder in the temporary directory, so a test run leaves the checkout as it was."""
    import tempfile

    chosen = os.environ.get("EMBCT_SCREENSHOTS")
    folder = Path(chosen) if chosen else Path(tempfile.gettempdir()) / "embct-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_in(page: Any, base: str, username: str, code: str | None = None) -> None:
    """Log in through the login form; staff give their second factor ``code``."""
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if code is not None:
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")


def shoot(page: Any, path: Path) -> None:
    """A screenshot of the whole page: the viewport is stretched to the page's height first,
    which is steadier than Playwright's full_page on a page still settling."""
    page.wait_for_load_state("load")
    size = page.viewport_size
    height = page.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
    page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    page.screenshot(path=path)
    page.set_viewport_size(size)


# axe.run on the whole document; ``rules`` (a list of rule ids) limits it, null runs them all.
_AXE_RUN = """async (rules) => {
  const options = {resultTypes: ['violations']};
  if (rules) options.runOnly = rules;
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map(n => n.target.join(' ') + ' :: ' + (n.html || '').slice(0, 160)),
  }));
}"""

#: What scrolls only in a narrow window (a wide table on a phone) must scroll by keyboard too:
#: the rule run at 200% zoom, where axe does not run in full.
SCROLLING_RULES = ["scrollable-region-focusable"]

# Marks every visible interactive element with data-kbd="i" and describes it.
_FOCUSABLES = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + 'audio[controls], video[controls], [tabindex]:not([tabindex="-1"])';
  const out = [];
  let i = 0;
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (el.disabled || !el.getClientRects().length || style.visibility === 'hidden') continue;
    if (el.closest('[inert], [aria-hidden="true"]')) continue;
    if (el.tagName === 'SUMMARY' && el.parentElement.tagName !== 'DETAILS') continue;
    // a closed <details> hides everything but its summary
    const closed = el.closest('details:not([open])');
    if (closed && el.tagName !== 'SUMMARY') continue;
    if (closed && el.tagName === 'SUMMARY' && el.parentElement !== closed) continue;
    el.dataset.kbd = String(i);
    const group = (el.type === 'radio' && el.name) ? 'radio:' + el.name : '';
    out.push({i: i, group: group,
              what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "'
                    + (el.innerText || el.value || el.name || '').trim().slice(0, 40) + '"'});
    i += 1;
  }
  return out;
}"""

_ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  // Focus inside a form control's own (user-agent) parts, such as the day, month and year of
  // a date field: the element does not match :focus and the browser marks the part itself.
  const inner = !el.matches(':focus');
  const shown = inner || (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                || style.boxShadow !== 'none';
  return {kbd: el.dataset.kbd ?? null, shown: shown,
          what: el.tagName.toLowerCase() + ' "'
                + (el.innerText || el.value || '').trim().slice(0, 40) + '"'};
}"""

# Elements sticking out to the right of the viewport, outside any container that scrolls.
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1 && !scrolls(el)) {
      const cls = typeof el.className === 'string' && el.className
        ? '.' + el.className.split(' ').join('.') : '';
      out.push(el.tagName.toLowerCase() + cls + ' right=' + Math.round(r.right));
      if (out.length >= 6) break;
    }
  }
  const sideways = 'the page scrolls sideways: scrollWidth '
    + document.documentElement.scrollWidth;
  return out.length ? out : [sideways];
}"""


@dataclass
class Auditor:
    """Audits pages and remembers which ones; see the module's docstring."""

    audited: set[str] = field(default_factory=set)
    visited: set[str] = field(default_factory=set)
    minor: dict[str, list[str]] = field(default_factory=dict)

    @staticmethod
    def _key(url: str) -> str:
        return urlsplit(url).path

    def was_audited(self, url: str) -> bool:
        """Whether the page at ``url`` (its path) went through :meth:`audit`."""
        return self._key(url) in self.audited

    def watch(self, page: Any) -> Any:
        """Record every page ``page`` navigates to (the main frame's documents)."""

        def navigated(frame: Any) -> None:
            if frame == page.main_frame and frame.url.startswith("http"):
                self.visited.add(self._key(frame.url))

        page.on("framenavigated", navigated)
        return page

    def audit(self, page: Any) -> None:
        """Run all four checks on the page as it stands; raise AssertionError listing every
        failure found."""
        page.wait_for_load_state("load")
        where = self._key(page.url)
        problems: list[str] = []
        problems += self._axe(page, where)
        problems += self._keyboard(page)
        problems += self._reflow(page)
        self.audited.add(where)
        if problems:
            raise AssertionError(f"accessibility of {where}:\n  " + "\n  ".join(problems))

    def _axe(self, page: Any, where: str) -> list[str]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source())
        violations = page.evaluate(_AXE_RUN, None)
        problems = []
        for v in violations:
            line = f"axe {v['impact']} {v['id']}: {v['help']} -> {'; '.join(v['nodes'])}"
            if v["impact"] in FAILING_IMPACTS:
                problems.append(line)
            else:
                self.minor.setdefault(where, []).append(line)
        return problems

    def _keyboard(self, page: Any) -> list[str]:
        focusables = page.evaluate(_FOCUSABLES)
        if not focusables:
            return []
        # Start from the top: focus the document itself, then Tab through.
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
        page.evaluate("() => window.scrollTo(0, 0)")
        page.evaluate(
            "() => { const b = document.body; b.setAttribute('tabindex', '-1'); b.focus();"
            " b.removeAttribute('tabindex'); }"
        )
        reached: set[str] = set()
        problems = []
        first = None
        # A player's own controls (play, timeline, volume, menu) are Tab stops of their own
        # that _FOCUSABLES counts as one: allow for them, or a page with several players
        # (the silent day has three) runs out of presses before its last links.
        players = page.evaluate("() => document.querySelectorAll('audio[controls]').length")
        for _ in range(len(focusables) + 10 + 8 * players):
            page.keyboard.press("Tab")
            active = page.evaluate(_ACTIVE)
            if active is None:
                continue
            if active["kbd"] is not None:
                if active["kbd"] == first:
                    break  # round the page once
                first = first or active["kbd"]
                reached.add(active["kbd"])
            if not active["shown"]:
                problems.append(f"keyboard: {active['what']} shows no focus indicator")
        groups_reached = {f["group"] for f in focusables if f["group"] and str(f["i"]) in reached}
        missing = [
            f["what"]
            for f in focusables
            if str(f["i"]) not in reached and not (f["group"] and f["group"] in groups_reached)
        ]
        if missing:
            problems.append("keyboard: Tab never reaches " + ", ".join(missing[:8]))
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        return sorted(set(problems))

    def _reflow(self, page: Any) -> list[str]:
        size = page.viewport_size
        problems = []
        try:
            for what, width, height, all_rules in REFLOW_VIEWPORTS:
                page.set_viewport_size({"width": width, "height": height})
                sticking_out = page.evaluate(_OVERFLOW)
                if sticking_out:
                    problems.append(f"at {what}: " + "; ".join(sticking_out))
                found = page.evaluate(_AXE_RUN, None if all_rules else SCROLLING_RULES)
                for v in (v for v in found if v["impact"] in FAILING_IMPACTS):
                    problems.append(
                        f"at {what}: axe {v['impact']} {v['id']}: {v['help']} -> "
                        + "; ".join(v["nodes"])
                    )
        finally:
            page.set_viewport_size(size)
        return problems

    def assert_every_page_audited(self) -> None:
        missed = sorted(self.visited - self.audited)
        assert not missed, f"pages visited in the journey but never audited: {missed}"
