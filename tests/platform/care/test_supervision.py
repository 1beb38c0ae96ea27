"""A supervising therapist reads, and cannot write, the feedback of their supervisee."""

from __future__ import annotations

from embct.platform.care.models import Message, MessageKind
from support.testing import BaseTestCase

URL = "/supervision/"


class SupervisionTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        Message.objects.create(
            patient=self.pim_profile,
            author=self.tessa,
            kind=MessageKind.FEEDBACK,
            body="tessa's feedback",
        )
        Message.objects.create(
            patient=self.olga_profile,
            author=self.otto,
            kind=MessageKind.FEEDBACK,
            body="otto's feedback",
        )
        Message.objects.create(
            patient=self.pim_profile, author=self.pim, body="pim's own words", from_patient=True
        )

    def test_the_supervisor_reads_the_supervisees_feedback_only(self) -> None:
        self.login(self.sam)
        response = self.client.get(URL)
        self.assertContains(response, "tessa&#x27;s feedback")
        self.assertNotContains(response, "otto&#x27;s feedback")
        self.assertNotContains(response, "pim&#x27;s own words")
        self.assertContains(response, f"patient #{self.pim_profile.pk}")
        self.assertNotContains(response, "Pim")

    def test_a_therapist_without_supervisees_sees_nothing(self) -> None:
        self.login(self.otto)
        response = self.client.get(URL)
        self.assertContains(response, "You supervise no one.")
        self.assertNotContains(response, "feedback</div>")

    def test_it_refuses_post(self) -> None:
        self.login(self.sam)
        assert self.client.post(URL).status_code == 405

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.get(URL).status_code == 403
