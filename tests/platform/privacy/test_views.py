"""A patient downloads their own data from /my-data/."""

from __future__ import annotations

import json

from embct.platform.audit.models import AuditEvent
from embct.platform.audit.services import record
from embct.platform.care.models import Message
from support.testing import BaseTestCase


class MyDataTests(BaseTestCase):
    page = "/my-data/"
    url = "/my-data/download/"

    def download(self) -> dict:
        self.login(self.pim)
        response = self.client.post(self.url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        assert response["Content-Disposition"] == (
            'attachment; filename="embct-my-data-2026-03-18.json"'
        )
        return json.loads(response.content)

    def test_it_holds_the_patients_account_profile_diaries_log_files_and_messages(self) -> None:
        self.send(self.pim_profile, 1)
        self.diary(self.pim_profile, 2, thoughts="tired but calm")
        self.diary(self.olga_profile, 2, thoughts="olga's own words")
        Message.objects.create(patient=self.pim_profile, author=self.tessa, body="Welcome, Pim")
        Message.objects.create(
            patient=self.pim_profile, author=self.pim, body="Thank you", from_patient=True
        )
        Message.objects.create(patient=self.olga_profile, author=self.otto, body="Hello Olga")
        data = self.download()
        assert data["account"]["username"] == "pim"
        assert data["account"]["email"] == "pim@example.org"
        assert "password" not in data["account"]
        assert data["account"]["email_on_new_message"] is True  # their own e-mail setting
        records = data["records"]
        assert [r["id"] for r in records["care.patientprofile"]] == [self.pim_profile.pk]
        assert [r["thoughts"] for r in records["care.diaryentry"]] == ["", "tired but calm"]
        assert len(records["care.logsubmission"]) == 1
        assert [m["body"] for m in records["care.message"]] == ["Welcome, Pim", "Thank you"]
        assert "olga" not in json.dumps(data).lower()

    def test_it_tells_the_patient_who_opened_their_record_by_role(self) -> None:
        record(self.tessa, "patient.view", self.pim_profile)
        record(self.otto, "patient.view", self.olga_profile)
        accesses = self.download()["accesses"]
        assert [(a["role"], a["action"]) for a in accesses] == [("therapist", "patient.view")]
        assert "tessa" not in json.dumps(accesses)

    def test_the_download_is_audited(self) -> None:
        self.download()
        event = AuditEvent.objects.get()
        assert (event.actor_name, event.action, event.target_id) == (
            "pim",
            "privacy.self_export",
            str(self.pim_profile.pk),
        )

    def test_the_page_offers_the_download_and_the_menu_links_it(self) -> None:
        self.login(self.pim)
        response = self.client.get(self.page)
        self.assertContains(response, 'action="/my-data/download/"')
        self.assertContains(response, 'href="/my-data/"')

    def test_wrong_methods_are_405(self) -> None:
        self.login(self.pim)
        assert self.client.get(self.url).status_code == 405
        assert self.client.post(self.page).status_code == 405
        assert not AuditEvent.objects.exists()

    def test_staff_get_403(self) -> None:
        for user in (self.tessa, self.rosa, self.ada):
            self.login(user)
            assert self.client.get(self.page).status_code == 403
            assert self.client.post(self.url).status_code == 403

    def test_a_patient_account_without_a_profile_is_404(self) -> None:
        self.pim_profile.delete()
        self.login(self.pim)
        assert self.client.post(self.url).status_code == 404
        assert self.client.get(self.page).status_code == 404

    def test_anonymous_is_sent_to_log_in(self) -> None:
        response = self.client.post(self.url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
