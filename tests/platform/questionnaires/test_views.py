"""Questionnaires on the trial's schedule: states by date, the form, drafts, skips and
idempotent submission; persona checks for each view."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine

from embct.platform.care.models import Arm, PatientProfile
from embct.platform.groups.models import GroupMeeting, MbctGroup
from embct.platform.questionnaires import early, services
from embct.platform.questionnaires.models import Draft, Response, ScheduledAssessment
from support import measure_helpers as helpers
from support.testing import NOW, TODAY, BaseTestCase

LIST = "/questionnaires/"


class ScheduleTests(BaseTestCase):
    def states(self, profile: PatientProfile) -> dict[str, str]:
        from django.utils import timezone

        return {
            w.assessment.key: w.state.value for w in services.windows(profile, timezone.localdate())
        }

    def test_the_trial_schedule_is_materialized_once_per_patient(self) -> None:
        services.materialize(self.pim_profile)
        services.materialize(self.pim_profile)
        keys = list(
            ScheduledAssessment.objects.filter(patient=self.pim_profile).values_list(
                "key", flat=True
            )
        )
        assert keys == [
            "hads_pre",
            "mhc_pre",
            "wai_w2",
            "wai_w5",
            "wai_w9",
            "hads_post",
            "mhc_post",
        ]
        wai5 = ScheduledAssessment.objects.get(patient=self.pim_profile, key="wai_w5")
        assert wai5.due == self.pim_profile.start_date + timedelta(days=28)

    def test_states_follow_the_calendar(self) -> None:
        # Started 3 March (week 3 on 18 March): week-2 WAI was due 10-16 March.
        states = self.states(self.pim_profile)
        assert states["wai_w2"] == "overdue"
        assert states["hads_pre"] == "overdue"
        assert states["wai_w5"] == "upcoming"
        with time_machine.travel(NOW - timedelta(days=5), tick=False):
            assert self.states(self.pim_profile)["wai_w2"] == "due"
        with time_machine.travel(NOW + timedelta(days=13), tick=False):
            assert self.states(self.pim_profile)["wai_w5"] == "due"

    def test_a_done_assessment_stays_done(self) -> None:
        helpers.fill(self.pim_profile, "wai_w2", 4)
        assert self.states(self.pim_profile)["wai_w2"] == "done"
        with time_machine.travel(NOW + timedelta(days=60), tick=False):
            assert self.states(self.pim_profile)["wai_w2"] == "done"

    def test_a_changed_start_date_moves_open_due_dates(self) -> None:
        services.materialize(self.pim_profile)
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(start_date=TODAY)
        self.pim_profile.refresh_from_db()
        services.materialize(self.pim_profile)
        wai2 = ScheduledAssessment.objects.get(patient=self.pim_profile, key="wai_w2")
        assert wai2.due == TODAY + timedelta(days=7)

    def test_every_session_mode_asks_for_the_alliance_each_week(self) -> None:
        with self.settings(EMBCT_ASSESSMENT_MODE="every_session"):
            services.materialize(self.pim_profile)
        keys = set(
            ScheduledAssessment.objects.filter(patient=self.pim_profile).values_list(
                "key", flat=True
            )
        )
        assert {f"wai_w{w}" for w in range(2, 11)} <= keys

    def test_group_members_follow_their_groups_first_meeting(self) -> None:
        group = MbctGroup.objects.create(
            name="Tuesday", therapist=self.tessa, location="room 1", course=self.course
        )
        GroupMeeting.objects.create(group=group, session=self.session(1), date=TODAY)
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(
            group=group, start_date=None, arm=Arm.MBCT
        )
        self.pim_profile.refresh_from_db()
        services.materialize(self.pim_profile)
        wai2 = ScheduledAssessment.objects.get(patient=self.pim_profile, key="wai_w2")
        assert wai2.due == TODAY + timedelta(days=7)


class ListViewTests(BaseTestCase):
    def test_it_shows_due_overdue_and_done(self) -> None:
        helpers.fill(self.pim_profile, "hads_pre", 1)
        self.login(self.pim)
        response = self.client.get(LIST)
        assert response.status_code == 200
        self.assertContains(response, "WAI-SR, start of week 2")
        self.assertContains(response, "Overdue since 10 March")
        self.assertContains(response, "Done")
        self.assertContains(response, "Later: WAI-SR, start of week 5")

    def test_it_refuses_post(self) -> None:
        self.login(self.pim)
        assert self.client.post(LIST).status_code == 405

    def test_a_therapist_gets_403(self) -> None:
        self.login(self.tessa)
        assert self.client.get(LIST).status_code == 403

    def test_a_researcher_gets_403(self) -> None:
        self.login(self.rosa)
        assert self.client.get(LIST).status_code == 403

    def test_anonymous_is_sent_to_login(self) -> None:
        assert self.client.get(LIST).status_code == 302


class FillViewTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        services.materialize(self.pim_profile)
        services.materialize(self.olga_profile)
        self.wai2 = ScheduledAssessment.objects.get(patient=self.pim_profile, key="wai_w2")

    def url(self, assessment: ScheduledAssessment | None = None) -> str:
        return f"/questionnaires/{(assessment or self.wai2).pk}/"

    def post(self, **data: object) -> object:
        payload = helpers.answers("wai", 4)
        payload["form_token"] = str(uuid.uuid4())
        payload["action"] = "submit"
        payload.update({k.removeprefix("i"): str(v) for k, v in data.items()})
        return self.client.post(self.url(), payload)

    def test_it_shows_one_radio_group_per_item_with_placeholder_wording(self) -> None:
        self.login(self.pim)
        response = self.client.get(self.url())
        assert response.status_code == 200
        self.assertContains(response, "<fieldset", count=12)
        self.assertContains(response, "WAI-SR item 12, option E")
        self.assertContains(response, 'type="radio"', count=12 * 6)
        self.assertContains(response, "Skip this question", count=12)
        self.assertContains(response, 'name="form_token"')

    def test_it_stores_a_response_scored_by_the_instruments(self) -> None:
        self.login(self.pim)
        response = self.post(i1="2", i3="5")
        self.assertRedirects(response, LIST)
        stored = Response.objects.get()
        assert stored.patient == self.pim_profile
        assert (stored.key, stored.instrument, stored.wave) == ("wai_w2", "wai", "w2")
        assert stored.total == 4 * 12 - 2 + 1
        assert stored.subscales == {"task": 14.0, "bond": 17.0, "goal": 16.0}
        assert stored.answers["1"] == 2
        self.wai2.refresh_from_db()
        assert self.wai2.completed_at is not None

    def test_a_double_submit_stores_one_response(self) -> None:
        self.login(self.pim)
        payload = helpers.answers("wai", 3)
        payload.update(form_token=str(uuid.uuid4()), action="submit")
        self.client.post(self.url(), payload)
        second = self.client.post(self.url(), payload)
        assert second.status_code == 302
        payload["form_token"] = str(uuid.uuid4())  # a resend from another tab
        self.client.post(self.url(), payload)
        assert Response.objects.count() == 1

    def test_the_database_refuses_a_second_response_with_the_same_token(self) -> None:
        from django.db import IntegrityError, transaction

        first = helpers.fill(self.pim_profile, "wai_w2", 3)
        other = ScheduledAssessment.objects.get(patient=self.pim_profile, key="hads_pre")
        with pytest.raises(IntegrityError), transaction.atomic():
            Response.objects.create(
                assessment=other,
                patient=self.pim_profile,
                key="hads_pre",
                instrument="hads",
                wave="pre",
                coding="printed",
                answers={},
                item_scores={},
                form_token=first.form_token,
            )

    def test_a_skip_is_allowed_where_the_missing_rule_allows_it(self) -> None:
        self.login(self.pim)
        response = self.post(i1="skip")
        assert response.status_code == 302
        stored = Response.objects.get()
        assert stored.prorated
        assert stored.answers["1"] is None
        assert stored.subscales["task"] == 16.0  # 3 items x 4, prorated to 4 items

    def test_too_many_skips_keep_a_draft_and_explain(self) -> None:
        self.login(self.pim)
        response = self.post(i1="skip", i2="skip")
        assert response.status_code == 400
        self.assertContains(response, "Too many questions were skipped", status_code=400)
        assert not Response.objects.exists()
        assert Draft.objects.get().answers["1"] == "skip"

    def test_an_unanswered_item_is_refused(self) -> None:
        self.login(self.pim)
        response = self.post(i7="")
        self.assertContains(response, "not yet answered: 7", status_code=400)
        assert not Response.objects.exists()
        # The question itself carries the error, and the summary at the top links to it.
        self.assertContains(response, 'aria-describedby="id_7_error"', status_code=400)
        self.assertContains(response, 'id="id_7_error"', status_code=400)
        self.assertContains(response, 'href="#id_7_0"', status_code=400)
        self.assertNotContains(response, 'aria-describedby="id_6_error"', status_code=400)

    def test_an_out_of_range_value_is_refused_by_the_form(self) -> None:
        self.login(self.pim)
        response = self.post(i7="9")
        assert response.status_code == 400
        assert not Response.objects.exists()

    def test_leaving_half_way_keeps_a_draft_that_comes_back(self) -> None:
        self.login(self.pim)
        payload = {"1": "5", "2": "4", "form_token": str(uuid.uuid4()), "action": "save"}
        self.assertRedirects(self.client.post(self.url(), payload), LIST)
        assert Draft.objects.get(assessment=self.wai2).answers == {"1": "5", "2": "4"}
        self.assertContains(self.client.get(LIST), "started")
        page = self.client.get(self.url())
        assert page.context["form"].initial["1"] == "5"

    def test_a_completed_assessment_redirects_to_the_list(self) -> None:
        helpers.fill(self.pim_profile, "wai_w2", 3)
        self.login(self.pim)
        self.assertRedirects(self.client.get(self.url()), LIST)

    def test_an_upcoming_assessment_is_404(self) -> None:
        self.login(self.pim)
        wai5 = ScheduledAssessment.objects.get(patient=self.pim_profile, key="wai_w5")
        assert self.client.get(self.url(wai5)).status_code == 404

    def test_another_patients_assessment_is_404(self) -> None:
        self.login(self.pim)
        olga = ScheduledAssessment.objects.get(patient=self.olga_profile, key="wai_w2")
        assert self.client.post(self.url(olga), helpers.answers("wai", 3)).status_code == 404
        assert not Response.objects.exists()

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.pim)
        assert self.client.get("/questionnaires/999999/").status_code == 404

    def test_it_refuses_put(self) -> None:
        self.login(self.pim)
        assert self.client.put(self.url()).status_code == 405

    def test_a_therapist_gets_403(self) -> None:
        self.login(self.tessa)
        assert self.client.post(self.url(), helpers.answers("wai", 3)).status_code == 403
        assert not Response.objects.exists()


class PagesShowQuestionnairesTests(BaseTestCase):
    def test_the_week_page_lists_what_is_due(self) -> None:
        self.login(self.pim)
        response = self.client.get("/week/")
        wai2 = ScheduledAssessment.objects.get(patient=self.pim_profile, key="wai_w2")
        self.assertContains(response, f'href="/questionnaires/{wai2.pk}/"')
        self.assertContains(response, "Overdue since 10 March")

    def test_group_members_see_the_same_questionnaires(self) -> None:
        group = MbctGroup.objects.create(
            name="Tuesday", therapist=self.tessa, location="room 1", course=self.course
        )
        GroupMeeting.objects.create(
            group=group, session=self.session(1), date=TODAY - timedelta(days=8)
        )
        self.pim_profile.group = group
        self.pim_profile.start_date = None
        self.pim_profile.arm = Arm.MBCT
        self.pim_profile.save()
        self.login(self.pim)
        response = self.client.get("/my-group/")
        assert response.status_code == 200
        self.assertContains(response, "WAI-SR, start of week 2")
        wai2 = ScheduledAssessment.objects.get(patient=self.pim_profile, key="wai_w2")
        assert wai2.due == TODAY - timedelta(days=1)
        payload = helpers.answers("wai", 5)
        payload.update(form_token=str(uuid.uuid4()), action="submit")
        self.client.post(f"/questionnaires/{wai2.pk}/", payload)
        assert Response.objects.get().total == 60.0

    def test_the_caseload_shows_flags_explained(self) -> None:
        early.refresh_all(TODAY)  # the daily job keeps the warnings; the page only reads them
        self.login(self.tessa)
        response = self.client.get("/caseload/")
        self.assertContains(response, "No practice logged")
        self.assertContains(response, "No practice has been logged for 15 days")
        self.assertContains(response, f"/patients/{self.pim_profile.pk}/measures/")
