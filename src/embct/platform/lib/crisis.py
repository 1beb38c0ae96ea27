"""Whom to call now: the crisis lines shown beside the inbox and on the screening's answer.

The secure inbox is read by the therapist on the agreed feedback day, so it is no place for an
emergency. Every page where a patient reads or writes messages, and the screening's answer
page, says so and names the lines to call instead. The site configures them with
``EMBCT_CRISIS_LINES``, the path of a TOML file, one ``[[line]]`` table per line::

    [[line]]
    name.en = "113 Suicide Prevention"
    name.nl = "113 Zelfmoordpreventie"
    numbers = ["113", "0800-0113"]
    note.en = "day and night; 0800-0113 is free"
    note.nl = "dag en nacht; 0800-0113 is gratis"

``name`` is required in each of the site's languages; ``note`` (optional) too when given;
``numbers`` (optional) are telephone numbers as people dial them (digits, spaces, ``-``,
``+``, brackets), each shown as a ``tel:`` link. Without the setting the Dutch lines are shown:
113 Zelfmoordpreventie (113, or 0800-0113 free), the general practitioner, and 112 in danger.
A bad file stops the site at start-up with :class:`ImproperlyConfigured` naming the file, the
line, the field, the value and the rule.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

__all__ = ["DEFAULT_LINES", "CrisisLine", "Number", "load_crisis_lines"]

_NUMBER = re.compile(r"^\+?[0-9][0-9 ()\-]*[0-9]$|^[0-9]$")


@dataclass(frozen=True)
class Number:
    """A telephone number as shown (``0800-0113``) and as dialled (``08000113``)."""

    shown: str

    @property
    def tel(self) -> str:
        return ("+" if self.shown.startswith("+") else "") + re.sub(r"\D", "", self.shown)


@dataclass(frozen=True)
class CrisisLine:
    """One line to call: its name and note by language code, and its numbers.

    A text given as a lazy translation (the defaults) is translated into the page's language;
    a site's own texts are picked by the page's language, else English.
    """

    names: Mapping[str, str | Promise]
    numbers: tuple[Number, ...] = ()
    notes: Mapping[str, str | Promise] | None = None

    @property
    def name(self) -> str:
        return _in_language(self.names)

    @property
    def note(self) -> str:
        return _in_language(self.notes or {})


def _in_language(texts: Mapping[str, str | Promise]) -> str:
    language = (get_language() or "en").split("-")[0]
    text = texts.get(language) or texts.get("en") or next(iter(texts.values()), "")
    return str(text)


#: The lines shown when the site configures none: the Netherlands, where the trial ran.
DEFAULT_LINES: tuple[CrisisLine, ...] = (
    CrisisLine(
        {"en": _("113 Suicide Prevention (113 Zelfmoordpreventie)")},
        (Number("113"), Number("0800-0113")),
        {"en": _("day and night; 0800-0113 is free")},
    ),
    CrisisLine(
        {"en": _("Your general practitioner (GP)")},
        (),
        {"en": _("in the evening, at night and at the weekend: the GP out-of-hours service")},
    ),
    CrisisLine(
        {"en": _("Emergency number 112")},
        (Number("112"),),
        {"en": _("if you or someone else is in danger now")},
    ),
)


def _texts(where: str, value: Any, field: str, languages: Sequence[str]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured(
            f"{where}: {field} = {value!r} is not a table of texts by language "
            f'(write {field}.{languages[0]} = "..." for each of {", ".join(languages)})'
        )
    texts = {}
    for language in languages:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            raise ImproperlyConfigured(
                f"{where}: {field}.{language} = {text!r}; every {field} needs a text in each "
                f"of the site's languages ({', '.join(languages)})"
            )
        texts[language] = text.strip()
    return texts


def load_crisis_lines(path: str | Path, languages: Sequence[str]) -> tuple[CrisisLine, ...]:
    """The crisis lines of the TOML file at ``path``, checked (see the module's docstring).

    Raises
    ------
    ImproperlyConfigured
        Naming the file, the line (1-based), the field, the value and the rule.
    """
    source = f"EMBCT_CRISIS_LINES={str(path)!r}"
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ImproperlyConfigured(f"{source}: cannot read the file ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured(f"{source}: not a valid TOML file ({error})") from None
    tables = data.get("line")
    if not isinstance(tables, list) or not tables:
        raise ImproperlyConfigured(f"{source}: no [[line]] tables; the file needs at least one")
    lines = []
    for index, table in enumerate(tables, start=1):
        where = f"{source}, line {index}"
        unknown = sorted(set(table) - {"name", "numbers", "note"})
        if unknown:
            raise ImproperlyConfigured(
                f"{where}: unknown field {unknown[0]!r}; the fields are name, numbers and note"
            )
        numbers = table.get("numbers", [])
        if not isinstance(numbers, list):
            raise ImproperlyConfigured(f"{where}: numbers = {numbers!r} is not a list")
        for number in numbers:
            if not isinstance(number, str) or not _NUMBER.match(number.strip()):
                raise ImproperlyConfigured(
                    f"{where}: numbers has {number!r}, which is not a telephone number "
                    "(digits, spaces, '-', brackets, an optional leading '+')"
                )
        lines.append(
            CrisisLine(
                names=_texts(where, table.get("name"), "name", languages),
                numbers=tuple(Number(n.strip()) for n in numbers),
                notes=_texts(where, table["note"], "note", languages) if "note" in table else None,
            )
        )
    return tuple(lines)
