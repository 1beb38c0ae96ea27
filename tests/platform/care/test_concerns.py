"""Safety concerns: a therapist worried about a patient tells their supervisor and the clinic's
leads at once (an e-mail that says only that something is waiting, and a list on their queue
and concerns page); one of them acknowledges it; both are audited. Personas: ``tessa`` raises
one about her patient ``pim``; ``sam`` supervises her; ``otto`` is a clinic lead where the
settings say so."""

from __future__ import annotations

import uuid

from django.core import mail
from django.test import override_settings

from embct.platform.accounts.models import User
from embct.platform.audit.models import AuditEvent
from embct.platform.care import services
from embct.platform.care.models import SafetyConcern, Supervision
from support.testing import BaseTestCase, table_rows

NOTE = "Pim wrote that he sees no way forward; I could not reach him by phone."


class RaiseConcernTests(BaseTestCase):
    def url(self, profile_id: int | None = None) -> str:
        return f"/patients/{profile_id or self.pim_profile.pk}/concern/"

    def raise_one(self, note: str = NOTE, **extra: str) -> object:
        self.login(self.tessa)
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(self.url(), {"note": note, **extra})

    def test_the_page_names_who_gets_it(self) -> None:
        self.login(self.tessa)
        response = self.client.get(self.url())
        self.assertContains(response, "Raise a safety concern about Pim")
        self.assertContains(response, "<li>Sam</li>", html=True)
        self.assertNotContains(response, "<li>Otto</li>", html=True)
        event = AuditEvent.objects.get(action="patient.view")
        assert (event.target_id, event.details["page"]) == (str(self.pim_profile.pk), "concern")

    @override_settings(EMBCT_CLINIC_LEADS=["otto", "rosa", "nobody"])
    def test_it_reaches_the_supervisor_and_the_clinic_leads_at_once(self) -> None:
        response = self.raise_one()
        self.assertRedirects(response, f"/patients/{self.pim_profile.pk}/")
        concern = SafetyConcern.objects.get()
        assert (concern.patient, concern.raised_by, concern.note) == (
            self.pim_profile,
            self.tessa,
            NOTE,
        )
        # rosa is a researcher and "nobody" has no account: only therapists receive it.
        assert set(concern.recipients.all()) == {self.sam, self.otto}
        assert sorted(m.to[0] for m in mail.outbox) == ["otto@example.org", "sam@example.org"]
        for message in mail.outbox:
            assert "Something new is waiting for you" in message.body
            for word in ("Pim", "pim", "way forward", "safety", "Tessa"):
                assert word not in message.body + message.subject, word
        event = AuditEvent.objects.get(action="safety.concern")
        assert (event.actor_id, event.target_type, event.target_id) == (
            self.tessa.pk,
            "patient",
            str(self.pim_profile.pk),
        )
        # recipients by first name: Otto, Sam
        assert event.details == {"concern": concern.pk, "recipients": [self.otto.pk, self.sam.pk]}
        assert NOTE not in str(event.details)

    def test_the_same_form_sent_twice_raises_one_concern_and_one_email(self) -> None:
        token = str(uuid.uuid4())
        for _ in range(2):
            self.raise_one(form_token=token)
        assert SafetyConcern.objects.count() == 1
        assert len(mail.outbox) == 1
        assert AuditEvent.objects.filter(action="safety.concern").count() == 1

    def test_an_empty_or_too_long_note_is_refused_on_its_field_and_changes_nothing(self) -> None:
        for note, error in (
            ("   ", "Write what worries you before sending it."),
            ("x" * 2001, "Write at most 2000 characters (this is 2001)."),
        ):
            response = self.raise_one(note)
            self.assertContains(response, error, status_code=400)
            self.assertContains(response, 'aria-invalid="true"', status_code=400)
            self.assertContains(response, "There is a problem", status_code=400)
        assert not SafetyConcern.objects.exists()
        assert not mail.outbox

    def test_without_a_supervisor_or_lead_it_is_refused_and_nothing_changes(self) -> None:
        Supervision.objects.all().delete()
        self.login(self.tessa)
        page = self.client.get(self.url())
        self.assertContains(page, "Nobody can receive a safety concern yet")
        self.assertNotContains(page, "Send the safety concern")
        skip = ("django_session", "audit_auditevent")
        before, events = table_rows(skip=skip), AuditEvent.objects.count()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url(), {"note": NOTE})
        self.assertContains(response, "Nothing was sent.", status_code=400)
        assert table_rows(skip=skip) == before
        # The audit log gains only the read of the page shown again, no safety event.
        new = AuditEvent.objects.order_by("pk")[events:]
        assert [e.action for e in new] == ["patient.view"]
        assert not mail.outbox

    def test_an_inactive_supervisor_does_not_count(self) -> None:
        User.objects.filter(pk=self.sam.pk).update(is_active=False)
        assert services.concern_recipients(self.tessa) == []

    def test_in_dutch(self) -> None:
        User.objects.filter(pk=self.tessa.pk).update(language="nl")
        User.objects.filter(pk=self.sam.pk).update(language="nl")
        self.login(self.tessa)
        self.assertContains(self.client.get(self.url()), "Zorg over de veiligheid van Pim melden")
        response = self.raise_one("  ")
        self.assertContains(
            response, "Schrijf op wat u zorgen baart voordat u het verstuurt.", status_code=400
        )
        self.raise_one()
        assert "Er staat iets nieuws voor u klaar" in mail.outbox[0].body

    def test_another_therapists_patient_is_404_and_nothing_is_raised(self) -> None:
        self.login(self.tessa)
        assert self.client.get(self.url(self.olga_profile.pk)).status_code == 404
        assert self.client.post(self.url(self.olga_profile.pk), {"note": NOTE}).status_code == 404
        assert self.client.post(self.url(99999), {"note": NOTE}).status_code == 404
        assert not SafetyConcern.objects.exists()

    def test_other_roles_get_403(self) -> None:
        for user in (self.pim, self.rosa, self.ada):
            self.login(user)
            assert self.client.post(self.url(), {"note": NOTE}).status_code == 403
        assert not SafetyConcern.objects.exists()

    def test_the_patient_page_offers_it(self) -> None:
        self.login(self.tessa)
        response = self.client.get(f"/patients/{self.pim_profile.pk}/")
        self.assertContains(response, f'href="{self.url()}"')


class ConcernListTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.concern = services.raise_concern(self.tessa, self.pim_profile, NOTE)

    def acknowledge(self, user: User, reply: str = "Called Tessa; seeing Pim today.") -> object:
        self.login(user)
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                f"/concerns/{self.concern.pk}/acknowledge/", {"reply": reply}, follow=True
            )

    def test_the_supervisor_sees_it_on_the_queue_and_the_concerns_page(self) -> None:
        self.login(self.sam)
        queue = self.client.get("/queue/")
        self.assertContains(queue, "1 safety concern is waiting for you")
        self.assertContains(queue, 'href="/concerns/"')
        page = self.client.get("/concerns/")
        self.assertContains(page, NOTE)
        self.assertContains(page, "raised by Tessa")
        # Tessa's patient, not Sam's: named by number, as on the supervision page
        self.assertContains(page, f"<strong>Patient #{self.pim_profile.pk}</strong>", html=True)
        self.assertNotContains(page, "<strong>Pim</strong>", html=True)
        self.assertContains(page, f'action="/concerns/{self.concern.pk}/acknowledge/"')
        event = AuditEvent.objects.filter(action="patient.list").latest("pk")
        assert (event.target_id, event.details["page"]) == (str(self.pim_profile.pk), "concerns")

    def test_nobody_else_sees_it(self) -> None:
        self.login(self.otto)
        self.assertNotContains(self.client.get("/queue/"), "safety concern")
        self.assertNotContains(self.client.get("/concerns/"), NOTE)

    def test_the_therapist_sees_her_own_without_a_form(self) -> None:
        self.login(self.tessa)
        page = self.client.get("/concerns/")
        self.assertContains(page, NOTE)
        self.assertContains(page, "<strong>Pim</strong>", html=True)
        self.assertContains(page, "Not acknowledged yet.")
        self.assertNotContains(page, "/acknowledge/")
        self.assertNotContains(self.client.get("/queue/"), "safety concern")

    def test_acknowledging_it_keeps_it_audits_it_and_tells_the_therapist(self) -> None:
        response = self.acknowledge(self.sam)
        self.assertContains(response, "The concern is acknowledged")
        self.concern.refresh_from_db()
        assert (self.concern.acknowledged_by, self.concern.reply) == (
            self.sam,
            "Called Tessa; seeing Pim today.",
        )
        assert self.concern.acknowledged_at is not None
        event = AuditEvent.objects.get(action="safety.acknowledge")
        assert (event.actor_id, event.target_id, event.details) == (
            self.sam.pk,
            str(self.pim_profile.pk),
            {"concern": self.concern.pk},
        )
        assert [m.to for m in mail.outbox] == [["tessa@example.org"]]
        assert "Pim" not in mail.outbox[0].body
        self.assertNotContains(self.client.get("/queue/"), "safety concern")
        self.login(self.tessa)
        self.assertContains(self.client.get("/concerns/"), "Acknowledged by Sam")

    def test_a_second_acknowledgement_changes_nothing(self) -> None:
        self.acknowledge(self.sam)
        response = self.acknowledge(self.sam, "again")
        self.assertContains(response, "Someone has already acknowledged this concern.")
        self.concern.refresh_from_db()
        assert self.concern.reply == "Called Tessa; seeing Pim today."
        assert AuditEvent.objects.filter(action="safety.acknowledge").count() == 1

    def test_a_too_long_reply_is_refused(self) -> None:
        response = self.acknowledge(self.sam, "x" * 2001)
        self.assertContains(response, "The reply is too long")
        self.concern.refresh_from_db()
        assert self.concern.acknowledged_at is None

    def test_who_did_not_receive_it_gets_404(self) -> None:
        for user in (self.tessa, self.otto):
            self.login(user)
            url = f"/concerns/{self.concern.pk}/acknowledge/"
            assert self.client.post(url, {"reply": ""}).status_code == 404
        self.login(self.sam)
        assert self.client.post("/concerns/99999/acknowledge/").status_code == 404
        self.concern.refresh_from_db()
        assert self.concern.acknowledged_at is None

    def test_wrong_methods_and_roles(self) -> None:
        self.login(self.sam)
        assert self.client.get(f"/concerns/{self.concern.pk}/acknowledge/").status_code == 405
        assert self.client.post("/concerns/").status_code == 405
        for user in (self.pim, self.rosa, self.ada):
            self.login(user)
            assert self.client.get("/concerns/").status_code == 403
            url = f"/concerns/{self.concern.pk}/acknowledge/"
            assert self.client.post(url).status_code == 403

    def test_the_query_count_does_not_grow_with_concerns(self) -> None:
        self.login(self.sam)
        # the session, the user, the second-factor device, the two lists, one INSERT of the
        # audit events of the patients shown, the session saved (3)
        with self.assertNumQueries(6):
            self.client.get("/concerns/")
        for _ in range(3):
            services.raise_concern(self.tessa, self.pim_profile, "again")
            services.raise_concern(self.tessa, self.olga_profile, "another")
        with self.assertNumQueries(6):
            self.client.get("/concerns/")


class ConcernInTheRecordTests(BaseTestCase):
    def test_the_form_says_what_my_data_does_the_patient_can_read_it(self) -> None:
        from embct.platform.care.forms import ConcernForm
        from embct.platform.privacy.export import patient_data

        concern = SafetyConcern.objects.create(
            patient=self.pim_profile, raised_by=self.tessa, note="Worried about the nights."
        )
        concern.recipients.set([self.otto])
        assert "Worried about the nights." in str(patient_data(self.pim_profile))
        assert "My data" in str(ConcernForm.base_fields["note"].help_text)
