"""The research workflow's actions write their audit events in their own transaction: an
action and its event commit together or not at all."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from embct.platform.audit.models import AuditEvent
from embct.platform.research import services
from embct.platform.research.models import Participant, Screening
from support import measure_helpers as helpers
from support.testing import TODAY, BaseTestCase

CRITERIA_OK = helpers.CRITERIA_OK


def events() -> list[tuple[str, str, str, str]]:
    return list(
        AuditEvent.objects.order_by("pk").values_list(
            "actor_name", "action", "target_type", "target_id"
        )
    )


@contextmanager
def audit_inserts_refused() -> Iterator[None]:
    """A database that refuses to store audit events (a full disk, a lost grant): a trigger
    of the test's own, dropped with the test's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TEMP TRIGGER refuse_audit BEFORE INSERT ON main.audit_auditevent"
                " BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
            )
        else:
            try:
                with transaction.atomic():
                    cursor.execute(
                        "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN"
                        " RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql;"
                        " CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditevent"
                        " FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
                    )
            except DatabaseError:
                pytest.skip("the application role may not create triggers (as it should)")
    yield


@override_settings(EMBCT_RANDOMIZATION_SEED=20260318)
class ResearchAuditTests(BaseTestCase):
    def screening(self) -> Screening:
        return Screening.objects.create(
            answers={}, total=14, invited=True, contact="0612345678", form_token=uuid.uuid4()
        )

    def person(self) -> Participant:
        return services.record_eligibility(self.screening(), CRITERIA_OK, "", TODAY, by=self.rosa)

    def test_each_step_of_the_workflow_is_logged_by_its_service(self) -> None:
        person = self.person()
        services.record_consent(person, TODAY, TODAY, by=self.rosa)
        services.record_baseline(person, helpers.BASELINE, by=self.rosa)
        allocation = services.randomize(person, self.rosa, TODAY)
        services.record_withdrawal(person, "dropout", TODAY, "practical", by=self.rosa)
        services.link_profile(person, self.pim_profile, by=self.ada)
        p = str(person.pk)
        assert events() == [
            ("rosa", "trial.eligibility", "participant", p),
            ("rosa", "trial.consent", "participant", p),
            ("rosa", "trial.baseline", "participant", p),
            ("rosa", "trial.allocation", "research.allocation", str(allocation.pk)),
            ("rosa", "trial.withdrawal", "participant", p),
            ("ada", "trial.link", "participant", p),
        ]
        assert AuditEvent.objects.get(action="trial.link").details == {
            "study_id": person.study_id,
            "profile": self.pim_profile.pk,
        }

    def test_a_second_allocation_or_link_that_changes_nothing_is_no_new_event(self) -> None:
        person = self.person()
        services.record_consent(person, TODAY, TODAY, by=self.rosa)
        services.record_baseline(person, helpers.BASELINE, by=self.rosa)
        services.randomize(person, self.rosa, TODAY)
        services.randomize(person, self.rosa, TODAY)
        services.link_profile(person, self.pim_profile, by=self.ada)
        services.link_profile(person, self.pim_profile, by=self.ada)
        assert [e[1] for e in events()].count("trial.allocation") == 1
        assert [e[1] for e in events()].count("trial.link") == 1

    def test_the_baseline_event_names_the_fields_not_their_values(self) -> None:
        person = self.person()
        services.record_consent(person, TODAY, TODAY, by=self.rosa)
        baseline = helpers.BASELINE
        services.record_baseline(person, baseline, by=self.rosa)
        services.record_baseline(person, baseline, by=self.rosa)  # unchanged: no new event
        event = AuditEvent.objects.get(action="trial.baseline")
        assert event.details["changed"] == sorted(baseline)
        assert "52" not in str(event.details)  # the age

    def test_when_the_event_cannot_be_written_the_action_is_undone_too(self) -> None:
        person = self.person()
        with audit_inserts_refused():
            with pytest.raises(DatabaseError, match="audit refused"):
                services.record_consent(person, TODAY, TODAY, by=self.rosa)
            with pytest.raises(DatabaseError, match="audit refused"):
                services.link_profile(person, self.pim_profile, by=self.ada)
            with pytest.raises(DatabaseError, match="audit refused"):
                services.record_eligibility(self.screening(), CRITERIA_OK, "", TODAY)
        person.refresh_from_db()
        assert (person.consent_on, person.profile_id) == (None, None)
        assert Participant.objects.count() == 1
        assert [e[1] for e in events()] == ["trial.eligibility"]

    def test_an_export_from_the_command_line_is_logged(self) -> None:
        from embct.cli import main
        from embct.platform.research.models import ExportLog

        out = Path(self.enterContext(tempfile.TemporaryDirectory())) / "t.csv"
        assert main(["export", "--format", "csv", "--out", str(out)]) == 0
        log = ExportLog.objects.get()
        event = AuditEvent.objects.get(action="trial.export")
        assert (event.actor_name, event.target_id) == ("", str(log.pk))
        assert event.details == {"format": "csv", "rows": log.rows, "via": "cli"}
