"""The correction pages of a participant (eligibility answers, consent date, baseline values,
withdrawal, a withdrawal recorded in error): each behind a recent password, for researchers
only; the original value, the new value, who, when and why shown on the participant's page and
in the audit log; every refusal names the participant, the field, the value and the rule, in
the reader's language, and changes nothing (the audit trail included)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.test import override_settings

from embct.platform.audit.models import Action, AuditEvent
from embct.platform.research import services
from embct.platform.research.models import Correction, Participant, Withdrawal
from support import measure_helpers as helpers
from support.testing import TODAY, BaseTestCase, table_rows

SEED = 20191010
WHY = {"correction_reason": "entry_error", "explanation": "typed in the wrong box"}
REAUTH = "/account/confirm-password/"
#: What a refused request may change: the session (flash messages, the language).
SESSIONS = ("django_session",)


def corrections_audited() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.CORRECTION).order_by("pk"))


def yes_no(answers: dict[str, bool]) -> dict[str, str]:
    return {k: "yes" if v else "no" for k, v in answers.items()}


def baseline_form(values: dict[str, Any]) -> dict[str, str]:
    return {k: ("1" if v else "0") if isinstance(v, bool) else str(v) for k, v in values.items()}


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class CorrectionPageCase(BaseTestCase):
    person: Participant

    def setUp(self) -> None:
        super().setUp()
        self.person = helpers.participant(TODAY)
        self.person.screening.created_at -= timedelta(days=10)
        self.person.screening.save()
        self.base = f"/research/participants/{self.person.pk}"
        self.login(self.rosa)

    def assert_refused(self, url: str, data: dict[str, str], *shown: str) -> None:
        """POST ``data``: 400, the page shows each of ``shown``, and no row of any table (the
        audit trail's included) changed."""
        before = table_rows(skip=SESSIONS)
        response = self.client.post(url, data)
        assert response.status_code == 400, response.status_code
        text = response.content.decode()
        for part in shown:
            assert part in text, (part, text[text.find("<main") :][:3000])
        assert table_rows(skip=SESSIONS) == before

    def page(self) -> str:
        return self.client.get(f"{self.base}/").content.decode()


class EligibilityCorrectionPageTests(CorrectionPageCase):
    def url(self) -> str:
        return f"{self.base}/correct/eligibility/"

    def test_the_form_shows_the_answers_as_recorded(self) -> None:
        response = self.client.get(self.url())
        assert response.status_code == 200
        form = response.context["form"]
        assert form.initial["cancer_diagnosis"] == "yes"
        assert form.initial["severe_psychiatric_morbidity"] == "no"
        assert "site" not in form.fields
        self.assertContains(response, 'name="correction_reason"')
        event = AuditEvent.objects.filter(action=Action.PATIENT_VIEW).latest("pk")
        assert event.details["page"] == "correction"

    def test_a_changed_answer_is_corrected_shown_and_audited(self) -> None:
        data = {**yes_no(self.person.eligibility), "cancer_diagnosis": "no", **WHY}
        response = self.client.post(self.url(), data)
        self.assertRedirects(response, f"{self.base}/")
        self.person.refresh_from_db()
        assert self.person.eligibility["cancer_diagnosis"] is False
        assert self.person.eligible is False
        [made] = Correction.objects.all()
        assert (made.field, made.old_value, made.new_value, made.by) == (
            "eligibility.cancer_diagnosis",
            True,
            False,
            self.rosa,
        )
        [event] = corrections_audited()
        assert (event.actor_name, event.details["field"], event.details["reason"]) == (
            "rosa",
            "eligibility.cancer_diagnosis",
            "entry_error",
        )
        page = self.page()
        for shown in ("eligibility.cancer_diagnosis", "Typing or entry error", WHY["explanation"]):
            assert shown in page
        assert "<td>rosa</td>" in page

    def test_the_same_answers_are_refused_naming_the_participant(self) -> None:
        data = {**yes_no(self.person.eligibility), **WHY}
        self.assert_refused(self.url(), data, self.person.study_id, "nothing to correct")

    def test_a_correction_without_a_reason_or_explanation_is_refused(self) -> None:
        answers = {**yes_no(self.person.eligibility), "cancer_diagnosis": "no"}
        # The summary at the top links to each field with an error, as on every form.
        self.assert_refused(self.url(), answers, "There is a problem", 'href="#id_explanation"')
        self.assert_refused(
            self.url(),
            {**answers, "correction_reason": "whim", "explanation": "x"},
            "Select a valid choice",
        )


class ConsentCorrectionPageTests(CorrectionPageCase):
    def url(self) -> str:
        return f"{self.base}/correct/consent/"

    def test_the_date_is_corrected_with_the_original_kept(self) -> None:
        earlier = TODAY - timedelta(days=3)
        response = self.client.post(self.url(), {"consent_on": earlier.isoformat(), **WHY})
        self.assertRedirects(response, f"{self.base}/")
        self.person.refresh_from_db()
        assert self.person.consent_on == earlier
        made = Correction.objects.get()
        assert (made.old_value, made.new_value) == (TODAY.isoformat(), earlier.isoformat())
        assert corrections_audited()[0].details["field"] == "consent_on"
        page = self.page()
        assert TODAY.isoformat() in page
        assert earlier.isoformat() in page

    def test_a_future_date_is_refused_naming_participant_field_value_and_rule(self) -> None:
        later = (TODAY + timedelta(days=1)).isoformat()
        self.assert_refused(
            self.url(),
            {"consent_on": later, **WHY},
            f"{self.person.study_id}, consent_on: {later} is refused: "
            "consent cannot be in the future",
        )

    def test_the_refusal_is_in_the_readers_language(self) -> None:
        self.rosa.language = "nl"
        self.rosa.save()
        early = (TODAY - timedelta(days=30)).isoformat()
        self.assert_refused(
            self.url(),
            {"consent_on": early, **WHY},
            f"{self.person.study_id}, consent_on: {early} is geweigerd: "
            "toestemming kan niet vóór de screening liggen",
        )

    def test_without_consent_there_is_nothing_to_correct(self) -> None:
        person = helpers.participant(TODAY, consent=False)
        url = f"/research/participants/{person.pk}/correct/consent/"
        response = self.client.get(url)
        self.assertContains(response, "No consent is recorded yet.")
        assert response.context["form"] is None
        self.assert_refused(url, {"consent_on": TODAY.isoformat(), **WHY}, "No consent")


class BaselineCorrectionPageTests(CorrectionPageCase):
    def setUp(self) -> None:
        super().setUp()
        services.record_baseline(self.person, helpers.BASELINE)

    def url(self) -> str:
        return f"{self.base}/correct/baseline/"

    def test_a_value_is_corrected_and_the_others_left_alone(self) -> None:
        response = self.client.get(self.url())
        assert response.context["form"].initial["age"] == 52
        assert response.context["form"].initial["female"] == "1"
        data = {**baseline_form(helpers.BASELINE), "age": "53", **WHY}
        self.assertRedirects(self.client.post(self.url(), data), f"{self.base}/")
        self.person.refresh_from_db()
        assert self.person.baseline == {**helpers.BASELINE, "age": 53}
        made = Correction.objects.get()
        assert (made.field, made.old_value, made.new_value) == ("baseline.age", 52, 53)
        [event] = corrections_audited()
        assert 53 not in event.details.values()  # the event names the field, not the value

    def test_a_value_outside_its_range_is_refused_and_nothing_changes(self) -> None:
        data = {**baseline_form(helpers.BASELINE), "age": "17", **WHY}
        self.assert_refused(self.url(), data, "Ensure this value is greater than or equal to 18.")
        data = {**baseline_form(helpers.BASELINE), "years_since_diagnosis": "60", **WHY}
        self.assert_refused(self.url(), data, "cannot be more than the age (52)")


class WithdrawalCorrectionPageTests(CorrectionPageCase):
    def setUp(self) -> None:
        super().setUp()
        services.randomize(self.person, self.rosa, TODAY)
        services.record_withdrawal(self.person, "dropout", TODAY, "practical")

    def test_the_reason_is_corrected(self) -> None:
        url = f"{self.base}/correct/withdrawal/"
        assert self.client.get(url).context["form"].initial["reason"] == "practical"
        data = {"kind": "dropout", "on": TODAY.isoformat(), "reason": "too_burdensome", **WHY}
        self.assertRedirects(self.client.post(url, data), f"{self.base}/")
        assert Withdrawal.objects.get().reason == "too_burdensome"
        made = Correction.objects.get()
        assert (made.field, made.old_value, made.new_value) == (
            "withdrawal.reason",
            "practical",
            "too_burdensome",
        )

    def test_a_future_date_is_refused_and_nothing_changes(self) -> None:
        url = f"{self.base}/correct/withdrawal/"
        later = (TODAY + timedelta(days=2)).isoformat()
        data = {"kind": "dropout", "on": later, "reason": "practical", **WHY}
        self.assert_refused(url, data, f"{self.person.study_id}, withdrawal.on: {later} is refused")

    def test_a_withdrawal_recorded_in_error_is_undone_and_kept_on_the_page(self) -> None:
        url = f"{self.base}/correct/withdrawal-in-error/"
        self.assert_refused(url, WHY, "This field is required.")  # not confirmed
        response = self.client.post(url, {**WHY, "confirm": "on"})
        self.assertRedirects(response, f"{self.base}/")
        kept = Withdrawal.objects.get()
        assert (kept.participant, kept.in_error_of) == (None, self.person)
        made = Correction.objects.get()
        assert (made.field, made.new_value) == ("withdrawal", None)
        page = self.page()
        assert "Withdrawals recorded in error (kept)" in page
        # The withdrawal form is offered again: the participant may still withdraw for real.
        assert f'action="{self.base}/withdraw/"' in page
        self.assert_refused(url, {**WHY, "confirm": "on"}, "No withdrawal is recorded.")


class AccessTests(CorrectionPageCase):
    NAMES = ("eligibility", "consent", "baseline", "withdrawal", "withdrawal-in-error")

    def urls(self, participant_id: int) -> list[str]:
        return [f"/research/participants/{participant_id}/correct/{n}/" for n in self.NAMES]

    def test_the_participants_page_links_to_the_correction_pages_that_apply(self) -> None:
        person = helpers.participant(TODAY, baseline=False)
        base = f"/research/participants/{person.pk}"
        page = self.client.get(f"{base}/").content.decode()
        assert f'href="{base}/correct/eligibility/"' in page
        assert f'href="{base}/correct/consent/"' in page
        assert f'href="{base}/correct/baseline/"' not in page  # no baseline yet
        assert f'href="{base}/correct/withdrawal/"' not in page
        assert f'href="{self.base}/correct/baseline/"' in self.page()  # one with a baseline

    def test_only_researchers_get_the_pages(self) -> None:
        for user in (self.pim, self.tessa, self.ada):
            self.login(user)
            for url in self.urls(self.person.pk):
                assert self.client.get(url).status_code == 403, (user, url)
                assert self.client.post(url, WHY).status_code == 403, (user, url)
        self.client.logout()
        assert self.client.get(self.urls(self.person.pk)[0])["Location"].startswith("/login/")

    def test_a_bad_id_is_404_and_other_methods_405(self) -> None:
        for url in self.urls(self.person.pk + 99):
            assert self.client.get(url).status_code == 404, url
        for url in self.urls(self.person.pk):
            assert self.client.put(url).status_code == 405, url

    def test_a_stale_password_is_asked_again_and_nothing_changes(self) -> None:
        with time_machine.travel(timedelta(minutes=11), tick=False):
            for url in self.urls(self.person.pk):
                response = self.client.get(url)
                assert response["Location"].startswith(REAUTH + "?next="), url
            before = table_rows(skip=SESSIONS)
            earlier = (TODAY - timedelta(days=1)).isoformat()
            response = self.client.post(
                f"{self.base}/correct/consent/",
                {"consent_on": earlier, **WHY},
                HTTP_REFERER=f"http://testserver{self.base}/correct/consent/",
            )
            assert response["Location"].startswith(REAUTH + "?next="), response["Location"]
            assert table_rows(skip=SESSIONS) == before
