"""The simulator is a function of its seed and parameters: no clock, no silent misses.

The integer repair of exact mode is bounded by moves, not seconds, so a slow machine gives the
same table as a fast one; a cohort that does not reach its targets is an error, never a table
that quietly misses them. The AST check below (like tests/test_layers.py) proves it can fail.
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import numpy as np
import pytest

from embct.cli import main
from embct.simulate import ParameterError, default_parameters, load_parameters, simulate
from embct.simulate._repair import RepairError, integer_repair

SIMULATE = Path(__file__).resolve().parents[2] / "src" / "embct" / "simulate"
#: Modules whose import means a clock can be read, and the calls that read one.
CLOCK_MODULES = {"time", "datetime"}
CLOCK_CALLS = {
    "time",
    "time_ns",
    "perf_counter",
    "perf_counter_ns",
    "monotonic",
    "monotonic_ns",
    "process_time",
    "process_time_ns",
    "thread_time",
    "now",
    "utcnow",
    "today",
}


def clock_reads(path: Path) -> list[str]:
    """Every import of a clock module and every call of a clock function in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".")[0] for alias in node.names]
            found += [f"{path.name}:{node.lineno} imports {n}" for n in names if n in CLOCK_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            CLOCK_MODULES
        ):
            found.append(f"{path.name}:{node.lineno} imports from {node.module}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CLOCK_CALLS:
                found.append(f"{path.name}:{node.lineno} calls {name}()")
    return found


def test_no_module_of_embct_simulate_reads_a_clock() -> None:
    files = sorted(SIMULATE.rglob("*.py"))
    assert len(files) > 5
    assert [hit for path in files for hit in clock_reads(path)] == []


def test_the_clock_check_would_catch_each_way_of_reading_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import time\nfrom datetime import datetime\nimport numpy as np\n"
        "start = time.perf_counter()\nstamp = datetime.now()\nnp.datetime64('today')\n"
        "t = time.monotonic()\n"
    )
    assert len(clock_reads(bad)) == 5


def _mean_problem(target: float):
    """Three integers whose mean must print as ``target`` (one or two decimals)."""

    def features(v):
        return np.stack([np.ones(v.shape[:-1]), v[..., 0]], axis=-1)

    def statistics(G):
        return (G[..., 0, 1] / G[..., 0, 0])[..., None]

    tol = 0.05 if round(target, 1) == target else 0.005
    return (
        np.array([[1.0], [2.0], [3.0]]),
        np.ones((3, 1), bool),
        np.array([0.0]),
        np.array([9.0]),
        features,
        statistics,
        np.array([target]),
        np.array([tol]),
    )


def test_an_unreachable_target_is_an_error_naming_the_statistic() -> None:
    # the mean of three integers is k/3: 2.35 (to two decimals) is out of reach
    with pytest.raises(RepairError, match=r"within 50 moves .*: mean is 2\.33333, target 2\.35"):
        integer_repair(
            *_mean_problem(2.35), rng=np.random.default_rng(0), max_iter=50, names=["mean"]
        )
    # and a reachable one is reached, the same way every time
    runs = [
        integer_repair(*_mean_problem(2.3), rng=np.random.default_rng(0), names=["mean"])
        for _ in range(2)
    ]
    assert round(float(runs[0].mean()), 1) == 2.3
    assert np.array_equal(runs[0], runs[1])


@pytest.mark.slow
def test_exact_mode_that_misses_a_published_statistic_says_which_and_for_what_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # integers with mean 33.3 cannot have SD 0.01 (the dropouts' week-2 WAI, as if printed)
    shipped = (SIMULATE / "parameters.toml").read_text("utf-8")
    line = "wai_w2_dropouts = { mean = 33.3, sd = 7.9 }"
    assert line in shipped
    path = tmp_path / "parameters.toml"
    path.write_text(shipped.replace(line, line.replace("7.9", "0.01")), "utf-8")
    out = tmp_path / "cohort.csv"
    args = ["simulate", "--mode", "exact", "--parameters", str(path), "--out", str(out)]
    assert main([*args, "--totals-only"]) == 2
    message = capsys.readouterr().err
    assert "exact mode, seed 0" in message
    assert "dropout.wai_w2_dropouts." in message
    assert "is 33, target 33.3" in message
    assert not out.exists()


def test_the_completers_sessions_come_from_the_parameters() -> None:
    params = copy.deepcopy(default_parameters())
    params["design"]["completer_sessions"] = {"sessions": [9], "share": [1.0]}
    table = simulate(seed=3, mode="population", params=params, items=False)
    attended = table.loc[table["started"], "sessions_attended"]
    completers = attended[attended >= 4]
    assert len(completers) > 100
    assert set(completers) == {9}


@pytest.mark.parametrize(
    "attended",
    [
        "{ sessions = [3, 9], share = [0.5, 0.5] }",  # 3 is below the adequate dose
        "{ sessions = [4, 9], share = [0.5, 0.4] }",  # the shares do not sum to 1
        "{ sessions = [4, 10], share = [0.5, 0.5] }",  # the course has 9 sessions
        "{ sessions = [4, 9] }",
    ],
)
def test_a_bad_completer_sessions_table_names_the_problem(tmp_path: Path, attended: str) -> None:
    shipped = (SIMULATE / "parameters.toml").read_text("utf-8")
    line = next(x for x in shipped.splitlines() if x.startswith("completer_sessions = "))
    path = tmp_path / "parameters.toml"
    path.write_text(shipped.replace(line, f"completer_sessions = {attended}"), "utf-8")
    with pytest.raises(ParameterError, match=r"design\.completer_sessions"):
        load_parameters(path)
