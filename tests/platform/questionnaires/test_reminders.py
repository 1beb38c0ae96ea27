"""``embct remind``: a neutral e-mail for due or overdue questionnaires, once per item and
day, never after completion, logged."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core import mail

from embct.cli import main
from embct.platform.accounts.models import User
from embct.platform.questionnaires.models import Reminder
from embct.platform.questionnaires.reminders import remind
from support import measure_helpers as helpers
from support.testing import TODAY, BaseTestCase

OPEN_ON_TODAY = {"hads_pre", "mhc_pre", "wai_w2"}  # both patients started 15 days ago


class ReminderTests(BaseTestCase):
    def reminded(self, user: User) -> set[str]:
        return set(
            Reminder.objects.filter(assessment__patient__user=user).values_list(
                "assessment__key", flat=True
            )
        )

    def test_it_sends_one_neutral_e_mail_per_patient(self) -> None:
        result = remind(TODAY)
        assert (result.emails, result.items) == (2, 6)
        assert sorted(m.to[0] for m in mail.outbox) == ["olga@example.org", "pim@example.org"]
        message = mail.outbox[0]
        assert message.subject == "embct: something is waiting for you"
        text = (message.subject + message.body).lower()
        for word in ("hads", "wai", "mhc", "questionnaire", "distress", "anxiety", "pim", "olga"):
            assert not re.search(rf"\b{word}\b", text), word
        assert self.reminded(self.pim) == OPEN_ON_TODAY

    def test_never_twice_on_one_day(self) -> None:
        remind(TODAY)
        again = remind(TODAY)
        assert (again.emails, again.items) == (0, 0)
        assert len(mail.outbox) == 2
        assert Reminder.objects.count() == 6

    def test_again_the_next_day_while_still_open(self) -> None:
        remind(TODAY)
        remind(TODAY + timedelta(days=1))
        assert len(mail.outbox) == 4
        assert Reminder.objects.filter(day=TODAY + timedelta(days=1)).count() == 6

    def test_never_after_completion(self) -> None:
        for key in OPEN_ON_TODAY:
            helpers.fill(self.pim_profile, key, 1 if key != "wai_w2" else 3)
        remind(TODAY)
        assert [m.to[0] for m in mail.outbox] == ["olga@example.org"]
        assert self.reminded(self.pim) == set()

    def test_an_upcoming_questionnaire_is_not_reminded(self) -> None:
        remind(TODAY)
        assert "wai_w5" not in self.reminded(self.pim)

    def test_a_patient_without_an_address_gets_nothing(self) -> None:
        User.objects.filter(pk=self.pim.pk).update(email="")
        remind(TODAY)
        assert [m.to[0] for m in mail.outbox] == ["olga@example.org"]
        assert self.reminded(self.pim) == set()

    def test_a_dry_run_sends_and_logs_nothing(self) -> None:
        result = remind(TODAY, dry_run=True)
        assert result.emails == 2
        assert mail.outbox == []
        assert not Reminder.objects.exists()

    def test_the_command_line_runs_it(self) -> None:
        assert main(["remind", "--date", "2026-03-18"]) == 0
        assert len(mail.outbox) == 2
        assert main(["remind", "--date", "18 March"]) == 2
