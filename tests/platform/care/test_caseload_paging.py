"""The caseload a page at a time: its pages, sorting and filters (GET, kept across pages),
bad page numbers and bad filters, and no other therapist's patient on any of them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import PatientProfile
from embct.platform.care.progress import start_dates_in_week
from embct.platform.lib.paging import PAGE_SIZE
from embct.platform.questionnaires import early
from embct.platform.questionnaires.models import FlagRecord
from support.testing import TODAY, BaseTestCase

URL = "/caseload/"


class CaseloadPagingTests(BaseTestCase):
    def add_patients(self, n: int, therapist: User | None = None) -> list[PatientProfile]:
        """``n`` patients of ``therapist`` (tessa), started 0, 1, 2... days before today and
        on feedback weekdays Monday to Friday in turn."""
        out = []
        for k in range(n):
            user = User.objects.create_user(
                f"x{k:03d}{therapist.pk if therapist else ''}",
                role=Role.PATIENT,
                first_name=f"Name{k:03d}",
            )
            out.append(
                PatientProfile.objects.create(
                    user=user,
                    therapist=therapist or self.tessa,
                    start_date=TODAY - timedelta(days=k),
                    course=self.course,
                    feedback_weekday=k % 5,
                )
            )
        return out

    def shown(self, response: object) -> list[int]:
        return [row.profile.pk for row in response.context["rows"]]  # type: ignore[attr-defined]

    def test_page_two_exists_and_shows_the_rest(self) -> None:
        self.add_patients(PAGE_SIZE + 4)  # and pim: 30 patients
        self.login(self.tessa)
        first = self.client.get(URL)
        second = self.client.get(URL, {"page": "2"})
        assert len(self.shown(first)) == PAGE_SIZE
        assert len(self.shown(second)) == 5
        every = set(
            PatientProfile.objects.filter(therapist=self.tessa).values_list("pk", flat=True)
        )
        assert set(self.shown(first)) | set(self.shown(second)) == every
        assert not set(self.shown(first)) & set(self.shown(second))
        self.assertContains(first, "Page 1 of 2")
        self.assertContains(first, 'href="?page=2" rel="next"')
        self.assertContains(second, 'href="?page=1" rel="prev"')
        self.assertNotContains(second, 'rel="next"')
        # only the patients shown are in the audit log, one event each
        seen = AuditEvent.objects.filter(action="patient.list", details__page="caseload")
        assert seen.count() == 30

    def test_bad_page_numbers_fall_back_with_a_notice(self) -> None:
        self.add_patients(PAGE_SIZE + 4)
        self.login(self.tessa)
        for bad in ("abc", "0", "-1", "2.5", "9" * 30):
            response = self.client.get(URL, {"page": bad})
            assert response.status_code == 200, bad
            want = 2 if bad == "9" * 30 else 1
            assert response.context["paged"].page.number == want, bad
            self.assertContains(response, 'role="status"')
        self.assertContains(self.client.get(URL, {"page": "7"}), "There is no page 7")
        self.assertContains(self.client.get(URL, {"page": "abc"}), "“abc” is not a page number")
        self.assertNotContains(self.client.get(URL, {"page": "2"}), 'role="status"')

    def test_sorting_by_name_and_by_feedback_day(self) -> None:
        self.add_patients(6)
        self.login(self.tessa)
        rows = self.client.get(URL, {"sort": "name"}).context["rows"]
        names = [r.profile.user.first_name for r in rows]
        assert names == sorted(names)
        rows = self.client.get(URL, {"sort": "feedback_day"}).context["rows"]
        days = [r.profile.feedback_weekday for r in rows]
        assert days == sorted(days)
        assert len(set(days)) > 1
        rows = self.client.get(URL, {"sort": "week"}).context["rows"]
        weeks = [r.week for r in rows]
        assert weeks == sorted(weeks, reverse=True)

    def test_sorting_by_waiting_puts_the_most_waiting_first(self) -> None:
        a, b = self.add_patients(2)
        self.send(b, 1)
        self.send(b, 2)
        self.send(a, 1)
        self.login(self.tessa)
        rows = self.client.get(URL, {"sort": "waiting"}).context["rows"]
        assert [r.profile for r in rows][:2] == [b, a]

    def test_filter_by_feedback_day_and_week_kept_across_pages(self) -> None:
        self.add_patients(90)
        self.login(self.tessa)
        response = self.client.get(URL, {"feedback_day": "2"})
        assert {r.profile.feedback_weekday for r in response.context["rows"]} == {2}
        expected = PatientProfile.objects.filter(therapist=self.tessa, feedback_weekday=2)
        assert response.context["paged"].page.paginator.count == expected.count()
        earliest, latest = start_dates_in_week(3, TODAY)
        assert earliest == TODAY - timedelta(days=20)
        assert latest == TODAY - timedelta(days=14)
        response = self.client.get(URL, {"week": "3"})
        assert {r.week for r in response.context["rows"]} == {3}
        assert len(response.context["rows"]) == 7 + 1  # 7 start days, and pim (week 3)
        response = self.client.get(URL, {"week": "9", "sort": "name"})
        assert {r.week for r in response.context["rows"]} == {9}
        assert response.context["paged"].page.paginator.count == 90 - 56
        self.assertContains(response, 'href="?week=9&amp;sort=name&amp;page=2" rel="next"')
        second = self.client.get(URL, {"week": "9", "sort": "name", "page": "2"})
        assert {r.week for r in second.context["rows"]} == {9}
        assert len(second.context["rows"]) == 90 - 56 - PAGE_SIZE

    def test_filter_by_warnings_shows_only_patients_with_warnings(self) -> None:
        added = self.add_patients(10)
        quiet, worried = added[0], added[9]  # started today; 9 days ago, no practice since
        early.refresh_flags(added, TODAY)
        assert not FlagRecord.objects.filter(patient=quiet).exists()
        assert FlagRecord.objects.filter(patient=worried, code="no_recent_practice").exists()
        self.login(self.tessa)
        shown = self.shown(self.client.get(URL, {"warnings": "on"}))
        assert worried.pk in shown
        assert quiet.pk not in shown
        # an acknowledged warning no longer counts
        FlagRecord.objects.filter(patient=worried).update(acknowledged_at=timezone.now())
        assert worried.pk not in self.shown(self.client.get(URL, {"warnings": "on"}))

    def test_no_filter_or_page_shows_another_therapists_patient(self) -> None:
        others = self.add_patients(30, therapist=self.otto)
        early.refresh_flags([*others, self.olga_profile], TODAY)
        self.add_patients(3)
        self.login(self.tessa)
        foreign = {p.pk for p in others} | {self.olga_profile.pk}
        for query in (
            {},
            {"page": "2"},
            {"warnings": "on"},
            {"week": "9"},
            {"feedback_day": "0"},
            {"sort": "waiting", "page": "2"},
        ):
            response = self.client.get(URL, query)
            assert not set(self.shown(response)) & foreign, query
            self.assertNotContains(response, "Olga")
        assert response.context["paged"].page.paginator.count <= 4

    def test_a_bad_filter_is_a_clear_error_and_filters_nothing(self) -> None:
        self.add_patients(3)
        self.login(self.tessa)
        for query in ({"sort": "secret"}, {"week": "12"}, {"feedback_day": "x"}):
            response = self.client.get(URL, query)
            assert response.status_code == 400, query
            self.assertContains(response, 'role="alert"', status_code=400)
            assert len(response.context["rows"]) == 4  # unfiltered
