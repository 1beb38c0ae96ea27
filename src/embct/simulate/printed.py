"""Every figure the paper prints beside ours, at its printed precision, and the P = .004 probe.

:func:`printed_rows` walks the ``figure`` entries of ``published-results.toml`` (the format of
:mod:`embct.figures.check`) and sets each printed number beside the same number computed on a
reproduced cohort (a results document of :func:`embct.analysis.analyze`), where one can be
computed: one row per printed number, ``matched`` when ours rounds to the printed value at
its printed precision (a ``P < .001`` is matched by any P below .001; counts exactly).
Numbers no cohort can hold (the therapists' count, the reasons for dropout) have
``ours = None``.

Where the paper prints two figures that cannot both be matched, the row of the one left
unmatched says which one ours matches instead, and why (``matched_instead``, also in its
``note``), from the ``[[matched_instead]]`` entries of the figures file; the checker's finding
names the conflict. The readings behind them:

- terms of Tables 2 and 3 are read at the step where they enter (the tables print every t
  with the step-3 df; the df rule of the checker), the Abstract's versions likewise;
- the R2 change the text names for the interaction is compared as the step-2 change (the
  checker finds that only step 2 fits it);
- the dropout logit B = -.39 is compared per SD of the week-2 WAI (per point it would be an
  odds ratio of .68 per WAI point, which the printed P = .21 does not allow with these SDs);
  the interaction B = -.13 per point (exact mode calibrates both, :mod:`.dropout`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from embct.figures.rules import printed, printed_p

from .compare import published_results

__all__ = ["matched_instead", "p_probe", "printed_rows"]

#: Table 1's rows that are the other level of a binary characteristic of the schema; the
#: other rows are named by their schema column (the baseline totals by the paper's names).
_COMPLEMENTS = {
    "education_low": "education_high",
    "diagnosis_other": "diagnosis_breast",
    "intent_palliative": "intent_curative",
}
_RENAMED = {"hads_baseline": "hads_pre", "mhc_sf_baseline": "mhc_pre"}


def _baseline_variable(key: str) -> tuple[str, bool]:
    if key in _COMPLEMENTS:
        return _COMPLEMENTS[key], True
    return _RENAMED.get(key, key), False


#: the categories of a row in the order printed (low/middle then high; breast, other; ...)
_SUMS = {
    "education": (_COMPLEMENTS["education_low"], (True, False)),
    "diagnosis": (_COMPLEMENTS["diagnosis_other"], (False, True)),
    "intent": (_COMPLEMENTS["intent_palliative"], (False, True)),
}
_ARM = {"mbct": "reference", "embct": "comparison"}


def _matched(text: Any, field: str, ours: float | None) -> bool:
    if ours is None or not np.isfinite(ours):
        return False
    if field == "p":
        p = printed_p(text)
        if p.comparison == "<":
            return ours < p.value
        if p.comparison == ">":
            return ours > p.value
        return p.number.covers(ours)
    return printed(text).covers(ours)


def _value(text: Any, field: str) -> float:
    return printed_p(text).value if field == "p" else printed(text).value


def _baseline_values(row: Mapping[str, Any], arm: str | None, complement: bool) -> dict[str, Any]:
    if arm is not None:
        side = _ARM[arm]
        n = row[f"{side}_n"]
        count = row.get(f"{side}_count")
        if complement and count is not None:
            count = n - count
        return {
            "n": n,
            "count": count,
            "percent": None if count is None else 100.0 * count / n,
            "mean": row.get(f"{side}_mean"),
            "sd": row.get(f"{side}_sd"),
        }
    return {
        "chi2": row.get("chi2"),
        "df": row.get("dof"),
        "n": row.get("n"),
        "p": row.get("p_val"),
        "value": row.get("t") if row.get("t") is not None else row.get("chi2"),
    }


def _term(results: Mapping[str, Any], outcome: str, step: int, name: str) -> Mapping[str, Any]:
    steps = results.get("outcomes", {}).get(outcome, {}).get("steps", [])
    if step >= len(steps):
        return {}
    for term in steps[step].get("terms", []):
        if term.get("term") == name:
            return term
    return {}


def _ours(
    entry: Mapping[str, Any], results: Mapping[str, Any], table: Any
) -> tuple[dict[str, Any], str]:
    """Our value of each field of one printed entry, and a note."""
    ident = entry["id"]
    parts = ident.split(".")
    flow = results.get("flow", {})
    arms = {a["arm_label"]: a for a in flow.get("arms", [])}
    total = flow.get("total", {})
    if parts[0] == "t1":
        rows = {r["variable"]: r for r in results.get("baseline", {}).get("rows", [])}
        if parts[1] == "n":
            return {"value": arms.get(parts[2], {}).get("randomized")}, ""
        if parts[2] == "sum":
            # the categories in the order printed: low/middle then high; breast, other; ...
            variable, order = _SUMS[parts[1]]
            row = rows.get(variable)
            if row is None:
                return {}, ""
            values = [_baseline_values(row, parts[3], c) for c in order]
            return {"total": values[0]["n"], "terms": [v["count"] for v in values]}, ""
        variable, complement = _baseline_variable(parts[1])
        row = rows.get(variable)
        if row is None:
            return {}, ""
        if parts[2] == "test":
            ours = _baseline_values(row, None, complement)
            note = ""
            if entry.get("stat") == "chi2" and row.get("t") is not None:
                note = "printed in the chi-square column; ours is the t test of the means"
            if entry["kind"] == "crosstab":
                events = [_baseline_values(row, a, complement)["count"] for a in ("mbct", "embct")]
                ours.update(events=events, totals=[row["reference_n"], row["comparison_n"]])
                note = "ours: Pearson chi-square without continuity correction"
            return ours, note
        return _baseline_values(row, parts[2], complement), ""
    if parts[0] == "flow":
        key = parts[1]
        if key == "randomized" and len(parts) == 2:
            return {
                "total": total.get("randomized"),
                "terms": [
                    arms.get("embct", {}).get("randomized"),
                    arms.get("mbct", {}).get("randomized"),
                ],
            }, ""
        if len(parts) == 3 and parts[2] in arms and key in ("randomized", "declined", "dropouts"):
            a = arms[parts[2]]
            count = a[key]
            base = a["randomized"] if key == "declined" else a["started"]
            return {"value": count, "count": count, "n": base, "percent": 100.0 * count / base}, ""
        if key == "dropouts" and len(parts) == 2:
            return {
                "count": total.get("dropouts"),
                "n": total.get("started"),
                "percent": 100.0 * total["dropouts"] / total["started"],
            }, ""
        if key == "dropouts" and parts[2] == "sum":
            return {
                "total": total.get("dropouts"),
                "terms": [arms["embct"]["dropouts"], arms["mbct"]["dropouts"]],
            }, ""
        if key == "started":
            e, m = arms["embct"], arms["mbct"]
            return {
                "total": total.get("started"),
                "terms": [e["randomized"], -e["declined"], m["randomized"], -m["declined"]],
            }, ""
        if key == "completers":
            return {
                "total": total.get("completers"),
                "terms": [total.get("started"), -total.get("dropouts")],
            }, ""
        if key == "dropout_arm_difference":
            d = flow.get("dropout_by_arm", {})
            return {
                "p": d.get("p_val"),
                "events": [d.get("dropouts_comparison"), d.get("dropouts_reference")],
                "totals": [d.get("n_comparison"), d.get("n_reference")],
            }, "ours: Pearson chi-square"
        return {}, "not in a cohort (the reasons for dropout are not simulated)"
    if parts[0] == "methods":
        rel = results.get("reliability", {})

        def alpha(prefix: str) -> float | None:
            vals = [
                v["alpha"]
                for k, v in rel.items()
                if k.startswith(prefix) and v.get("alpha") is not None
            ]
            return float(np.mean(vals)) if vals else None

        simple = {
            "randomized": total.get("randomized"),
            "completers": total.get("completers"),
            "adequate_dose": results.get("meta", {})
            .get("config", {})
            .get("dose", {})
            .get("completer_min_sessions"),
            "wai_alpha": alpha("wai"),
            "hads_alpha": alpha("hads"),
            "mhc_alpha": alpha("mhc"),
        }
        if parts[1] in simple:
            note = "mean over the waves" if parts[1].endswith("alpha") else ""
            return {"value": simple[parts[1]]}, note
        if parts[1] in ("wai_items", "hads_items", "mhc_items"):
            from embct.instruments import item_columns

            inst = parts[1].split("_")[0]
            wave = {"wai": "w2", "hads": "pre", "mhc": "pre"}[inst]
            return {"value": len(item_columns(inst, wave))}, ""
        if parts[1].endswith("_scale"):
            from embct.schema import item_range

            r = item_range(parts[1].split("_")[0])
            return {"points": r.high - r.low + 1, "low": r.low, "high": r.high}, (
                "ours: the item scores embct uses"
            )
        if parts[1] == "embct_sessions":
            mx = results.get("meta", {}).get("config", {}).get("dose", {}).get("max_sessions")
            return {"total": mx}, ""
        if parts[1] == "therapists" and table is not None and "therapist_id" in table:
            return {"total": int(table["therapist_id"].nunique())}, ""
        return {}, "a protocol figure, not in a cohort"
    if parts[0] == "dropout":
        d = results.get("dropout", {})
        w = d.get("wai_w2", {})
        if parts[1] == "wai_w2" and parts[2] in ("dropouts", "completers"):
            g = w.get(parts[2], {})
            return {"mean": g.get("mean"), "sd": g.get("sd"), "n": g.get("n")}, ""
        if parts[1] == "wai_w2" and parts[2] == "difference":
            return {
                "p": w.get("p_val")
            }, "ours: Student t of the week-2 WAI, dropouts vs completers"
        steps = d.get("logistic", {}).get("steps", [])
        if parts[1] == "logit" and steps:
            if parts[2] == "wai_w2":
                t: Mapping[str, Any] = next(
                    (x for x in steps[0]["terms"] if x["term"] == "wai_w2"), {}
                )
                sd = _wai_sd(table)
                b = t.get("b")
                per_sd = None if b is None or sd is None else b * sd
                return {"value": per_sd, "p": t.get("p_val")}, (
                    f"ours per SD of the week-2 WAI ({sd:.2f} points); per point B = {b:.4f}"
                    if per_sd is not None
                    else ""
                )
            if len(steps) > 1:
                t = next((x for x in steps[1]["terms"] if x["term"] == "wai_w2:arm"), {})
                return {
                    "value": t.get("b"),
                    "p": t.get("p_val"),
                }, "ours per point of the week-2 WAI"
        return {}, ""
    if parts[0] == "alliance":
        al = results.get("alliance_development", {})
        mv = al.get("multivariate", {})
        if parts[1] == "time":
            s = mv.get("time", {})
        elif parts[1] == "time_x_condition" and len(parts) == 2:
            s = mv.get("time_x_arm", {})
        else:
            s = al.get("between", {}).get("arm", {})
        note = (
            "ours: the between-arm F (what the printed F(1,91) is)"
            if len(parts) == 3 and parts[1] == "time_x_condition"
            else ""
        )
        return {
            "value": s.get("f"),
            "df1": s.get("df1"),
            "df2": s.get("df2"),
            "wilks_lambda": s.get("wilks_lambda"),
            "p": s.get("p_val"),
        }, note
    if parts[0] in ("t2", "t3"):
        outcome = "hads" if parts[0] == "t2" else "mhc"
        res = results.get("outcomes", {}).get(outcome, {})
        steps = res.get("steps", [])
        if parts[1].startswith("step"):
            k = int(parts[1][4:]) - 1
            s = steps[k] if k < len(steps) else {}
            return {
                "f": s.get("f"),
                "df1": s.get("df1"),
                "df2": s.get("df2"),
                "adj_r2": s.get("adj_r2"),
                "p": s.get("p_val"),
            }, ""
        if parts[1] == "n":
            return {"value": results.get("flow", {}).get("total", {}).get("completers")}, ""
        if parts[1] == "probe":
            probe = p_probe(results)
            return {"p": None if probe is None else probe["at_minus_1_sd"]["p_val"]}, (
                "ours at -1 SD of the week-2 WAI; see the P = .004 probe" if probe else ""
            )
        name = {
            "baseline": "baseline",
            "condition": "arm",
            "wai_w2": "wai_w2",
            "interaction": "wai_w2:arm",
        }[parts[1]]
        if len(parts) == 3 and parts[2] == "change":
            s = steps[1] if len(steps) > 1 else {}
            return {
                "r2_change": s.get("r2_change"),
                "f": s.get("f_change"),
                "df1": s.get("f_change_df1"),
                "df2": s.get("f_change_df2"),
                "p": s.get("f_change_p_val"),
                "t": _term(results, outcome, 2, name).get("t"),
                "n": res.get("n"),
            }, (
                "ours: the step-2 change (adding week-2 WAI), the only step the printed "
                "figures fit; t is the interaction's"
            )
        k = int(entry.get("predictors", 4)) - 2
        t = _term(results, outcome, k, name)
        note = f"ours at step {k + 1}, where the term enters"
        if "same" in entry:
            note += "; printed elsewhere with other values (the checker's finding)"
        return {
            "b": t.get("b"),
            "value": t.get("t"),
            "df": t.get("dof"),
            "p": t.get("p_val"),
            "n": res.get("n"),
        }, note
    return {}, ""


def _wai_sd(table: Any) -> float | None:
    if table is None or "wai_w2" not in getattr(table, "columns", []):
        return None
    started = table["started"].astype(bool)
    w = table.loc[started, "wai_w2"].dropna()
    return float(w.std(ddof=1)) if len(w) > 1 else None


_FIELDS = (
    "count",
    "percent",
    "n",
    "mean",
    "sd",
    "value",
    "b",
    "chi2",
    "df",
    "df1",
    "df2",
    "f",
    "adj_r2",
    "r2_change",
    "wilks_lambda",
    "t",
    "p",
    "total",
    "points",
    "low",
    "high",
)


def printed_rows(
    results: Mapping[str, Any], table: Any = None, pub: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """One row per printed number: ``id``, ``field``, ``where``, ``printed`` and the columns of
    :func:`embct.simulate.compare.comparison_rows` (``section``, ``figure``, ``published``,
    ``ours``, ``difference``, ``matched``, ``note``)."""
    pub = published_results() if pub is None else pub
    instead = matched_instead(pub)
    rows = []
    for entry in pub.get("figure", []):
        try:
            ours, note = _ours(entry, results, table)
        except (KeyError, IndexError, TypeError, ZeroDivisionError):
            ours, note = {}, "not in these results"
        fields = [
            (f, entry[f]) for f in _FIELDS if f in entry and not isinstance(entry[f], (list, dict))
        ]
        for list_field in ("events", "totals", "terms"):
            for k, v in enumerate(entry.get(list_field, [])):
                fields.append((f"{list_field}[{k}]", v))
        for field, text in fields:
            base = field.split("[")[0]
            value = ours.get(base)
            if "[" in field and isinstance(value, list):
                k = int(field.split("[")[1][:-1])
                value = value[k] if k < len(value) else None
            elif "[" in field:
                value = None
            if isinstance(value, (list, dict)):
                value = None
            ours_f = None if value is None else float(value)
            published = _value(text, base)
            figure = f"{entry['id']}: {field}"
            other = instead.get(figure, "")
            rows.append(
                {
                    "section": "Printed figures",
                    "figure": f"{entry['id']}: {field}",
                    "id": entry["id"],
                    "field": field,
                    "where": entry["where"],
                    "printed": str(text),
                    "published": published,
                    "ours": ours_f,
                    "difference": None if ours_f is None else ours_f - published,
                    "matched": _matched(text, base, ours_f),
                    "note": "; ".join(x for x in (note, other) if x),
                    "matched_instead": other,
                }
            )
    return rows


def matched_instead(pub: Mapping[str, Any] | None = None) -> dict[str, str]:
    """``"matched instead: ..."`` for each printed number of a conflicting pair left unmatched.

    From the ``[[matched_instead]]`` entries of the figures file: ``figures`` (the printed
    numbers, as ``"id: field"``), ``matched`` (what ours is matched to instead) and ``why``.
    """
    pub = published_results() if pub is None else pub
    out: dict[str, str] = {}
    for entry in pub.get("matched_instead", []):
        text = f"matched instead: {entry['matched']} ({entry['why']})"
        for figure in entry["figures"]:
            out[figure] = text
    return out


def p_probe(
    results: Mapping[str, Any], p: float = 0.004, outcome: str = "hads"
) -> dict[str, Any] | None:
    """Where on the week-2 WAI the arm difference of the outcome regression has this P.

    The arm difference at alliance ``W`` is ``b_arm + b_int W`` with variance
    ``v_aa + 2 W v_ai + W^2 v_ii``; both are recovered exactly from the three spotlight values
    (-1 SD, mean, +1 SD) of the results document, and the alliance values where the two-sided
    P equals ``p`` are the Johnson-Neyman boundaries at ``alpha = p``
    (:func:`embct.analysis.moderation.johnson_neyman`).

    Returns ``p``, ``at`` (the weaker-alliance value with that P: the lower boundary when
    the difference is significant below it), ``at_z`` (in SDs from the mean), ``range`` (the
    alliance values whose P rounds to the printed one, as ``[low, high]``), ``at_minus_1_sd``
    and ``at_jn_bound`` (the conventional probe points with their P) and ``consistent`` (which
    of those probe points give a P that rounds to ``p``). None when there is no interaction.
    """
    from embct.analysis.moderation import johnson_neyman

    res = results.get("outcomes", {}).get(outcome, {})
    spots = res.get("arm_difference_at", [])
    if len(spots) < 3:
        return None
    w = np.array([s["wai_w2"] for s in spots], dtype=float)
    b = np.array([s["b"] for s in spots], dtype=float)
    se2 = np.array([s["se"] for s in spots], dtype=float) ** 2
    dof = float(spots[0]["dof"])
    slope = (b[2] - b[0]) / (w[2] - w[0])
    b_arm = b[1] - slope * w[1]
    v_aa, v_ai2, v_ii = np.linalg.solve(np.column_stack([np.ones(3), w, w * w]), se2)

    def at(value: float) -> dict[str, float]:
        est = b_arm + slope * value
        se = float(np.sqrt(v_aa + v_ai2 * value + v_ii * value * value))
        return {
            "wai_w2": float(value),
            "b": float(est),
            "t": float(est / se),
            "p_val": float(2 * stats.t.sf(abs(est / se), dof)),
        }

    observed = res.get("johnson_neyman", {}).get("range") or [float(w.min()), float(w.max())]

    def bound(alpha: float) -> float | None:
        # of the (up to two) alliance values with this P, the one inside the observed range
        # that lies nearest the mean: P rises again far out, where the SE grows
        jn = johnson_neyman(b_arm, slope, v_aa, v_ai2 / 2, v_ii, dof, alpha=alpha)
        roots = [float(r) for r in (jn["lower"], jn["upper"]) if r is not None]  # type: ignore[arg-type]
        inside = [r for r in roots if observed[0] <= r <= observed[1]] or roots
        return min(inside, key=lambda r: abs(r - w[1])) if inside else None

    spot_p = printed_p(f"{p:.3f}".lstrip("0"))
    mean, sd = w[1], (w[2] - w[0]) / 2
    where = bound(p)
    jn05 = bound(0.05)
    lo_hi = sorted(
        x for x in (bound(spot_p.number.high), bound(spot_p.number.low)) if x is not None
    )
    probes = {"at_minus_1_sd": at(mean - sd), "at_mean": at(mean)}
    if jn05 is not None:
        probes["at_jn_bound"] = at(jn05)
    return {
        "outcome": outcome,
        "p": p,
        "at": where,
        "at_z": None if where is None else float((where - mean) / sd),
        "range": lo_hi,
        **probes,
        "consistent": [k for k, v in probes.items() if spot_p.number.covers(v["p_val"])],
    }
