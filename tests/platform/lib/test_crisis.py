"""The site's crisis lines from a TOML file (``EMBCT_CRISIS_LINES``): read, checked, and every
mistake named with the file, the line, the field, the value and the rule."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from embct.platform.lib.crisis import DEFAULT_LINES, Number, load_crisis_lines

GOOD = """
[[line]]
name.en = "Crisis line"
name.nl = "Crisislijn"
numbers = ["0800-1234", "+31 20 123 4567"]
note.en = "day and night"
note.nl = "dag en nacht"

[[line]]
name.en = "Your GP"
name.nl = "Uw huisarts"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "crisis.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_reads_the_lines_with_their_texts_by_language(tmp_path: Path) -> None:
    lines = load_crisis_lines(write(tmp_path, GOOD), ["en", "nl"])
    assert len(lines) == 2
    assert [n.tel for n in lines[0].numbers] == ["08001234", "+31201234567"]
    with translation.override("nl"):
        assert (lines[0].name, lines[0].note, lines[1].name, lines[1].note) == (
            "Crisislijn",
            "dag en nacht",
            "Uw huisarts",
            "",
        )
    with translation.override("en"):
        assert lines[0].name == "Crisis line"


def test_the_default_lines_are_translated() -> None:
    with translation.override("nl"):
        assert [line.name for line in DEFAULT_LINES] == [
            "113 Zelfmoordpreventie",
            "Uw huisarts",
            "Alarmnummer 112",
        ]
    assert [n.shown for n in DEFAULT_LINES[0].numbers] == ["113", "0800-0113"]
    assert Number("0800-0113").tel == "08000113"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"no \[\[line\]\] tables"),
        ("[[line]\n", r"not a valid TOML file"),
        (
            '[[line]]\nname.en = "A"\n',
            r"crisis.toml', line 1: name.nl = None; every name needs a text in each of the "
            r"site's languages \(en, nl\)",
        ),
        (
            '[[line]]\nname = "A"\n',
            r"line 1: name = 'A' is not a table of texts by language",
        ),
        (
            GOOD + '[[line]]\nname.en = "B"\nname.nl = "B"\nnumbers = ["call us"]\n',
            r"line 3: numbers has 'call us', which is not a telephone number",
        ),
        (
            '[[line]]\nname.en = "B"\nname.nl = "B"\nnumbers = "113"\n',
            r"line 1: numbers = '113' is not a list",
        ),
        (
            '[[line]]\nname.en = "B"\nname.nl = "B"\nnote.en = "x"\n',
            r"line 1: note.nl = None",
        ),
        (
            '[[line]]\nname.en = "B"\nname.nl = "B"\nphone = "113"\n',
            r"line 1: unknown field 'phone'",
        ),
    ],
)
def test_a_mistake_is_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        load_crisis_lines(write(tmp_path, text), ["en", "nl"])


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"absent.toml'.*cannot read the file"):
        load_crisis_lines(tmp_path / "absent.toml", ["en", "nl"])


def test_the_setting_reads_the_file_and_a_bad_one_stops_the_start(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EMBCT_CRISIS_LINES[0].names['nl'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "embct.platform.settings.base",
        "EMBCT_CRISIS_LINES": str(write(tmp_path, GOOD)),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Crisislijn"
    env["EMBCT_CRISIS_LINES"] = str(write(tmp_path, '[[line]]\nname.en = "A"\n'))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "name.nl = None" in done.stderr
