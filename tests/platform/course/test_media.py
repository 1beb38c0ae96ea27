"""A recording's formats and its length, read from the file (course.media)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.utils import translation

from embct.platform.course import media
from embct.platform.course.templatetags.course_audio import length_text

AUDIO = Path(__file__).parents[1] / "fixture_course" / "tiny" / "audio"
DEMO = Path(media.__file__).parents[1] / "course_content" / "demo" / "audio"


def test_the_length_is_the_one_sox_reads() -> None:
    # `soxi -D tests/platform/fixture_course/tiny/audio/breath.ogg` prints 3.226375
    assert media.seconds(AUDIO / "breath.ogg") == pytest.approx(3.226375, abs=1e-6)
    # `soxi -D .../demo/audio/s01-body-scan.ogg` prints 77.354563
    assert media.seconds(DEMO / "s01-body-scan.ogg") == pytest.approx(77.354563, abs=1e-6)


def test_a_file_that_is_not_ogg_has_no_length(tmp_path: Path) -> None:
    (tmp_path / "x.ogg").write_bytes(b"not audio at all")
    assert media.seconds(tmp_path / "x.ogg") is None
    assert media.seconds(AUDIO / "breath.mp3") is None


def test_the_formats_beside_a_recording_in_the_player_s_order(tmp_path: Path) -> None:
    assert [s.suffix for s in media.sources(AUDIO / "breath.ogg")] == ["ogg", "mp3"]
    shutil.copy(AUDIO / "breath.ogg", tmp_path / "a.ogg")
    assert [s.mime for s in media.sources(tmp_path / "a.ogg")] == ["audio/ogg"]


@pytest.mark.parametrize(
    "audio", [DEMO, DEMO.parents[1] / "demo-nl" / "audio"], ids=lambda p: p.parent.name
)
def test_every_demo_recording_has_an_mp3_of_the_same_length(audio: Path) -> None:
    assert len(list(audio.glob("*.ogg"))) >= 20
    for ogg in sorted(audio.glob("*.ogg")):
        assert ogg.with_suffix(".mp3").is_file(), ogg.name
        seconds = media.seconds(ogg)
        assert seconds is not None
        assert 30 <= seconds <= 90, ogg.name  # scripts/make_demo_audio.py's bounds


@pytest.mark.parametrize(
    ("seconds", "en", "nl"),
    [
        (77.35, "1 minute 17 seconds", "1 minuut 17 seconden"),
        (45.0, "45 seconds", "45 seconden"),
        (120.2, "2 minutes", "2 minuten"),
        (0.4, "0 seconds", "0 seconden"),
    ],
)
def test_the_length_in_words(seconds: float, en: str, nl: str) -> None:
    with translation.override("en"):
        assert length_text(seconds) == en
    with translation.override("nl"):
        assert length_text(seconds) == nl
