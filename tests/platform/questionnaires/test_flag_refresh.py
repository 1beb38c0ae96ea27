"""Early warnings are kept when their inputs change (a questionnaire response, attendance) and
by the daily job for those that fire with time; a GET of a list page writes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from embct.platform.groups.models import GroupMeeting, MbctGroup
from embct.platform.questionnaires.models import FlagRecord
from embct.platform.research import services as research
from embct.platform.research.models import Screening
from support import measure_helpers as helpers
from support.testing import NOW, TODAY, BaseTestCase, table_rows

#: Reading a page is itself audited, and signing in saves the session: those two tables may
#: change on a GET, nothing else.
MAY_CHANGE = ("audit_auditevent", "django_session")
DAY = timedelta(days=1)


class GetChangesNothingTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        group = MbctGroup.objects.create(
            name="Tuesday", therapist=self.tessa, location="Room", course=self.course
        )
        GroupMeeting.objects.create(
            group=group, session=self.session(1), date=TODAY - timedelta(days=14)
        )
        self.group = group
        research.screen(dict.fromkeys(range(1, 15), 2), "+31612345678", uuid.uuid4())

    def assert_get_writes_nothing(self, user: object, *urls: str) -> None:
        self.login(user)  # type: ignore[arg-type]
        for url in urls:
            before = table_rows(skip=MAY_CHANGE)
            assert self.client.get(url).status_code == 200, url
            assert table_rows(skip=MAY_CHANGE) == before, url

    def test_the_therapists_lists_write_nothing(self) -> None:
        # Pim has practised nothing for 15 days: the warning fires, but is kept only by the
        # daily job, not by whoever opens a list.
        self.assert_get_writes_nothing(
            self.tessa,
            reverse("care:caseload"),
            reverse("care:queue"),
            reverse("questionnaires:warnings"),
            reverse("questionnaires:measures", args=[self.pim_profile.pk]),
            reverse("groups:list"),
            reverse("groups:detail", args=[self.group.pk]),
        )
        assert not FlagRecord.objects.exists()

    def test_the_researchers_call_list_writes_nothing(self) -> None:
        self.assert_get_writes_nothing(self.rosa, reverse("research:dashboard"))

    def test_the_supervisors_and_administrators_lists_write_nothing(self) -> None:
        self.assert_get_writes_nothing(self.sam, reverse("care:supervision"))
        self.assert_get_writes_nothing(self.ada, reverse("care:clinic"), reverse("audit:list"))

    def test_the_lists_show_what_the_daily_job_kept(self) -> None:
        call_command("remind", stdout=StringIO())
        self.login(self.tessa)
        for url in (reverse("care:caseload"), reverse("questionnaires:warnings")):
            self.assertContains(self.client.get(url), "No practice logged")

    def test_an_acknowledged_or_resolved_warning_leaves_the_list_without_a_write(self) -> None:
        call_command("remind", stdout=StringIO())
        self.diary(self.pim_profile, 3)  # practised today: the warning no longer fires
        self.login(self.tessa)
        self.assertNotContains(self.client.get(reverse("questionnaires:warnings")), "No practice")


class FlagRefreshTests(BaseTestCase):
    def test_a_saved_response_keeps_its_warning_at_once(self) -> None:
        helpers.fill(self.pim_profile, "wai_w2", 2)  # total 24 < 27.1
        assert FlagRecord.objects.filter(
            patient=self.pim_profile, code="weak_early_alliance"
        ).exists()

    def test_answers_entered_later_keep_their_day_and_one_refresh_keeps_the_warning(
        self,
    ) -> None:
        from embct.platform.questionnaires import services
        from embct.platform.questionnaires.early import refresh_all
        from embct.platform.questionnaires.models import ScheduledAssessment

        services.materialize(self.pim_profile)
        assessment = ScheduledAssessment.objects.get(patient=self.pim_profile, key="wai_w2")
        given = NOW - timedelta(days=3)
        raw = helpers.answers("wai", 2)  # total 24 < 27.1
        response, created = services.submit(
            assessment, raw, uuid.uuid4(), submitted_at=given, refresh=False
        )
        assessment.refresh_from_db()
        assert created
        assert (response.submitted_at, assessment.completed_at) == (given, given)
        assert not FlagRecord.objects.exists()  # left to the caller's one refresh
        refresh_all(TODAY)
        assert FlagRecord.objects.filter(
            patient=self.pim_profile, code="weak_early_alliance"
        ).exists()

    def test_saved_attendance_keeps_its_warning_at_once(self) -> None:
        group = MbctGroup.objects.create(
            name="Tuesday", therapist=self.tessa, location="Room", course=self.course
        )
        meetings = [
            GroupMeeting.objects.create(group=group, session=self.session(week), date=day)
            for week, day in ((1, TODAY - timedelta(days=7)), (2, TODAY), (3, TODAY + DAY))
        ]
        self.pim_profile.group = group
        self.pim_profile.save()
        self.login(self.tessa)
        url = reverse("groups:attendance", args=[group.pk, meetings[0].pk])
        assert self.client.post(url, {}).status_code == 302  # Pim was not there
        # 0 attended + 2 to come cannot reach 4
        flag = FlagRecord.objects.get(patient=self.pim_profile, code="dose_at_risk")
        assert flag.evidence["sessions_done"] == 0

    def test_the_daily_job_keeps_warnings_that_fire_with_time(self) -> None:
        out = StringIO()
        call_command("remind", stdout=out)
        assert "early warnings kept for 2 patient(s)" in out.getvalue()
        codes = set(FlagRecord.objects.values_list("patient_id", "code"))
        assert (self.pim_profile.pk, "no_recent_practice") in codes
        assert (self.olga_profile.pk, "no_recent_practice") in codes

    def test_a_dry_run_keeps_nothing(self) -> None:
        call_command("remind", "--dry-run", stdout=StringIO())
        assert not FlagRecord.objects.exists()


class ContactExpiryTests(BaseTestCase):
    def screen(self, days_ago: int) -> Screening:
        with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
            return research.screen(dict.fromkeys(range(1, 15), 2), "+31612345678", uuid.uuid4())

    def test_the_daily_job_blanks_numbers_kept_past_their_days(self) -> None:
        old, recent = self.screen(91), self.screen(90)
        out = StringIO()
        call_command("remind", stdout=out)
        assert "blanked 1 screening telephone number(s) older than 90 days" in out.getvalue()
        old.refresh_from_db()
        recent.refresh_from_db()
        assert (old.contact, recent.contact) == ("", "+31612345678")

    @override_settings(EMBCT_SCREENING_CONTACT_DAYS=30)
    def test_the_days_are_configurable_and_a_dry_run_only_counts(self) -> None:
        screening = self.screen(31)
        out = StringIO()
        call_command("remind", "--dry-run", stdout=out)
        assert "would blank 1 screening telephone number(s) older than 30 days" in out.getvalue()
        screening.refresh_from_db()
        assert screening.contact == "+31612345678"
