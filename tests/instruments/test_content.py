"""Content packs: placeholders, loading, and loud failure on a pack that does not match
the built-in key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embct.instruments import (
    INSTRUMENTS,
    ContentPackError,
    get_instrument,
    load_content_pack,
    placeholder_pack,
    validate_content_pack,
)


@pytest.mark.parametrize("key", sorted(INSTRUMENTS))
def test_placeholder_packs_validate_and_round_trip(key: str) -> None:
    pack = placeholder_pack(key)
    assert validate_content_pack(pack.to_dict()) == pack
    instrument = get_instrument(key)
    assert [entry.item for entry in pack.items] == list(instrument.items)
    assert pack.item(1).stem == f"{instrument.short_name} item 1"


def test_hads_placeholder_follows_the_printed_order() -> None:
    # HADS item 6 is printed with the score-3 option on top; item 7 with score 0 on top.
    pack = placeholder_pack("hads", coding="position")
    assert [(o.text, o.score, o.value) for o in pack.item(6).options] == [
        ("HADS item 6, option A", 3, 0),
        ("HADS item 6, option B", 2, 1),
        ("HADS item 6, option C", 1, 2),
        ("HADS item 6, option D", 0, 3),
    ]
    assert [o.score for o in pack.item(7).options] == [0, 1, 2, 3]
    printed = placeholder_pack("hads")
    assert [o.value for o in printed.item(6).options] == [3, 2, 1, 0]


def test_a_mis_ordered_pack_fails_loudly() -> None:
    data = placeholder_pack("hads").to_dict()
    data["items"][5]["options"] = list(reversed(data["items"][5]["options"]))
    with pytest.raises(ContentPackError, match="mis-ordered") as raised:
        validate_content_pack(data)
    assert (raised.value.instrument, raised.value.item, raised.value.value) == ("hads", 6, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema="v0"), "'schema' must be"),
        (lambda d: d.update(instrument="phq9"), "unknown instrument"),
        (lambda d: d.update(coding="0-4"), "unknown coding"),
        (lambda d: d["items"].pop(), "lacks items 14"),
        (lambda d: d["items"].append(dict(d["items"][0])), "item given twice"),
        (lambda d: d["items"][0].update(item=15), "unknown item"),
        (lambda d: d["items"][0].update(stem=" "), "'stem' must be non-empty"),
        (lambda d: d["items"][0]["options"].pop(), "expected 4 options"),
        (lambda d: d["items"][0]["options"][0].update(score="3"), "must be an integer"),
        (lambda d: d["items"][0]["options"][1].update(text=""), "'text' must be non-empty"),
    ],
)
def test_bad_packs_are_refused(change, message: str) -> None:  # type: ignore[no-untyped-def]
    data = placeholder_pack("hads").to_dict()
    change(data)
    with pytest.raises(ContentPackError, match=message):
        validate_content_pack(data)


def test_wai_pack_for_the_zero_to_four_coding() -> None:
    data = placeholder_pack("wai").to_dict()  # scores 1..5
    data["coding"] = "0-4"
    with pytest.raises(ContentPackError, match="scores 1 in the pack but 0"):
        validate_content_pack(data)
    assert validate_content_pack(placeholder_pack("wai", coding="0-4").to_dict()).coding == "0-4"


def toml_pack() -> str:
    lines = [
        'schema = "embct-content-pack/1"',
        'instrument = "mhc"',
        'language = "nl"',
        'licence = "test fixture"',
    ]
    for item in range(1, 15):
        options = ", ".join(
            f'{{ text = "MHC-SF item {item}, option {"ABCDEF"[s]}", score = {s} }}'
            for s in range(6)
        )
        lines += ["[[items]]", f"item = {item}", f'stem = "MHC-SF item {item}"']
        lines += [f"options = [{options}]"]
    return "\n".join(lines) + "\n"


def test_load_toml_and_json(tmp_path: Path) -> None:
    path = tmp_path / "mhc.toml"
    path.write_text(toml_pack())
    pack = load_content_pack(path)
    assert pack.language == "nl"
    assert pack.item(14).options[5].score == 5
    json_path = tmp_path / "mhc.json"
    json_path.write_text(json.dumps(pack.to_dict()))
    assert load_content_pack(json_path) == pack


def test_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "pack.toml"
    bad.write_text("schema = ")
    with pytest.raises(ContentPackError, match="cannot be parsed"):
        load_content_pack(bad)
    other = tmp_path / "pack.yaml"
    other.write_text("schema: x")
    with pytest.raises(ContentPackError, match=r"\.toml or \.json"):
        load_content_pack(other)


def test_the_repository_ships_no_wording() -> None:
    # Only placeholders: every built-in text is "<NAME> item <n>[, option <X>]".
    for key in INSTRUMENTS:
        pack = placeholder_pack(key)
        for entry in pack.items:
            assert entry.stem.endswith(f"item {entry.item}")
            for option in entry.options:
                assert option.text.startswith(entry.stem + ", option ")


def test_a_pack_s_language_is_english_by_default_and_must_be_a_language_code() -> None:
    data = placeholder_pack("hads").to_dict()
    del data["language"]
    assert validate_content_pack(data).language == "en"
    data["language"] = "nl-BE"
    assert validate_content_pack(data).language == "nl-BE"
    for bad in ("Dutch", "", 1, "nl_NL"):
        data["language"] = bad
        with pytest.raises(ContentPackError, match="'language' must be a language code"):
            validate_content_pack(data)
