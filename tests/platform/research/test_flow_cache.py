"""The dashboard's CONSORT flow and referrals to record are kept in the cache under the study
data's version (research.live.study_summary, embct.platform.versions): a repeat view of
unchanged data counts nothing again, and every way the platform writes what they read gives a
new version, so the dashboard's flow after the write equals a flow counted afresh (and its
referrals the list read afresh).

Each write test views the dashboard first (the flow is cached), checks that the write changes
the counted flow (else it could not fail), then that the dashboard shows the new count. With
the invalidation removed (no receivers, or a VersionedQuerySet that does not bump) these tests
fail: the dashboard shows the cached, old flow, as it does after a raw SQL write here
(``test_a_raw_sql_write_is_not_seen_until_the_version_changes``).
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core import serializers
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from embct import trial
from embct.platform.accounts.models import User
from embct.platform.care.models import Arm, LogSubmission, PatientProfile
from embct.platform.care.services import send_log_files
from embct.platform.groups.models import Attendance, GroupMeeting, MbctGroup
from embct.platform.research import corrections, live
from embct.platform.research import services as research
from embct.platform.research.models import (
    Allocation,
    Participant,
    Referral,
    Screening,
    Withdrawal,
)
from embct.platform.versions import services as versions
from embct.platform.versions.models import DataVersion, VersionedQuerySet
from support import measure_helpers as helpers
from support.testing import TODAY, BaseTestCase

SEED = 8181
#: live.flow's queries (tests/platform/research/test_live_flow.py pins them too).
FLOW_QUERIES = 11
#: What a view that makes the summary adds: the flow, the referrals, the version read again.
SUMMARY_QUERIES = FLOW_QUERIES + 1 + 1


def hads(item: int) -> dict[int, int | None]:
    return dict.fromkeys(range(1, 15), item)


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class FlowCacheTests(BaseTestCase):
    """A small trial: one screening below the threshold, one on the call list, and eight
    randomized participants, one in each treatment arm linked to a patient account."""

    def setUp(self) -> None:
        super().setUp()
        research.screen(hads(0), "", uuid.uuid4())
        self.open_call = research.screen(hads(2), "0612345678", uuid.uuid4())
        self.people = [helpers.participant(TODAY) for _ in range(8)]
        for person in self.people:
            research.randomize(person, self.rosa, TODAY)
        by_arm = {research.arms(p)[0]: p for p in reversed(self.people)}
        self.embct, self.mbct = by_arm[trial.Arm.EMBCT.value], by_arm[trial.Arm.MBCT.value]
        self.tau = next(p for p in self.people if research.arms(p) == (None, True))
        self.group = MbctGroup.objects.create(
            name="flow group", therapist=self.tessa, location="room", course=self.course
        )
        self.meeting = GroupMeeting.objects.create(
            group=self.group, session=self.session(1), date=TODAY
        )
        self.embct_profile = self.profile(self.embct, Arm.EMBCT)
        self.mbct_profile = self.profile(self.mbct, Arm.MBCT)
        self.login(self.rosa)

    def profile(self, person: Participant, arm: str) -> PatientProfile:
        group = self.group if arm == Arm.MBCT else None
        start = None if arm == Arm.MBCT else TODAY
        return helpers.linked_profile(
            person, self.tessa, self.course, arm, group=group, start_date=start
        )

    def dashboard(self) -> dict[str, int]:
        response = self.client.get("/research/")
        assert response.status_code == 200
        return dict(response.context["flow"].known())

    def counted(self) -> dict[str, int]:
        return dict(live.flow().known())

    def assert_seen(self, write: Callable[[], object]) -> None:
        """The dashboard, viewed before and after ``write``, shows the flow counted afresh."""
        before = self.dashboard()
        assert before == self.counted()
        assert cache.get(live.summary_cache_key(versions.current())) is not None  # cached
        write()
        after = self.counted()
        assert after != before, "the write must change the flow, or this test proves nothing"
        assert self.dashboard() == after

    # ---- the cache is used ---------------------------------------------------------------
    def test_a_repeat_view_reads_the_version_and_counts_nothing(self) -> None:
        with CaptureQueriesContext(connection) as first:
            self.dashboard()
        with CaptureQueriesContext(connection) as second:
            self.dashboard()
        # the first view counts (and reads the version again after counting), the second not
        assert len(first) - len(second) == SUMMARY_QUERIES
        assert self.dashboard() == self.counted()

    def test_a_raw_sql_write_is_not_seen_until_the_version_changes(self) -> None:
        """The check that the tests below can fail: a write that bypasses the ORM (and so the
        version) leaves the cached flow in place. Such code must call versions.bump; so does
        ``migrate`` (post_migrate), for data migrations (historical models send no signal)."""
        before = self.dashboard()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE research_screening SET invited = %s WHERE id = %s",
                [False, self.open_call.pk],
            )
        after = self.counted()
        assert after != before
        assert self.dashboard() == before  # stale: no version change
        # what ``migrate`` sends at its end (the command itself would reconnect as the owner
        # role under DATABASE_MIGRATION_URL, ending this test's transaction)
        emit_post_migrate_signal(0, False, connection.alias)
        assert self.dashboard() == after

    def test_the_counts_are_shared_by_every_language_and_the_labels_are_the_readers(
        self,
    ) -> None:
        english = self.client.get("/research/")
        User.objects.filter(pk=self.rosa.pk).update(language="nl")
        with CaptureQueriesContext(connection) as dutch_queries:
            dutch = self.client.get("/research/")
        with CaptureQueriesContext(connection) as again:
            self.client.get("/research/")
        assert len(dutch_queries) == len(again)  # from the cache: not counted in Dutch again
        assert dutch.context["flow"].known() == english.context["flow"].known()
        assert "Gerandomiseerd" in dutch.content.decode()
        assert "Gerandomiseerd" not in english.content.decode()

    def test_a_flow_counted_while_a_write_commits_is_not_cached(self) -> None:
        """Another process's write lands between the version read and the end of the count:
        that count may mix the data before and after, so it is shown but not kept."""
        version = versions.current()
        real = live.flow

        def count_then_another_process_writes() -> trial.ConsortFlow:
            counted = real()
            research.screen(hads(2), "0612345679", uuid.uuid4())
            return counted

        with mock.patch.object(live, "flow", count_then_another_process_writes):
            shown = dict(live.study_summary().flow.known())
        assert cache.get(live.summary_cache_key(version)) is None
        assert versions.current() != version
        assert self.dashboard() == self.counted() != shown

    # ---- screenings ----------------------------------------------------------------------
    def test_a_screening_saved(self) -> None:
        self.assert_seen(lambda: research.screen(hads(2), "0612345670", uuid.uuid4()))

    def test_a_call_closed_by_the_services_queryset_update(self) -> None:
        self.assert_seen(
            lambda: research.record_call_attempt(self.open_call, "declined", TODAY, TODAY)
        )

    def test_a_call_closed_as_not_reached(self) -> None:
        for _ in range(3):
            research.record_call_attempt(self.open_call, "not_reached", TODAY, TODAY)
        with override_settings(EMBCT_CALL_ATTEMPTS=3):
            self.assert_seen(lambda: research.close_unreached(self.open_call, TODAY))

    def test_a_screening_removed_from_the_call_list(self) -> None:
        self.assert_seen(lambda: research.remove_screening(self.open_call, self.rosa))

    def test_screenings_bulk_created(self) -> None:
        def bulk() -> None:
            Screening.objects.bulk_create(
                Screening(answers={}, total=t, invited=t >= 11, form_token=uuid.uuid4())
                for t in (3, 14)
            )

        self.assert_seen(bulk)

    def test_a_screening_queryset_update(self) -> None:
        self.assert_seen(
            lambda: Screening.objects.filter(pk=self.open_call.pk).update(invited=False)
        )

    # ---- participants --------------------------------------------------------------------
    def test_an_eligibility_interview_recorded(self) -> None:
        self.assert_seen(
            lambda: research.record_eligibility(self.open_call, helpers.CRITERIA_OK, "", TODAY)
        )

    def test_an_eligibility_corrected(self) -> None:
        waiting = helpers.participant(TODAY)
        self.assert_seen(
            lambda: corrections.correct_eligibility(
                waiting, "course_language", False, "entry_error", "typed the wrong answer"
            )
        )

    def test_a_participant_queryset_update_and_delete(self) -> None:
        waiting = helpers.participant(TODAY, consent=False)
        self.assert_seen(
            lambda: Participant.objects.filter(pk=waiting.pk).update(
                eligible=False, eligibility={**helpers.CRITERIA_OK, "course_language": False}
            )
        )
        self.assert_seen(lambda: Participant.objects.get(pk=waiting.pk).delete())

    # ---- allocations ---------------------------------------------------------------------
    def test_a_randomization(self) -> None:
        waiting = helpers.participant(TODAY)
        self.assert_seen(lambda: research.randomize(waiting, self.rosa, TODAY))

    def test_a_tau_re_randomization(self) -> None:
        later = TODAY + timedelta(days=100)
        self.assert_seen(lambda: research.rerandomize_tau(self.tau, self.rosa, later))

    def test_allocations_bulk_updated(self) -> None:
        allocation = Allocation.objects.get(participant=self.embct, list_name="main")
        allocation.arm = trial.Arm.MBCT.value
        self.assert_seen(lambda: Allocation.objects.bulk_update([allocation], ["arm"]))

    # ---- withdrawals ---------------------------------------------------------------------
    def test_a_withdrawal_recorded_corrected_and_recorded_in_error(self) -> None:
        person = self.embct
        self.send(self.embct_profile, 1)  # started: a dropout, by reason
        self.assert_seen(lambda: research.record_withdrawal(person, "dropout", TODAY, "other"))
        self.assert_seen(
            lambda: corrections.correct_withdrawal(
                person, "entry_error", "the wrong reason", TODAY, dropout_reason="practical"
            )
        )
        self.assert_seen(
            lambda: corrections.withdrawal_in_error(person, "wrong_participant", "not this one")
        )
        assert Withdrawal.objects.get().in_error_of == person

    # ---- the course: log files and group meetings ----------------------------------------
    def test_log_files_sent_and_deleted(self) -> None:
        self.diary(self.embct_profile, 1)
        self.assert_seen(lambda: send_log_files(self.embct_profile, self.session(1)))
        self.assert_seen(lambda: LogSubmission.objects.get().delete())

    def test_log_files_bulk_created(self) -> None:
        self.assert_seen(
            lambda: LogSubmission.objects.bulk_create(
                [LogSubmission(patient=self.embct_profile, session=self.session(1))]
            )
        )

    def test_attendance_saved_updated_and_deleted_with_its_meeting(self) -> None:
        def attended() -> None:
            Attendance.objects.update_or_create(  # as groups.views.record_attendance does
                meeting=self.meeting, patient=self.mbct_profile, defaults={"present": True}
            )

        self.assert_seen(attended)
        self.assert_seen(lambda: Attendance.objects.update(present=False))
        Attendance.objects.update(present=True)
        self.assert_seen(lambda: GroupMeeting.objects.filter(pk=self.meeting.pk).delete())

    def test_attendance_bulk_created(self) -> None:
        self.assert_seen(
            lambda: Attendance.objects.bulk_create(
                [Attendance(meeting=self.meeting, patient=self.mbct_profile, present=True)]
            )
        )

    # ---- referrals to record -------------------------------------------------------------
    def referrals(self) -> list[str]:
        response = self.client.get("/research/")
        return [r.study_id for r in response.context["referrals"]]

    def test_the_referrals_follow_an_exclusion_and_a_referral_recorded(self) -> None:
        assert self.referrals() == []  # cached
        excluded = research.record_eligibility(
            self.open_call, {**helpers.CRITERIA_OK, "severe_psychiatric_morbidity": True}, "", TODAY
        )
        assert self.referrals() == [excluded.study_id]
        research.record_referral(excluded, TODAY, TODAY)
        assert [p.study_id for p in research.referrals_to_record()] == []
        assert self.referrals() == []

    # ---- fixtures and the version row itself ---------------------------------------------
    @pytest.mark.skipif(
        bool(os.environ.get("DATABASE_MIGRATION_URL")),
        reason="loaddata resets the tables' sequences, which only the owner role may",
    )
    def test_a_fixture_loaded(self) -> None:
        tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        rows = json.loads(serializers.serialize("json", [self.open_call]))
        rows[0]["pk"] = None
        rows[0]["fields"]["form_token"] = str(uuid.uuid4())
        fixture = tmp / "screening.json"
        fixture.write_text(json.dumps(rows))
        self.assert_seen(lambda: call_command("loaddata", str(fixture), verbosity=0))

    def test_a_loaded_version_row_gets_a_new_token_not_the_dumped_one(self) -> None:
        tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        dumped = versions.current()
        fixture = tmp / "version.json"
        fixture.write_text(serializers.serialize("json", DataVersion.objects.all()))
        call_command("loaddata", str(fixture), verbosity=0)
        assert versions.current() not in {dumped, ""}

    def test_a_missing_version_row_is_made_afresh_by_a_read_or_a_write(self) -> None:
        before = self.dashboard()
        DataVersion.objects.all().delete()  # as after ``flush``
        research.screen(hads(2), "0612345671", uuid.uuid4())  # the bump makes the row again
        assert DataVersion.objects.count() == 1
        assert self.dashboard() == self.counted() != before
        DataVersion.objects.all().delete()
        made = versions.current()
        assert DataVersion.objects.get().token.hex == made
        assert self.dashboard() == self.counted()


def test_every_model_the_flow_counts_replaces_the_version() -> None:
    """The receivers are connected, and the querysets versioned, for each model live.flow and
    the referrals to record read."""
    from django.db.models.signals import post_delete, post_save

    counted = {Screening, Participant, Allocation, Withdrawal, LogSubmission, Attendance, Referral}
    for model in counted:
        assert post_save.has_listeners(model), model
        assert post_delete.has_listeners(model), model
        assert isinstance(model.objects.all(), VersionedQuerySet), model


@pytest.mark.django_db
def test_the_key_is_the_version() -> None:
    first = versions.current()
    versions.bump()
    second = versions.current()
    assert first != second
    assert live.summary_cache_key(first) != live.summary_cache_key(second)
    assert live.summary_cache_key(second) == f"research:summary:v1:{second}"


@pytest.mark.django_db(transaction=True)
def test_a_save_outside_a_transaction_and_its_version_commit_together() -> None:
    """No transaction open (autocommit, as a plain view): a save opens one, so the row and
    the new version commit together; were the version write to fail after the row had been
    committed, the row would be counted under the old version. The failure is injected."""
    before = versions.current()
    with (
        mock.patch.object(versions, "bump", side_effect=RuntimeError("the database went away")),
        pytest.raises(RuntimeError),
    ):
        Screening.objects.create(answers={}, total=14, invited=True, form_token=uuid.uuid4())
    assert not Screening.objects.exists()  # rolled back with the failed version write
    assert versions.current() == before
    Screening.objects.create(answers={}, total=14, invited=True, form_token=uuid.uuid4())
    assert versions.current() != before
