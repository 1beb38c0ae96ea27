"""``embct check-figures``: which printed figures of a paper cannot all be true at once.

A figures file is TOML with one ``[[figure]]`` table per printed statement (the format of
``embct/simulate/published-results.toml``; any paper can be written in it). Every entry has
an ``id``, a ``where`` (table, section, line) and a ``kind``; numbers are written *as
printed*, as strings, so that their precision is kept (``p = ".50"``, ``value = "-0.18"``).

=============  ==============================================================================
kind           fields (``?`` optional)
=============  ==============================================================================
``test``       ``stat`` (t, F, chi2, r, z), ``value``, ``df`` or ``df1``/``df2``, ``p?``,
               ``one_sided?``, ``b?``; ``model?`` with ``n``: ``"two-sample"`` (``n`` the two
               group sizes) or ``"regression"`` (``predictors``); ``groups?`` (``means``,
               ``sds``, ``n`` of two groups: the statistic is recomputed from them);
               ``wilks_lambda?`` (the F is recomputed from it)
``p``          ``p``, ``test?``: a P value printed without its statistic
``value``      ``value`` and any of ``b``, ``p``: a number printed on its own
``percent``    ``count``, ``percent``, ``n?``
``mean``       ``mean``, ``sd?``, ``n?`` (GRIM needs it), ``items?`` (the score is the mean
               of that many integer items; 1 for a sum score), ``low?``/``high?`` (its
               range)
``crosstab``   ``events``, ``totals`` (two groups), ``chi2?``, ``df?``, ``n?`` (the N printed
               with it), ``p?``
``model``      ``f``, ``df1``, ``df2``, ``adj_r2``, ``p?``: one step of a linear regression
``r2_change``  ``r2_change``, ``f``, ``df1``, ``df2``, ``p?``, ``n``, ``adj_r2`` and
               ``predictors`` (per step), ``step`` (the step the text names), ``t?`` (that
               step's one added term)
``scale``      ``points``, ``low``, ``high``: "an n-point scale from low to high"
``sum``        ``total``, ``terms`` (signed): flow arithmetic
=============  ==============================================================================

Entries that print *the same figure twice* share a ``same`` name; their printed values must
agree. Each inconsistency found is a dict with ``ids``, ``where``, ``rule``, ``class``
(``rounding``, ``typo``, ``impossible``, ``wrong test``), ``printed``, ``implies`` and
``recomputed``; findings of one rule with the same message on several rows are one finding.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import rules
from .rules import Printed, printed, printed_p

__all__ = [
    "CLASSES",
    "KINDS",
    "FiguresError",
    "check_figures",
    "check_file",
    "finding_text",
    "load_figures",
    "printed_numbers",
]

CLASSES = ("rounding", "typo", "impossible", "wrong test")
KINDS: dict[str, tuple[str, ...]] = {
    "test": ("stat", "value"),
    "p": ("p",),
    "value": ("value",),
    "percent": ("count", "percent"),
    "mean": ("mean",),
    "crosstab": ("events", "totals"),
    "model": ("f", "df1", "df2", "adj_r2"),
    "r2_change": ("r2_change", "f", "df1", "df2", "n", "adj_r2", "predictors", "step"),
    "scale": ("points", "low", "high"),
    "sum": ("total", "terms"),
}
#: Fields that hold one printed number (what :func:`printed_numbers` counts).
NUMBER_FIELDS = (
    "value",
    "df",
    "df1",
    "df2",
    "p",
    "b",
    "count",
    "percent",
    "mean",
    "sd",
    "n",
    "chi2",
    "f",
    "adj_r2",
    "r2_change",
    "wilks_lambda",
    "t",
    "total",
    "points",
    "low",
    "high",
)
_SAME_FIELDS = ("value", "b", "df", "df1", "df2", "p", "t", "f")


class FiguresError(ValueError):
    """A figures file that cannot be checked: names the entry, the field, the value, the rule."""


def _fail(entry: Mapping[str, Any], field: str, rule: str) -> FiguresError:
    ident = entry.get("id", "?")
    where = entry.get("where", "?")
    value = entry.get(field, "(missing)")
    return FiguresError(f"figure {ident!r} ({where}): {field} = {value!r}: {rule}")


def load_figures(source: str | Path | Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``[[figure]]`` entries of a figures file (a path, or already parsed TOML), checked.

    Raises :class:`FiguresError` naming the entry, the field, the value and the rule.
    """
    if isinstance(source, Mapping):
        data = source
    else:
        path = Path(source)
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise FiguresError(f"{path}: no such file") from None
        except tomllib.TOMLDecodeError as error:
            raise FiguresError(f"{path}: not valid TOML ({error})") from None
    entries = data.get("figure", [])
    if not isinstance(entries, list) or not entries:
        raise FiguresError("no [[figure]] entries: each printed statement is one [[figure]] table")
    seen: set[str] = set()
    out = []
    for k, entry in enumerate(entries, 1):
        entry = dict(entry)
        entry.setdefault("id", f"#{k}")
        for field in ("id", "where", "kind"):
            if not isinstance(entry.get(field), str) or not entry[field]:
                raise _fail(entry, field, "required, a non-empty string")
        if entry["id"] in seen:
            raise _fail(entry, "id", "each figure's id is unique (link repeated figures by `same`)")
        seen.add(entry["id"])
        kind = entry["kind"]
        if kind not in KINDS:
            raise _fail(entry, "kind", f"expected one of {', '.join(KINDS)}")
        for field in KINDS[kind]:
            if field not in entry:
                raise _fail(entry, field, f"a {kind} figure needs it")
        for field in (*NUMBER_FIELDS, "predictors", "terms", "events", "totals"):
            values = entry.get(field, [])
            for v in values if isinstance(values, list) else [values]:
                try:
                    printed_p(v) if field == "p" else printed(v)
                except ValueError as error:
                    raise _fail(entry, field, str(error)) from None
        if kind == "test" and entry["stat"] not in ("t", "F", "chi2", "r", "z"):
            raise _fail(entry, "stat", "expected t, F, chi2, r or z")
        out.append(entry)
    return out


def printed_numbers(entries: Iterable[Mapping[str, Any]]) -> int:
    """How many printed numbers the entries hold: each number field, each member of
    ``events``, ``totals`` and ``terms`` (lists in other fields repeat figures printed
    elsewhere, such as a table's adjusted R2 in an ``r2_change``, and are not counted)."""
    total = 0
    for e in entries:
        for field in NUMBER_FIELDS:
            if field in e and not isinstance(e[field], (list, dict)):
                total += 1
        for field in ("events", "totals", "terms"):
            total += len(e.get(field, []))
    return total


def _num(e: Mapping[str, Any], field: str) -> Printed:
    return printed(e[field])


def _int(e: Mapping[str, Any], field: str) -> int:
    v = printed(e[field])
    if v.decimals or v.value != int(v.value):
        raise _fail(e, field, "expected a whole number")
    return int(v.value)


def _finding(e, rule, klass, printed_text, implies, recomputed, *, key=None, decision=False):
    if klass not in CLASSES:
        raise ValueError(f"class {klass!r}: expected one of {', '.join(CLASSES)}")
    return {
        "ids": [e["id"]],
        "where": [e["where"]],
        "rule": rule,
        "class": klass,
        "printed": printed_text,
        "implies": implies,
        "recomputed": recomputed,
        "decision_error": bool(decision),
        "_key": key,
    }


def _dfs(e: Mapping[str, Any]) -> tuple[float | None, float | None]:
    if e.get("stat") == "F" or "df1" in e:
        if "df1" not in e or "df2" not in e:
            raise _fail(e, "df1", "an F needs df1 and df2")
        return _num(e, "df1").value, _num(e, "df2").value
    if e.get("stat") == "z":
        return None, None
    if "df" not in e:
        raise _fail(e, "df", f"a {e.get('stat')} test needs its df")
    return _num(e, "df").value, None


def _stat_text(e: Mapping[str, Any]) -> str:
    stat = e["stat"]
    if stat == "F":
        head = f"F({e['df1']},{e['df2']})"
    elif stat == "z":
        head = "z"
    else:
        head = f"{stat}({e['df']})"
    p = f", {printed_p(e['p'])}" if "p" in e else ""
    return f"{head} = {e['value']}{p}"


def _statcheck_finding(e, stat, value, df1, df2, text):
    if "p" not in e:
        return []
    res = rules.statcheck(stat, value, e["p"], df1, df2, one_sided=bool(e.get("one_sided")))
    if res["consistent"]:
        return []
    p = printed_p(e["p"])
    if res.get("impossible"):
        return [_finding(e, "statcheck", "impossible", text, res["impossible"], "no P")]
    sides = "one" if not e.get("one_sided") else "two"
    recomputed = (
        f"P = {res['p_computed']:.4f} (from {res['p_low']:.4f} to {res['p_high']:.4f} "
        "over the statistic's rounding)"
    )
    if res["other_sided_consistent"]:
        return [
            _finding(
                e,
                "statcheck",
                "wrong test",
                text,
                f"{p} is the {sides}-sided P ({res['p_other_sided']:.4f}) of a test the "
                f"paper calls {'two' if sides == 'one' else 'one'}-sided",
                recomputed,
                decision=res["decision_error"],
            )
        ]
    unit = 10.0 ** (-p.number.decimals)
    truncated = (
        p.comparison == "=" and p.value - 1e-12 <= res["p_high"] and res["p_low"] < p.value + unit
    )
    klass = "rounding" if truncated else "typo"
    implies = (
        f"{p} is {res['p_low']:.4f}-{res['p_high']:.4f} cut off instead of rounded"
        if truncated
        else f"{p} does not follow from the statistic"
    )
    if res["decision_error"]:
        implies += "; the significance decision changes at .05 (a decision error)"
    return [
        _finding(e, "statcheck", klass, text, implies, recomputed, decision=res["decision_error"])
    ]


def _check_test(e: Mapping[str, Any]) -> list[dict[str, Any]]:
    stat = e["stat"]
    df1, df2 = _dfs(e)
    text = _stat_text(e)
    out: list[dict[str, Any]] = []
    value = _num(e, "value")
    explained = False
    groups = e.get("groups")
    if groups is not None:
        try:
            means, sds, ns = groups["means"], groups["sds"], groups["n"]
            res = rules.two_sample_t(
                (means[0], means[1]), (sds[0], sds[1]), (int(ns[0]), int(ns[1]))
            )
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise _fail(e, "groups", f"expected means, sds and n of two groups ({error})") from None
        lo = min(res["student_range"][0], res["welch_range"][0])
        hi = max(res["student_range"][1], res["welch_range"][1])
        fits_t = lo - value.half <= value.value <= hi + value.half
        t_text = (
            f"t({res['df']}) = {res['student']:.3f} from the means and SDs "
            f"(Student; {lo:.3f} to {hi:.3f} over their rounding)"
        )
        if stat != "t":
            explained = True
            if fits_t:
                pt = rules.p_value("t", value.value, res["df"])
                out.append(
                    _finding(
                        e,
                        "wrong test",
                        "wrong test",
                        text,
                        f"a {stat} column for a difference of two means; read as t({res['df']}) = "
                        f"{value.text} it gives P = {pt:.4f}",
                        t_text,
                        key=("wrong test", stat, "means"),
                    )
                )
            else:
                out.append(
                    _finding(
                        e,
                        "wrong test",
                        "wrong test",
                        text,
                        f"a {stat} for a difference of two means",
                        t_text,
                    )
                )
        elif not fits_t:
            out.append(
                _finding(
                    e,
                    "t from means",
                    "typo",
                    text,
                    "the t does not follow from the groups' means and SDs",
                    t_text,
                )
            )
    if not explained:
        out += _statcheck_finding(e, stat, value.text, df1, df2, text)
    if "wilks_lambda" in e and stat == "F" and df1 is not None and df2 is not None:
        lo, hi = rules.wilks_f(e["wilks_lambda"], df1, df2)
        if not (lo - value.half <= value.value <= hi + value.half):
            out.append(
                _finding(
                    e,
                    "Wilks' lambda",
                    "typo",
                    f"{text}, lambda = {e['wilks_lambda']}",
                    "F and lambda disagree",
                    f"F = {lo:.3f} to {hi:.3f} from lambda",
                )
            )
    out += _check_df(e, stat, df1, df2, text)
    return out


def _check_df(e, stat, df1, df2, text) -> list[dict[str, Any]]:
    model = e.get("model")
    if model is None:
        return []
    n = e.get("n")
    if model == "two-sample":
        if not isinstance(n, list) or len(n) != 2:
            raise _fail(e, "n", "a two-sample model needs the two groups' n")
        want = int(n[0]) + int(n[1]) - 2
        if stat == "t" and df1 != want:
            return [
                _finding(e, "df", "typo", text, f"df {df1:g}", f"n {n[0]} + {n[1]} - 2 = {want}")
            ]
        return []
    if model == "regression":
        if "predictors" not in e or n is None:
            raise _fail(e, "predictors", "a regression model needs n and predictors")
        k, nn = _int(e, "predictors"), _int(e, "n")
        want = nn - k - 1
        got = df2 if stat == "F" else df1
        if got != want:
            return [
                _finding(
                    e,
                    "df",
                    "typo",
                    f"{stat} printed with df {got:g}",
                    f"df {got:g} is the residual df of {nn - int(got) - 1} predictors",
                    f"n = {nn} with {k} predictors leaves df {want}",
                    key=("df", got, want),
                )
            ]
        return []
    raise _fail(e, "model", "expected two-sample or regression")


def _check_percent(e) -> list[dict[str, Any]]:
    count = _int(e, "count")
    n = _int(e, "n") if "n" in e else None
    res = rules.percent(count, e["percent"], n)
    if res["consistent"]:
        return []
    text = f"{count} ({e['percent']}%)" + (f" of n = {n}" if n is not None else "")
    implied_n = (
        f"n from {res['implied_n'][0]} to {res['implied_n'][1]}"
        if res["implied_n"]
        else "no whole n at all"
    )
    if n is None:
        return [
            _finding(
                e,
                "percent",
                "impossible",
                text,
                f"{e['percent']}% of {count} needs {implied_n}",
                f"{count}/n never rounds to {e['percent']}%",
            )
        ]
    counts = ", ".join(map(str, res["implied_count"])) or "no count"
    return [
        _finding(
            e,
            "percent",
            "impossible" if not res["implied_n"] else "typo",
            text,
            f"{e['percent']}% of {count} needs {implied_n}; {e['percent']}% of {n} is {counts}",
            f"{count}/{n} = {res['recomputed']:.2f}%",
        )
    ]


def _check_mean(e) -> list[dict[str, Any]]:
    if "n" not in e:
        return []
    n, items = _int(e, "n"), _int(e, "items") if "items" in e else 1
    out = []
    text = f"mean {e['mean']}" + (f" (SD {e['sd']})" if "sd" in e else "") + f", n = {n}"
    m = _num(e, "mean")
    g = rules.grim(e["mean"], n, items)
    if not g["consistent"]:
        out.append(
            _finding(
                e,
                "GRIM",
                "impossible",
                text,
                f"no {n} scores of {items} integer item{'s' if items > 1 else ''} have this mean",
                f"possible means: {', '.join(f'{x:.{m.decimals}f}' for x in g['nearest'])}",
            )
        )
    elif "sd" in e:
        gr = rules.grimmer(e["mean"], e["sd"], n, items)
        if not gr["consistent"]:
            out.append(
                _finding(
                    e,
                    "GRIMMER",
                    "impossible",
                    text,
                    gr["reason"],
                    "no integer data give this mean and SD",
                )
            )
    if "low" in e and "high" in e:
        low, high = _num(e, "low").value, _num(e, "high").value
        if not (low - m.half <= m.value <= high + m.half):
            out.append(
                _finding(
                    e,
                    "range",
                    "impossible",
                    text,
                    f"a mean outside the scale {low:g}-{high:g}",
                    "-",
                )
            )
        elif "sd" in e:
            top = rules.bounded_sd(e["mean"], n, low, high)
            if _num(e, "sd").low > top:
                out.append(
                    _finding(
                        e,
                        "range",
                        "impossible",
                        text,
                        f"an SD above the largest possible on {low:g}-{high:g}",
                        f"largest SD {top:.2f}",
                    )
                )
    return out


def _check_crosstab(e) -> list[dict[str, Any]]:
    try:
        a, b = (int(x) for x in e["events"])
        n1, n2 = (int(x) for x in e["totals"])
    except (TypeError, ValueError):
        raise _fail(e, "events", "expected two whole counts and two group sizes (totals)") from None
    try:
        res = rules.crosstab((a, b), (n1, n2))
    except ValueError as error:
        raise _fail(e, "events", str(error)) from None
    out = []
    counts = f"{a}/{n1} vs {b}/{n2}"
    recomputed = (
        f"Pearson chi2(1) = {res['pearson']:.3f}, P = {res['p_pearson']:.4f}; "
        f"Yates {res['yates']:.3f}, P = {res['p_yates']:.4f}; Fisher P = {res['p_fisher']:.4f}"
    )
    df = _num(e, "df").value if "df" in e else 1.0
    text = (
        counts
        + (f": chi2({e['df']}) = {e['chi2']}" if "chi2" in e else "")
        + (f", {printed_p(e['p'])}" if "p" in e else "")
    )
    p = printed_p(e["p"]) if "p" in e else None
    counts_p = [res["p_pearson"], res["p_yates"], res["p_fisher"]]
    p_fits_counts = p is not None and any(rules._p_agrees(p, x, x) for x in counts_p)
    if "chi2" in e:
        chi = _num(e, "chi2")
        fits = chi.covers(res["pearson"]) or chi.covers(res["yates"])
        sc = (
            rules.statcheck("chi2", e["chi2"], e["p"], df)
            if p is not None
            else {"consistent": True}
        )
        if not fits or not sc["consistent"]:
            if not fits and p_fits_counts:
                implies = (
                    f"chi2 {chi.text} does not follow from the counts, "
                    f"whose test gives the printed {p}"
                )
            elif fits:
                implies = (
                    f"{p} does not follow from chi2 {chi.text} "
                    f"(P = {sc['p_computed']:.4f}) nor from the counts"
                )
            else:
                pc = rules.p_value("chi2", chi.value, df)
                implies = (
                    f"chi2 {chi.text} (P = {pc:.4f}) fits neither the counts nor the printed P"
                )
            near = (
                chi.value - 2 * chi.half
                <= min(res["pearson"], res["yates"], key=lambda x: abs(x - chi.value))
                <= chi.value + 2 * chi.half
            )
            klass = "rounding" if near and (p is None or p_fits_counts) else "typo"
            key = ("crosstab", chi.text, str(p), round(res["pearson"], 6))
            out.append(_finding(e, "crosstab", klass, text, implies, recomputed, key=key))
    elif p is not None and not p_fits_counts:
        out.append(
            _finding(e, "crosstab", "typo", text, f"{p} fits none of the 2 x 2 tests", recomputed)
        )
    if df != 1:
        out.append(
            _finding(
                e, "df", "typo", text, f"df {df:g}", "a 2 x 2 table has df 1", key=("df", "2x2", df)
            )
        )
    if "n" in e and _int(e, "n") != n1 + n2:
        out.append(
            _finding(
                e,
                "n",
                "typo",
                f"chi2 printed with N = {e['n']}",
                f"N = {e['n']}",
                f"the counts' groups sum to {n1 + n2}",
                key=("n", e["n"], n1 + n2),
            )
        )
    return out


def _swapped_percentages(
    found: list[dict[str, Any]], by_id: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Two failing percentages that are each other's recomputation: printed swapped (a typo)."""
    bad = [f for f in found if f["rule"] == "percent" and "n" in by_id[f["ids"][0]]]
    gone: set[int] = set()
    out = []
    for i, a in enumerate(bad):
        ea = by_id[a["ids"][0]]
        for b in bad[i + 1 :]:
            eb = by_id[b["ids"][0]]
            if id(a) in gone or id(b) in gone:
                continue
            ra = 100 * _int(ea, "count") / _int(ea, "n")
            rb = 100 * _int(eb, "count") / _int(eb, "n")
            if _num(ea, "percent").covers(rb) and _num(eb, "percent").covers(ra):
                gone |= {id(a), id(b)}
                f = _finding(
                    ea,
                    "percent",
                    "typo",
                    f"{a['printed']}; {b['printed']}",
                    f"{ea['percent']}% is {eb['count']}/{eb['n']} and {eb['percent']}% is "
                    f"{ea['count']}/{ea['n']}: the two percentages are swapped",
                    f"{ra:.2f}% and {rb:.2f}%",
                )
                f["ids"], f["where"] = [ea["id"], eb["id"]], [ea["where"], eb["where"]]
                out.append(f)
    return [f for f in found if id(f) not in gone] + out


def _check_model(e) -> list[dict[str, Any]]:
    df1, df2 = _int(e, "df1"), _int(e, "df2")
    text = f"F({df1},{df2}) = {e['f']}, adjusted R2 = {e['adj_r2']}" + (
        f", {printed_p(e['p'])}" if "p" in e else ""
    )
    out = _statcheck_finding(e, "F", e["f"], df1, df2, text)
    lo, hi = rules.f_from_adjusted_r2(e["adj_r2"], df1 + df2 + 1, df1)
    f = _num(e, "f")
    if not (lo - f.half <= f.value <= hi + f.half):
        out.append(
            _finding(
                e,
                "F from adjusted R2",
                "typo",
                text,
                "F and adjusted R2 disagree",
                f"adjusted R2 {e['adj_r2']} with n = {df1 + df2 + 1}, k = {df1}: "
                f"F = {lo:.2f} to {hi:.2f}",
            )
        )
    return out


def _change_fits(e, step: int) -> tuple[bool, str, dict[str, Any]]:
    adj, ks, n = e["adj_r2"], e["predictors"], _int(e, "n")
    res = rules.r2_change(adj[step - 2], adj[step - 1], n, int(ks[step - 2]), int(ks[step - 1]))
    r2c, f = _num(e, "r2_change"), _num(e, "f")
    ok_r2 = res["r2_change"][0] - r2c.half <= r2c.value <= res["r2_change"][1] + r2c.half
    ok_f = res["f_change"][0] - f.half <= f.value <= res["f_change"][1] + f.half
    ok_df = (_int(e, "df1"), _int(e, "df2")) == (res["df1"], res["df2"])
    text = (
        f"step {step}: R2 change {res['r2_change'][0]:.4f} to {res['r2_change'][1]:.4f}, "
        f"F({res['df1']},{res['df2']}) = {res['f_change'][0]:.2f} to {res['f_change'][1]:.2f}"
    )
    return ok_r2 and ok_f and ok_df, text, res


def _check_r2_change(e) -> list[dict[str, Any]]:
    step = _int(e, "step")
    adj, ks = e["adj_r2"], e["predictors"]
    if not (
        isinstance(adj, list)
        and isinstance(ks, list)
        and len(adj) == len(ks)
        and 2 <= step <= len(adj)
    ):
        raise _fail(e, "step", "adj_r2 and predictors list every step; step is 2 or later")
    text = (
        f"R2 change = {e['r2_change']}, F({e['df1']},{e['df2']}) = {e['f']}"
        + (f", {printed_p(e['p'])}" if "p" in e else "")
        + f", named as step {step}"
    )
    out = _statcheck_finding(e, "F", e["f"], _int(e, "df1"), _int(e, "df2"), text)
    ok, claimed, _ = _change_fits(e, step)
    t_note = ""
    if "t" in e:
        t = _num(e, "t")
        f = _num(e, "f")
        t2 = ((abs(t.value) - t.half) ** 2, (abs(t.value) + t.half) ** 2)
        if not (t2[0] - f.half <= f.value <= t2[1] + f.half):
            ok = False
            t_note = f"; the named term's t = {t.text} gives F = t^2 = {t.value**2:.3f}"
    if ok:
        return out
    others = [j for j in range(2, len(adj) + 1) if j != step and _change_fits(e, j)[0]]
    if others:
        j = others[0]
        out.append(
            _finding(
                e,
                "R2 change",
                "wrong test",
                text,
                f"the printed change is that of step {j}, not of step {step}{t_note}",
                f"{claimed}; {_change_fits(e, j)[1]}",
            )
        )
    else:
        out.append(_finding(e, "R2 change", "typo", text, f"fits no step{t_note}", claimed))
    return out


def _check_scale(e) -> list[dict[str, Any]]:
    points, low, high = _int(e, "points"), _int(e, "low"), _int(e, "high")
    if high - low + 1 == points:
        return []
    return [
        _finding(
            e,
            "scale",
            "impossible",
            f"a {points}-point scale from {low} to {high}",
            f"{low} to {high} has {high - low + 1} points",
            f"{points} points",
        )
    ]


def _check_sum(e) -> list[dict[str, Any]]:
    terms = [printed(t) for t in e["terms"]]
    total = _num(e, "total")
    s = sum(t.value for t in terms)
    if total.covers(s):
        return []
    expr = " + ".join(t.text for t in terms).replace("+ -", "- ")
    return [
        _finding(
            e, "sum", "typo", f"{total.text} = {expr}", f"total {total.text}", f"{expr} = {s:g}"
        )
    ]


def _agree(a: Any, b: Any, field: str) -> bool:
    if field == "p":
        pa, pb = printed_p(a), printed_p(b)
        if pa.comparison != "=" or pb.comparison != "=":
            return pa.comparison == pb.comparison and pa.value == pb.value
        x, y = pa.number, pb.number
    else:
        x, y = printed(a), printed(b)
    # the finer printing must round to the coarser one (equal when both have one precision)
    return abs(x.value - y.value) <= max(x.half, y.half) * (1 + 1e-6) + 1e-12


def _check_same(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        if "same" in e:
            groups.setdefault(str(e["same"]), []).append(e)
    out = []
    for name, group in groups.items():
        diffs = []
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                for field in _SAME_FIELDS:
                    if field in a and field in b and not _agree(a[field], b[field], field):
                        diffs.append((a, b, field))
        if not diffs:
            continue
        tests = {str(x.get("stat", x.get("test", ""))) for x in group} - {""}
        elsewhere = []
        for x in group:
            fields = [f for f in _SAME_FIELDS if f in x]
            for other in entries:
                if other in group or other.get("same") == name:
                    continue
                shared = [f for f in fields if f in other]
                linked = "value" in shared or (other["kind"] == "p" and "p" in shared)
                if linked and all(_agree(x[f], other[f], f) for f in shared):
                    elsewhere.append((x, other))
        pieces = []
        for field in dict.fromkeys(d[2] for d in diffs):
            values: dict[str, list[str]] = {}
            for x in group:
                if field in x:
                    values.setdefault(str(x[field]), []).append(x["id"])
            pieces.append(
                f"{field} " + " vs ".join(f"{v} ({', '.join(i)})" for v, i in values.items())
            )
        first = group[0]
        if elsewhere:
            x, other = elsewhere[0]
            klass = "wrong test"
            implies = (
                f"the figures printed at {x['where']} are those of {other['where']} "
                f"({other.get('claim', other['id'])})"
            )
        elif len(tests) > 1:
            klass = "wrong test"
            implies = f"one claim backed by different tests ({', '.join(sorted(tests))})"
        else:
            klass = "typo"
            implies = "one figure printed with two values"
        f = _finding(
            first,
            "same figure",
            klass,
            "; ".join(pieces),
            implies,
            f"'{name}' is printed {len(group)} times; its values must agree",
        )
        f["ids"] = [x["id"] for x in group]
        f["where"] = [x["where"] for x in group]
        out.append(f)
    return out


_CHECKS = {
    "test": _check_test,
    "percent": _check_percent,
    "mean": _check_mean,
    "crosstab": _check_crosstab,
    "model": _check_model,
    "r2_change": _check_r2_change,
    "scale": _check_scale,
    "sum": _check_sum,
}


def check_figures(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every inconsistency among the entries (see the module docstring for the fields)."""
    entries = [dict(e) for e in entries]
    found: list[dict[str, Any]] = []
    for e in entries:
        check = _CHECKS.get(e["kind"])
        if check is not None:
            found += check(e)
    found = _swapped_percentages(found, {e["id"]: e for e in entries})
    found += _check_same([dict(e) for e in entries])
    merged: list[dict[str, Any]] = []
    by_key: dict[Any, dict[str, Any]] = {}
    for f in found:
        key = f.pop("_key")
        if key is not None and key in by_key:
            target = by_key[key]
            target["ids"] += f["ids"]
            target["where"] += f["where"]
            if f["printed"] not in target["printed"].split("; "):
                target["printed"] += "; " + f["printed"]
            continue
        if key is not None:
            by_key[key] = f
        merged.append(f)
    return merged


def check_file(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Load and check a figures file: ``figures`` (entries), ``numbers``, ``findings``."""
    entries = load_figures(source)
    return {
        "figures": len(entries),
        "numbers": printed_numbers(entries),
        "findings": check_figures(entries),
    }


def finding_text(f: Mapping[str, Any]) -> str:
    """One finding as plain text (the CLI's and the report's line)."""
    where = "; ".join(f["where"])
    de = " [decision error]" if f.get("decision_error") else ""
    return (
        f"[{f['class']}] {f['rule']}{de} at {where}\n    printed: {f['printed']}\n"
        f"    implies: {f['implies']}\n    recomputed: {f['recomputed']}"
    )
