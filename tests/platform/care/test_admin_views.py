"""The administrator's clinic pages: create accounts, assign patients, reset passwords."""

from __future__ import annotations

from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import Arm, PatientProfile
from embct.platform.groups.models import MbctGroup
from embct.platform.lib.paging import PAGE_SIZE
from support.testing import BaseTestCase


class ClinicTests(BaseTestCase):
    def new_patient_form(self, **extra: object) -> dict[str, object]:
        data: dict[str, object] = {
            "account-username": "newpatient",
            "account-first_name": "Nel",
            "account-email": "nel@example.org",
            "care-therapist": self.tessa.pk,
            "care-arm": Arm.EMBCT,
            "care-start_date": "2026-03-23",
            "care-feedback_weekday": 1,
        }
        data.update(extra)
        return data

    def test_the_clinic_lists_patients_and_therapists(self) -> None:
        self.login(self.ada)
        response = self.client.get("/clinic/")
        self.assertContains(response, "pim")
        self.assertContains(response, "otto")

    def test_the_clinic_lists_patients_a_page_at_a_time_and_logs_only_those_shown(self) -> None:
        for k in range(PAGE_SIZE + 5):
            user = User.objects.create_user(f"c{k:02d}", role=Role.PATIENT)
            PatientProfile.objects.create(user=user, therapist=self.tessa)
        self.login(self.ada)
        first = self.client.get("/clinic/")
        second = self.client.get("/clinic/", {"page": "2"})
        names = [p.user.username for p in [*first.context["patients"], *second.context["patients"]]]
        assert len(first.context["patients"]) == PAGE_SIZE
        assert sorted(names) == sorted(
            PatientProfile.objects.values_list("user__username", flat=True)
        )
        self.assertContains(second, "Page 2 of 2")
        listed = AuditEvent.objects.filter(action="patient.list", details__page="clinic")
        assert listed.count() == len(names)
        self.assertContains(self.client.get("/clinic/", {"page": "99"}), "There is no page 99")

    def test_the_clinic_names_people_by_name_not_only_username(self) -> None:
        self.pim.first_name, self.pim.last_name = "Pim", "Jansen"
        self.pim.save()
        self.tessa.first_name, self.tessa.last_name = "Tessa", "de Vries"
        self.tessa.save()
        self.login(self.ada)
        page = self.client.get("/clinic/").content.decode()
        assert "Pim Jansen" in page
        assert "(pim)" in page
        page = self.client.get(f"/clinic/patients/{self.pim.patient_profile.pk}/")
        assert page.status_code == 200
        body = page.content.decode()
        assert "Assign Pim Jansen (pim)" in body
        assert f'<option value="{self.tessa.pk}" selected>Tessa de Vries</option>' in body

    def test_the_administrator_creates_a_patient_with_a_one_time_password(self) -> None:
        self.login(self.ada)
        response = self.client.post("/clinic/patients/new/", self.new_patient_form())
        assert response.status_code == 201
        assert response["Cache-Control"].startswith("max-age=0")
        password = response.context["password"]
        user = User.objects.get(username="newpatient")
        assert user.role == Role.PATIENT
        assert user.check_password(password)
        profile = PatientProfile.objects.get(user=user)
        assert (
            profile.therapist,
            profile.arm,
            str(profile.start_date),
            profile.feedback_weekday,
        ) == (self.tessa, "embct", "2026-03-23", 1)
        assert profile.course == self.course

    def test_a_patient_needs_a_therapist_and_nothing_is_half_written(self) -> None:
        self.login(self.ada)
        response = self.client.post(
            "/clinic/patients/new/", self.new_patient_form(**{"care-therapist": ""})
        )
        assert response.status_code == 400
        assert not User.objects.filter(username="newpatient").exists()

    def test_a_patient_cannot_be_assigned_to_a_non_therapist(self) -> None:
        self.login(self.ada)
        response = self.client.post(
            "/clinic/patients/new/", self.new_patient_form(**{"care-therapist": self.rosa.pk})
        )
        assert response.status_code == 400
        assert not User.objects.filter(username="newpatient").exists()

    def test_an_embct_patient_needs_a_start_date_said_on_the_field_in_both_languages(
        self,
    ) -> None:
        self.login(self.ada)
        form = self.new_patient_form(**{"care-start_date": ""})
        response = self.client.post("/clinic/patients/new/", form)
        assert response.status_code == 400
        assert response.context["assignment"].errors["start_date"] == [
            "An eMBCT patient needs a start date."
        ]
        assert not User.objects.filter(username="newpatient").exists()
        User.objects.filter(pk=self.ada.pk).update(language="nl")
        response = self.client.post("/clinic/patients/new/", form)
        self.assertContains(
            response, "Een eMBCT-patiënt heeft een startdatum nodig.", status_code=400
        )

    def test_a_group_mbct_patient_needs_a_group_said_on_the_field(self) -> None:
        self.login(self.ada)
        form = self.new_patient_form(**{"care-arm": Arm.MBCT, "care-start_date": ""})
        response = self.client.post("/clinic/patients/new/", form)
        assert response.status_code == 400
        assert response.context["assignment"].errors == {
            "group": ["A group MBCT patient needs a group."]
        }
        assert not User.objects.filter(username="newpatient").exists()
        group = MbctGroup.objects.create(
            name="Tuesday", therapist=self.tessa, location="Room", course=self.course
        )
        response = self.client.post("/clinic/patients/new/", {**form, "care-group": group.pk})
        assert response.status_code == 201
        assert PatientProfile.objects.get(user__username="newpatient").group == group

    def test_reassigning_to_group_mbct_without_a_group_is_refused(self) -> None:
        self.login(self.ada)
        response = self.client.post(
            f"/clinic/patients/{self.pim_profile.pk}/",
            {"therapist": self.tessa.pk, "arm": "mbct", "feedback_weekday": 4},
        )
        self.assertContains(response, "A group MBCT patient needs a group.")
        self.pim_profile.refresh_from_db()
        assert self.pim_profile.arm == Arm.EMBCT

    def test_the_administrator_creates_a_therapist(self) -> None:
        self.login(self.ada)
        response = self.client.post("/clinic/therapists/new/", {"account-username": "thea"})
        assert response.status_code == 201
        assert User.objects.get(username="thea").role == Role.THERAPIST
        assert not PatientProfile.objects.filter(user__username="thea").exists()

    def test_the_administrator_reassigns_a_patient(self) -> None:
        self.login(self.ada)
        response = self.client.post(
            f"/clinic/patients/{self.pim_profile.pk}/",
            {
                "therapist": self.otto.pk,
                "arm": "embct",
                "start_date": "2026-03-01",
                "feedback_weekday": 4,
            },
        )
        self.assertRedirects(response, "/clinic/")
        self.pim_profile.refresh_from_db()
        assert (self.pim_profile.therapist, self.pim_profile.feedback_weekday) == (self.otto, 4)

    def test_the_administrator_resets_a_password(self) -> None:
        self.login(self.ada)
        response = self.client.post(f"/clinic/accounts/{self.pim.pk}/password/")
        assert response.status_code == 200
        self.pim.refresh_from_db()
        assert self.pim.check_password(response.context["password"])

    def test_an_administrators_password_is_not_reset_here(self) -> None:
        self.login(self.ada)
        assert self.client.post(f"/clinic/accounts/{self.ada.pk}/password/").status_code == 404

    def test_bad_ids_are_404(self) -> None:
        self.login(self.ada)
        assert self.client.get("/clinic/patients/999999/").status_code == 404
        assert self.client.post("/clinic/accounts/999999/password/").status_code == 404

    def test_wrong_methods_are_405(self) -> None:
        self.login(self.ada)
        assert self.client.post("/clinic/").status_code == 405
        assert self.client.get(f"/clinic/accounts/{self.pim.pk}/password/").status_code == 405
        assert self.client.put("/clinic/patients/new/").status_code == 405

    def test_other_roles_get_403(self) -> None:
        for user in (self.tessa, self.pim, self.rosa):
            self.login(user)
            assert self.client.get("/clinic/").status_code == 403
            assert self.client.post(f"/clinic/accounts/{self.olga.pk}/password/").status_code == 403
            assert (
                self.client.post("/clinic/patients/new/", self.new_patient_form()).status_code
                == 403
            )
        assert not User.objects.filter(username="newpatient").exists()

    def test_home_sends_an_administrator_to_the_clinic(self) -> None:
        self.login(self.ada)
        self.assertRedirects(self.client.get("/"), "/clinic/")


class ClinicLinkNamesTests(BaseTestCase):
    def test_every_account_named_in_the_link_select_is_audited(self) -> None:
        from datetime import date

        from embct.platform.research.models import Allocation, Participant

        for k in range(PAGE_SIZE + 5):
            user = User.objects.create_user(
                f"c{k:02d}", first_name=f"Zed{k:02d}", role=Role.PATIENT
            )
            PatientProfile.objects.create(user=user, therapist=self.tessa)
        person = Participant.objects.create(
            study_id="S-9", assessed_on=date(2026, 1, 5), eligibility={}, eligible=True
        )
        Allocation.objects.create(
            participant=person,
            list_name="main",
            stratum="x",
            position=1,
            arm="embct",
            allocated_on=date(2026, 1, 5),
        )
        self.login(self.ada)
        response = self.client.get("/clinic/")
        shown = {p.pk for p in response.context["patients"]}
        hidden = PatientProfile.objects.exclude(pk__in=shown).get(user__first_name="Zed29")
        self.assertContains(response, "Zed29")  # not in the page's table, but in the select
        events = AuditEvent.objects.filter(target_type="patient", target_id=str(hidden.pk))
        assert list(events.values_list("action", "details")) == [
            ("patient.list", {"page": "clinic-link"})
        ]

    def test_without_a_study_id_to_link_no_names_are_listed_or_audited(self) -> None:
        for k in range(PAGE_SIZE + 5):
            user = User.objects.create_user(
                f"c{k:02d}", first_name=f"Zed{k:02d}", role=Role.PATIENT
            )
            PatientProfile.objects.create(user=user, therapist=self.tessa)
        self.login(self.ada)
        response = self.client.get("/clinic/")
        self.assertNotContains(response, "Zed29")
        assert not AuditEvent.objects.filter(details__page="clinic-link").exists()


class ReassignmentTests(BaseTestCase):
    def test_a_new_therapist_takes_the_notes_but_not_the_old_ones_unsent_drafts(self) -> None:
        from embct.platform.care import services
        from embct.platform.care.admin_forms import AssignmentForm
        from embct.platform.care.models import FeedbackDraft, TherapistMemo

        profile = self.pim_profile
        TherapistMemo.objects.create(patient=profile, author=self.tessa, text="Sleeps badly.")
        FeedbackDraft.objects.create(patient=profile, therapist=self.tessa, body="Dear Pim,")
        data = {
            "therapist": self.otto.pk,
            "arm": profile.arm,
            "start_date": profile.start_date,
            "feedback_weekday": profile.feedback_weekday,
            "group": profile.group_id or "",
        }
        form = AssignmentForm(data, instance=profile)
        assert form.is_valid(), form.errors
        services.save_assignment(form, by=self.ada)
        assert not FeedbackDraft.objects.filter(patient=profile).exists()
        assert TherapistMemo.objects.filter(patient=profile).count() == 1  # the record stays
