"""The administrators' audit page: /audit/ with filters."""

from __future__ import annotations

import time_machine

from embct.platform.audit.models import AuditEvent
from embct.platform.audit.services import record
from support.testing import NOW, BaseTestCase


class AuditPageTests(BaseTestCase):
    url = "/audit/"

    def setUp(self) -> None:
        super().setUp()
        with time_machine.travel(NOW.replace(day=10), tick=False):
            record(self.otto, "patient.view", self.olga_profile)
        record(self.tessa, "patient.view", self.pim_profile)
        record(self.ada, "account.password_reset", self.pim, password="x")

    def listed(self, query: str = "") -> list[tuple[str, str]]:
        self.login(self.ada)
        response = self.client.get(self.url + query)
        assert response.status_code == 200, response.content[:500]
        return [(e.actor_name, e.action) for e in response.context["page"]]

    def test_an_admin_sees_every_event_newest_first(self) -> None:
        assert self.listed() == [
            ("ada", "account.password_reset"),
            ("tessa", "patient.view"),
            ("otto", "patient.view"),
        ]
        response = self.client.get(self.url)
        self.assertContains(response, "********")
        self.assertNotContains(response, "password&quot;: &quot;x")

    def test_roles_and_actions_are_shown_in_words_with_the_action_code(self) -> None:
        self.login(self.ada)
        page = self.client.get(self.url).content.decode()
        rows = page[page.index("<tbody>") : page.index("</tbody>")]
        assert "<td>Therapist</td>" in rows
        assert "<td>Administrator</td>" in rows
        assert "Read a patient&#x27;s record<br><code>patient.view</code>" in rows
        assert "Reset an account&#x27;s password<br><code>account.password_reset</code>" in rows
        assert "<td>therapist</td>" not in rows
        # The filter offers the same words, the code beside them.
        self.assertContains(
            self.client.get(self.url),
            '<option value="patient.view">Read a patient&#x27;s record (patient.view)</option>',
        )
        # ... in the administrator's language.
        self.ada.language = "nl"
        self.ada.save()
        page = self.client.get(self.url).content.decode()
        rows = page[page.index("<tbody>") : page.index("</tbody>")]
        assert "<td>Therapeut</td>" in rows
        assert "<code>patient.view</code>" in rows
        assert "Read a patient" not in page

    def test_a_code_the_platform_no_longer_knows_is_shown_as_it_is(self) -> None:
        event = AuditEvent(action="old.action", role="wizard")
        assert (event.action_label, event.role_label) == ("old.action", "wizard")
        assert AuditEvent(role="").role_label == ""

    def test_filters_by_who_what_target_and_dates(self) -> None:
        assert self.listed("?actor=tessa") == [("tessa", "patient.view")]
        assert self.listed("?action=account.password_reset") == [("ada", "account.password_reset")]
        target = f"?target_type=patient&target_id={self.olga_profile.pk}"
        assert self.listed(target) == [("otto", "patient.view")]
        assert self.listed("?until=2026-03-11") == [("otto", "patient.view")]
        assert len(self.listed("?since=2026-03-18&until=2026-03-18")) == 2

    def test_a_bad_filter_is_400_and_lists_nothing(self) -> None:
        self.login(self.ada)
        for query in ("?since=yesterday", "?since=2026-03-18&until=2026-03-01", "?action=forged"):
            response = self.client.get(self.url + query)
            assert response.status_code == 400
            assert list(response.context["page"]) == []

    def test_it_pages_by_50_with_the_filters_kept(self) -> None:
        for _ in range(101):
            record(self.tessa, "patient.view", self.pim_profile)
        assert len(self.listed()) == 50
        assert len(self.listed("?actor=tessa&page=3")) == 2
        page = self.client.get(self.url + "?actor=tessa&page=2")
        self.assertContains(page, 'href="?actor=tessa&amp;page=3" rel="next"')
        self.assertContains(page, "Page 2 of 3")
        self.assertContains(self.client.get(self.url + "?page=x"), "is not a page number")

    def test_the_query_count_does_not_grow_with_events(self) -> None:
        self.login(self.ada)
        # Session, user, the staff session's second-factor device, count, one page of events,
        # and the session save (3 with its savepoint).
        with self.assertNumQueries(5) as first:
            self.client.get(self.url)
        for _ in range(30):
            record(self.tessa, "patient.view", self.pim_profile)
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get(self.url)

    def test_reading_the_log_writes_nothing_and_post_is_405(self) -> None:
        before = AuditEvent.objects.count()
        self.login(self.ada)
        assert self.client.post(self.url).status_code == 405
        self.client.get(self.url)
        assert AuditEvent.objects.count() == before

    def test_other_roles_get_403_and_anonymous_the_login(self) -> None:
        for user in (self.tessa, self.rosa, self.pim):
            self.login(user)
            assert self.client.get(self.url).status_code == 403
        self.client.logout()
        response = self.client.get(self.url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_the_admin_menu_links_to_it(self) -> None:
        self.login(self.ada)
        self.assertContains(self.client.get("/clinic/"), 'href="/audit/"')
