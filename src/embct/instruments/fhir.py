"""FHIR R4 ``Questionnaire`` export of an instrument's structure (no licensed wording).

Each item becomes a ``choice`` item whose answer options carry their score in the
``ordinalValue`` extension (http://hl7.org/fhir/StructureDefinition/ordinalValue, context
``Coding`` in R4), so another clinical system can import the structure and score it. The
answer code encodes item, option letter and score (``"06A3"``: item 6, top option, score
3), so the score travels with the answer and a reversal cannot be lost. The item's
subscale is given as its ``code``. Texts are the content pack's when one is given, the
neutral placeholders otherwise.
"""

from __future__ import annotations

import re
from typing import Any

from embct import __version__

from .content import ContentPack, placeholder_pack
from .definitions import Instrument, get_instrument

__all__ = ["ORDINAL_VALUE", "to_fhir_questionnaire"]

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
_LETTERS = "ABCDEFGHIJ"


def to_fhir_questionnaire(
    key: str | Instrument,
    *,
    pack: ContentPack | None = None,
    coding: str | None = None,
    base_url: str = "urn:embct",
) -> dict[str, Any]:
    """The instrument as a FHIR R4 ``Questionnaire`` resource (a JSON-ready dict).

    Parameters
    ----------
    key : str or Instrument
        The instrument.
    pack : ContentPack, optional
        Licensed wording to include; placeholders ("HADS item 6, option A") otherwise.
    coding : str, optional
        The coding whose scores the ordinal values give (the pack's, else the default).
    base_url : str
        Prefix of the canonical URL and code systems.

    Examples
    --------
    >>> resource = to_fhir_questionnaire("hads")
    >>> resource["resourceType"], resource["name"], len(resource["item"])
    ('Questionnaire', 'HADS', 14)
    >>> option = resource["item"][5]["answerOption"][0]["valueCoding"]
    >>> option["code"], option["display"], option["extension"][0]["valueDecimal"]
    ('06A3', 'HADS item 6, option A', 3)
    """
    instrument = get_instrument(key)
    if pack is not None and pack.instrument != instrument.key:
        raise ValueError(f"the content pack is for {pack.instrument!r}, not {instrument.key!r}")
    if pack is not None and coding is not None and coding != pack.coding:
        raise ValueError(f"the content pack gives scores of coding {pack.coding!r}, not {coding!r}")
    texts = pack or placeholder_pack(instrument, coding=coding)
    chosen = instrument.coding(texts.coding)
    label = instrument.short_name or instrument.key.upper()
    url = f"{base_url}:Questionnaire:{instrument.key}"
    answers_system = f"{base_url}:{instrument.key}:answers"
    subscale_system = f"{base_url}:{instrument.key}:subscale"
    items = []
    for entry in texts.items:
        options = []
        for position, score in enumerate(chosen.option_scores[entry.item]):
            letter = _LETTERS[position]
            options.append(
                {
                    "valueCoding": {
                        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": score}],
                        "system": answers_system,
                        "code": f"{entry.item:02d}{letter}{score}",
                        "display": entry.options[position].text,
                    }
                }
            )
        subscale = instrument.subscale_of(entry.item)
        items.append(
            {
                "linkId": f"{instrument.prefix}-{entry.item}",
                "code": [
                    {"system": subscale_system, "code": subscale, "display": subscale.title()}
                ],
                "prefix": str(entry.item),
                "text": entry.stem,
                "type": "choice",
                "required": False,
                "answerOption": options,
            }
        )
    subscales = "; ".join(
        f"{name}: items {', '.join(map(str, members))}"
        for name, members in instrument.subscales.items()
    )
    low, high = instrument.score_range(coding=chosen.name)
    return {
        "resourceType": "Questionnaire",
        "id": f"embct-{instrument.key}",
        "url": url,
        "version": __version__,
        "name": re.sub(r"[^A-Za-z0-9_]", "", label),
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "embct",
        "description": (
            f"Structure and scoring key of the {label} ({instrument.reference}); recall "
            f"period: {instrument.recall_period}. Scores per option are in the ordinalValue "
            f"extension (coding {chosen.name!r}); total {low}-{high}, sum of the subscales "
            f"({subscales}). Missing items: {instrument.missing.description}."
        ),
        "copyright": (
            texts.licence
            if pack is not None
            else "No item or answer wording included; texts are placeholders. The "
            "instrument's wording is copyrighted by its owners."
        ),
        "language": texts.language or "en",
        "item": items,
    }
