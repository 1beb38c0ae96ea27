"""Content packs: the wording of a questionnaire, supplied by a licensed site.

The repository holds no item or answer wording. A site that holds a licence drops in a
content pack (TOML or JSON) with, per item, the stem and the answer options *in display
order* with the score of each option. The pack is checked against the built-in key, so a
pack whose options are in another order than the key expects fails loudly instead of
silently reversing an item.

Schema (version 1)::

    schema = "embct-content-pack/1"
    instrument = "hads"            # wai | hads | mhc
    coding = "printed"             # optional: the coding whose scores the pack gives
    language = "en"                # optional (default "en"): a BCP 47 tag of the wording
    title = "..."                  # optional display title
    licence = "..."                # who may use this wording
    instructions = "..."           # optional

    [[items]]
    item = 1
    stem = "..."
    options = [{ text = "...", score = 3 }, { text = "...", score = 2 }, ...]

The demo and the tests use :func:`placeholder_pack` ("HADS item 6, option B").
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from .definitions import Instrument, get_instrument
from .errors import ContentPackError

__all__ = [
    "LANGUAGE_TAG",
    "SCHEMA",
    "ContentPack",
    "PackItem",
    "PackOption",
    "load_content_pack",
    "placeholder_pack",
    "validate_content_pack",
]

SCHEMA = "embct-content-pack/1"
_LETTERS = "ABCDEFGHIJ"
#: A language tag as HTML's ``lang`` takes it (BCP 47, the common shapes): a primary
#: language of 2-3 lower-case letters, then optional subtags such as a region or script
#: (``en``, ``nl``, ``nl-BE``, ``pt-BR``, ``sr-Latn``). Content packs and course folders
#: name the language of their wording with one.
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class PackOption:
    """One answer option: its text, its score, and the value stored under the coding."""

    text: str
    score: int
    value: int


@dataclass(frozen=True)
class PackItem:
    item: int
    stem: str
    options: tuple[PackOption, ...]


@dataclass(frozen=True)
class ContentPack:
    """A validated content pack (see the module docstring)."""

    instrument: str
    coding: str
    language: str
    title: str
    licence: str
    instructions: str
    items: tuple[PackItem, ...]

    def item(self, number: int) -> PackItem:
        """The pack's item ``number``."""
        for entry in self.items:
            if entry.item == number:
                return entry
        raise KeyError(number)

    def to_dict(self) -> dict[str, Any]:
        """The pack in its file form (JSON-ready), e.g. to write a template."""
        return {
            "schema": SCHEMA,
            "instrument": self.instrument,
            "coding": self.coding,
            "language": self.language,
            "title": self.title,
            "licence": self.licence,
            "instructions": self.instructions,
            "items": [
                {
                    "item": entry.item,
                    "stem": entry.stem,
                    "options": [{"text": o.text, "score": o.score} for o in entry.options],
                }
                for entry in self.items
            ],
        }


def _fail(problem: str, instrument: str | None, item: Any = None, value: Any = None) -> NoReturn:
    raise ContentPackError(problem, instrument=instrument, item=item, value=value)


def _text(entry: Mapping[str, Any], name: str, instrument: str, item: Any) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        _fail(f"{name!r} must be non-empty text", instrument, item, value)
    return str(value)


def validate_content_pack(data: Mapping[str, Any]) -> ContentPack:
    """Check a content pack (as parsed from TOML or JSON) against the built-in key.

    Raises
    ------
    ContentPackError
        Wrong schema, unknown instrument or coding, missing, unknown or repeated items,
        empty texts, or option scores that differ from the key in display order (the
        error names the item, the option and the score).

    Examples
    --------
    >>> data = placeholder_pack("hads").to_dict()
    >>> validate_content_pack(data).item(6).options[0].text
    'HADS item 6, option A'
    >>> data["items"][5]["options"].reverse()  # item 6 printed in the wrong order
    >>> try:
    ...     validate_content_pack(data)
    ... except ContentPackError as error:
    ...     print(error.item, error.value, "mis-ordered" in str(error))
    6 0 True
    """
    if not isinstance(data, Mapping):
        _fail("a content pack is a table/object at the top level", None, value=type(data).__name__)
    if data.get("schema") != SCHEMA:
        _fail(f"'schema' must be {SCHEMA!r}", None, value=data.get("schema"))
    key = data.get("instrument")
    try:
        instrument = get_instrument(str(key))
    except ValueError:
        _fail("unknown instrument", str(key), value=key)
    name = instrument.key
    coding_name = data.get("coding", instrument.default_coding)
    if coding_name not in instrument.codings:
        _fail(
            f"unknown coding; expected one of {', '.join(instrument.codings)}",
            name,
            value=coding_name,
        )
    coding = instrument.codings[coding_name]
    entries = data.get("items")
    if not isinstance(entries, list):
        _fail("'items' must be a list", name, value=type(entries).__name__)
    items: dict[int, PackItem] = {}
    for entry in entries:
        if not isinstance(entry, Mapping):
            _fail("each item must be a table/object", name, value=entry)
        number = entry.get("item")
        if (
            isinstance(number, bool)
            or not isinstance(number, int)
            or number not in instrument.items
        ):
            _fail(f"unknown item; expected 1-{instrument.n_items}", name, number, number)
        if number in items:
            _fail("item given twice", name, number, number)
        stem = _text(entry, "stem", name, number)
        options = entry.get("options")
        expected = coding.option_scores[number]
        if not isinstance(options, list) or len(options) != len(expected):
            _fail(
                f"expected {len(expected)} options in display order",
                name,
                number,
                len(options) if isinstance(options, list) else options,
            )
        parsed = []
        for position, (option, score) in enumerate(zip(options, expected, strict=True)):
            letter = _LETTERS[position]
            if not isinstance(option, Mapping):
                _fail(f"option {letter} must be a table/object", name, number, option)
            text = _text(option, "text", name, f"{number} option {letter}")
            given = option.get("score")
            if isinstance(given, bool) or not isinstance(given, int):
                _fail(f"option {letter}: 'score' must be an integer", name, number, given)
            if given != score:
                order = ", ".join(str(s) for s in expected)
                _fail(
                    f"option {letter} scores {given} in the pack but {score} in the built-in "
                    f"key (display order {order}): is the pack mis-ordered?",
                    name,
                    number,
                    given,
                )
            parsed.append(PackOption(text, score, coding.option_values[number][position]))
        items[number] = PackItem(number, stem, tuple(parsed))
    missing = [i for i in instrument.items if i not in items]
    if missing:
        _fail("the pack lacks items " + ", ".join(map(str, missing)), name, missing[0])
    language = data.get("language", "en")
    if not isinstance(language, str) or not LANGUAGE_TAG.match(language):
        _fail(
            "'language' must be a language code such as 'en', 'nl' or 'nl-BE' (BCP 47)",
            name,
            value=language,
        )
    return ContentPack(
        instrument=name,
        coding=str(coding_name),
        language=language,
        title=str(data.get("title", instrument.name)),
        licence=str(data.get("licence", "")),
        instructions=str(data.get("instructions", "")),
        items=tuple(items[i] for i in instrument.items),
    )


def load_content_pack(path: str | Path) -> ContentPack:
    """Read and validate a content pack file (``.toml`` or ``.json``).

    Examples
    --------
    >>> import json, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "wai.json"
    ...     _ = path.write_text(json.dumps(placeholder_pack("wai").to_dict()))
    ...     pack = load_content_pack(path)
    >>> pack.instrument, len(pack.items), pack.item(1).options[-1].score
    ('wai', 12, 5)
    """
    file = Path(path)
    raw = file.read_bytes()
    try:
        if file.suffix.lower() == ".toml":
            data = tomllib.loads(raw.decode("utf-8"))
        elif file.suffix.lower() == ".json":
            data = json.loads(raw.decode("utf-8"))
        else:
            raise ContentPackError(
                "a content pack is a .toml or .json file", item=None, value=file.name
            )
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ContentPackError(f"{file.name} cannot be parsed: {error}", value=file.name) from None
    return validate_content_pack(data)


def placeholder_pack(
    key: str | Instrument, *, coding: str | None = None, language: str = "en"
) -> ContentPack:
    """A pack with neutral placeholder wording ("HADS item 6, option B") for demos and tests.

    Examples
    --------
    >>> pack = placeholder_pack("hads", coding="position")
    >>> [(o.text, o.score, o.value) for o in pack.item(6).options][:2]
    [('HADS item 6, option A', 3, 0), ('HADS item 6, option B', 2, 1)]
    """
    instrument = get_instrument(key)
    chosen = instrument.coding(coding)
    label = instrument.short_name or instrument.key.upper()
    items = tuple(
        PackItem(
            item,
            f"{label} item {item}",
            tuple(
                PackOption(f"{label} item {item}, option {_LETTERS[p]}", score, value)
                for p, (score, value) in enumerate(
                    zip(chosen.option_scores[item], chosen.option_values[item], strict=True)
                )
            ),
        )
        for item in instrument.items
    )
    return ContentPack(
        instrument=instrument.key,
        coding=chosen.name,
        language=language,
        title=f"{label} (placeholder wording)",
        licence="placeholder text, no licensed wording",
        instructions=f"{label} instructions",
        items=items,
    )
