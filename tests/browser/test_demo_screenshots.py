"""`make screenshots` (scripts/demo_screenshots.py) photographs the demo itself: the demo
course, clinic and trial as `make demo` sets them up, served by `embct serve`."""

from __future__ import annotations

import importlib.util
import os
import struct
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "scripts" / "demo_screenshots.py"


@pytest.mark.slow
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="the demo runs on its own SQLite whatever DATABASE_URL says: once, in the SQLite run",
)
def test_the_readme_screenshots_show_the_demo(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("demo_screenshots", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    paths = script.take(tmp_path)
    assert [p.name for p in paths] == list(script.SHOTS)
    for path in paths:
        head = path.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n", path.name
        width, height = struct.unpack(">II", head[16:24])
        assert width == script.WIDTH, path.name
        assert height >= 800, path.name
