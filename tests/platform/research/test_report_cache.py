"""The live report is cached under the export's SHA-256 and the language (research.live.report):
a repeat view of unchanged data does not run the analysis again, a change in the data does."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation

import embct.analysis
from embct.platform.research import live
from embct.platform.research.models import ExportLog, Participant
from support import measure_cohort as cohort
from support.testing import TODAY, BaseTestCase

SEED = 181818


def test_the_key_is_the_hash_and_the_language() -> None:
    with translation.override("en"):
        english = live.report_cache_key("ab" * 32)
    with translation.override("nl"):
        dutch = live.report_cache_key("ab" * 32)
    assert english != dutch
    assert english.endswith(f"{'ab' * 32}:en")
    assert dutch.endswith(f"{'ab' * 32}:nl")
    with translation.override("en"):
        assert live.report_cache_key("cd" * 32) != english


@pytest.mark.slow  # the whole analysis, twice
@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class ReportCacheTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        source = cohort.cohort(SEED, 40, f"T{cls.tessa.pk}")  # type: ignore[attr-defined]
        with override_settings(EMBCT_RANDOMIZATION_SEED=SEED):
            cohort.load(source, cls.course, cls.tessa, cls.rosa, TODAY)  # type: ignore[attr-defined]

    def view(self) -> tuple[dict[str, object], str, ExportLog]:
        response = self.client.get("/research/report/")
        assert response.status_code == 200
        return (
            response.context["results"],
            response.context["report_html"],
            ExportLog.objects.latest("pk"),
        )

    def test_a_repeat_view_is_served_from_the_cache_and_a_data_change_recomputes(self) -> None:
        self.login(self.rosa)
        spy = mock.patch.object(embct.analysis, "analyze", wraps=embct.analysis.analyze)
        with spy as analyze:
            first, first_html, first_log = self.view()
            assert analyze.call_count == 1
            with translation.override("en"):
                key = live.report_cache_key(first_log.sha256)
            assert cache.get(key) == (first, first_html)

            second, second_html, second_log = self.view()
            assert analyze.call_count == 1  # not run again: the cache answered
            assert (second, second_html) == (first, first_html)
            # Every view is still an export, logged and audited, with the same bytes.
            assert second_log.pk != first_log.pk
            assert second_log.sha256 == first_log.sha256
            assert ExportLog.objects.filter(what="report", user=self.rosa).count() == 2

            person = Participant.objects.exclude(baseline={}).order_by("study_id").first()
            assert person is not None
            older = {**person.baseline, "age": person.baseline["age"] + 30}
            Participant.objects.filter(pk=person.pk).update(baseline=older)

            third, _html, third_log = self.view()
            assert analyze.call_count == 2  # the data changed: computed afresh
            assert third_log.sha256 != first_log.sha256
            assert third["baseline"] != first["baseline"]
            assert cache.get(key) == (first, first_html)  # the old entry is simply not used
