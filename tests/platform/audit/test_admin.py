"""Django admin: its list and change pages are audited, and the audit log's own list pages
answer every filter with a page."""

from __future__ import annotations

from embct.platform.audit.models import AuditEvent
from embct.platform.audit.services import record
from support.testing import BaseTestCase


def events(action: str) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(action=action)
        .order_by("pk")
        .values_list("actor_name", "target_type", "target_id")
    )


class AdminReadTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.ada)

    def test_a_list_page_logs_each_patient_it_shows(self) -> None:
        response = self.client.get("/admin/care/patientprofile/")
        assert response.status_code == 200
        shown = {str(p.pk) for p in response.context["cl"].result_list}
        assert shown == {str(self.pim_profile.pk), str(self.olga_profile.pk)}
        assert sorted(events("admin.list")) == sorted(("ada", "patient", pk) for pk in shown)

    def test_a_filtered_list_logs_only_the_rows_shown(self) -> None:
        response = self.client.get(
            f"/admin/care/patientprofile/?therapist__id__exact={self.tessa.pk}"
        )
        assert response.status_code == 200
        assert events("admin.list") == [("ada", "patient", str(self.pim_profile.pk))]

    def test_a_change_page_logs_the_record_it_opens(self) -> None:
        response = self.client.get(f"/admin/accounts/user/{self.pim.pk}/change/")
        assert response.status_code == 200
        assert events("admin.view") == [("ada", "account", str(self.pim.pk))]

    def test_refused_and_missing_pages_log_nothing(self) -> None:
        self.login(self.tessa)
        assert self.client.get("/admin/care/patientprofile/").status_code == 302  # to login
        self.login(self.ada)
        assert self.client.get("/admin/care/patientprofile/999999/change/").status_code == 302
        assert not AuditEvent.objects.filter(action__startswith="admin.").exists()

    def test_reading_the_audit_log_is_one_event_per_page(self) -> None:
        for _ in range(3):
            record(self.tessa, "patient.view", self.pim_profile)
        assert self.client.get("/admin/audit/auditevent/").status_code == 200
        assert events("admin.list") == [("ada", "audit.auditevent", "")]


class AuditAdminFilterTests(BaseTestCase):
    def test_a_filter_on_details_answers_a_page_not_a_500(self) -> None:
        record(self.tessa, "patient.view", self.pim_profile, week=3)
        self.login(self.ada)
        response = self.client.get("/admin/audit/auditevent/?details__contains=x", follow=True)
        assert response.status_code == 200
        assert response.redirect_chain in ([], [("/admin/audit/auditevent/?e=1", 302)])
        self.assertContains(response, "patient.view")


class RedactionLogAdminTests(BaseTestCase):
    def test_administrators_see_the_redactions_and_cannot_change_them(self) -> None:
        from embct.platform.audit.redaction import redact

        event = record(self.tessa, "patient.view", self.pim_profile, week=3)
        redact([(event.pk, {}, "tessa")], reason="retention")
        self.login(self.ada)
        response = self.client.get("/admin/audit/auditredaction/")
        self.assertContains(response, "retention")
        assert self.client.get("/admin/audit/auditredaction/add/").status_code == 403
