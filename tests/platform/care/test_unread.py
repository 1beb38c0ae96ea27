"""The unread-feedback indicator: the inbox badge in every patient page's header and the
notice on the week page; the therapist's messages count as read once the inbox is opened
(care.context_processors)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from embct.platform.care.models import Message, MessageKind
from support.testing import BaseTestCase

INBOX_LINK = 'href="/inbox/">Inbox'


class UnreadIndicatorTests(BaseTestCase):
    def feedback(self, body: str = "Well done.", **fields: object) -> Message:
        return Message.objects.create(
            patient=self.pim_profile,
            author=self.tessa,
            kind=MessageKind.FEEDBACK,
            body=body,
            **fields,
        )

    def test_the_header_names_the_number_of_unread_messages(self) -> None:
        self.feedback()
        self.login(self.pim)
        response = self.client.get("/questionnaires/")
        self.assertContains(
            response,
            '<a href="/inbox/" aria-label="Inbox, 1 unread">Inbox '
            '<span class="badge" aria-hidden="true">1</span></a>',
            html=False,
        )
        self.feedback("And more.")
        self.assertContains(self.client.get("/questionnaires/"), 'aria-label="Inbox, 2 unread"')

    def test_without_unread_messages_there_is_no_badge(self) -> None:
        self.feedback()
        Message.objects.update(read_at="2026-03-17T10:00:00+01:00")
        # the patient's own messages are never "unread" for them
        Message.objects.create(
            patient=self.pim_profile, author=self.pim, body="?", from_patient=True
        )
        self.login(self.pim)
        response = self.client.get("/questionnaires/")
        self.assertContains(response, 'href="/inbox/">Inbox</a>', html=False)
        self.assertNotContains(response, "unread")

    def test_opening_the_inbox_reads_them_and_the_badge_goes(self) -> None:
        message = self.feedback()
        self.login(self.pim)
        response = self.client.get("/inbox/")
        # the inbox itself already shows them as read
        self.assertContains(response, 'href="/inbox/">Inbox</a>', html=False)
        message.refresh_from_db()
        assert message.read_at is not None
        self.assertNotContains(self.client.get("/week/"), "unread")

    def test_the_week_page_says_who_has_written(self) -> None:
        self.feedback()
        self.login(self.pim)
        response = self.client.get("/week/")
        self.assertContains(response, "You have new feedback from Tessa:")
        self.assertContains(response, '<a href="/inbox/">read it in your inbox</a>', html=False)
        self.client.get("/inbox/")
        self.assertNotContains(self.client.get("/week/"), "You have new feedback")

    def test_only_the_patients_own_messages_count(self) -> None:
        Message.objects.create(
            patient=self.olga_profile, author=self.otto, kind=MessageKind.FEEDBACK, body="x"
        )
        self.login(self.pim)
        self.assertNotContains(self.client.get("/week/"), "unread")

    def test_the_header_costs_one_query_whatever_the_number_of_messages(self) -> None:
        self.login(self.pim)
        self.client.get("/questionnaires/")
        with CaptureQueriesContext(connection) as before:
            self.client.get("/questionnaires/")
        for _ in range(5):
            self.feedback()
        with CaptureQueriesContext(connection) as after:
            self.client.get("/questionnaires/")
        assert len(after.captured_queries) == len(before.captured_queries)
        counts = [q["sql"] for q in after.captured_queries if "care_message" in q["sql"]]
        assert len(counts) == 1
        assert "COUNT" in counts[0]

    def test_staff_pages_make_no_unread_query(self) -> None:
        self.feedback()
        self.login(self.tessa)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get("/concerns/")
        assert response.status_code == 200
        assert not [q for q in queries.captured_queries if "care_message" in q["sql"]]
        self.assertNotContains(response, "unread")
