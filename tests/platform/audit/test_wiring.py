"""Each staff read of a patient's record, and each account change, leaves an audit event."""

from __future__ import annotations

from uuid import uuid4

from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import Message
from embct.platform.groups.models import MbctGroup
from embct.platform.questionnaires.models import FlagRecord
from support import measure_helpers as helpers
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


def shown(action: str, page: str) -> list[tuple[str, str, str]]:
    """(actor, target type, target id) of the list events of one page, in order."""
    return list(
        AuditEvent.objects.filter(action=action, details__page=page)
        .order_by("target_type", "target_id")
        .values_list("actor_name", "target_type", "target_id")
    )


class ListReadTests(BaseTestCase):
    """Each list page writes one event per patient it shows, and none for anyone else's."""

    def test_the_caseload_queue_and_warnings_log_each_patient_shown(self) -> None:
        self.send(self.pim_profile, 1)
        self.send(self.olga_profile, 1)  # otto's patient: not on tessa's pages
        # a weak early alliance for both: the warnings page lists patients with a warning
        helpers.fill(self.pim_profile, "wai_w2", 2)
        helpers.fill(self.olga_profile, "wai_w2", 2)
        assert FlagRecord.objects.filter(patient=self.pim_profile).exists()
        self.login(self.tessa)
        for url, page in (
            ("/caseload/", "caseload"),
            ("/queue/", "queue"),
            ("/warnings/", "warnings"),
        ):
            assert self.client.get(url).status_code == 200
            assert shown("patient.list", page) == [("tessa", "patient", str(self.pim_profile.pk))]

    def test_the_clinic_page_logs_each_patient_it_lists(self) -> None:
        self.login(self.ada)
        assert self.client.get("/clinic/").status_code == 200
        assert shown("patient.list", "clinic") == sorted(
            ("ada", "patient", str(p.pk)) for p in (self.pim_profile, self.olga_profile)
        )
        assert self.client.get(f"/clinic/patients/{self.pim_profile.pk}/").status_code == 200
        assert shown("patient.view", "assign") == [("ada", "patient", str(self.pim_profile.pk))]

    def test_the_call_list_logs_each_telephone_number_shown(self) -> None:
        from embct.platform.research.models import Participant, Screening

        calls = [
            Screening.objects.create(
                answers={}, total=14, invited=True, contact=f"061234567{n}", form_token=uuid4()
            )
            for n in range(2)
        ]
        person = Participant.objects.create(
            study_id="S00001",
            screening=None,
            assessed_on=self.pim_profile.start_date,
            eligibility={},
            eligible=True,
        )
        self.login(self.rosa)
        assert self.client.get("/research/").status_code == 200
        assert shown("screening.view", "dashboard") == [
            ("rosa", "research.screening", str(s.pk)) for s in calls
        ]
        assert shown("patient.list", "dashboard") == [("rosa", "participant", str(person.pk))]
        assert (
            self.client.get(f"/research/screenings/{calls[0].pk}/eligibility/").status_code == 200
        )
        assert shown("screening.view", "eligibility") == [
            ("rosa", "research.screening", str(calls[0].pk))
        ]

    def test_a_group_page_logs_one_event_per_member_shown(self) -> None:
        group = MbctGroup.objects.create(
            therapist=self.tessa, course=self.course, name="Tuesday", location="Room 1"
        )
        self.pim_profile.group = group
        self.pim_profile.save()
        self.login(self.tessa)
        assert self.client.get(f"/groups/{group.pk}/").status_code == 200
        assert shown("patient.list", "group") == [("tessa", "patient", str(self.pim_profile.pk))]
        assert AuditEvent.objects.get(action="patient.list").details == {
            "page": "group",
            "group": group.pk,
        }


class ChangeOnceTests(BaseTestCase):
    """Changes in Django admin and on the clinic's pages, each audited once, in the change's
    own transaction; a change that changes nothing is no event."""

    def admin_post(self, url: str, **changes: object) -> None:
        """Django admin's change form as it is, with ``changes``, sent."""
        form = self.client.get(url).context["adminform"].form
        data: dict[str, object] = {}
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or name == "password":
                continue
            if hasattr(value, "strftime"):
                data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), "10:00:00"
                if name == "start_date":
                    data[name] = value.isoformat()
                continue
            data[name] = [getattr(v, "pk", v) for v in value] if isinstance(value, list) else value
        data.update(changes)
        response = self.client.post(url, {k: v for k, v in data.items() if v is not False})
        assert response.status_code == 302, response.context["adminform"].form.errors

    def test_reassigning_in_django_admin_is_logged(self) -> None:
        self.login(self.ada)
        self.admin_post(
            f"/admin/care/patientprofile/{self.pim_profile.pk}/change/", therapist=self.otto.pk
        )
        event = AuditEvent.objects.get(action="patient.assign")
        assert (event.actor_name, event.target_id) == ("ada", str(self.pim_profile.pk))
        assert event.details == {"changed": ["therapist"]}

    def test_an_assignment_that_changes_nothing_is_no_event(self) -> None:
        self.login(self.ada)
        profile = self.pim_profile
        response = self.client.post(
            f"/clinic/patients/{profile.pk}/",
            {
                "therapist": profile.therapist_id,
                "arm": profile.arm,
                "start_date": profile.start_date.isoformat(),
                "feedback_weekday": profile.feedback_weekday,
            },
        )
        assert response.status_code == 302
        assert not AuditEvent.objects.filter(action="patient.assign").exists()

    def test_a_permission_change_in_django_admin_is_logged(self) -> None:
        self.login(self.ada)
        self.admin_post(f"/admin/accounts/user/{self.rosa.pk}/change/", is_staff=True)
        event = AuditEvent.objects.get(action="account.permissions")
        assert (event.actor_name, event.target_id) == ("ada", str(self.rosa.pk))
        assert event.details == {"changed": ["is_staff"], "new": {"is_staff": True}}
        assert not AuditEvent.objects.filter(action="account.role_change").exists()

    def test_supervision_links_made_and_removed_in_django_admin_are_logged(self) -> None:
        from embct.platform.care.models import Supervision

        Supervision.objects.filter(therapist=self.otto).delete()
        self.login(self.ada)
        response = self.client.post(
            "/admin/care/supervision/add/", {"therapist": self.otto.pk, "supervisor": self.sam.pk}
        )
        assert response.status_code == 302
        link = Supervision.objects.get(therapist=self.otto)
        response = self.client.post(f"/admin/care/supervision/{link.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        links = AuditEvent.objects.filter(action="supervision.link").order_by("pk")
        assert [(e.actor_name, e.target_id, e.details["change"]) for e in links] == [
            ("ada", str(self.otto.pk), "added"),
            ("ada", str(self.otto.pk), "removed"),
        ]
        assert links[0].details["supervisor"] == self.sam.pk

    def test_acknowledging_a_flag_twice_is_one_event(self) -> None:
        from embct.platform.questionnaires.models import FlagRecord

        flag = FlagRecord.objects.create(
            patient=self.pim_profile, code="no_recent_practice", occurrence=1, title="t"
        )
        self.login(self.tessa)
        for note in ("called", "called again"):
            response = self.client.post(f"/flags/{flag.pk}/acknowledge/", {"note": note})
            assert response.status_code == 302
        assert AuditEvent.objects.filter(action="trial.flag_ack").count() == 1
        flag.refresh_from_db()
        assert flag.note == "called"
