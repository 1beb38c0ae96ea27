"""The keys of the three instruments, checked item by item against the published facts
(reference/instruments.md of the project)."""

from __future__ import annotations

import dataclasses

import pytest

from embct.instruments import (
    INSTRUMENTS,
    InstrumentError,
    MissingRule,
    UnknownInstrumentError,
    get_instrument,
)


def test_the_three_instruments_are_there() -> None:
    assert sorted(INSTRUMENTS) == ["hads", "mhc", "wai"]
    for key in INSTRUMENTS:
        assert get_instrument(key).key == key
        assert get_instrument(key.upper()).key == key


def test_an_unknown_key_raises_naming_it() -> None:
    with pytest.raises(UnknownInstrumentError, match="'phq9'") as error:
        get_instrument("phq9")
    assert isinstance(error.value, InstrumentError)
    assert isinstance(error.value, ValueError)
    assert error.value.instrument == "phq9"


def test_hads_subscales_are_odd_and_even_items() -> None:
    # Zigmond & Snaith 1983: anxiety = items 1, 3, ..., 13; depression = 2, 4, ..., 14.
    hads = get_instrument("hads")
    assert hads.items == tuple(range(1, 15))
    assert hads.subscales == {
        "anxiety": (1, 3, 5, 7, 9, 11, 13),
        "depression": (2, 4, 6, 8, 10, 12, 14),
    }
    assert (hads.min_score, hads.max_score) == (0, 3)
    assert hads.score_range() == (0, 42)
    assert hads.score_range("anxiety") == hads.score_range("depression") == (0, 21)
    assert hads.higher_is_better is False


# Score of the top printed option per item (three independent copies of the form agree).
HADS_TOP_OPTION = {1: 3, 2: 0, 3: 3, 4: 0, 5: 3, 6: 3, 7: 0, 8: 3, 9: 0, 10: 3, 11: 3, 12: 0}
HADS_TOP_OPTION |= {13: 3, 14: 0}


@pytest.mark.parametrize("item", range(1, 15))
def test_hads_position_coding_reverses_exactly_items_1_3_5_6_8_10_11_13(item: int) -> None:
    position = get_instrument("hads").coding("position")
    scores = [position.score(item, p) for p in range(4)]
    if item in (1, 3, 5, 6, 8, 10, 11, 13):
        assert scores == [3, 2, 1, 0]
    else:
        assert scores == [0, 1, 2, 3]
    assert scores[0] == HADS_TOP_OPTION[item]
    assert position.score(item, 4) is None
    assert position.score(item, -1) is None


@pytest.mark.parametrize("item", range(1, 15))
def test_hads_printed_coding_keeps_the_printed_score(item: int) -> None:
    printed = get_instrument("hads").coding("printed")
    assert [printed.score(item, v) for v in range(4)] == [0, 1, 2, 3]
    # display order is the printed form's: the top option carries the score of the key
    assert printed.option_scores[item][0] == HADS_TOP_OPTION[item]


def test_hads_bands_and_screening_rule() -> None:
    hads = get_instrument("hads")
    for scale in ("anxiety", "depression"):
        assert [(b.low, b.label) for b in hads.bands[scale]] == [
            (0, "non-case"),
            (8, "doubtful"),
            (11, "case"),
        ]
    assert hads.screening is not None
    assert (hads.screening.scale, hads.screening.threshold) == ("total", 11)


def test_hads_missing_rule_is_the_half_rule() -> None:
    # Bell et al. 2016: at least 4 of the 7 items of a subscale answered.
    assert get_instrument("hads").missing.min_answered == {"anxiety": 4, "depression": 4}


def test_wai_sr_key() -> None:
    # Hatcher & Gillaspy 2006: Task 1,2,10,12; Bond 3,5,7,9; Goal 4,6,8,11; no reversed item.
    wai = get_instrument("wai")
    assert wai.items == tuple(range(1, 13))
    assert wai.subscales == {"task": (1, 2, 10, 12), "bond": (3, 5, 7, 9), "goal": (4, 6, 8, 11)}
    assert wai.default_coding == "1-5"
    assert (wai.min_score, wai.max_score) == (1, 5)
    assert wai.score_range() == (12, 60)
    assert wai.score_range("bond") == (4, 20)
    assert wai.score_range(coding="0-4") == (0, 48)
    for item in wai.items:
        assert [wai.coding().score(item, v) for v in range(1, 6)] == [1, 2, 3, 4, 5]
        assert [wai.coding("0-4").score(item, v) for v in range(5)] == [0, 1, 2, 3, 4]
    assert wai.missing.min_answered == {"task": 3, "bond": 3, "goal": 3}
    assert wai.bands == {}
    assert wai.higher_is_better is True


def test_mhc_sf_key() -> None:
    # Keyes 2002 / Lamers 2011: emotional 1-3, social 4-8, psychological 9-14; 0-5.
    mhc = get_instrument("mhc")
    assert mhc.subscales == {
        "emotional": (1, 2, 3),
        "social": (4, 5, 6, 7, 8),
        "psychological": (9, 10, 11, 12, 13, 14),
    }
    assert mhc.score_range() == (0, 70)
    assert [mhc.score_range(s) for s in mhc.subscales] == [(0, 15), (0, 25), (0, 30)]
    assert mhc.missing.min_answered == {"emotional": 2, "social": 4, "psychological": 5}
    assert mhc.diagnosis is not None
    assert mhc.diagnosis.hedonic == (1, 2, 3)
    assert mhc.diagnosis.functioning == tuple(range(4, 15))


def test_an_unknown_coding_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown coding 'position'"):
        get_instrument("wai").coding("position")


def test_inconsistent_definitions_are_refused() -> None:
    hads = get_instrument("hads")
    with pytest.raises(ValueError, match="partition"):
        dataclasses.replace(hads, subscales={"anxiety": (1, 3), "depression": (2, 4)})
    with pytest.raises(ValueError, match="every subscale"):
        dataclasses.replace(hads, missing=MissingRule("x", {"anxiety": 4}))
