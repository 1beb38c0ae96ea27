"""The caseload's prompt: each patient whose welcome message has not been sent yet, with a
link to write it."""

from __future__ import annotations

from datetime import timedelta

from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import AuditEvent
from embct.platform.care import progress
from embct.platform.care.models import Arm, Message, MessageKind, PatientProfile
from embct.platform.care.services import therapist_writes
from support.testing import TODAY, BaseTestCase

URL = "/caseload/"


class WelcomePromptTests(BaseTestCase):
    def test_a_patient_without_a_welcome_is_named_with_a_link_to_write_it(self) -> None:
        self.login(self.tessa)
        response = self.client.get(URL)
        assert response.context["awaiting_welcome"] == [self.pim_profile]
        self.assertContains(response, "Welcome messages still to write")
        self.assertContains(
            response,
            f'<a href="/patients/{self.pim_profile.pk}/#compose">Write a welcome to Pim</a>',
            html=True,
        )

    def test_the_prompt_goes_once_the_welcome_is_sent(self) -> None:
        therapist_writes(self.tessa, self.pim_profile, "Welcome, Pim.", kind=MessageKind.WELCOME)
        self.login(self.tessa)
        response = self.client.get(URL)
        assert response.context["awaiting_welcome"] == []
        self.assertNotContains(response, "Welcome messages still to write")

    def test_feedback_or_a_patients_message_is_no_welcome(self) -> None:
        Message.objects.create(patient=self.pim_profile, author=self.tessa, body="Feedback")
        Message.objects.create(
            patient=self.pim_profile, author=self.pim, body="Hi", from_patient=True
        )
        self.login(self.tessa)
        assert self.client.get(URL).context["awaiting_welcome"] == [self.pim_profile]

    def test_only_her_own_online_patients_are_prompted(self) -> None:
        gus = User.objects.create_user("gus", role=Role.PATIENT)
        PatientProfile.objects.create(user=gus, therapist=self.tessa, arm=Arm.MBCT)
        self.login(self.tessa)
        response = self.client.get(URL)
        assert response.context["awaiting_welcome"] == [self.pim_profile]
        self.assertNotContains(response, "Write a welcome to Olga")

    def test_those_starting_first_come_first_and_the_list_is_bounded(self) -> None:
        profiles = []
        for n in range(progress.WELCOME_PROMPT_LIMIT + 1):
            user = User.objects.create_user(f"p{n}", role=Role.PATIENT, first_name=f"P{n}")
            profiles.append(
                PatientProfile.objects.create(
                    user=user,
                    therapist=self.tessa,
                    course=self.course,
                    start_date=TODAY - timedelta(days=20 + n),
                )
            )
        self.login(self.tessa)
        response = self.client.get(URL)
        shown = response.context["awaiting_welcome"]
        assert len(shown) == progress.WELCOME_PROMPT_LIMIT
        assert shown[0] == profiles[-1]  # the earliest start
        assert self.pim_profile not in shown  # started last of all
        self.assertContains(response, "And more")
        # with the table filtered to nobody, only the prompt's 20 names are read, and only
        # they are audited: not the one more that makes it say "and more"
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.client.get(URL, {"warnings": "on"})
        seen = set(
            AuditEvent.objects.filter(pk__gt=before, details__page="caseload-welcome").values_list(
                "target_id", flat=True
            )
        )
        assert seen == {str(profile.pk) for profile in shown}
        assert str(profiles[0].pk) not in seen

    def test_a_patient_named_in_the_table_is_audited_once(self) -> None:
        self.login(self.tessa)
        self.client.get(URL)
        events = AuditEvent.objects.filter(target_id=str(self.pim_profile.pk))
        assert list(events.values_list("action", "details")) == [
            ("patient.list", {"page": "caseload"})
        ]

    def test_a_patient_named_only_in_the_prompt_is_audited_as_seen(self) -> None:
        # The table shows one page of the caseload, filtered (here: only patients with early
        # warnings, and Pim has none): the prompt still names the patient, and that read is
        # recorded.
        self.login(self.tessa)
        response = self.client.get(URL, {"warnings": "on"})
        assert self.pim_profile not in [row.profile for row in response.context["rows"]]
        self.assertContains(response, "Write a welcome to Pim")
        events = AuditEvent.objects.filter(target_id=str(self.pim_profile.pk))
        assert list(events.values_list("action", "details")) == [
            ("patient.list", {"page": "caseload-welcome"})
        ]
