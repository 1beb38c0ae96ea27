"""An exclusion for suicidal thoughts or psychosis (the eligibility interview's psychiatric
criterion) shows the site's referral procedure (``EMBCT_REFERRAL_PROCEDURE``) and records that
the referral was made: when, and who. The research dashboard lists those still to record."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.test import override_settings

from embct.platform.audit.models import AuditEvent
from embct.platform.research import services
from embct.platform.research.models import Participant, Referral
from support import measure_helpers as helpers
from support.testing import TODAY, BaseTestCase

PSYCHIATRIC = {**helpers.CRITERIA_OK, "severe_psychiatric_morbidity": True}


def interviewed(answers: dict[str, bool]) -> Participant:
    screening = services.screen(dict.fromkeys(range(1, 15), 2), "+31612345678", uuid.uuid4())
    return services.record_eligibility(screening, answers, "", TODAY)


class ReferralTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.person = interviewed(PSYCHIATRIC)
        self.page = f"/research/participants/{self.person.pk}/"
        self.url = f"{self.page}referral/"

    def test_the_exclusion_shows_the_default_procedure_in_the_readers_language(self) -> None:
        self.login(self.rosa)
        response = self.client.get(self.page)
        self.assertContains(response, "follow the site's referral procedure")
        self.assertContains(response, "Do not end the call before you know the person is safe.")
        self.assertContains(response, f'action="{self.url}"')
        self.rosa.language = "nl"
        self.rosa.save()
        self.assertContains(
            self.client.get(self.page),
            "Beëindig het gesprek pas als u weet dat de persoon veilig is.",
        )

    @override_settings(
        EMBCT_REFERRAL_PROCEDURE="Call Dr. Visser (ext. 4455) the same day.\nThen e-mail the PI."
    )
    def test_the_site_sets_its_own_procedure(self) -> None:
        self.login(self.rosa)
        response = self.client.get(self.page)
        self.assertContains(
            response, "Call Dr. Visser (ext. 4455) the same day.<br>Then e-mail the PI."
        )
        self.assertNotContains(response, "Do not end the call")

    def test_recording_the_referral_keeps_who_and_when_and_is_audited(self) -> None:
        self.login(self.rosa)
        yesterday = TODAY - timedelta(days=1)
        Participant.objects.filter(pk=self.person.pk).update(assessed_on=yesterday)
        response = self.client.post(self.url, {"made_on": str(yesterday)})
        self.assertRedirects(response, self.page, fetch_redirect_response=False)
        referral = Referral.objects.get()
        assert (referral.participant, referral.made_on, referral.by) == (
            self.person,
            yesterday,
            self.rosa,
        )
        event = AuditEvent.objects.get(action="trial.referral")
        assert (event.target_id, event.actor_id, event.details) == (
            str(self.person.pk),
            self.rosa.pk,
            {"study_id": self.person.study_id, "on": str(yesterday)},
        )
        page = self.client.get(self.page)
        self.assertContains(page, f"Referral made on {yesterday}, recorded by rosa")
        self.assertNotContains(page, f'action="{self.url}"')

    def test_a_future_date_a_second_referral_or_none_needed_is_refused(self) -> None:
        self.login(self.rosa)
        tomorrow = TODAY + timedelta(days=1)
        response = self.client.post(self.url, {"made_on": str(tomorrow)}, follow=True)
        self.assertContains(
            response,
            f"{self.person.study_id}, date: {tomorrow} is refused: not after today ({TODAY})",
        )
        assert not Referral.objects.exists()
        services.record_referral(self.person, TODAY, TODAY)
        response = self.client.post(self.url, {"made_on": str(TODAY)}, follow=True)
        self.assertContains(response, "the referral is already recorded")
        assert Referral.objects.count() == 1
        other = interviewed({**helpers.CRITERIA_OK, "previous_mindfulness_course": True})
        url = f"/research/participants/{other.pk}/referral/"
        response = self.client.post(url, {"made_on": str(TODAY)}, follow=True)
        self.assertContains(response, "no exclusion that is referred on")
        assert not Referral.objects.filter(participant=other).exists()
        assert AuditEvent.objects.filter(action="trial.referral").count() == 1

    def test_an_incomplete_form_is_400_and_records_nothing(self) -> None:
        self.login(self.rosa)
        assert self.client.post(self.url, {"made_on": "yesterday"}).status_code == 400
        assert not Referral.objects.exists()

    def test_the_dashboard_lists_referrals_to_record(self) -> None:
        interviewed({**helpers.CRITERIA_OK, "previous_mindfulness_course": True})
        self.login(self.rosa)
        page = self.client.get("/research/").content.decode()
        assert "Referrals to record" in page
        assert f'href="{self.page}#referral"' in page
        assert services.referrals_to_record() == [self.person]
        services.record_referral(self.person, TODAY, TODAY)
        assert services.referrals_to_record() == []
        assert "Referrals to record" not in self.client.get("/research/").content.decode()

    def test_it_refuses_get_other_roles_and_bad_ids(self) -> None:
        self.login(self.rosa)
        assert self.client.get(self.url).status_code == 405
        bad = "/research/participants/99999/referral/"
        assert self.client.post(bad, {"made_on": str(TODAY)}).status_code == 404
        for user in (self.tessa, self.pim, self.ada):
            self.login(user)
            assert self.client.post(self.url, {"made_on": str(TODAY)}).status_code == 403
        assert not Referral.objects.exists()


class NoReferralTests(BaseTestCase):
    def test_other_exclusions_show_no_procedure(self) -> None:
        person = interviewed({**helpers.CRITERIA_OK, "psychotropic_medication_change": True})
        self.login(self.rosa)
        response = self.client.get(f"/research/participants/{person.pk}/")
        self.assertNotContains(response, "referral procedure")
        assert services.referrals_to_record() == []
