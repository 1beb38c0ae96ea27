"""A course's audio files: the formats beside each recording, and its length from the file.

A course names one recording per exercise (``audio: audio/s01-body-scan.ogg``). Beside it the
course folder may hold the same recording in other formats under the same name
(``s01-body-scan.mp3``, ``.m4a``): every browser plays one of Ogg Vorbis, MP3 and AAC, so the
player offers each as a ``<source>`` and the patient can download one for offline practice.

The length shown on the page is read from the Ogg file itself (the last page's granule
position over the sample rate of the Vorbis identification header), not from the course's
suggested practice time.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: The formats a recording may come in, in the order the player offers them: (suffix, MIME
#: type, name shown on the download link).
FORMATS: tuple[tuple[str, str, str], ...] = (
    ("ogg", "audio/ogg", "Ogg Vorbis"),
    ("mp3", "audio/mpeg", "MP3"),
    ("m4a", "audio/mp4", "AAC"),
)
MIME = {suffix: mime for suffix, mime, _name in FORMATS}


@dataclass(frozen=True)
class Source:
    """One format of a recording."""

    suffix: str
    mime: str
    name: str
    path: Path

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def sources(path: Path) -> list[Source]:
    """The recording at ``path`` and its siblings in the other formats, in FORMATS order."""
    found = []
    for suffix, mime, name in FORMATS:
        candidate = path.with_suffix("." + suffix)
        if candidate.is_file():
            found.append(Source(suffix, mime, name, candidate))
    return found


def seconds(path: Path) -> float | None:
    """The length of the Ogg Vorbis file at ``path`` in seconds; None if it is not one (or
    the format is another: only Ogg carries its length this plainly)."""
    stat = path.stat()
    return _ogg_seconds(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _ogg_seconds(path: str, _mtime: int, size: int) -> float | None:
    with open(path, "rb") as handle:
        head = handle.read(4096)
        handle.seek(max(size - 65536, 0))
        tail = handle.read()
    # The first page holds the identification header: "\x01vorbis", version, channels, rate.
    start = head.find(b"\x01vorbis")
    if not head.startswith(b"OggS") or start < 0 or len(head) < start + 16:
        return None
    rate = struct.unpack_from("<I", head, start + 12)[0]
    last = tail.rfind(b"OggS")
    if rate == 0 or last < 0 or len(tail) < last + 14:
        return None
    granule = struct.unpack_from("<q", tail, last + 6)[0]
    return granule / rate if granule > 0 else None
