"""``embct check-figures``, in-process: the README's small example and a bad file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from embct.cli import CommandError, main

SMALL = """\
[[figure]]
id = "age"
where = "Table 1, Age"
kind = "test"
stat = "t"
value = "2.20"
df = "28"
p = ".06"

[[figure]]
id = "mean"
where = "Results, line 4"
kind = "mean"
mean = "5.93"
n = "49"

[[figure]]
id = "women"
where = "Table 1, Women"
kind = "percent"
count = "101"
percent = "84.2"
n = "120"
"""


def test_it_lists_each_inconsistency_and_exits_1(tmp_path: Path, capsys) -> None:
    path = tmp_path / "figures.toml"
    path.write_text(SMALL)
    assert main(["check-figures", str(path), "--json", str(tmp_path / "out.json")]) == 1
    out = capsys.readouterr().out
    assert "[typo] statcheck [decision error] at Table 1, Age" in out
    assert "[impossible] GRIM at Results, line 4" in out
    assert "2 inconsistencies among 3 printed statements" in out
    data = json.loads((tmp_path / "out.json").read_text())
    assert [f["ids"] for f in data["findings"]] == [["age"], ["mean"]]


def test_a_consistent_file_exits_0(tmp_path: Path, capsys) -> None:
    path = tmp_path / "figures.toml"
    path.write_text(SMALL.split('[[figure]]\nid = "mean"')[0].replace('".06"', '".04"'))
    assert main(["check-figures", str(path)]) == 0
    assert "0 inconsistencies" in capsys.readouterr().out


def test_a_bad_file_names_the_entry_field_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(SMALL.replace('p = ".06"', 'p = "high"'))
    from embct.cli.check_figures import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["check-figures", str(path)])
    with pytest.raises(CommandError, match=r"figure 'age' \(Table 1, Age\): p = 'high'"):
        args.func(args)
    assert main(["check-figures", str(tmp_path / "missing.toml")]) == 2
