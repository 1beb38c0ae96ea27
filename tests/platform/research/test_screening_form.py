"""The public screening form: a rate limit per client address (django-ratelimit, in the cache),
telephone numbers checked as numbers (``phonenumbers``) and stored as E.164, and a confirmed,
audited way for researchers to remove junk entries from the call list."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from embct.platform.audit.models import AuditEvent
from embct.platform.research import services
from embct.platform.research.models import Screening
from support import measure_helpers as helpers
from support.testing import TODAY, BaseTestCase

URL = "/screening/"


def hads_form(value: int = 2, contact: str = "06 12345678") -> dict[str, str]:
    data = {str(i): str(value) for i in range(1, 15)}
    data.update(form_token=str(uuid.uuid4()), contact=contact)
    return data


class TelephoneNumberTests(BaseTestCase):
    def stored(self, contact: str) -> str:
        response = self.client.post(URL, hads_form(contact=contact))
        assert response.status_code == 200, response.content
        return Screening.objects.get().contact

    def test_a_dutch_number_is_stored_as_e164(self) -> None:
        assert self.stored("06-1234 5678") == "+31612345678"

    def test_a_number_with_a_country_code_is_read_as_such(self) -> None:
        assert self.stored("+32 470 12 34 56") == "+32470123456"

    @override_settings(EMBCT_PHONE_REGION="BE")
    def test_the_default_region_is_configurable(self) -> None:
        assert self.stored("0470 12 34 56") == "+32470123456"

    def test_what_is_not_a_telephone_number_is_refused_on_its_field(self) -> None:
        for junk in ("12", "call me maybe", "0612", "+999 123"):
            response = self.client.post(URL, hads_form(contact=junk))
            self.assertContains(response, "not a telephone number", status_code=400)
            self.assertContains(response, 'id="id_contact_error"', status_code=400)
        assert not Screening.objects.exists()

    def test_numbers_are_shown_as_dialled_from_the_region(self) -> None:
        shown = {
            contact: Screening(contact=contact).contact_shown
            for contact in ("+31612345678", "+32470123456", "0611", "")
        }
        assert shown == {
            "+31612345678": "06 12345678",
            "+32470123456": "+32 470 12 34 56",
            "0611": "0611",  # stored before numbers were checked: as it is
            "": "",
        }

    def test_below_the_threshold_no_number_is_needed(self) -> None:
        assert self.client.post(URL, hads_form(0, contact="")).status_code == 200
        assert Screening.objects.get().contact == ""


@override_settings(EMBCT_SCREENING_RATE="3/h")
class RateLimitTests(BaseTestCase):
    def post(self, address: str = "203.0.113.7") -> int:
        return self.client.post(URL, hads_form(), REMOTE_ADDR=address).status_code

    def test_an_address_may_send_the_form_so_often_and_no_more(self) -> None:
        assert [self.post() for _ in range(3)] == [200, 200, 200]
        response = self.client.post(URL, hads_form(), REMOTE_ADDR="203.0.113.7")
        self.assertContains(response, "Please try again", status_code=429)
        assert Screening.objects.count() == 3
        assert self.post("198.51.100.2") == 200  # another address is not held up
        assert self.client.get(URL, REMOTE_ADDR="203.0.113.7").status_code == 200  # reading is

    @override_settings(EMBCT_TRUSTED_PROXIES=["10.0.0.1"])
    def test_behind_a_trusted_proxy_the_clients_address_counts(self) -> None:
        def post(client_address: str) -> int:
            return self.client.post(
                URL,
                hads_form(),
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR=client_address,
            ).status_code

        assert [post("203.0.113.7") for _ in range(4)] == [200, 200, 200, 429]
        assert post("198.51.100.2") == 200

    def test_a_refused_form_counts_too(self) -> None:
        for _ in range(3):
            self.client.post(URL, hads_form(contact="junk"), REMOTE_ADDR="203.0.113.7")
        assert self.post() == 429


class RemoveScreeningTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.junk = services.screen(dict.fromkeys(range(1, 15), 3), "+31612345678", uuid.uuid4())
        self.url = reverse("research:remove_screening", args=[self.junk.pk])

    def test_a_researcher_removes_a_confirmed_junk_entry_and_it_is_audited(self) -> None:
        self.login(self.rosa)
        page = self.client.post(self.url, {"confirm": "on"}, follow=True)
        self.assertRedirects(page, reverse("research:dashboard"))
        self.assertContains(page, f"Screening #{self.junk.pk} removed.")
        self.assertContains(page, "Nobody is waiting for a call.")
        assert not Screening.objects.filter(pk=self.junk.pk).exists()
        event = AuditEvent.objects.get(action="trial.screening_remove")
        assert (event.actor_id, event.target_type, event.target_id) == (
            self.rosa.pk,
            "research.screening",
            str(self.junk.pk),
        )
        assert event.details["total"] == 42.0
        assert "612345678" not in str(event.details)

    def test_without_the_confirmation_nothing_is_removed(self) -> None:
        self.login(self.rosa)
        response = self.client.post(self.url, {}, follow=True)
        self.assertContains(response, "Tick the box to confirm")
        assert Screening.objects.filter(pk=self.junk.pk).exists()
        assert not AuditEvent.objects.filter(action="trial.screening_remove").exists()

    def test_the_call_list_offers_it(self) -> None:
        self.login(self.rosa)
        page = self.client.get(reverse("research:dashboard"))
        self.assertContains(page, "<td>06 12345678</td>")  # as dialled in the Netherlands
        self.assertContains(page, f'action="{self.url}"')
        self.assertContains(page, 'name="confirm" required')

    def test_a_screening_with_an_eligibility_call_stays(self) -> None:
        person = services.record_eligibility(self.junk, helpers.CRITERIA_OK, "", TODAY)
        self.login(self.rosa)
        response = self.client.post(self.url, {"confirm": "on"}, follow=True)
        self.assertContains(response, "no longer on the call list")
        assert Screening.objects.filter(pk=self.junk.pk).exists()
        assert person.screening_id == self.junk.pk

    def test_it_refuses_get(self) -> None:
        self.login(self.rosa)
        assert self.client.get(self.url).status_code == 405

    def test_a_bad_id_or_a_screening_below_the_threshold_is_404(self) -> None:
        low = services.screen(dict.fromkeys(range(1, 15), 0), "", uuid.uuid4())
        self.login(self.rosa)
        for pk in (99999, low.pk):
            url = reverse("research:remove_screening", args=[pk])
            assert self.client.post(url, {"confirm": "on"}).status_code == 404
        assert Screening.objects.count() == 2

    def test_other_roles_cannot_remove(self) -> None:
        for user in (self.tessa, self.pim, self.ada):
            self.login(user)
            assert self.client.post(self.url, {"confirm": "on"}).status_code == 403
        self.client.logout()
        assert self.client.post(self.url, {"confirm": "on"}).status_code == 302  # to login
        assert Screening.objects.filter(pk=self.junk.pk).exists()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EMBCT_SCREENING_RATE", "lots", "is not a rate such as 20/h"),
        ("EMBCT_PASSWORD_RESET_RATE", "5 an hour", "is not a rate such as 20/h"),
        ("EMBCT_PHONE_REGION", "XX", "is not a region code"),
    ],
)
def test_bad_screening_settings_are_refused(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    environment = {**os.environ, "EMBCT_DATA_DIR": str(tmp_path), variable: value}
    out = subprocess.run(
        [sys.executable, "-c", "import embct.platform.settings.base"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert out.returncode != 0
    assert message in out.stderr
