"""The patient's progress page: sessions completed (log files sent) out of 9 and minutes
practised per course week, from their own diaries only."""

from __future__ import annotations

from datetime import timedelta

from support.testing import TODAY, BaseTestCase, create_group_patient

URL = "/progress/"


class ProgressPageTests(BaseTestCase):
    def rows(self, page: str) -> list[str]:
        body = page.split("<tbody>")[1].split("</tbody>")[0]
        return body.split("<tr>")[1:]

    def test_it_counts_the_sessions_sent_and_the_minutes_per_week(self) -> None:
        start = self.pim_profile.start_date
        assert start is not None
        self.send(self.pim_profile, 1)  # 10 minutes, dated today (week 3)
        self.diary(self.pim_profile, 1, date=start, minutes=25)  # week 1
        self.diary(self.pim_profile, 2, date=start + timedelta(days=8), minutes=15)  # week 2
        self.diary(self.pim_profile, 2, date=start + timedelta(days=9), minutes=5)  # week 2
        self.login(self.pim)
        response = self.client.get(URL)
        self.assertContains(response, "<strong>1 of 9</strong> sessions")
        self.assertContains(response, "you practised 55 minutes in all")
        rows = self.rows(response.content.decode())
        assert len(rows) == 9
        minutes = [row.split('<span class="number">')[1].split("<")[0] for row in rows]
        assert minutes == ["25", "20", "10", "0", "0", "0", "0", "0", "0"]
        assert "Sent" in rows[0]
        assert "Not sent yet" in rows[1]
        assert "Opens 24 March" in rows[3]
        assert f'href="/sessions/{self.session(3).pk}/"' in rows[2]
        assert "/sessions/" not in rows[3]

    def test_it_is_an_accessible_table(self) -> None:
        self.login(self.pim)
        page = self.client.get(URL).content.decode()
        assert "<caption>Sessions and minutes practised per course week</caption>" in page
        assert page.count('<th scope="col">') == 4
        assert page.count('<th scope="row">') == 9
        # the bar is decoration: the number beside it says the same
        assert page.count('<progress class="bar" aria-hidden="true"') == 9

    def test_it_shows_only_the_patients_own_diaries(self) -> None:
        self.diary(self.olga_profile, 1, minutes=300)
        self.send(self.olga_profile, 2)
        self.login(self.pim)
        response = self.client.get(URL)
        self.assertContains(response, "<strong>0 of 9</strong> sessions")
        self.assertContains(response, "you practised 0 minutes in all")
        self.assertNotContains(response, "300")

    def test_it_is_linked_from_the_header_and_the_week_page(self) -> None:
        self.login(self.pim)
        self.assertContains(self.client.get("/inbox/"), f'<a href="{URL}">My progress</a>')
        self.assertContains(self.client.get("/week/"), f'<a href="{URL}">See your progress</a>')

    def test_staff_get_403_and_anonymous_the_login(self) -> None:
        for user in (self.tessa, self.rosa, self.ada):
            self.login(user)
            assert self.client.get(URL).status_code == 403, user
        self.client.logout()
        response = self.client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_a_group_mbct_patient_gets_403(self) -> None:
        gus = create_group_patient(self.tessa, self.course)
        self.login(gus.user)
        assert self.client.get(URL).status_code == 403
        self.assertNotContains(self.client.get("/my-group/", follow=True), f'href="{URL}"')

    def test_it_refuses_post(self) -> None:
        self.login(self.pim)
        assert self.client.post(URL).status_code == 405

    def test_the_query_count_does_not_grow_with_diaries(self) -> None:
        self.login(self.pim)
        self.client.get(URL)
        with self.assertNumQueries(9) as first:
            self.client.get(URL)
        for week in (1, 2, 3):
            self.send(self.pim_profile, week, entries=3)
            self.diary(self.pim_profile, week, date=TODAY)
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get(URL)

    def test_in_dutch(self) -> None:
        self.pim.language = "nl"
        self.pim.save()
        self.login(self.pim)
        response = self.client.get(URL, headers={"accept-language": "nl"})
        self.assertContains(response, "Mijn voortgang")
