"""The live report is cached under the versions of the data the export reads, the code and the
language (research.live.report, embct.platform.versions): a repeat view of unchanged data
neither exports nor analyses again, but is logged and audited as an export of the cached file;
every way the platform writes what the export reads gives a new version.

The version tests check, for each write, that the write changes the export's bytes (else they
could not fail) and that the versions change with them. With the receivers or the versioned
querysets removed from the questionnaire responses or the patient profiles, they fail."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from unittest import mock

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

import embct.analysis
from embct import schema, trial
from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import Action, AuditEvent
from embct.platform.care.models import Arm, PatientProfile
from embct.platform.groups.models import MbctGroup
from embct.platform.lib.code_version import code_version
from embct.platform.questionnaires import services as questionnaires
from embct.platform.questionnaires.models import Response, ScheduledAssessment
from embct.platform.research import export, live
from embct.platform.research import services as research
from embct.platform.research.models import ExportLog, Participant
from embct.platform.versions import services as versions
from embct.platform.versions.models import Versioned, VersionedQuerySet
from support import measure_cohort as cohort
from support import measure_helpers as helpers
from support.testing import TODAY, BaseTestCase

SEED = 181818
#: The export's questionnaire keys (``<instrument>_<wave>``).
EXPORTED_KEYS = {f"{instrument}_{wave}" for instrument, wave in schema.WAVES}


@pytest.mark.django_db
def test_the_key_is_the_versions_the_code_and_the_language() -> None:
    version = versions.current(*live.REPORT_DATA)
    with translation.override("en"):
        english = live.report_cache_key(version)
    with translation.override("nl"):
        dutch = live.report_cache_key(version)
    assert english != dutch
    assert english == f"research:live-report:v3:{version}:{code_version()[:24]}:en"
    assert dutch.endswith(":nl")
    versions.bump(versions.RESPONSES)
    with translation.override("en"):
        assert live.report_cache_key(versions.current(*live.REPORT_DATA)) != english


@pytest.mark.django_db
def test_every_table_the_export_reads_replaces_a_version_of_the_report() -> None:
    """Read from the export's own SQL: a table added to it without a version would let the
    report be served stale, and fails here."""
    tables = {model._meta.db_table: model for model in apps.get_models()}
    with CaptureQueriesContext(connection) as queries:
        export.trial_table()
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    read = {model for table, model in tables.items() if f'"{table}"' in sql}
    assert {Participant, Response, PatientProfile} <= read
    for model in read:
        assert issubclass(model, Versioned), model
        assert set(model.data_versions) & set(live.REPORT_DATA), model
        assert isinstance(model.objects.all(), VersionedQuerySet), model


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class ReportVersionTests(BaseTestCase):
    """Participants randomized until both treatment arms have one, each linked to a patient
    account with a questionnaire answered."""

    def setUp(self) -> None:
        super().setUp()
        by_arm: dict[str, Participant] = {}
        while len(by_arm) < 2:
            person = helpers.participant(TODAY)
            research.randomize(person, self.rosa, TODAY)
            main, _ = research.arms(person)
            if main in (trial.Arm.EMBCT.value, trial.Arm.MBCT.value):
                by_arm.setdefault(main, person)
        self.group = MbctGroup.objects.create(
            name="report group", therapist=self.tessa, location="room", course=self.course
        )
        self.embct = self.profile(by_arm[trial.Arm.EMBCT.value], Arm.EMBCT)
        self.mbct = self.profile(by_arm[trial.Arm.MBCT.value], Arm.MBCT)
        self.response = helpers.fill(self.embct, self.exported_key(self.embct), 1)

    def profile(self, person: Participant, arm: str) -> PatientProfile:
        group = self.group if arm == Arm.MBCT else None
        start = TODAY
        return helpers.linked_profile(
            person, self.tessa, self.course, arm, group=group, start_date=start
        )

    def exported_key(self, profile: PatientProfile, *, skip: str = "") -> str:
        questionnaires.materialize(profile)
        keys = ScheduledAssessment.objects.filter(patient=profile).values_list("key", flat=True)
        return sorted(k for k in keys if k in EXPORTED_KEYS and k != skip)[0]

    def assert_seen(self, write: Callable[[], object]) -> None:
        before, version = export.file_bytes(export.trial_table(), "csv"), self.version()
        write()
        after = export.file_bytes(export.trial_table(), "csv")
        assert after != before, "the write must change the export, or this test proves nothing"
        assert self.version() != version

    def version(self) -> str:
        return versions.current(*live.REPORT_DATA)

    def test_a_questionnaire_submitted(self) -> None:
        key = self.exported_key(self.embct, skip=self.response.key)
        self.assert_seen(lambda: helpers.fill(self.embct, key, 2))

    def test_a_response_saved(self) -> None:
        def rescored() -> None:
            self.response.item_scores = dict.fromkeys(self.response.item_scores, 0)
            self.response.save()

        self.assert_seen(rescored)

    def test_responses_updated_in_bulk(self) -> None:
        scores = dict.fromkeys(self.response.item_scores, None)
        self.assert_seen(
            lambda: Response.objects.filter(patient=self.embct).update(item_scores=scores)
        )

    def test_a_response_deleted(self) -> None:
        self.assert_seen(lambda: Response.objects.filter(pk=self.response.pk).delete())

    def test_responses_bulk_created(self) -> None:
        assessment = ScheduledAssessment.objects.get(
            patient=self.embct, key=self.exported_key(self.embct, skip=self.response.key)
        )
        copy = Response(
            assessment=assessment,
            patient=self.embct,
            key=assessment.key,
            instrument=assessment.instrument,
            wave=assessment.wave,
            coding=self.response.coding,
            answers={},
            item_scores=dict.fromkeys(map(str, range(1, 1 + len(self.response.item_scores))), 1),
            form_token=uuid.uuid4(),
        )
        self.assert_seen(lambda: Response.objects.bulk_create([copy]))

    def test_a_patients_therapist_changed(self) -> None:
        other = User.objects.create_user("thea", role=Role.THERAPIST)

        def moved() -> None:
            self.embct.therapist = other
            self.embct.save()

        self.assert_seen(moved)

    def test_a_patients_group_changed_in_bulk(self) -> None:
        other = MbctGroup.objects.create(
            name="other group", therapist=self.tessa, location="hall", course=self.course
        )
        self.assert_seen(lambda: PatientProfile.objects.filter(pk=self.mbct.pk).update(group=other))

    def test_a_baseline_corrected(self) -> None:
        person = Participant.objects.get(profile=self.embct)
        older = {**person.baseline, "age": person.baseline["age"] + 1}
        self.assert_seen(lambda: Participant.objects.filter(pk=person.pk).update(baseline=older))

    def test_log_files_sent(self) -> None:
        self.assert_seen(lambda: self.send(self.embct, 1))

    def test_a_study_write_and_a_response_replace_different_tokens(self) -> None:
        """The study summary's version does not change with a questionnaire, so the dashboard
        keeps its cached flow while patients answer."""
        study = versions.current(versions.STUDY)
        responses = versions.current(versions.RESPONSES)
        helpers.fill(self.embct, self.exported_key(self.embct, skip=self.response.key), 2)
        assert versions.current(versions.STUDY) == study
        assert versions.current(versions.RESPONSES) != responses


@pytest.mark.slow  # the whole analysis, three times
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

    def key(self) -> str:
        with translation.override("en"):
            return live.report_cache_key(versions.current(*live.REPORT_DATA))

    def test_a_repeat_view_is_served_from_the_cache_and_a_data_change_recomputes(self) -> None:
        self.login(self.rosa)
        analyze = self.enterContext(
            mock.patch.object(embct.analysis, "analyze", wraps=embct.analysis.analyze)
        )
        table = self.enterContext(
            mock.patch.object(export, "trial_table", wraps=export.trial_table)
        )
        first, first_html, first_log = self.view()
        assert (analyze.call_count, table.call_count) == (1, 1)
        key = self.key()
        assert cache.get(key) == {
            "digest": (first_log.sha256, first_log.rows, first_log.columns),
            "results": first,
            "html": first_html,
        }

        second, second_html, second_log = self.view()
        # neither exported nor analysed again: the cache answered
        assert (analyze.call_count, table.call_count) == (1, 1)
        assert (second, second_html) == (first, first_html)
        # Every view is still logged and audited as an export of the file it shows.
        assert second_log.pk != first_log.pk
        assert (second_log.sha256, second_log.rows, second_log.columns) == (
            first_log.sha256,
            first_log.rows,
            first_log.columns,
        )
        assert second_log.user == self.rosa
        assert second_log.what == "report"
        events = AuditEvent.objects.filter(action=Action.EXPORT, target_id=str(second_log.pk))
        assert events.count() == 1
        assert ExportLog.objects.filter(what="report", user=self.rosa).count() == 2
        # ... the same file as a fresh export's bytes
        data, _ = export.export_bytes("csv", user=self.rosa)
        assert hashlib.sha256(data).hexdigest() == first_log.sha256

        response = Response.objects.order_by("pk").first()
        assert response is not None
        response.item_scores = dict.fromkeys(response.item_scores, None)
        response.save()
        _results, _html, third_log = self.view()
        assert analyze.call_count == 2  # the answers changed: computed afresh
        assert third_log.sha256 != first_log.sha256
        assert cache.get(key) is not None  # the old entry is simply not used

    def test_a_report_made_while_a_write_commits_is_shown_but_not_cached(self) -> None:
        self.login(self.rosa)
        real = embct.analysis.analyze

        def analyse_then_another_process_writes(*args: object, **kwargs: object) -> object:
            made = real(*args, **kwargs)  # type: ignore[arg-type]
            versions.bump(versions.RESPONSES)  # as a submission committed meanwhile
            return made

        before = self.key()
        with mock.patch.object(embct.analysis, "analyze", analyse_then_another_process_writes):
            results, _html, _log = self.view()
        assert results
        assert cache.get(before) is None
        assert cache.get(self.key()) is None  # made from data older than this version
