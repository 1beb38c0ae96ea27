"""The feedback form's draft: saved as the therapist types, put back when she returns, gone
once the message is sent; only the patient's own therapist saves or reads it."""

from __future__ import annotations

import re
import uuid

from django.test import Client

from embct.platform.care.models import FeedbackDraft, MessageKind
from embct.platform.privacy.export import patient_data
from support.testing import BaseTestCase, force_login_verified

JSON = {"HTTP_ACCEPT": "application/json"}


class SaveDraftTests(BaseTestCase):
    def test_a_tampered_form_is_told_to_reload_not_that_it_is_too_long(self) -> None:
        self.login(self.tessa)
        for bad in ({"kind": "concern"}, {"form_token": "not-a-token"}):
            response = self.client.post(self.url(), {"body": "Dear Pim", **bad}, **JSON)
            assert response.status_code == 400
            assert "reload the page" in response.json()["message"], bad
        assert not FeedbackDraft.objects.exists()

    def url(self, profile: object = None) -> str:
        return f"/patients/{(profile or self.pim_profile).pk}/draft/"  # type: ignore[attr-defined]

    def page(self) -> str:
        return f"/patients/{self.pim_profile.pk}/"

    def test_the_script_saves_the_text_and_gets_json_back(self) -> None:
        self.login(self.tessa)
        response = self.client.post(
            self.url(), {"body": "Dear Pim, your", "kind": "feedback"}, **JSON
        )
        assert response.status_code == 200
        assert response.json() == {"saved": True, "message": "Draft saved at 10:00."}
        draft = FeedbackDraft.objects.get()
        assert (draft.patient, draft.therapist, draft.kind, draft.body) == (
            self.pim_profile,
            self.tessa,
            MessageKind.FEEDBACK,
            "Dear Pim, your",
        )

    def test_saving_again_replaces_the_one_draft(self) -> None:
        self.login(self.tessa)
        self.client.post(self.url(), {"body": "Dear"}, **JSON)
        self.client.post(self.url(), {"body": "Dear Pim", "kind": "welcome"}, **JSON)
        assert list(FeedbackDraft.objects.values_list("body", "kind")) == [("Dear Pim", "welcome")]

    def test_a_blank_text_deletes_the_draft(self) -> None:
        self.login(self.tessa)
        self.client.post(self.url(), {"body": "Dear"}, **JSON)
        response = self.client.post(self.url(), {"body": "  "}, **JSON)
        assert response.json()["saved"] is False
        assert not FeedbackDraft.objects.exists()

    def test_the_draft_is_back_in_the_form_when_she_returns(self) -> None:
        self.login(self.tessa)
        self.client.post(self.url(), {"body": "Half a <b>thought</b>", "kind": "feedback"}, **JSON)
        response = self.client.get(self.page())
        body = re.search(
            r'<textarea name="body"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
        )
        assert body is not None
        assert body.group(1).strip() == "Half a &lt;b&gt;thought&lt;/b&gt;"
        self.assertContains(response, "Draft saved at 10:00.")
        # The kind she chose comes back too (no welcome sent yet: the choice is shown).
        self.assertContains(response, 'value="feedback" checked', html=False)

    def test_without_the_script_the_save_draft_button_posts_and_comes_back(self) -> None:
        self.login(self.tessa)
        response = self.client.post(self.url(), {"body": "Typed without JS"})
        self.assertRedirects(response, self.page() + "#compose", fetch_redirect_response=False)
        assert FeedbackDraft.objects.get().body == "Typed without JS"
        page = self.client.get(self.page())
        self.assertContains(page, 'formaction="' + self.url() + '"', html=False)

    def test_sending_the_message_deletes_the_draft(self) -> None:
        self.login(self.tessa)
        self.client.post(self.url(), {"body": "Well done"}, **JSON)
        response = self.client.post(
            f"/patients/{self.pim_profile.pk}/write/", {"body": "Well done"}
        )
        assert response.status_code == 302
        assert not FeedbackDraft.objects.exists()

    def test_a_save_arriving_after_the_send_does_not_bring_the_text_back(self) -> None:
        self.login(self.tessa)
        token = str(uuid.uuid4())
        self.client.post(
            f"/patients/{self.pim_profile.pk}/write/", {"body": "Well done", "form_token": token}
        )
        late = {"body": "Well done", "form_token": token}
        assert self.client.post(self.url(), late, **JSON).json()["saved"] is False
        assert not FeedbackDraft.objects.exists()
        # A new form (a new token) saves drafts again.
        fresh = {"body": "Next week", "form_token": str(uuid.uuid4())}
        assert self.client.post(self.url(), fresh, **JSON).json()["saved"] is True

    def test_a_refused_send_keeps_the_draft(self) -> None:
        self.login(self.tessa)
        self.client.post(self.url(), {"body": "Keep me"}, **JSON)
        response = self.client.post(f"/patients/{self.pim_profile.pk}/write/", {"body": " "})
        assert response.status_code == 400
        assert FeedbackDraft.objects.get().body == "Keep me"

    def test_a_too_long_text_is_refused_and_changes_nothing(self) -> None:
        self.login(self.tessa)
        self.client.post(self.url(), {"body": "short"}, **JSON)
        response = self.client.post(self.url(), {"body": "x" * 5001}, **JSON)
        assert response.status_code == 400
        assert "at most 5000" in response.json()["message"]
        assert FeedbackDraft.objects.get().body == "short"

    def test_another_therapists_patient_is_404_and_nothing_is_saved(self) -> None:
        self.login(self.tessa)
        assert (
            self.client.post(self.url(self.olga_profile), {"body": "x"}, **JSON).status_code == 404
        )
        self.login(self.sam)  # her supervisor: not his patient either
        assert self.client.post(self.url(), {"body": "x"}, **JSON).status_code == 404
        assert not FeedbackDraft.objects.exists()

    def test_drafts_are_each_therapists_own(self) -> None:
        FeedbackDraft.objects.create(patient=self.pim_profile, therapist=self.otto, body="Otto's")
        self.login(self.tessa)
        self.assertNotContains(self.client.get(self.page()), "Otto&#x27;s")

    def test_a_patient_gets_403_and_get_is_405(self) -> None:
        self.login(self.pim)
        assert self.client.post(self.url(), {"body": "x"}).status_code == 403
        self.login(self.tessa)
        assert self.client.get(self.url()).status_code == 405

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.tessa)
        assert self.client.post("/patients/999999/draft/", {"body": "x"}).status_code == 404

    def test_the_form_posts_without_a_csrf_token_refused(self) -> None:
        client = Client(enforce_csrf_checks=True)
        force_login_verified(client, self.tessa)
        assert client.post(self.url(), {"body": "x"}, **JSON).status_code == 403
        assert not FeedbackDraft.objects.exists()

    def test_a_draft_is_not_in_the_patients_download(self) -> None:
        FeedbackDraft.objects.create(patient=self.pim_profile, therapist=self.tessa, body="unsent")
        assert "care.feedbackdraft" not in patient_data(self.pim_profile)["records"]
