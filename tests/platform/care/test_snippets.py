"""A therapist's own reusable snippets: added, edited, deleted on their page, offered in the
feedback form, and private to her."""

from __future__ import annotations

from embct.platform.care import services
from embct.platform.care.models import Snippet
from support.testing import BaseTestCase


class SnippetPageTests(BaseTestCase):
    def test_she_adds_a_snippet_and_sees_it_listed(self) -> None:
        self.login(self.tessa)
        response = self.client.post(
            "/snippets/", {"title": "Thanks", "text": "  Thank you for your log files.  "}
        )
        self.assertRedirects(response, "/snippets/")
        snippet = Snippet.objects.get()
        assert (snippet.therapist, snippet.title, snippet.text) == (
            self.tessa,
            "Thanks",
            "Thank you for your log files.",
        )
        self.assertContains(self.client.get("/snippets/"), "Thank you for your log files.")

    def test_a_blank_or_too_long_snippet_is_refused_and_nothing_is_saved(self) -> None:
        self.login(self.tessa)
        response = self.client.post("/snippets/", {"title": "", "text": " "})
        assert response.status_code == 400
        self.assertContains(response, "Fill this in.", status_code=400)
        response = self.client.post("/snippets/", {"title": "Long", "text": "x" * 2001})
        assert response.status_code == 400
        assert not Snippet.objects.exists()

    def test_there_is_a_limit_on_how_many(self) -> None:
        Snippet.objects.bulk_create(
            Snippet(therapist=self.tessa, title=f"s{i}", text="t")
            for i in range(services.MAX_SNIPPETS)
        )
        self.login(self.tessa)
        response = self.client.post("/snippets/", {"title": "One more", "text": "t"})
        self.assertContains(response, "delete one first", status_code=400)
        assert Snippet.objects.count() == services.MAX_SNIPPETS

    def test_she_edits_and_deletes_her_snippet(self) -> None:
        snippet = Snippet.objects.create(therapist=self.tessa, title="Old", text="old text")
        self.login(self.tessa)
        assert self.client.get(f"/snippets/{snippet.pk}/").status_code == 200
        response = self.client.post(f"/snippets/{snippet.pk}/", {"title": "New", "text": "new"})
        self.assertRedirects(response, "/snippets/")
        snippet.refresh_from_db()
        assert (snippet.title, snippet.text, snippet.therapist) == ("New", "new", self.tessa)
        response = self.client.post(f"/snippets/{snippet.pk}/delete/")
        self.assertRedirects(response, "/snippets/")
        assert not Snippet.objects.exists()

    def test_an_invalid_edit_changes_nothing(self) -> None:
        snippet = Snippet.objects.create(therapist=self.tessa, title="Old", text="old text")
        self.login(self.tessa)
        response = self.client.post(f"/snippets/{snippet.pk}/", {"title": "New", "text": ""})
        assert response.status_code == 400
        snippet.refresh_from_db()
        assert (snippet.title, snippet.text) == ("Old", "old text")

    def test_another_therapists_snippet_is_404_and_stays(self) -> None:
        theirs = Snippet.objects.create(therapist=self.otto, title="Otto's", text="secret way")
        self.login(self.tessa)
        assert self.client.get(f"/snippets/{theirs.pk}/").status_code == 404
        assert (
            self.client.post(f"/snippets/{theirs.pk}/", {"title": "x", "text": "y"}).status_code
            == 404
        )
        assert self.client.post(f"/snippets/{theirs.pk}/delete/").status_code == 404
        self.assertNotContains(self.client.get("/snippets/"), "secret way")
        theirs.refresh_from_db()
        assert (theirs.title, theirs.text) == ("Otto's", "secret way")

    def test_a_bad_id_is_404_and_delete_refuses_get(self) -> None:
        self.login(self.tessa)
        assert self.client.get("/snippets/999999/").status_code == 404
        snippet = Snippet.objects.create(therapist=self.tessa, title="a", text="b")
        assert self.client.get(f"/snippets/{snippet.pk}/delete/").status_code == 405
        assert Snippet.objects.filter(pk=snippet.pk).exists()

    def test_other_roles_get_403(self) -> None:
        for user in (self.pim, self.rosa, self.ada):
            self.login(user)
            assert self.client.get("/snippets/").status_code == 403
            assert self.client.post("/snippets/", {"title": "a", "text": "b"}).status_code == 403
        assert not Snippet.objects.exists()


class SnippetPickerTests(BaseTestCase):
    def test_the_feedback_form_offers_her_snippets_only(self) -> None:
        Snippet.objects.create(therapist=self.tessa, title="Thanks", text='Thank you, "Pim" <3')
        Snippet.objects.create(therapist=self.otto, title="Otto's", text="Otto's text")
        self.login(self.tessa)
        response = self.client.get(f"/patients/{self.pim_profile.pk}/")
        self.assertContains(
            response, 'data-text="Thank you, &quot;Pim&quot; &lt;3">Thanks</option>', html=False
        )
        self.assertNotContains(response, "Otto&#x27;s text")
        # The picker needs the script; it is hidden until the script shows it.
        self.assertContains(response, 'id="snippet-picker" hidden', html=False)

    def test_without_snippets_there_is_only_the_link(self) -> None:
        self.login(self.tessa)
        response = self.client.get(f"/patients/{self.pim_profile.pk}/")
        self.assertNotContains(response, "snippet-picker")
        self.assertContains(response, 'href="/snippets/"', html=False)
