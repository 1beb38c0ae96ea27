"""Each staff read of a patient's record, and each account change, leaves an audit event."""

from __future__ import annotations

from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import Message
from embct.platform.groups.models import MbctGroup
from support.testing import BaseTestCase


def actions() -> list[tuple[str, str, str, str]]:
    return list(
        AuditEvent.objects.order_by("pk").values_list(
            "actor_name", "action", "target_type", "target_id"
        )
    )


class StaffReadTests(BaseTestCase):
    def test_the_therapist_opening_a_patient_page_is_logged_with_her_address(self) -> None:
        self.login(self.tessa)
        response = self.client.get(f"/patients/{self.pim_profile.pk}/", REMOTE_ADDR="198.51.100.4")
        assert response.status_code == 200
        assert actions() == [("tessa", "patient.view", "patient", str(self.pim_profile.pk))]
        assert AuditEvent.objects.get().ip == "198.51.100.4"

    def test_refused_reads_log_nothing(self) -> None:
        self.login(self.tessa)
        assert self.client.get(f"/patients/{self.olga_profile.pk}/").status_code == 404
        self.login(self.pim)
        assert self.client.get(f"/patients/{self.pim_profile.pk}/").status_code == 403
        assert actions() == []

    def test_a_supervisor_reading_feedback_is_logged_per_patient(self) -> None:
        for _ in range(2):
            Message.objects.create(patient=self.pim_profile, author=self.tessa, body="well done")
        self.login(self.sam)
        assert self.client.get("/supervision/").status_code == 200
        assert actions() == [("sam", "supervision.view", "patient", str(self.pim_profile.pk))]

    def test_a_therapist_opening_her_group_is_logged(self) -> None:
        group = MbctGroup.objects.create(
            therapist=self.tessa, course=self.course, name="Tuesday", location="Room 1"
        )
        self.login(self.tessa)
        assert self.client.get(f"/groups/{group.pk}/").status_code == 200
        assert actions() == [("tessa", "group.view", "group", str(group.pk))]


class AccountChangeTests(BaseTestCase):
    def test_creating_a_therapist_on_the_clinic_page_is_logged(self) -> None:
        self.login(self.ada)
        response = self.client.post(
            "/clinic/therapists/new/",
            {"account-username": "theo", "account-first_name": "Theo", "account-last_name": "T"},
        )
        assert response.status_code == 201
        theo = User.objects.get(username="theo")
        assert actions() == [("ada", "account.create", "account", str(theo.pk))]
        assert AuditEvent.objects.get().details == {"role": "therapist"}

    def test_resetting_a_password_is_logged_without_the_password(self) -> None:
        self.login(self.ada)
        response = self.client.post(f"/clinic/accounts/{self.pim.pk}/password/")
        assert response.status_code == 200
        assert actions() == [("ada", "account.password_reset", "account", str(self.pim.pk))]
        assert response.context["password"] not in str(AuditEvent.objects.get().details)

    def test_reassigning_a_patient_is_logged_with_the_changed_fields(self) -> None:
        self.login(self.ada)
        response = self.client.post(
            f"/clinic/patients/{self.pim_profile.pk}/",
            {
                "therapist": self.otto.pk,
                "arm": "embct",
                "start_date": self.pim_profile.start_date.isoformat(),
                "feedback_weekday": self.pim_profile.feedback_weekday,
            },
        )
        assert response.status_code == 302, response.content[:800]
        assert actions() == [("ada", "patient.assign", "patient", str(self.pim_profile.pk))]
        assert AuditEvent.objects.get().details == {"changed": ["therapist"]}

    def test_a_role_change_in_django_admin_is_logged_with_old_and_new(self) -> None:
        self.login(self.ada)
        response = self.client.get(f"/admin/accounts/user/{self.rosa.pk}/change/")
        data = {
            key: value
            for key, value in response.context["adminform"].form.initial.items()
            if value is not None and key not in {"groups", "user_permissions", "password"}
        }
        data.update(
            {
                "role": Role.THERAPIST,
                "date_joined_0": self.rosa.date_joined.strftime("%Y-%m-%d"),
                "date_joined_1": self.rosa.date_joined.strftime("%H:%M:%S"),
            }
        )
        data.pop("date_joined", None)
        data.pop("last_login", None)
        response = self.client.post(f"/admin/accounts/user/{self.rosa.pk}/change/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        event = AuditEvent.objects.get(action="account.role_change")
        assert (event.actor_name, event.target_id) == ("ada", str(self.rosa.pk))
        assert event.details == {"old": "researcher", "new": "therapist"}
