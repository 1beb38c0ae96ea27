"""The research workflow: public screening, call list, eligibility, consent, baseline,
concealed randomization (balance, audit from the seed, strata, TAU), withdrawal, flow, and
pseudonymized views for researchers."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta

import time_machine
from django.test import override_settings
from django.utils import translation

from embct import trial
from embct.platform.audit.models import Action, AuditEvent
from embct.platform.care.models import Arm, DiaryEntry, Message, PatientProfile
from embct.platform.research import services, trial_text
from embct.platform.research.models import Allocation, Participant, Screening, Withdrawal
from support import measure_helpers as helpers
from support.testing import NOW, TODAY, BaseTestCase

SEED = 20191010


def hads_form(value: int, **extra: str) -> dict[str, str]:
    data = {str(i): str(value) for i in range(1, 15)}
    data.update(form_token=str(uuid.uuid4()), contact="0612345678")
    data.update(extra)
    return data


class ScreeningViewTests(BaseTestCase):
    URL = "/screening/"

    def test_anyone_can_open_it(self) -> None:
        response = self.client.get(self.URL)
        assert response.status_code == 200
        self.assertContains(response, "<fieldset", count=14)
        self.assertContains(response, "HADS item 14, option D")

    def test_a_total_of_11_or_more_goes_on_the_call_list(self) -> None:
        # HADS printed coding: value = score; 14 items x 1 = 14 >= 11.
        response = self.client.post(self.URL, hads_form(1))
        self.assertContains(response, "A researcher will call you")
        screening = Screening.objects.get()
        contact = "+31612345678"  # stored as E.164
        assert (screening.total, screening.invited, screening.contact) == (14.0, True, contact)
        assert [entry.screening for entry in services.call_list(TODAY)] == [screening]

    def test_below_11_nobody_calls_and_the_number_is_not_kept(self) -> None:
        data = hads_form(0)
        data["1"] = "3"
        self.client.post(self.URL, data)
        screening = Screening.objects.get()
        assert (screening.total, screening.invited, screening.contact) == (3.0, False, "")
        assert services.call_list(TODAY) == []

    def test_a_double_submit_stores_one_screening(self) -> None:
        data = hads_form(2)
        self.client.post(self.URL, data)
        self.client.post(self.URL, data)
        assert Screening.objects.count() == 1

    def test_an_invited_person_must_leave_a_number(self) -> None:
        response = self.client.post(self.URL, hads_form(2, contact=""))
        self.assertContains(response, "telephone number", status_code=400)
        assert not Screening.objects.exists()

    def test_unanswered_items_are_refused(self) -> None:
        data = hads_form(2)
        del data["5"]
        response = self.client.post(self.URL, data)
        self.assertContains(response, "not yet answered: 5", status_code=400)
        assert not Screening.objects.exists()
        # As on the patient's questionnaires: a summary at the top links to the question,
        # which carries its own error; what was answered is still chosen.
        self.assertContains(response, 'class="error-summary"', status_code=400)
        self.assertContains(response, 'href="#id_5_0"', status_code=400)
        self.assertContains(response, 'aria-describedby="id_5_error"', status_code=400)
        self.assertContains(response, 'id="id_5_error"', status_code=400)
        self.assertContains(response, "Please answer or skip this question.", status_code=400)
        self.assertNotContains(response, 'aria-describedby="id_4_error"', status_code=400)
        # item 5's four options and its skip are marked invalid, nothing else
        self.assertContains(response, 'aria-invalid="true"', count=5, status_code=400)
        self.assertContains(response, 'id="id_5_4" aria-invalid="true"', status_code=400)
        self.assertContains(response, 'value="2" id="id_4_2" checked', status_code=400)
        self.assertContains(response, 'value="0612345678"', status_code=400)

    def test_a_missing_telephone_number_is_tied_to_its_field(self) -> None:
        response = self.client.post(self.URL, hads_form(2, contact=""))
        self.assertContains(response, 'href="#id_contact"', status_code=400)
        self.assertContains(response, 'aria-describedby="id_contact_error"', status_code=400)
        self.assertContains(response, 'id="id_contact_error"', status_code=400)
        self.assertContains(response, 'aria-invalid="true"', count=1, status_code=400)
        self.assertContains(response, 'value="2" id="id_14_2" checked', status_code=400)

    def test_it_refuses_put(self) -> None:
        assert self.client.put(self.URL).status_code == 405


class DashboardTests(BaseTestCase):
    URL = "/research/"

    def test_the_researcher_sees_the_call_list_and_participants(self) -> None:
        person = helpers.participant(TODAY)
        waiting = services.screen(dict.fromkeys(range(1, 15), 3), "0699999999", uuid.uuid4())
        self.login(self.rosa)
        response = self.client.get(self.URL)
        assert response.status_code == 200
        self.assertContains(response, person.study_id)
        self.assertContains(response, f"/research/screenings/{waiting.pk}/eligibility/")
        self.assertContains(response, "0699999999")

    @override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
    def test_arms_and_withdrawals_are_shown_in_words_in_the_readers_language(self) -> None:
        person = helpers.participant(TODAY)
        allocation = services.randomize(person, self.rosa, TODAY)
        services.record_withdrawal(person, "dropout", TODAY, "practical")
        self.login(self.rosa)
        rows = {
            "embct": "eMBCT (online)",
            "mbct": "MBCT (group)",
            "tau": "treatment as usual (TAU)",
        }
        page = self.client.get(self.URL).content.decode()
        assert f"<td>{rows[allocation.arm]}</td>" in page
        assert "<td>Dropped out of the course</td>" in page
        assert f"<td>{allocation.arm}</td>" not in page
        # the CONSORT flow's rows
        assert '<th scope="row" class="depth-0">Group MBCT: allocated in all</th>' in page
        self.rosa.language = "nl"
        self.rosa.save()
        page = self.client.get(self.URL).content.decode()
        assert '<th scope="row" class="depth-0">Groeps-MBCT: in totaal toegewezen</th>' in page

    def test_it_refuses_post(self) -> None:
        self.login(self.rosa)
        assert self.client.post(self.URL).status_code == 405

    def test_a_therapist_gets_403(self) -> None:
        self.login(self.tessa)
        assert self.client.get(self.URL).status_code == 403

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.get(self.URL).status_code == 403


class EligibilityViewTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.screening = services.screen(dict.fromkeys(range(1, 15), 2), "0611", uuid.uuid4())
        self.url = f"/research/screenings/{self.screening.pk}/eligibility/"

    def form(self, **changes: bool) -> dict[str, str]:
        answers = {**helpers.CRITERIA_OK, **changes}
        return {k: "yes" if v else "no" for k, v in answers.items()}

    def test_it_records_the_criteria_and_gives_a_study_id(self) -> None:
        self.login(self.rosa)
        response = self.client.post(self.url, self.form())
        person = Participant.objects.get()
        self.assertRedirects(response, f"/research/participants/{person.pk}/")
        assert person.study_id == f"S{person.pk:05d}"
        assert person.eligible
        assert person.eligibility == helpers.CRITERIA_OK
        assert person.assessed_on == TODAY

    def test_an_exclusion_makes_ineligible_and_erases_the_number(self) -> None:
        self.login(self.rosa)
        self.client.post(self.url, self.form(previous_mindfulness_course=True))
        assert not Participant.objects.get().eligible
        self.screening.refresh_from_db()
        assert self.screening.contact == ""

    def test_every_criterion_must_be_answered(self) -> None:
        self.login(self.rosa)
        data = self.form()
        del data["course_language"]
        assert self.client.post(self.url, data).status_code == 400
        assert not Participant.objects.exists()

    def test_a_screening_below_the_threshold_is_404(self) -> None:
        low = services.screen(dict.fromkeys(range(1, 15), 0), "", uuid.uuid4())
        self.login(self.rosa)
        url = f"/research/screenings/{low.pk}/eligibility/"
        assert self.client.post(url, self.form()).status_code == 404

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.rosa)
        assert self.client.get("/research/screenings/99999/eligibility/").status_code == 404

    def test_it_refuses_put(self) -> None:
        self.login(self.rosa)
        assert self.client.put(self.url).status_code == 405

    def test_a_therapist_gets_403(self) -> None:
        self.login(self.tessa)
        assert self.client.post(self.url, self.form()).status_code == 403
        assert not Participant.objects.exists()


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class RandomizationTests(BaseTestCase):
    def test_allocation_is_concealed_until_consent(self) -> None:
        person = helpers.participant(TODAY, consent=False)
        self.login(self.rosa)
        page = self.client.get(f"/research/participants/{person.pk}/")
        self.assertContains(page, "concealed until consent")
        self.client.post(f"/research/participants/{person.pk}/randomize/")
        assert not Allocation.objects.exists()
        self.client.post(
            f"/research/participants/{person.pk}/consent/", {"consent_on": "2026-03-18"}
        )
        services.record_baseline(person, helpers.BASELINE)
        self.client.post(f"/research/participants/{person.pk}/randomize/")
        allocation = Allocation.objects.get()
        assert (allocation.participant, allocation.allocated_by) == (person, self.rosa)
        assert allocation.arm == trial.allocation_sequence(SEED, 1)[0].arm.value

    def test_randomizing_twice_allocates_once_and_erases_the_number(self) -> None:
        person = helpers.participant(TODAY)
        first = services.randomize(person, self.rosa, TODAY)
        assert services.randomize(person, self.rosa, TODAY) == first
        assert Allocation.objects.count() == 1
        assert Screening.objects.get().contact == ""

    def test_the_log_reproduces_from_the_seed_and_blocks_balance(self) -> None:
        people = [helpers.participant(TODAY) for _ in range(18)]
        arms = [services.randomize(p, self.rosa, TODAY).arm for p in people]
        sequence = trial.allocation_sequence(SEED, 18)
        assert arms == [slot.arm.value for slot in sequence]
        for block in {slot.block for slot in sequence}:
            members = [a for a, s in zip(arms, sequence, strict=True) if s.block == block]
            assert len(set(Counter(members).values())) == 1  # equal within every full block
        assert list(Allocation.objects.values_list("position", flat=True)) == list(range(1, 19))

    @override_settings(EMBCT_SITES=["nijmegen", "bilthoven"])
    def test_each_site_has_its_own_sequence(self) -> None:
        for site in ("nijmegen", "bilthoven", "nijmegen", "nijmegen"):
            services.randomize(helpers.participant(TODAY, site=site), self.rosa, TODAY)
        nijmegen = list(Allocation.objects.filter(stratum="nijmegen").values_list("arm", flat=True))
        expected = trial.allocation_sequence(SEED, 3, stratum="nijmegen")
        assert nijmegen == [s.arm.value for s in expected]

    def test_a_site_outside_the_strata_is_refused(self) -> None:
        screening = services.screen(dict.fromkeys(range(1, 15), 2), "06", uuid.uuid4())
        with self.assertRaisesMessage(services.WorkflowError, "not stratified"):
            services.record_eligibility(screening, helpers.CRITERIA_OK, "elsewhere", TODAY)

    def test_tau_is_re_randomized_after_three_months(self) -> None:
        people = [helpers.participant(TODAY) for _ in range(6)]
        for p in people:
            services.randomize(p, self.rosa, TODAY)
        tau = next(p for p in people if p.allocations.get().arm == "tau")
        assert services.arms(tau) == (None, True)
        with self.assertRaisesMessage(services.WorkflowError, "due on 2026-06-18"):
            services.rerandomize_tau(tau, self.rosa, TODAY)
        with time_machine.travel(NOW + timedelta(days=92), tick=False):
            self.login(self.rosa)
            self.client.post(f"/research/participants/{tau.pk}/randomize/", {"list": "tau"})
        second = Allocation.objects.get(participant=tau, list_name="tau")
        assert (
            second.arm
            == trial.allocation_sequence(
                SEED, 1, list_name="tau", arms=("mbct", "embct"), block_sizes=(2, 4)
            )[0].arm.value
        )
        assert services.arms(tau) == (second.arm, True)

    def test_without_a_seed_nothing_is_allocated(self) -> None:
        person = helpers.participant(TODAY)
        with (
            self.settings(EMBCT_RANDOMIZATION_SEED=None),
            self.assertRaisesMessage(services.WorkflowError, "no randomization seed"),
        ):
            services.randomize(person, self.rosa, TODAY)
        assert not Allocation.objects.exists()

    def test_a_bad_participant_id_is_404(self) -> None:
        self.login(self.rosa)
        assert self.client.post("/research/participants/9999/randomize/").status_code == 404

    def test_randomize_refuses_get(self) -> None:
        person = helpers.participant(TODAY)
        self.login(self.rosa)
        assert self.client.get(f"/research/participants/{person.pk}/randomize/").status_code == 405

    def test_a_therapist_cannot_randomize(self) -> None:
        person = helpers.participant(TODAY)
        self.login(self.tessa)
        assert self.client.post(f"/research/participants/{person.pk}/randomize/").status_code == 403
        assert not Allocation.objects.exists()


def take_allocated_arm(profile: PatientProfile, person: Participant) -> None:
    """The clinic gives the patient's account the arm the participant was allocated to (TAU
    awaiting re-randomization leaves it as it is)."""
    arm, _ = services.arms(person)
    if arm is not None:
        PatientProfile.objects.filter(pk=profile.pk).update(arm=arm)
        profile.refresh_from_db()


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class ParticipantRecordTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.person = helpers.participant(TODAY)
        self.base = f"/research/participants/{self.person.pk}"

    def test_baseline_is_checked_by_the_trial_schema(self) -> None:
        self.login(self.rosa)
        data = {
            k: ("1" if v is True else "0" if v is False else str(v))
            for k, v in helpers.BASELINE.items()
        }
        self.assertRedirects(self.client.post(f"{self.base}/baseline/", data), f"{self.base}/")
        self.person.refresh_from_db()
        assert self.person.baseline == helpers.BASELINE
        data["age"] = "17"
        response = self.client.post(f"{self.base}/baseline/", data)
        # the protocol's range is the field's own limit: the error is on the field
        assert response.context["baseline_form"].errors["age"] == [
            "Ensure this value is greater than or equal to 18."
        ]
        self.assertContains(
            response, "Ensure this value is greater than or equal to 18.", status_code=400
        )
        data["age"], data["years_since_diagnosis"] = "40", "41"
        response = self.client.post(f"{self.base}/baseline/", data)
        assert response.status_code == 400
        assert response.context["baseline_form"].errors["years_since_diagnosis"] == [
            "The years since diagnosis cannot be more than the age (40)."
        ]
        self.rosa.language = "nl"
        self.rosa.save()
        data["age"] = "17"
        response = self.client.post(f"{self.base}/baseline/", data)
        assert response.context["baseline_form"].errors["age"] == [
            "Zorg ervoor dat deze waarde minstens 18 is."  # Django's own Dutch
        ]
        data["age"] = "40"
        response = self.client.post(f"{self.base}/baseline/", data)
        assert response.context["baseline_form"].errors["years_since_diagnosis"] == [
            "Het aantal jaren sinds de diagnose kan niet groter zijn dan de leeftijd (40)."
        ]
        self.person.refresh_from_db()
        assert self.person.baseline == helpers.BASELINE  # nothing refused was stored

    def test_the_baseline_form_asks_in_words(self) -> None:
        from embct.platform.research.forms import BaselineForm

        form = BaselineForm()
        assert form.fields["female"].label == "Gender"
        assert list(form.fields["female"].choices) == [("1", "female"), ("0", "not female")]
        assert form.fields["diagnosis_breast"].label == "Cancer diagnosis"
        assert form.fields["relationship"].label == "In a relationship"
        with translation.override("nl"):
            assert str(BaselineForm().fields["female"].label) == "Geslacht"

    def test_the_record_shows_baseline_answers_arms_and_lists_in_words(self) -> None:
        services.record_baseline(self.person, helpers.BASELINE)
        allocation = services.randomize(self.person, self.rosa, TODAY)
        self.login(self.rosa)
        page = self.client.get(f"{self.base}/").content.decode()
        baseline = page[page.index("Baseline characteristics") : page.index("Randomization")]
        for shown in (
            "<dt>Gender</dt><dd>Female</dd>",
            "<dt>In a relationship</dt><dd>Yes</dd>",
            "<dt>Has children</dt><dd>No</dd>",
            "<dt>Cancer diagnosis</dt><dd>Breast cancer</dd>",
            "<dt>Age in years</dt><dd>52</dd>",
            "<dt>Years since cancer diagnosis</dt><dd>2.5</dd>",
        ):
            assert shown in baseline
        assert "True" not in baseline
        assert "False" not in baseline
        name = trial_text.arm(allocation.arm)
        assert name != allocation.arm
        self.assertContains(self.client.get(f"{self.base}/"), f"<strong>{name}</strong>")
        self.assertContains(self.client.get(f"{self.base}/"), "Main randomization list, position 1")
        # ... in the researcher's own language too.
        self.rosa.language = "nl"
        self.rosa.save()
        page = self.client.get(f"{self.base}/").content.decode()
        for shown in (
            "<dd>Vrouw</dd>",
            "<dd>Ja</dd>",
            "<dd>Nee</dd>",
            "<dd>Borstkanker</dd>",
            "<dd>2,5</dd>",
            "Hoofdlijst",
        ):
            assert shown in page

    def test_dropout_is_recorded_with_date_and_reason(self) -> None:
        services.randomize(self.person, self.rosa, TODAY)
        self.login(self.rosa)
        data = {"kind": "dropout", "on": "2026-03-17", "reason": "not_as_expected"}
        self.assertRedirects(self.client.post(f"{self.base}/withdraw/", data), f"{self.base}/")
        withdrawal = Withdrawal.objects.get()
        assert (withdrawal.kind, str(withdrawal.on), withdrawal.reason) == (
            "dropout",
            "2026-03-17",
            "not_as_expected",
        )

    def test_a_bad_reason_is_refused(self) -> None:
        services.randomize(self.person, self.rosa, TODAY)
        self.login(self.rosa)
        data = {"kind": "dropout", "on": "2026-03-17", "reason": "bored"}
        assert self.client.post(f"{self.base}/withdraw/", data).status_code == 400
        assert not Withdrawal.objects.exists()

    def test_consent_needs_a_date(self) -> None:
        person = helpers.participant(TODAY, consent=False)
        self.login(self.rosa)
        url = f"/research/participants/{person.pk}/consent/"
        assert self.client.post(url, {"consent_on": "soon"}).status_code == 400
        person.refresh_from_db()
        assert person.consent_on is None

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.get(f"{self.base}/").status_code == 403

    def test_the_clinic_page_offers_randomized_unlinked_participants_for_linking(self) -> None:
        self.login(self.ada)
        assert self.person.study_id not in self.client.get("/clinic/").content.decode()
        services.randomize(self.person, self.rosa, TODAY)
        take_allocated_arm(self.pim_profile, self.person)
        page = self.client.get("/clinic/")
        self.assertContains(page, f"{self.person.study_id}: patient account")
        arm = services.arm_label(services.arms(self.person)[0])
        self.assertContains(page, f"allocated to {arm}")
        self.assertContains(page, f'action="{self.base}/link/"')
        self.assertContains(
            page, f'<option value="{self.pim_profile.pk}">Pim (pim)</option>', html=True
        )
        self.client.post(f"{self.base}/link/", {"profile": self.pim_profile.pk})
        self.person.refresh_from_db()
        assert self.person.profile == self.pim_profile
        self.assertNotContains(
            self.client.get("/clinic/"), f"{self.person.study_id}: patient account"
        )

    def allocate(self, list_name: str, arm: trial.Arm, on: date) -> None:
        """An allocation of ``self.person`` made without the randomizer (any arm, any day)."""
        Allocation.objects.create(
            participant=self.person,
            list_name=list_name,
            stratum="test",
            position=1,
            arm=arm.value,
            allocated_on=on,
        )

    def test_linking_an_account_of_another_arm_is_refused_naming_both_arms(self) -> None:
        self.allocate("main", trial.Arm.MBCT, TODAY)
        self.login(self.ada)
        page = self.client.get("/clinic/")
        self.assertContains(page, "allocated to MBCT (group)")
        response = self.client.post(
            f"{self.base}/link/", {"profile": self.pim_profile.pk}, follow=True
        )
        self.assertContains(
            response,
            f"{self.person.study_id} is allocated to MBCT (group), but patient "
            f"#{self.pim_profile.pk} follows eMBCT (online)",
        )
        self.person.refresh_from_db()
        assert self.person.profile is None
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(arm=Arm.MBCT)
        self.client.post(f"{self.base}/link/", {"profile": self.pim_profile.pk})
        self.person.refresh_from_db()
        assert self.person.profile == self.pim_profile

    def test_the_link_list_gives_a_tau_participant_the_due_date_and_no_link_form(self) -> None:
        """Before: "allocated to not decided yet", with a form whose every use is refused."""
        self.allocate("main", trial.Arm.TAU, TODAY - timedelta(days=30))
        due = trial.tau_rerandomization_date(TODAY - timedelta(days=30))
        self.login(self.ada)
        page = self.client.get("/clinic/")
        self.assertContains(
            page,
            f"{self.person.study_id}: in treatment as usual (TAU) until re-randomization to MBCT "
            f"or eMBCT, due on {due.day} {due:%B %Y}; link the account then.",
        )
        self.assertNotContains(page, f'action="{self.base}/link/"')
        self.allocate("tau", trial.Arm.EMBCT, TODAY)
        self.assertContains(self.client.get("/clinic/"), f'action="{self.base}/link/"')

    def test_linking_a_participant_in_tau_awaiting_re_randomization_is_refused(self) -> None:
        """In TAU the participant has no treatment arm yet: an account of either arm would
        follow a course the allocation has not chosen. The refusal says the due date."""
        self.allocate("main", trial.Arm.TAU, TODAY - timedelta(days=30))
        due = trial.tau_rerandomization_date(TODAY - timedelta(days=30)).isoformat()
        self.login(self.ada)
        response = self.client.post(
            f"{self.base}/link/", {"profile": self.pim_profile.pk}, follow=True
        )
        self.assertContains(
            response,
            f"{self.person.study_id} is in TAU until re-randomization to MBCT or eMBCT, due on "
            f"{due}: link patient #{self.pim_profile.pk} once the participant has been "
            "re-randomized",
        )
        self.person.refresh_from_db()
        assert self.person.profile is None
        assert not AuditEvent.objects.filter(action=Action.STUDY_LINK).exists()
        self.ada.language = "nl"
        self.ada.save()
        response = self.client.post(
            f"{self.base}/link/", {"profile": self.pim_profile.pk}, follow=True
        )
        self.assertContains(response, f"herrandomisatie naar MBCT of eMBCT, gepland op {due}")
        self.allocate("tau", trial.Arm.EMBCT, TODAY)
        self.client.post(f"{self.base}/link/", {"profile": self.pim_profile.pk})
        self.person.refresh_from_db()
        assert self.person.profile == self.pim_profile  # re-randomized to eMBCT: pim's arm

    def test_an_admin_links_the_study_id_to_the_patient(self) -> None:
        self.login(self.ada)
        self.client.post(f"{self.base}/link/", {"profile": self.pim_profile.pk})
        self.person.refresh_from_db()
        assert self.person.profile == self.pim_profile
        self.login(self.rosa)
        assert self.client.post(f"{self.base}/link/", {"profile": 1}).status_code == 403


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class PseudonymizationTests(BaseTestCase):
    def test_researchers_see_study_ids_never_names_e_mail_or_free_text(self) -> None:
        person = helpers.participant(TODAY)
        services.randomize(person, self.rosa, TODAY)
        services.record_baseline(person, helpers.BASELINE)
        take_allocated_arm(self.pim_profile, person)
        services.link_profile(person, self.pim_profile)
        self.send(self.pim_profile, 1)
        Message.objects.create(
            patient=self.pim_profile, author=self.pim, body="my secret worry", from_patient=True
        )
        helpers.fill(self.pim_profile, "hads_pre", 2)
        assert DiaryEntry.objects.filter(body="warm hands").exists()
        self.login(self.rosa)
        pages = [
            self.client.get("/research/"),
            self.client.get(f"/research/participants/{person.pk}/"),
            self.client.post("/research/export/", {"format": "csv"}),
        ]
        for response in pages:
            assert response.status_code == 200
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode()
            assert person.study_id in text or "participant_id" in text
            for secret in ("Pim", "pim@example.org", "warm hands", "my secret worry", "0612345678"):
                assert secret not in text, (secret, response.request["PATH_INFO"])


class EmptyReportTests(BaseTestCase):
    def test_without_participants_the_report_page_explains(self) -> None:
        self.login(self.rosa)
        response = self.client.get("/research/report/")
        self.assertContains(response, "could not run on the current data")
        self.assertContains(response, "has no data rows")
