"""The silent day's written preparation opens on the last day of week 5."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from support.testing import NOW, BaseTestCase

URL = "/silent-day/preparation/"


class PreparationTests(BaseTestCase):
    def test_it_opens_on_the_last_day_of_week_five(self) -> None:
        with time_machine.travel(NOW + timedelta(days=18), tick=False):
            self.login(self.pim)
            assert self.client.get(URL).status_code == 404
        with time_machine.travel(NOW + timedelta(days=19), tick=False):
            self.login(self.pim)
            self.assertContains(self.client.get(URL), "Plan a quiet day.")

    def test_it_refuses_post_and_therapists(self) -> None:
        with time_machine.travel(NOW + timedelta(days=19), tick=False):
            self.login(self.pim)
            assert self.client.post(URL).status_code == 405
            self.login(self.tessa)
            assert self.client.get(URL).status_code == 403
