"""Export of the canonical trial table (CSV and SPSS .sav), its log, the command line, the
live report, and the end-to-end path: cohort -> platform -> export -> analysis."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from django.test import override_settings

from embct.analysis import read_table
from embct.cli import main
from embct.instruments import item_columns
from embct.platform.lib.csp import inline_style_sources
from embct.platform.research.export import trial_table
from embct.platform.research.models import ExportLog, Participant
from embct.spreadsheet import write_csv
from support import measure_cohort as cohort
from support.testing import TODAY, BaseTestCase

SEED = 424242


def numbers(results_dir: Path) -> dict[str, object]:
    """results.json without ``meta`` (which names the input file)."""
    results = json.loads((results_dir / "results.json").read_text())
    results.pop("meta")
    return results


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class ExportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.source = cohort.cohort(SEED, 48, f"T{cls.tessa.pk}")  # type: ignore[attr-defined]
        with override_settings(EMBCT_RANDOMIZATION_SEED=SEED):
            cohort.load(cls.source, cls.course, cls.tessa, cls.rosa, TODAY)  # type: ignore[attr-defined]

    def test_the_table_is_canonical_item_level_and_pseudonymized(self) -> None:
        table = trial_table()
        assert list(table.columns[:5]) == [
            "participant_id",
            "arm",
            "tau_first",
            "site",
            "therapist_id",
        ]
        assert item_columns("hads", "pre")[0] in table.columns
        assert "hads_pre" not in table.columns
        assert set(table["therapist_id"]) == {f"T{self.tessa.pk}"}
        assert table["participant_id"].str.fullmatch(r"S\d{5}").all()

    def test_the_platform_gives_back_the_source_file_byte_for_byte(self) -> None:
        folder = Path(self._tmp())
        write_csv(self.source, folder / "source.csv")
        assert main(["export", "--format", "csv", "--out", str(folder / "export.csv")]) == 0
        assert (folder / "export.csv").read_bytes() == (folder / "source.csv").read_bytes()
        pd.testing.assert_frame_equal(trial_table(), self.source)

    def test_item_scores_stored_in_another_layout_are_read_by_item(self) -> None:
        """The export reads the item scores as json.dumps writes them in bulk; a response
        stored otherwise (here: the items in reverse order, no blanks; or over several lines,
        as another writer or a hand correction might leave it) is read as JSON, each item by
        its number."""
        from django.db import connection

        from embct.platform.questionnaires.models import Response

        response = Response.objects.filter(key="hads_pre").order_by("pk").first()
        assert response is not None
        scores = response.item_scores
        reordered = json.dumps(dict(reversed(list(scores.items()))), separators=(",", ":"))
        # and another over several lines (JSON's whitespace may be a newline)
        other = Response.objects.filter(key="mhc_post").order_by("pk").first()
        assert other is not None
        indented = json.dumps(other.item_scores, indent=2)
        value = "%s::jsonb" if connection.vendor == "postgresql" else "%s"  # jsonb: normalized
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Response._meta.db_table} SET item_scores = {value} WHERE id = %s",
                [reordered, response.pk],
            )
            cursor.execute(
                f"UPDATE {Response._meta.db_table} SET item_scores = {value} WHERE id = %s",
                [indented, other.pk],
            )
        pd.testing.assert_frame_equal(trial_table(), self.source)

    @pytest.mark.slow  # export and the whole analysis through the CLI
    def test_cli_export_and_analyze_give_the_numbers_of_the_source_file(self) -> None:
        folder = Path(self._tmp())
        source = folder / "source.csv"
        self.source.to_csv(source, index=False)
        exported = folder / "export.csv"
        assert main(["export", "--format", "csv", "--out", str(exported)]) == 0
        assert main(["analyze", "--data", str(source), "--out", str(folder / "a")]) == 0
        assert main(["analyze", "--data", str(exported), "--out", str(folder / "b")]) == 0
        a, b = numbers(folder / "a"), numbers(folder / "b")
        assert a["n"] == 48
        assert a["outcomes"] == b["outcomes"]
        assert a == b
        log = ExportLog.objects.get()
        assert (log.what, log.via, log.rows, log.user) == ("csv", "cli", 48, None)

    def test_a_cell_a_spreadsheet_would_run_is_neutralized_and_reads_back(self) -> None:
        formula = '=HYPERLINK("http://x.example","open")'  # site holds 40
        Participant.objects.filter(study_id=self.source["participant_id"].iloc[0]).update(
            site=formula
        )
        Participant.objects.filter(study_id=self.source["participant_id"].iloc[1]).update(
            site="-1.5"
        )
        exported = Path(self._tmp()) / "export.csv"
        assert main(["export", "--format", "csv", "--out", str(exported)]) == 0
        self.login(self.rosa)
        web = self.client.post("/research/export/", {"format": "csv"})
        assert b"".join(web.streaming_content) == exported.read_bytes()  # type: ignore[attr-defined]
        with exported.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows[0]["site"] == "'" + formula
        assert rows[1]["site"] == "-1.5"  # a number, not a formula: as it is
        assert rows[0]["hads_pre_1"] == str(self.source["hads_pre_1"].iloc[0])
        assert read_table(exported)["site"].iloc[0] == formula

    def test_the_sav_file_has_variable_and_value_labels(self) -> None:
        path = Path(self._tmp()) / "trial.sav"
        assert main(["export", "--format", "sav", "--out", str(path)]) == 0
        frame, meta = pyreadstat.read_sav(str(path))
        assert len(frame) == 48
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["hads_pre_3"] == "HADS item 3, baseline"
        assert labels["female"] == "Gender female"
        assert meta.variable_value_labels["female"] == {0.0: "not female", 1.0: "female"}
        assert meta.variable_value_labels["wai_w2_1"][5.0] == "WAI-SR item 1, option E"
        assert frame["hads_pre_1"].tolist() == self.source["hads_pre_1"].astype(float).tolist()

    @pytest.mark.slow  # the whole analysis and its report
    def test_the_live_report_shows_the_numbers_of_embct_analyze_on_the_export(self) -> None:
        self.login(self.rosa)
        response = self.client.get("/research/report/")
        assert response.status_code == 200
        # The report sits in the page's own layout (no frame, no <style> of its own); the page
        # allows the inline styles of its figures' SVG by hash, nothing else inline.
        self.assertContains(response, '<div class="embct-report">')
        self.assertNotContains(response, "<iframe")
        assert "<style>" not in response.context["report_html"].split("<svg")[0]
        sources = inline_style_sources(response.context["report_html"])
        policy = response["Content-Security-Policy"]
        assert sources
        for source in sources:
            assert source in policy
        assert "'unsafe-inline'" not in policy
        page = response.context["results"]
        page.pop("meta")
        folder = Path(self._tmp())
        exported = folder / "export.csv"
        main(["export", "--format", "csv", "--out", str(exported)])
        main(["analyze", "--data", str(exported), "--out", str(folder / "r")])
        assert page == numbers(folder / "r")
        assert ExportLog.objects.filter(what="report", user=self.rosa).exists()

    def test_the_export_view_logs_who_exported_what(self) -> None:
        self.login(self.rosa)
        response = self.client.post("/research/export/", {"format": "sav"})
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('filename="embct-trial.sav"')
        from embct.platform.audit.models import AuditEvent

        assert AuditEvent.objects.filter(action="trial.export", actor_id=self.rosa.pk).exists()
        log = ExportLog.objects.get()
        assert (log.user, log.what, log.via, log.rows, log.columns) == (
            self.rosa,
            "sav",
            "web",
            48,
            112,
        )

    def test_the_dashboard_flow_counts_the_live_data(self) -> None:
        self.login(self.rosa)
        flow = self.client.get("/research/").context["flow"]
        assert flow["randomized"] == flow["screened"] == 48
        declined = flow["mbct.declined"] + flow["embct.declined"]
        assert declined == int((self.source["started"] == 0).sum())
        completers = flow["mbct.completers"] + flow["embct.completers"]
        assert completers == int((self.source["sessions_attended"] >= 4).sum())
        assert flow["mbct.waiting"] == flow["embct.waiting"] == 0

    def test_export_and_report_are_for_researchers_only(self) -> None:
        self.login(self.tessa)
        assert self.client.post("/research/export/", {"format": "csv"}).status_code == 403
        assert self.client.get("/research/report/").status_code == 403
        assert not ExportLog.objects.exists()

    def test_export_refuses_get_and_report_refuses_post(self) -> None:
        self.login(self.rosa)
        assert self.client.get("/research/export/").status_code == 405
        assert self.client.post("/research/report/").status_code == 405

    def test_the_cli_refuses_a_missing_folder(self) -> None:
        assert main(["export", "--format", "csv", "--out", "/nonexistent/dir/x.csv"]) == 2
        assert not ExportLog.objects.exists()

    def _tmp(self) -> str:
        import tempfile

        folder = tempfile.mkdtemp(prefix="embct-test-")
        self.addCleanup(__import__("shutil").rmtree, folder, True)
        return folder


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
@pytest.mark.slow  # simulates a cohort and runs the whole analysis
class SimulatedCohortTests(BaseTestCase):
    """End to end with embct.simulate: a simulated cohort through the platform's services,
    exported, analysed; the numbers equal ``embct analyze`` on the simulator's file."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from embct.simulate import simulate

        simulated = simulate(n=60, seed=5, mode="population")
        cls.source = cohort.from_simulator(simulated, SEED, f"T{cls.tessa.pk}")  # type: ignore[attr-defined]
        with override_settings(EMBCT_RANDOMIZATION_SEED=SEED):
            cohort.load(cls.source, cls.course, cls.tessa, cls.rosa, TODAY)  # type: ignore[attr-defined]

    def test_the_numbers_equal_embct_analyze_on_the_simulators_file(self) -> None:
        import shutil
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="embct-test-"))
        self.addCleanup(shutil.rmtree, folder, True)
        assert len(self.source) >= 30
        self.source.to_csv(folder / "simulated.csv", index=False)
        assert main(["export", "--format", "csv", "--out", str(folder / "export.csv")]) == 0
        assert (
            main(["analyze", "--data", str(folder / "simulated.csv"), "--out", str(folder / "a")])
            == 0
        )
        assert (
            main(["analyze", "--data", str(folder / "export.csv"), "--out", str(folder / "b")]) == 0
        )
        simulated, exported = numbers(folder / "a"), numbers(folder / "b")
        assert simulated["n"] == len(self.source)
        assert simulated["outcomes"]["hads"]["n"] > 20  # the regressions ran, not skipped
        assert simulated == exported
