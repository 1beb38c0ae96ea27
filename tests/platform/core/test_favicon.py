"""Every page names the site's icon (templates/base.html, bare.html), and it is served."""

from __future__ import annotations

from django.contrib.staticfiles import finders

from support.testing import BaseTestCase


class FaviconTests(BaseTestCase):
    def test_the_login_page_names_the_icon_and_the_file_is_there(self) -> None:
        self.assertContains(
            self.client.get("/login/"),
            '<link rel="icon" href="/static/embct/favicon.svg" type="image/svg+xml">',
            html=True,
        )
        found = finders.find("embct/favicon.svg")
        assert found is not None
        with open(found, encoding="utf-8") as svg:
            assert svg.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
