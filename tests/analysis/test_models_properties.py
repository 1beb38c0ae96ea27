"""Invariance properties of the model functions (issue 4): permuting the rows changes
nothing; relabelling the arms (0 <-> 1) changes nothing but the signs and the order that
the reparametrisation dictates."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embct.analysis.logistic import dropout_logistic
from embct.analysis.regression import outcome_regression
from embct.analysis.repeated import alliance_development


def make_frame(seed: int, n: int) -> pd.DataFrame:
    """A random trial-like normalized frame with gaps."""
    rng = np.random.default_rng(seed)
    arm = rng.permutation(np.arange(n) % 2)
    started = rng.random(n) < 0.9
    wai_w2 = np.round(rng.normal(36, 8, n))
    dropped = (rng.random(n) < 1 / (1 + np.exp(-(1.5 - 0.06 * wai_w2 + 0.5 * arm)))).astype(float)
    dropped[~started] = np.nan
    person = rng.normal(0, 5, n)
    frame = pd.DataFrame(
        {
            "participant_id": [f"p{i}" for i in range(n)],
            "arm": arm,
            "arm_label": np.where(arm == 0, "group", "online"),
            "started": started,
            "dropped_out": dropped,
            "completer": started & (dropped == 0),
            "wai_w2": wai_w2,
            "wai_w5": np.round(wai_w2 + 2 + person + rng.normal(0, 3, n)),
            "wai_w9": np.round(wai_w2 + 3 + person + rng.normal(0, 3, n) + arm),
            "hads_pre": np.round(rng.normal(18, 6, n)),
            "mhc_pre": np.round(rng.normal(36, 12, n)),
        }
    )
    frame["hads_post"] = np.round(
        4 + 0.6 * frame["hads_pre"] - 0.1 * wai_w2 + 0.1 * wai_w2 * arm + rng.normal(0, 4, n)
    )
    frame["mhc_post"] = np.round(10 + 0.7 * frame["mhc_pre"] + 0.2 * wai_w2 + rng.normal(0, 8, n))
    frame.loc[rng.random(n) < 0.1, "wai_w9"] = np.nan
    frame.loc[rng.random(n) < 0.1, "hads_post"] = np.nan
    return frame


def relabel(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["arm"] = 1 - out["arm"]
    return out


def assert_close(a: Any, b: Any, path: str = "", rel: float = 1e-7) -> None:
    """Recursive equality with a relative tolerance for floats. The mixed model's variance
    ratio comes from a 1-D search whose optimum is flat to rounding, so it is compared to
    1e-5 relative, and to 1e-6 absolute for quantities near zero (a CI bound near 0 moves
    by the same absolute amount as its neighbours, which is large relative to itself)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_close(a[key], b[key], f"{path}.{key}", 1e-5 if key == "mixed_model" else rel)
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{path}[{i}]", rel)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=rel, abs=1e-9 if rel < 1e-6 else 1e-6), path
    else:
        assert a == b, path


def terms(step: dict) -> dict[str, dict]:
    return {t["term"]: t for t in step["terms"]}


FRAMES = st.tuples(st.integers(0, 2**31), st.integers(60, 140))
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(FRAMES, st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(spec: tuple[int, int], rnd: Any) -> None:
    frame = make_frame(*spec)
    order = list(range(len(frame)))
    rnd.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)
    for outcome in ("hads", "mhc"):
        assert_close(outcome_regression(frame, outcome), outcome_regression(shuffled, outcome))
    assert_close(dropout_logistic(frame), dropout_logistic(shuffled))
    assert_close(alliance_development(frame), alliance_development(shuffled))


@SETTINGS
@given(FRAMES)
def test_relabelling_arms_only_flips_what_it_must(spec: tuple[int, int]) -> None:
    frame = make_frame(*spec)
    swapped = relabel(frame)

    # Regression: fit statistics unchanged; arm and interaction flip sign, the wai_w2
    # main effect becomes the other arm's slope; slopes swap arms; J-N unchanged.
    a, b = outcome_regression(frame, "hads"), outcome_regression(swapped, "hads")
    for sa, sb in zip(a["steps"], b["steps"], strict=True):
        for key in ("r2", "adj_r2", "f", "p_val", "r2_change", "f_change", "f_change_p_val"):
            assert sa[key] == pytest.approx(sb[key], rel=1e-9), key
        ta, tb = terms(sa), terms(sb)
        assert tb["arm"]["b"] == pytest.approx(-ta["arm"]["b"], rel=1e-9)
        assert tb["arm"]["se"] == pytest.approx(ta["arm"]["se"], rel=1e-9)
        assert tb["baseline"]["b"] == pytest.approx(ta["baseline"]["b"], rel=1e-9)
    ta, tb = terms(a["steps"][2]), terms(b["steps"][2])
    assert tb["wai_w2:arm"]["b"] == pytest.approx(-ta["wai_w2:arm"]["b"], rel=1e-9)
    assert tb["wai_w2"]["b"] == pytest.approx(a["simple_slopes"][1]["b"], rel=1e-9)
    assert b["simple_slopes"][0]["arm_label"] == a["simple_slopes"][1]["arm_label"]
    assert b["simple_slopes"][0]["b"] == pytest.approx(a["simple_slopes"][1]["b"], rel=1e-9)
    for da, db in zip(a["arm_difference_at"], b["arm_difference_at"], strict=True):
        assert db["b"] == pytest.approx(-da["b"], rel=1e-9, abs=1e-12)
        assert db["p_val"] == pytest.approx(da["p_val"], rel=1e-9)
    if a["johnson_neyman"]["lower"] is not None:
        assert b["johnson_neyman"]["lower"] == pytest.approx(a["johnson_neyman"]["lower"])
        assert b["johnson_neyman"]["upper"] == pytest.approx(a["johnson_neyman"]["upper"])
    assert a["assumptions"]["max_cooks_d"] == pytest.approx(b["assumptions"]["max_cooks_d"])

    # Logistic: likelihood statistics unchanged; arm (step 1) and interaction flip sign.
    la, lb = dropout_logistic(frame), dropout_logistic(swapped)
    if "skipped" not in la:
        for sa, sb in zip(la["steps"], lb["steps"], strict=True):
            for key in ("minus2ll", "model_chi2", "cox_snell_r2", "nagelkerke_r2"):
                assert sa[key] == pytest.approx(sb[key], rel=1e-7), key
        assert terms(lb["steps"][0])["arm"]["b"] == pytest.approx(
            -terms(la["steps"][0])["arm"]["b"], rel=1e-6
        )
        inter_a, inter_b = terms(la["steps"][1])["wai_w2:arm"], terms(lb["steps"][1])["wai_w2:arm"]
        assert inter_b["b"] == pytest.approx(-inter_a["b"], rel=1e-6)
        assert inter_b["wald"] == pytest.approx(inter_a["wald"], rel=1e-6)

    # Repeated measures: every test unchanged, the means swap arms.
    ra, rb = alliance_development(frame), alliance_development(swapped)
    assert_close(ra["multivariate"], rb["multivariate"])
    assert_close(ra["between"], rb["between"])
    assert_close(ra["sphericity"], rb["sphericity"])
    assert [m["mean"] for m in rb["means"]] == pytest.approx(
        [m["mean"] for m in ra["means"][3:] + ra["means"][:3]]
    )
    ma, mb = ra["mixed_model"], rb["mixed_model"]
    for test in ("time", "time_x_arm"):  # time is averaged over arms: no reference arm
        assert mb["tests"][test]["chi2"] == pytest.approx(ma["tests"][test]["chi2"], rel=1e-6)
    assert mb["loglik"] == pytest.approx(ma["loglik"], rel=1e-9)
    assert terms(mb)["arm"]["b"] == pytest.approx(-terms(ma)["arm"]["b"], rel=1e-5)
