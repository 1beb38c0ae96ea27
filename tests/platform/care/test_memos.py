"""A therapist's private notes about a patient: on their own page, never shown to the patient
nor in "My data", every read and write audited without the text, erased by retention."""

from __future__ import annotations

import json
import uuid
from io import StringIO

from django.core.management import call_command

from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import FeedbackDraft, PatientProfile, TherapistMemo
from embct.platform.privacy.export import patient_data
from support.testing import BaseTestCase

NOTE = "Lost her mother last spring; gentle with the body scan"


class MemoPageTests(BaseTestCase):
    def url(self, profile: PatientProfile | None = None) -> str:
        return f"/patients/{(profile or self.pim_profile).pk}/notes/"

    def test_she_writes_a_note_and_reads_it_back(self) -> None:
        self.login(self.tessa)
        response = self.client.post(self.url(), {"text": f"  {NOTE}  "})
        self.assertRedirects(response, self.url())
        memo = TherapistMemo.objects.get()
        assert (memo.patient, memo.author, memo.text) == (self.pim_profile, self.tessa, NOTE)
        page = self.client.get(self.url())
        self.assertContains(page, NOTE)
        self.assertContains(page, "Private notes about Pim")

    def test_notes_are_listed_newest_first(self) -> None:
        TherapistMemo.objects.create(patient=self.pim_profile, author=self.tessa, text="first")
        TherapistMemo.objects.create(patient=self.pim_profile, author=self.tessa, text="second")
        self.login(self.tessa)
        notes = self.client.get(self.url()).context["memos"]
        assert [m.text for m in notes] == ["second", "first"]

    def test_the_same_form_sent_twice_stores_one_note(self) -> None:
        self.login(self.tessa)
        form = {"text": NOTE, "form_token": str(uuid.uuid4())}
        self.client.post(self.url(), form)
        self.client.post(self.url(), form)
        assert TherapistMemo.objects.count() == 1

    def test_a_blank_or_too_long_note_is_refused_and_nothing_is_stored(self) -> None:
        self.login(self.tessa)
        response = self.client.post(self.url(), {"text": "   "})
        self.assertContains(response, "Write the note before saving it.", status_code=400)
        response = self.client.post(self.url(), {"text": "x" * 5001})
        self.assertContains(response, "Write at most 5000 characters", status_code=400)
        assert not TherapistMemo.objects.exists()

    def test_each_read_and_write_is_audited_without_the_text(self) -> None:
        self.login(self.tessa)
        self.client.post(self.url(), {"text": NOTE})
        memo = TherapistMemo.objects.get()
        self.client.get(self.url())
        events = AuditEvent.objects.filter(action__startswith="memo.").order_by("pk")
        assert [(e.action, e.target_id, e.details) for e in events] == [
            ("memo.write", str(self.pim_profile.pk), {"memo_id": memo.pk, "characters": len(NOTE)}),
            ("memo.view", str(self.pim_profile.pk), {"memos_shown": 1}),
        ]
        assert all(e.actor_id == self.tessa.pk for e in events)
        assert "gentle" not in json.dumps(list(AuditEvent.objects.values_list("details")))

    def test_another_therapists_patient_is_404_and_nothing_is_read_or_stored(self) -> None:
        TherapistMemo.objects.create(patient=self.olga_profile, author=self.otto, text="Otto's")
        self.login(self.tessa)
        assert self.client.get(self.url(self.olga_profile)).status_code == 404
        assert self.client.post(self.url(self.olga_profile), {"text": "x"}).status_code == 404
        self.login(self.sam)  # Tessa's supervisor: her patients' notes are not his to read
        assert self.client.get(self.url()).status_code == 404
        assert TherapistMemo.objects.count() == 1
        assert not AuditEvent.objects.filter(action__startswith="memo.").exists()

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.tessa)
        assert self.client.get("/patients/999999/notes/").status_code == 404

    def test_other_roles_get_403(self) -> None:
        for user in (self.pim, self.rosa, self.ada):
            self.login(user)
            assert self.client.get(self.url()).status_code == 403
            assert self.client.post(self.url(), {"text": "x"}).status_code == 403
        assert not TherapistMemo.objects.exists()

    def test_the_patient_page_links_to_the_notes(self) -> None:
        self.login(self.tessa)
        response = self.client.get(f"/patients/{self.pim_profile.pk}/")
        self.assertContains(response, f'href="{self.url()}"', html=False)


class MemoPrivacyTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.tessa)
        self.client.post(f"/patients/{self.pim_profile.pk}/notes/", {"text": NOTE})
        self.client.get(f"/patients/{self.pim_profile.pk}/notes/")

    def test_the_patient_sees_no_note_anywhere(self) -> None:
        self.login(self.pim)
        for url in ("/inbox/", "/week/", "/my-data/"):
            response = self.client.get(url)
            assert response.status_code == 200, url
            self.assertNotContains(response, "gentle with the body scan")

    def test_notes_and_their_reads_are_not_in_the_patients_download(self) -> None:
        data = patient_data(self.pim_profile)
        assert "care.therapistmemo" not in data["records"]
        assert "gentle" not in json.dumps(data)
        assert not [a for a in data["accesses"] if a["action"].startswith("memo.")]
        # The download still lists the other reads of the record.
        self.client.get(f"/patients/{self.pim_profile.pk}/")
        actions = [a["action"] for a in patient_data(self.pim_profile)["accesses"]]
        assert "patient.view" in actions

    def test_retention_erases_the_notes_and_deletes_drafts(self) -> None:
        FeedbackDraft.objects.create(patient=self.pim_profile, therapist=self.tessa, body="Dear")
        out = StringIO()
        call_command("retention", "--study-end", "2010-06-30", "--dry-run", stdout=out)
        assert "therapist_memos: 2 row(s) would be erased" in out.getvalue()
        call_command("retention", "--study-end", "2010-06-30", stdout=StringIO())
        memo = TherapistMemo.objects.get()
        assert (memo.text, memo.author, memo.patient) == ("", self.tessa, self.pim_profile)
        assert not FeedbackDraft.objects.exists()
