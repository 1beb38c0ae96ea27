"""The Dutch catalogue is complete, compiled, and in step with the code.

- no msgid without a Dutch msgstr, no fuzzy entry, and each msgstr keeps the msgid's
  placeholders and markup;
- the committed django.mo says exactly what django.po says (read with Python's own
  ``gettext.GNUTranslations``), so nobody forgot ``compilemessages``;
- ``makemessages`` run on a copy of the platform finds exactly the msgids of the committed
  django.po, so nobody forgot ``makemessages`` either (needs xgettext; CI installs gettext).
"""

from __future__ import annotations

import gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

PLATFORM = Path(__file__).resolve().parents[3] / "src" / "embct" / "platform"
PO = PLATFORM / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
#: The command the README gives, as call_command options.
MAKEMESSAGES = {
    "locale": ["nl"],
    "ignore_patterns": ["course_content/*", "static/*"],
    "add_location": "file",
    "verbosity": 0,
}


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) "(.*)"$')


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text)


def parse_po(text: str) -> list[Entry]:
    """The active entries of a .po file (not the header, not obsolete ``#~`` ones)."""
    entries = []
    for block in text.split("\n\n"):
        current: dict[str, str] = {}
        flags: set[str] = set()
        last = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := _LINE.match(line):
                last = match.group(1)
                current[last] = _unquote(match.group(3))
            elif line.startswith('"') and last is not None:
                current[last] += _unquote(line[1:-1])
        if current.get("msgid"):
            plural = {
                int(key[7:-1]): value for key, value in current.items() if key.startswith("msgstr[")
            }
            entries.append(
                Entry(
                    msgid=current["msgid"],
                    msgctxt=current.get("msgctxt"),
                    msgid_plural=current.get("msgid_plural"),
                    msgstr=plural or {0: current.get("msgstr", "")},
                    flags=flags,
                )
            )
    return entries


ENTRIES = parse_po(PO.read_text(encoding="utf-8"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]")
MARKUP = re.compile(r"</?\w+[^>]*>")


def test_the_parser_reads_plurals_contexts_and_flags() -> None:
    text = (
        'msgid ""\nmsgstr "Language: nl\\n"\n\n'
        '#, fuzzy, python-format\nmsgctxt "c"\nmsgid "a %(n)s"\nmsgid_plural ""\n"b"\n'
        'msgstr[0] "x"\nmsgstr[1] "y \\"z\\""\n\n#~ msgid "old"\n#~ msgstr "oud"\n'
    )
    [entry] = parse_po(text)
    assert (entry.msgctxt, entry.msgid, entry.msgid_plural) == ("c", "a %(n)s", "b")
    assert entry.msgstr == {0: "x", 1: 'y "z"'}
    assert entry.flags == {"fuzzy", "python-format"}


def test_the_catalogue_has_the_platform_s_strings() -> None:
    assert len(ENTRIES) > 400
    assert {"Log out", "Inbox", "Queue", "Session %(number)s"} <= {e.msgid for e in ENTRIES}
    assert "Language: nl" in PO.read_text(encoding="utf-8")
    assert "plural=(n != 1)" in PO.read_text(encoding="utf-8")


def test_no_msgstr_is_empty_or_fuzzy() -> None:
    empty = [e.msgid for e in ENTRIES if not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in ENTRIES if "fuzzy" in e.flags]
    plurals = [e.msgid for e in ENTRIES if e.msgid_plural and sorted(e.msgstr) != [0, 1]]
    assert (empty, fuzzy, plurals) == ([], [], [])
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")


def test_each_translation_keeps_the_placeholders_and_markup() -> None:
    wrong = []
    for e in ENTRIES:
        for n, text in e.msgstr.items():
            source = e.msgid_plural if e.msgid_plural and n else e.msgid
            for pattern in (PLACEHOLDER, MARKUP):
                if sorted(pattern.findall(source)) != sorted(pattern.findall(text)):
                    wrong.append((e.msgid, text))
    assert wrong == []


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for e in ENTRIES:
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural:
            expected.update({(key, n): text for n, text in e.msgstr.items()})
        else:
            expected[key] = e.msgstr[0]
    compiled = {key: value for key, value in catalog.items() if key != ""}
    assert compiled == expected


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext is not installed (gettext)")
def test_makemessages_finds_no_msgid_the_catalogue_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "platform"
    shutil.copytree(
        PLATFORM,
        copy,
        ignore=shutil.ignore_patterns("course_content", "static", "__pycache__", "*.mo"),
    )
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", **MAKEMESSAGES)
    fresh = parse_po((copy / "locale" / "nl" / "LC_MESSAGES" / "django.po").read_text("utf-8"))
    fresh_keys = {e.key for e in fresh}
    committed = {e.key for e in ENTRIES}
    assert sorted(fresh_keys - committed, key=str) == [], "run makemessages (see README)"
    assert sorted(committed - fresh_keys, key=str) == [], "msgids no code uses: makemessages"
    # The merged file keeps every translation, so nothing was lost on the way.
    assert [e.msgid for e in fresh if not all(e.msgstr.values())] == []
