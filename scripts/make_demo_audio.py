"""Regenerate the demo courses' guided audio from their transcripts.

Every ``audio/<name>.txt`` under the course folder is spoken with espeak-ng and written as
``audio/<name>.ogg`` (Ogg Vorbis, mono, 16 kHz, quality -1: about 13 kbit/s). The voice
follows the course's language (``language`` in its ``course.md``; ``--language`` to
override): ``en`` is espeak-ng's British English voice, ``nl`` its Dutch one, both with the
same female variant, speed and pitch (``VOICES``). Each transcript must begin with that
language's opening sentence (``OPENING``). The transcript is the text spoken, with two rules:

- paragraphs (separated by blank lines) are spoken one by one, with
  ``PAUSE_SECONDS`` of silence after each, so a guided practice leaves room to practise;
- the words in ``SPOKEN_AS`` are spoken as spelled out there (``embct`` would otherwise be
  read as one odd syllable); nothing else is changed.

Beside each Ogg file the same recording is written as ``audio/<name>.mp3`` (MP3 made by LAME
from the Ogg file, mono, 16 kbit/s): Safari before 17 plays no Ogg, and the patient may
download either for offline practice. ``--mp3`` makes only the MP3 files, from the Ogg files
there are (MP3 encoding is deterministic, so those files only change when the Ogg does).

Each file must last 30-90 seconds; a transcript that comes out shorter or longer is an error
and nothing is written for it. Ogg Vorbis streams carry a random serial number, so a rerun
gives files that sound the same but differ byte for byte.

Needs espeak-ng, sox (with Ogg Vorbis support) and lame on the PATH; Debian:
``apt-get install espeak-ng sox libsox-fmt-all lame``.

Usage (from the repository root)::

    python scripts/make_demo_audio.py              # all transcripts of the English demo course
    python scripts/make_demo_audio.py --course src/embct/platform/course_content/demo-nl
                                                   # the Dutch demo course, in the Dutch voice
    python scripts/make_demo_audio.py s01-body-scan   # only the named ones
    python scripts/make_demo_audio.py --check      # only report durations, write nothing
    python scripts/make_demo_audio.py --mp3        # only the MP3 files, from the Ogg files
    python scripts/make_demo_audio.py --course path/to/course   # another course folder
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO_COURSE = REPO / "src" / "embct" / "platform" / "course_content" / "demo"

#: espeak-ng's voice for each course language, with the same female variant (+f3).
VOICES = {"en": "en-gb+f3", "nl": "nl+f3"}
WORDS_PER_MINUTE = 140
PITCH = 45
WORD_GAP = 3  # in units of 10 ms at the default speed
SAMPLE_RATE = 16000
VORBIS_QUALITY = -1
MP3_KBITS = 16  # constant bit rate at 16 kHz mono: ample for a synthetic speaking voice
PEAK_DB = -1  # normalise every file to the same peak, with headroom so nothing clips
LEAD_IN_SECONDS = 0.5
PAUSE_SECONDS = 2.5
MIN_SECONDS = 30.0
MAX_SECONDS = 90.0
#: The sentence every transcript begins with, per language: the listener hears it is a demo.
OPENING = {
    "en": "This is demo audio for the embct demo course.",
    "nl": "Dit is demo-audio voor de embct-democursus.",
}
COMMENT = "embct demo course: demo content, synthetic speech made with espeak-ng"

SPOKEN_AS = {"embct": "E M B C T"}


class AudioError(ValueError):
    """A transcript cannot be turned into a valid demo audio file."""


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"make_demo_audio: error: {name} not found on PATH")
    return path


def course_language(course: Path) -> str:
    """The ``language`` in ``course``'s ``course.md`` front matter (``en`` when not given)."""
    text = (course / "course.md").read_text(encoding="utf-8")
    front = text.split("\n---", 1)[0] if text.startswith("---") else ""
    match = re.search(r"^language:\s*[\"']?([A-Za-z-]+)[\"']?\s*$", front, re.MULTILINE)
    return match.group(1) if match else "en"


def voice_language(language: str) -> str:
    """The key of VOICES for ``language`` (``nl-BE`` is spoken as ``nl``)."""
    for candidate in (language, language.split("-")[0].lower()):
        if candidate in VOICES:
            return candidate
    raise AudioError(f"no voice for language {language!r}; known: {', '.join(sorted(VOICES))}")


def paragraphs(transcript: Path, language: str = "en") -> list[str]:
    """The transcript's paragraphs, each on one line, with SPOKEN_AS applied."""
    text = transcript.read_text(encoding="utf-8")
    opening = OPENING[voice_language(language)]
    if not text.startswith(opening):
        raise AudioError(f"{transcript}: must begin with {opening!r}")
    result = []
    for block in re.split(r"\n\s*\n", text.strip()):
        line = " ".join(block.split())
        for word, spoken in SPOKEN_AS.items():
            line = re.sub(rf"\b{re.escape(word)}\b", spoken, line)
        result.append(line)
    return result


def duration(path: Path) -> float:
    out = subprocess.run(  # noqa: S603 - fixed tool, our own file
        [tool("soxi"), "-D", str(path)], check=True, capture_output=True, text=True
    )
    return float(out.stdout)


def render(transcript: Path, target: Path, language: str = "en") -> float:
    """Speak ``transcript`` into ``target`` in ``language``'s voice; return its duration in
    seconds."""
    espeak, sox = tool("espeak-ng"), tool("sox")
    voice = VOICES[voice_language(language)]
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for i, line in enumerate(paragraphs(transcript, language)):
            raw = Path(tmp) / f"{i:02d}.wav"
            subprocess.run(  # noqa: S603 - fixed tool, text passed as one argument
                [espeak, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-p", str(PITCH),
                 "-g", str(WORD_GAP), "-w", str(raw), "--", line],
                check=True,
            )  # fmt: skip
            padded = Path(tmp) / f"{i:02d}-padded.wav"
            lead = LEAD_IN_SECONDS if i == 0 else 0
            subprocess.run(  # noqa: S603
                [sox, str(raw), str(padded), "pad", str(lead), str(PAUSE_SECONDS)], check=True
            )
            parts.append(str(padded))
        out = Path(tmp) / "out.ogg"
        subprocess.run(  # noqa: S603
            [sox, *parts, "--comment", COMMENT, "-C", str(VORBIS_QUALITY), "-c", "1",
             str(out), "rate", str(SAMPLE_RATE), "norm", str(PEAK_DB)],
            check=True,
        )  # fmt: skip
        seconds = duration(out)
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise AudioError(
                f"{transcript.name}: spoken length {seconds:.1f} s, expected "
                f"{MIN_SECONDS:.0f}-{MAX_SECONDS:.0f} s; shorten or lengthen the text"
            )
        shutil.move(out, target)
    return seconds


def mp3(ogg: Path, target: Path) -> None:
    """Encode the Ogg recording ``ogg`` as MP3 at ``target`` (written only when complete)."""
    sox, lame = tool("sox"), tool("lame")
    with tempfile.TemporaryDirectory() as tmp:
        wav, out = Path(tmp) / "in.wav", Path(tmp) / "out.mp3"
        subprocess.run([sox, str(ogg), str(wav)], check=True)  # noqa: S603 - fixed tool
        subprocess.run(  # noqa: S603
            [lame, "--quiet", "-b", str(MP3_KBITS), "--resample", "16", "-m", "m", "--noreplaygain",
             "--tt", ogg.stem, "--tc", COMMENT, str(wav), str(out)],
            check=True,
        )  # fmt: skip
        shutil.move(out, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="transcript names without .txt (default: all)")
    parser.add_argument("--course", type=Path, default=DEMO_COURSE, help="course folder")
    parser.add_argument("--check", action="store_true", help="report durations, write nothing")
    parser.add_argument("--mp3", action="store_true", help="only write the MP3 files, from the Ogg")
    parser.add_argument(
        "--language",
        choices=sorted(VOICES),
        help="the voice's language (default: the course's, from its course.md)",
    )
    args = parser.parse_args(argv)

    if not (args.course / "course.md").is_file():
        parser.error(f"{args.course}: no course.md (not a course folder)")
    language = args.language or course_language(args.course)
    try:
        voice_language(language)
    except AudioError as error:
        parser.error(str(error))
    audio = args.course / "audio"
    transcripts = sorted(audio.glob("*.txt"))
    if args.names:
        wanted = set(args.names)
        transcripts = [t for t in transcripts if t.stem in wanted]
        missing = wanted - {t.stem for t in transcripts}
        if missing:
            parser.error(f"no transcript for: {', '.join(sorted(missing))}")
    failures = 0
    total_bytes = 0
    for transcript in transcripts:
        target = transcript.with_suffix(".ogg")
        try:
            if args.check:
                paragraphs(transcript, language)
                seconds = duration(target)
                if not MIN_SECONDS <= seconds <= MAX_SECONDS:
                    raise AudioError(f"{target.name}: {seconds:.1f} s, outside 30-90 s")
                if not target.with_suffix(".mp3").is_file():
                    raise AudioError(f"{target.name}: no MP3 beside it (run with --mp3)")
            elif args.mp3:
                seconds = duration(target)
                mp3(target, target.with_suffix(".mp3"))
            else:
                seconds = render(transcript, target, language)
                mp3(target, target.with_suffix(".mp3"))
        except (AudioError, FileNotFoundError, subprocess.CalledProcessError) as error:
            print(f"make_demo_audio: error: {error}", file=sys.stderr)
            failures += 1
            continue
        size = target.stat().st_size
        extra = target.with_suffix(".mp3")
        total_bytes += size + (extra.stat().st_size if extra.is_file() else 0)
        print(f"{target.name:32} {seconds:5.1f} s {size / 1024:6.1f} KiB")
    print(f"{len(transcripts) - failures} files, {total_bytes / 1024:.0f} KiB in all")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
