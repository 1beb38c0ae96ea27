"""The authorization matrix: every URL x every role x own / someone else's object.

The URLs come from the URL configuration itself (``get_resolver().url_patterns``, walked
recursively), so a new URL name without an entry in ``EXPECTED`` fails
``test_every_url_has_an_entry``; an entry whose URL is gone fails it too. The walk, the
table (``EXPECTED``, ``POST_ONLY``, ``SHARED_OBJECTS``) and the objects the URLs point at
live in :mod:`embct.platform.testing_urls`, shared with the browser sweep of every page
(tests/browser/test_every_page.py).

Roles: anonymous, patient (``pim``), therapist (``tessa``), researcher (``rosa``) and
admin (``ada``), the personas of :mod:`embct.platform.testing`. "Own" objects belong to
``pim`` (and hence to his therapist ``tessa``); "other" objects to ``olga``, a patient of
another therapist (``otto``). For objects nobody owns in that sense (course sessions,
exercises, screenings, study participants, accounts and profiles managed by the
administrator) both columns use the same object; ``SHARED_OBJECTS`` lists those URLs.

Expected answers follow the platform's rules: anonymous gets 302 to the login page for
private pages and 200 for public ones; a wrong role gets 403; the right role but someone
else's object gets 404; own gets 200 (302 for views that only redirect). POST-only views
answer GET with 405 for everybody; for them the matrix also POSTs as every wrong role and
as the right role on someone else's object, and asserts 302-to-login / 403 / 404 and that
no row changed anywhere.

Excluded from the walk (documented, each for a reason):

- Django admin's own URLs under ``/admin/`` except its index: they are Django's, guarded by
  ``is_staff`` as a whole, and the index proves that guard here.
- Static and media files: none are routed through the URL configuration (whitenoise serves
  static files in front of Django).
"""

from __future__ import annotations

from django.apps import apps
from django.urls import reverse

from embct.platform.accounts.models import User
from embct.platform.testing import TODAY, BaseTestCase
from embct.platform.testing_urls import (
    EXPECTED,
    POST_ONLY,
    ROLES,
    SHARED_OBJECTS,
    UrlObjects,
    has_object,
    url_names,
)


class AuthorizationMatrixTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.objects = UrlObjects.create(cls.course, cls.pim_profile, cls.olga_profile, TODAY)

    def user_for(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "patient": self.pim,
            "therapist": self.tessa,
            "researcher": self.rosa,
            "admin": self.ada,
        }[role]

    def snapshot(self) -> dict[str, int]:
        return {
            model._meta.label: model._default_manager.count()
            for model in apps.get_models()
            if model._meta.app_label not in {"sessions", "audit", "axes", "admin"}
        }

    def as_role(self, role: str) -> None:
        self.client.logout()
        user = self.user_for(role)
        if user is not None:
            self.login(user)

    def request(self, name: str, role: str, which: str) -> tuple[int, str]:
        """Status and Location of the request the matrix makes for one cell."""
        url = self.objects.url(name, which)
        method = self.client.post if name in POST_ONLY else self.client.get
        response = method(url)
        return response.status_code, response.get("Location", "")

    def test_every_url_has_an_entry(self) -> None:
        names = set(url_names())
        assert sorted(names - set(EXPECTED)) == [], "URLs without an entry in EXPECTED: add them"
        assert sorted(set(EXPECTED) - names) == [], "entries for URLs that are gone"
        for name, row in EXPECTED.items():
            assert set(row) == set(ROLES), name
            for role, cell in row.items():
                assert isinstance(cell, tuple) == has_object(name), f"{name} {role}"

    def test_the_table_follows_the_rules(self) -> None:
        """Guard against an expected table that merely records a bug."""
        for name, row in EXPECTED.items():
            public = row["anonymous"] in (200, (200, 200))
            if not public:
                assert row["anonymous"] in (302, (302, 302)), name
            for role in ROLES[1:]:
                cell = row[role]
                if not isinstance(cell, tuple) or name in SHARED_OBJECTS:
                    continue
                own, other = cell
                if own is None or own < 400:  # the role may act on its own object ...
                    assert other == 404, f"{name} {role}: someone else's object"
                else:  # ... or it is refused for both the same way
                    assert own == other, f"{name} {role}"

    def test_the_matrix(self) -> None:
        login_url = reverse("login")
        wrong = []
        cells = 0
        for name, row in EXPECTED.items():
            for role in ROLES:
                self.as_role(role)
                expected = row[role] if has_object(name) else (row[role],)
                for which, want in zip(("own", "other"), expected, strict=False):
                    if want is None:
                        continue
                    refused = want in (403, 404, 405) or (
                        role == "anonymous" and want == 302 and name != "logout"
                    )
                    before = self.snapshot() if name in POST_ONLY and refused else None
                    status, location = self.request(name, role, which)
                    cells += 1
                    if status != want:
                        wrong.append(f"{name} as {role} ({which}): {status}, expected {want}")
                    if role == "anonymous" and want == 302 and name not in {"logout"}:
                        target = "/admin/login/" if name == "admin:index" else login_url
                        if not location.startswith(target):
                            wrong.append(f"{name} as anonymous: redirect to {location!r}")
                    if before is not None and self.snapshot() != before:
                        wrong.append(f"{name} as {role} ({which}): refused, yet rows changed")
        assert wrong == [], "\n".join(wrong)
        assert cells > 5 * len(EXPECTED)

    def test_post_only_views_refuse_get(self) -> None:
        for name in sorted(POST_ONLY):
            for role in ROLES:
                self.as_role(role)
                url = self.objects.url(name, "own")
                assert self.client.get(url).status_code == 405, f"GET {name} as {role}"
