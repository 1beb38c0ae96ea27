"""The 405 page: the site's layout, not Django's blank answer (embct.platform.core.methods)."""

from __future__ import annotations

from django.urls import reverse

from support.testing import BaseTestCase


class MethodNotAllowedPageTests(BaseTestCase):
    def test_a_get_on_a_post_only_address_gets_the_sites_page_with_its_status_and_allow(
        self,
    ) -> None:
        url = reverse("research:remove_screening", args=[1])  # require_POST before login
        response = self.client.get(url)
        assert response.status_code == 405  # before: 405 with an empty body
        assert response["Allow"] == "POST"
        self.assertContains(response, "This address does not take that request", status_code=405)
        self.assertContains(response, 'href="/"', status_code=405)  # the layout's start link
        assert response["Content-Type"] == "text/html; charset=utf-8"

    def test_in_dutch_too(self) -> None:
        self.login(self.pim)
        self.pim.language = "nl"
        self.pim.save()
        response = self.client.get(reverse("research:remove_screening", args=[1]))
        self.assertContains(response, "Dit adres neemt dat verzoek niet aan", status_code=405)

    def test_head_stays_empty(self) -> None:
        assert self.client.head(reverse("research:remove_screening", args=[1])).content == b""
