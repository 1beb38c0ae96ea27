from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import Client

from embct.platform.accounts.models import Role, User


def test_the_user_model_is_ours() -> None:
    assert get_user_model() is User


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2() -> None:
    user = User.objects.create_user(
        "tessa", password="a long enough passphrase", role=Role.THERAPIST
    )
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert user.check_password("a long enough passphrase")


@pytest.mark.django_db
def test_role_is_a_checked_field() -> None:
    User.objects.create_user("ok", role=Role.RESEARCHER)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("bad", role="wizard")
    assert User.objects.get(username="ok").is_researcher
    assert not User.objects.filter(username="bad").exists()


@pytest.mark.django_db
def test_staff_roles_are_therapist_researcher_and_admin() -> None:
    staff = {role for role in Role if User(role=role).is_staff_role}
    assert staff == {Role.THERAPIST, Role.RESEARCHER, Role.ADMIN}


@pytest.mark.django_db
def test_home_sends_an_anonymous_visitor_to_the_login_page(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_a_user_logs_in_and_sees_their_role(client: Client) -> None:
    User.objects.create_user("pim", password="a long enough passphrase", role=Role.PATIENT)
    response = client.post("/login/", {"username": "pim", "password": "a long enough passphrase"})
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "You are logged in as Patient." in page.content.decode()


@pytest.mark.django_db
def test_the_login_form_carries_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = client.get("/login/")
    assert b"csrfmiddlewaretoken" in page.content


def _tag(page: str, element_id: str) -> str:
    """The start tag of the element with this id."""
    match = re.search(rf'<[^>]* id="{element_id}"[^>]*>', page)
    assert match, f"no element #{element_id}"
    return match.group(0)


@pytest.mark.django_db
def test_a_failed_login_keeps_the_username_and_ties_the_error_to_the_form(client: Client) -> None:
    User.objects.create_user("pim", password="a long enough passphrase", role=Role.PATIENT)
    response = client.post("/login/", {"username": "pim", "password": "not my passphrase"})
    assert response.status_code == 200
    page = response.content.decode()
    username, password = _tag(page, "id_username"), _tag(page, "id_password")
    assert 'value="pim"' in username
    assert "value=" not in password
    assert "not my passphrase" not in page
    # The error is announced, has the focus, and both fields are described by it.
    summary = _tag(page, "error-summary")
    for attribute in ('role="alert"', "autofocus", 'tabindex="-1"'):
        assert attribute in summary
    start = page.index(summary)
    assert "did not match" in page[start : page.index("</div>", start)]
    assert page.index('id="id_password"') < page.index("</form>", start)  # in the login form
    for field in (username, password):
        assert 'aria-describedby="error-summary"' in field
        assert 'aria-invalid="true"' in field
    assert "autofocus" not in username


@pytest.mark.django_db
def test_the_login_page_starts_empty_with_the_focus_on_the_username(client: Client) -> None:
    page = client.get("/login/").content.decode()
    username = _tag(page, "id_username")
    assert 'value=""' in username
    assert "autofocus" in username
    assert "aria-invalid" not in username
    assert 'id="error-summary"' not in page
