"""FHIR R4 Questionnaire export: structure, R4 invariants, and the scoring key it carries."""

from __future__ import annotations

import json
import re

import pytest

from embct.instruments import (
    INSTRUMENTS,
    get_instrument,
    placeholder_pack,
    to_fhir_questionnaire,
    validate_content_pack,
)
from embct.instruments.fhir import ORDINAL_VALUE

# FHIR R4 Questionnaire.status (PublicationStatus) and item types
STATUSES = {"draft", "active", "retired", "unknown"}
ITEM_TYPES = {"group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time"}
ITEM_TYPES |= {"string", "text", "url", "choice", "open-choice", "attachment", "reference"}
ITEM_TYPES |= {"quantity"}


@pytest.mark.parametrize("key", sorted(INSTRUMENTS))
def test_export_is_a_valid_r4_questionnaire_shape(key: str) -> None:
    resource = json.loads(json.dumps(to_fhir_questionnaire(key)))  # JSON-ready
    instrument = get_instrument(key)
    assert resource["resourceType"] == "Questionnaire"
    assert resource["status"] in STATUSES
    assert re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,254}", resource["name"])  # inv que-0
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", resource["id"])
    assert resource["url"].startswith("urn:")
    link_ids = [item["linkId"] for item in resource["item"]]
    assert len(set(link_ids)) == len(link_ids) == instrument.n_items  # inv que-2
    for number, item in zip(instrument.items, resource["item"], strict=True):
        assert item["type"] in ITEM_TYPES
        assert item["type"] == "choice"
        assert "answerValueSet" not in item  # inv que-4: not both
        assert item["code"][0]["code"] == instrument.subscale_of(number)
        scores = [
            option["valueCoding"]["extension"][0]["valueDecimal"] for option in item["answerOption"]
        ]
        assert scores == list(instrument.coding().option_scores[number])
        for option in item["answerOption"]:
            coding = option["valueCoding"]
            assert coding["extension"][0]["url"] == ORDINAL_VALUE
            assert coding["code"].startswith(f"{number:02d}")
            assert coding["code"].endswith(str(coding["extension"][0]["valueDecimal"]))


def test_hads_export_carries_the_printed_order() -> None:
    resource = to_fhir_questionnaire("hads")
    first = [item["answerOption"][0]["valueCoding"]["code"] for item in resource["item"]]
    # top option of items 1..14 scores 3,0,3,0,3,3,0,3,0,3,3,0,3,0 on the printed form
    assert [int(code[-1]) for code in first] == [3, 0, 3, 0, 3, 3, 0, 3, 0, 3, 3, 0, 3, 0]
    assert "half rule" in resource["description"]
    assert "No item or answer wording" in resource["copyright"]


def test_export_with_a_content_pack_uses_its_texts() -> None:
    data = placeholder_pack("wai", coding="0-4").to_dict()
    data["items"][0]["stem"] = "Licensed stem one"
    data["licence"] = "Licensed to the test clinic"
    pack = validate_content_pack(data)
    resource = to_fhir_questionnaire("wai", pack=pack)
    assert resource["item"][0]["text"] == "Licensed stem one"
    assert resource["copyright"] == "Licensed to the test clinic"
    values = [
        o["valueCoding"]["extension"][0]["valueDecimal"]
        for o in resource["item"][0]["answerOption"]
    ]
    assert values == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="for 'wai', not 'hads'"):
        to_fhir_questionnaire("hads", pack=pack)
    with pytest.raises(ValueError, match="coding '0-4', not '1-5'"):
        to_fhir_questionnaire("wai", pack=pack, coding="1-5")
