"""Corrections of study records (ALCOA+): original and new value, who, when and why, kept
and audited; refusals name participant, field, value and rule and change nothing; study
records are never deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.test import override_settings

from embct.platform.audit.models import Action, AuditEvent
from embct.platform.research import corrections, services
from embct.platform.research.models import Correction, Participant, Withdrawal
from support import measure_helpers as helpers
from support.testing import TODAY, BaseTestCase, force_login_verified

SEED = 20191010
WHY = ("entry_error", "typed in the wrong box")


def correction_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.CORRECTION).order_by("pk"))


class ConsentCorrectionTests(BaseTestCase):
    def test_the_original_and_new_date_who_and_why_are_kept_and_audited(self) -> None:
        person = helpers.participant(TODAY)
        person.screening.created_at -= timedelta(days=5)
        person.screening.save()
        earlier = TODAY - timedelta(days=2)
        made = corrections.correct_consent(person, earlier, *WHY, TODAY, by=self.rosa)
        assert person.consent_on == earlier
        assert (made.field, made.old_value, made.new_value) == (
            "consent_on",
            TODAY.isoformat(),
            earlier.isoformat(),
        )
        assert (made.by, made.reason, made.explanation) == (self.rosa, *WHY)
        [event] = correction_events()
        assert event.details["field"] == "consent_on"
        assert event.details["study_id"] == person.study_id

    def test_a_future_date_or_one_before_the_screening_is_refused_and_nothing_changes(
        self,
    ) -> None:
        person = helpers.participant(TODAY)
        for bad, rule in (
            (TODAY + timedelta(days=1), "future"),
            (TODAY - timedelta(days=9), "before the screening"),
        ):
            with pytest.raises(services.WorkflowError, match=rule) as caught:
                corrections.correct_consent(person, bad, *WHY, TODAY, by=self.rosa)
            assert person.study_id in str(caught.value)
            assert "consent_on" in str(caught.value)
            assert bad.isoformat() in str(caught.value)
        person.refresh_from_db()
        assert person.consent_on == TODAY
        assert not Correction.objects.exists()
        assert not correction_events()

    def test_a_correction_that_changes_nothing_or_has_no_reason_is_refused(self) -> None:
        person = helpers.participant(TODAY)
        with pytest.raises(services.WorkflowError, match="already recorded"):
            corrections.correct_consent(person, TODAY, *WHY, TODAY, by=self.rosa)
        person.screening.created_at -= timedelta(days=5)
        person.screening.save()
        with pytest.raises(services.WorkflowError, match="explanation"):
            corrections.correct_consent(
                person, TODAY - timedelta(days=1), "entry_error", "  ", TODAY, by=self.rosa
            )
        with pytest.raises(services.WorkflowError, match="reason"):
            corrections.correct_consent(
                person, TODAY - timedelta(days=1), "whim", "x", TODAY, by=self.rosa
            )
        assert not Correction.objects.exists()


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class EligibilityCorrectionTests(BaseTestCase):
    def test_eligible_is_recomputed_and_a_randomized_participant_keeps_the_allocation(
        self,
    ) -> None:
        person = helpers.participant(TODAY)
        services.randomize(person, self.rosa, TODAY)
        corrections.correct_eligibility(person, "cancer_diagnosis", False, *WHY, by=self.rosa)
        assert person.eligible is False
        assert person.eligibility["cancer_diagnosis"] is False
        assert person.allocations.count() == 1  # intention to treat
        assert corrections.randomized_but_ineligible(person)
        [event] = correction_events()
        assert event.details["randomized_ineligible"] is True
        corrections.correct_eligibility(person, "cancer_diagnosis", True, *WHY, by=self.rosa)
        assert person.eligible
        assert not corrections.randomized_but_ineligible(person)
        assert [c.field for c in corrections.history(person)] == [
            "eligibility.cancer_diagnosis"
        ] * 2

    def test_several_answers_are_corrected_together_one_record_each(self) -> None:
        person = helpers.participant(TODAY)
        answers = {**person.eligibility, "cancer_diagnosis": False, "course_language": False}
        made = corrections.correct_eligibility_answers(person, answers, *WHY, by=self.rosa)
        assert [(c.field, c.old_value, c.new_value) for c in made] == [
            ("eligibility.cancer_diagnosis", True, False),
            ("eligibility.course_language", True, False),
        ]
        assert person.eligible is False
        assert len(correction_events()) == 2
        with pytest.raises(services.WorkflowError, match=r"eligibility: .*nothing to correct"):
            corrections.correct_eligibility_answers(person, answers, *WHY, by=self.rosa)

    def test_one_bad_answer_among_several_changes_nothing(self) -> None:
        person = helpers.participant(TODAY)
        before = dict(person.eligibility)
        answers = {"cancer_diagnosis": False, "course_language": "maybe"}
        with pytest.raises(services.WorkflowError, match=r"eligibility\.course_language: 'maybe'"):
            corrections.correct_eligibility_answers(person, answers, *WHY, by=self.rosa)
        person.refresh_from_db()
        assert person.eligibility == before
        assert not Correction.objects.exists()
        assert not correction_events()

    def test_an_unknown_criterion_or_the_same_answer_is_refused(self) -> None:
        person = helpers.participant(TODAY)
        with pytest.raises(services.WorkflowError, match="not an eligibility criterion"):
            corrections.correct_eligibility(person, "nonsense", True, *WHY, by=self.rosa)
        with pytest.raises(services.WorkflowError, match=r"eligibility\.cancer_diagnosis"):
            corrections.correct_eligibility(person, "cancer_diagnosis", True, *WHY, by=self.rosa)
        assert not Correction.objects.exists()


class BaselineCorrectionTests(BaseTestCase):
    def test_a_value_is_corrected_with_its_original_kept(self) -> None:
        person = helpers.participant(TODAY)
        services.record_baseline(person, helpers.BASELINE)
        made = corrections.correct_baseline(person, "age", 53, *WHY, by=self.rosa)
        assert person.baseline["age"] == 53
        assert (made.field, made.old_value, made.new_value) == (
            "baseline.age",
            helpers.BASELINE["age"],
            53,
        )
        [event] = correction_events()
        assert 53 not in event.details.values()  # the event names the field, not the value

    def test_a_value_outside_the_rule_is_refused_and_nothing_changes(self) -> None:
        person = helpers.participant(TODAY)
        services.record_baseline(person, helpers.BASELINE)
        with pytest.raises(services.WorkflowError, match=r"baseline\.age.*17") as caught:
            corrections.correct_baseline(person, "age", 17, *WHY, by=self.rosa)
        assert person.study_id in str(caught.value)
        person.refresh_from_db()
        assert person.baseline == helpers.BASELINE
        assert not Correction.objects.exists()

    def test_the_age_and_years_since_diagnosis_are_checked_as_one_record(self) -> None:
        """Lowering both the age and the years since diagnosis is valid as a whole, though the
        new age with the old years is not."""
        person = helpers.participant(TODAY, baseline=False)
        services.record_baseline(
            person, {**helpers.BASELINE, "age": 60, "years_since_diagnosis": 40}
        )
        values = {"age": 30, "years_since_diagnosis": 20.0}
        made = corrections.correct_baseline_values(person, values, *WHY, by=self.rosa)
        assert [(c.field, c.old_value, c.new_value) for c in made] == [
            ("baseline.age", 60, 30),
            ("baseline.years_since_diagnosis", 40, 20.0),
        ]
        assert (person.baseline["age"], person.baseline["years_since_diagnosis"]) == (30, 20.0)

    def test_years_since_diagnosis_above_the_new_age_is_refused_and_nothing_changes(
        self,
    ) -> None:
        person = helpers.participant(TODAY)
        services.record_baseline(person, helpers.BASELINE)
        values = {**helpers.BASELINE, "age": 20, "years_since_diagnosis": 30.0}
        with pytest.raises(services.WorkflowError, match="larger than age") as caught:
            corrections.correct_baseline_values(person, values, *WHY, by=self.rosa)
        assert person.study_id in str(caught.value)
        person.refresh_from_db()
        assert person.baseline == helpers.BASELINE
        assert not Correction.objects.exists()

    def test_the_same_values_are_nothing_to_correct(self) -> None:
        person = helpers.participant(TODAY)
        services.record_baseline(person, helpers.BASELINE)
        with pytest.raises(services.WorkflowError, match=r"baseline: .*nothing to correct"):
            corrections.correct_baseline_values(person, helpers.BASELINE, *WHY, by=self.rosa)

    def test_a_complete_baseline_is_not_silently_overwritten(self) -> None:
        person = helpers.participant(TODAY)
        services.record_baseline(person, helpers.BASELINE)
        with pytest.raises(services.WorkflowError, match="correction form"):
            services.record_baseline(person, {**helpers.BASELINE, "age": 60})
        person.refresh_from_db()
        assert person.baseline == helpers.BASELINE
        services.record_baseline(person, helpers.BASELINE)  # the same values: nothing to do


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class WithdrawalCorrectionTests(BaseTestCase):
    def withdrawn(self) -> Participant:
        person = helpers.participant(TODAY)
        services.randomize(person, self.rosa, TODAY)
        services.record_withdrawal(person, "dropout", TODAY, "practical")
        return person

    def test_the_reason_and_date_are_corrected_one_record_per_field(self) -> None:
        person = self.withdrawn()
        made = corrections.correct_withdrawal(
            person,
            *WHY,
            TODAY,
            on=TODAY - timedelta(days=3),
            dropout_reason="too_burdensome",
            by=self.rosa,
        )
        assert [(c.field, c.old_value) for c in made] == [
            ("withdrawal.on", TODAY.isoformat()),
            ("withdrawal.reason", "practical"),
        ]
        withdrawal = Withdrawal.objects.get(participant=person)
        assert (withdrawal.on, withdrawal.reason) == (TODAY - timedelta(days=3), "too_burdensome")
        assert len(correction_events()) == 2

    def test_a_bad_category_or_no_change_is_refused(self) -> None:
        person = self.withdrawn()
        with pytest.raises(services.WorkflowError, match=r"withdrawal\.reason.*'bored'"):
            corrections.correct_withdrawal(person, *WHY, TODAY, dropout_reason="bored")
        with pytest.raises(services.WorkflowError, match="nothing to correct"):
            corrections.correct_withdrawal(person, *WHY, TODAY, dropout_reason="practical")
        assert not Correction.objects.exists()

    def test_a_withdrawal_recorded_in_error_is_undone_and_kept(self) -> None:
        person = self.withdrawn()
        original = Withdrawal.objects.get(participant=person)
        made = corrections.withdrawal_in_error(person, *WHY, by=self.rosa)
        assert (made.field, made.new_value) == ("withdrawal", None)
        assert made.old_value == {"kind": "dropout", "on": TODAY.isoformat(), "reason": "practical"}
        assert not hasattr(person, "withdrawal")  # no longer the participant's status
        kept = Withdrawal.objects.get(pk=original.pk)  # never deleted, its values unchanged
        assert (kept.kind, kept.on, kept.reason, kept.recorded_at) == (
            original.kind,
            original.on,
            original.reason,
            original.recorded_at,
        )
        assert corrections.withdrawals_in_error(person) == [kept]
        [event] = correction_events()
        assert (event.details["field"], event.details["withdrawal"]) == ("withdrawal", kept.pk)
        # The participant may still withdraw for real later.
        services.record_withdrawal(person, "dropout", TODAY, "too_burdensome")
        person.refresh_from_db()
        assert person.withdrawal.reason == "too_burdensome"
        assert Withdrawal.objects.count() == 2

    def test_undoing_needs_a_withdrawal_and_a_reason_and_changes_nothing_otherwise(
        self,
    ) -> None:
        person = helpers.participant(TODAY)
        with pytest.raises(services.WorkflowError, match="no withdrawal is recorded") as caught:
            corrections.withdrawal_in_error(person, *WHY, by=self.rosa)
        assert person.study_id in str(caught.value)
        person = self.withdrawn()
        with pytest.raises(services.WorkflowError, match="explanation"):
            corrections.withdrawal_in_error(person, "entry_error", " ", by=self.rosa)
        assert Withdrawal.objects.get().participant == person
        assert not Correction.objects.exists()
        assert not correction_events()

    def test_a_withdrawal_is_the_participants_or_in_error_never_both_nor_neither(self) -> None:
        person = helpers.participant(TODAY)
        for owners in ({}, {"participant": person, "in_error_of": person}):
            with pytest.raises(IntegrityError), transaction.atomic():
                Withdrawal.objects.create(kind="declined", on=TODAY, reason="other", **owners)

    def test_a_withdrawal_cannot_be_deleted_with_its_participant(self) -> None:
        person = helpers.participant(TODAY)  # no allocation, which would protect it too
        Withdrawal.objects.create(participant=person, kind="declined", on=TODAY, reason="other")
        with pytest.raises(ProtectedError):
            person.delete()
        assert Withdrawal.objects.filter(participant=person).exists()


class NeverDeletedTests(BaseTestCase):
    def test_a_patient_account_linked_to_a_study_id_cannot_be_deleted(self) -> None:
        person = helpers.participant(TODAY)
        services.link_profile(person, self.pim_profile)
        with pytest.raises(ProtectedError, match=person.study_id), transaction.atomic():
            self.pim.delete()
        assert Participant.objects.get(pk=person.pk).profile == self.pim_profile

    def test_an_unlinked_account_can_still_be_deleted(self) -> None:
        self.olga.delete()


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class ParticipantPageTests(BaseTestCase):
    def test_the_researcher_sees_the_history_and_the_itt_flag(self) -> None:
        person = helpers.participant(TODAY)
        services.randomize(person, self.rosa, TODAY)
        corrections.correct_eligibility(person, "cancer_diagnosis", False, *WHY, by=self.rosa)
        force_login_verified(self.client, self.rosa)
        response = self.client.get(f"/research/participants/{person.pk}/")
        self.assertContains(response, "eligibility.cancer_diagnosis")
        self.assertContains(response, "typed in the wrong box")
        self.assertContains(response, "intention to treat")
