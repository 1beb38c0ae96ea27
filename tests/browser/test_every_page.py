"""Every page of the platform through the accessibility audit, in a real Chromium.

The journeys audit the pages a user walks through; this sweep audits every page there is.
The pages come from the URL configuration and the authorization table the matrix asserts
(:mod:`support.testing_urls`): every URL name that answers GET with 200 to some role
(on that role's own object) is loaded in Chromium and goes through
:meth:`Auditor.audit <support.testing_browser.Auditor.audit>` (axe-core without a
serious or critical violation, every control reachable by Tab with a visible focus ring,
no sideways scrolling at 200 % zoom or on a phone). A new URL needs an entry in
``EXPECTED`` (the matrix fails without one), and from then on the sweep audits it; the
test ends by checking that every URL name of the URL configuration was audited or is
listed below as not a page.

Each page is audited once, as the first role of ``ROLES`` (anonymous, patient, therapist,
researcher, admin) that gets it: a page several roles get (the password confirmation, the
screening form, the authenticator enrolment) shows them the same content under their own
menu, and every role's menu is audited on that role's own pages. The administrator's pages
are the clinic, new patient, new therapist, assign and the audit log, and Django admin's
index (Django's own markup; it passes, so nothing is excluded).

The sweep runs twice, once with every user's language English and once Dutch (the
anonymous visitor's browser asks for it): Dutch words are longer (compound nouns such as
"vragenlijstherinnering") and must fit a phone as well, and each Dutch page must say
``<html lang="nl">``. The course and the questionnaire wording stay English (the demo's and
the placeholders' language), marked as such inside the Dutch pages.

One browser, one context per role. A context starts with the session of Django's
``force_login`` (the cookie is handed to the browser: hashing a password costs a second a
login on this machine, and the login form is audited as the anonymous visitor's page);
staff then give their demo second-factor code on the real second-factor form.

Not swept, each for a reason:

- POST-only URLs (``POST_ONLY``): they answer GET with 405 and render no page of their own.
- ``NOT_HTML``: URLs that answer with a file or data rather than a page; the sweep still
  checks that they answer 200 with the content type listed, and fails on any other URL
  that does not answer with HTML (add it here, with the reason).

Home is a redirect for every role (each to their start page: the patient's week or group,
the therapist's queue, the researcher's dashboard, the clinic, the login page): the sweep
follows it as each role and checks that it lands on a page it audited, and audits the page
home itself shows only to a patient whose account has no profile yet.

Pages the GET table does not reach, audited as well: the second-factor form staff see
between their password and their start page; the silent day's preparation, open to a
patient from the end of week 5 (the personas' patient is in week 3, where it is "not
found"); and the pages that refuse, 403 and 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import DiaryEntry, Message, MessageKind, PatientProfile, Weekday
from embct.platform.care.services import send_log_files
from embct.platform.research.models import Screening
from embct.platform.security.demo import give_demo_code
from embct.platform.security.services import needs_second_factor
from support.testing import NOW, TODAY, Personas, create_personas
from support.testing_browser import Auditor
from support.testing_urls import EXPECTED, POST_ONLY, ROLES, UrlObjects, url_names

#: URL name -> the start of the content type it answers with: files and data, not pages.
NOT_HTML = {
    "healthz": "application/json",  # the health check for monitoring
    "care:audio": "audio/",  # a session's guided audio, played by the session page's <audio>
    "care:therapist_photo": "image/jpeg",  # shown with the welcome message in the inbox
}


def pages() -> dict[str, str]:
    """URL name -> the first role that GETs it with 200 (on its own object)."""
    out = {}
    for name, row in EXPECTED.items():
        if name in POST_ONLY:
            continue
        for role in ROLES:
            cell = row[role]
            if (cell[0] if isinstance(cell, tuple) else cell) == 200:
                out[name] = role
                break
    return out


@pytest.fixture
def frozen_day() -> Iterator[None]:
    """Server time starts on Wednesday 18 March 2026, 10:00 (the personas' day) and runs on."""
    with time_machine.travel(NOW, tick=True):
        yield


#: What the patient and the therapist write, per language. The Dutch holds the long
#: compound nouns a patient writes (up to "arbeidsongeschiktheidsverzekering", 33 letters),
#: which must wrap on a phone rather than push the page sideways.
WRITTEN = {
    "en": {
        "body": "Warm hands, a tight jaw.",
        "thoughts": "Planning tomorrow's hospital visit.",
        "feelings": "Worried, then calmer.",
        "text": "The audio helped me start.",
        "welcome": "Welcome, Pim. I read your diaries on Thursdays.",
        "question": "Is it all right to skip a day?",
    },
    "nl": {
        "body": "Warme handen, een gespannen kaak, vermoeidheidsklachten na de chemokuur.",
        "thoughts": "Ik dacht aan de ziekenhuisafspraak en de arbeidsongeschiktheidsverzekering.",
        "feelings": "Bezorgd, daarna rustiger.",
        "text": "De audio hielp me om te beginnen met de ademhalingsoefening.",
        "welcome": "Welkom, Pim. Ik lees uw dagboeknotities op donderdag.",
        "question": "Is het goed als ik een dag oversla? Mijn chemotherapiebehandeling is morgen.",
    },
}


def fill_lists(personas: Personas, language: str = "en") -> None:
    """Rows for the lists and tables that would otherwise show only their empty state: a
    patient's sent diary and an unsent one, a conversation in the inbox, a screened person
    waiting for the eligibility call; the patient's and therapist's words in ``language``."""
    pim, course = personas.pim_profile, personas.course
    words = WRITTEN[language]
    for week in (2, 3):
        session = course.sessions.get(week=week)
        DiaryEntry.objects.create(
            patient=pim,
            session=session,
            date=TODAY - timedelta(days=1),
            minutes=20,
            exercise=session.exercises.first(),
            body=words["body"],
            thoughts=words["thoughts"],
            feelings=words["feelings"],
            text=words["text"],
        )
    send_log_files(pim, course.sessions.get(week=2))
    for author, kind, body in (
        (personas.tessa, MessageKind.WELCOME, words["welcome"]),
        (personas.pim, MessageKind.MESSAGE, words["question"]),
    ):
        Message.objects.create(
            patient=pim, author=author, kind=kind, body=body, from_patient=author == personas.pim
        )
    Screening.objects.create(
        answers={}, total=14, invited=True, contact="+31 6 1234 5678", form_token=uuid4()
    )


#: The browser's locale per language (the anonymous visitor's Accept-Language).
LOCALES = {"en": "en-GB", "nl": "nl-NL"}


def signed_in(
    browser: Any, base: str, auditor: Auditor, user: User | None, language: str = "en"
) -> Any:
    """A page in a new browser context whose session is ``user``'s, password given (staff
    still owe their second factor); ``None``: an anonymous visitor."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=LOCALES[language])
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    return auditor.watch(context.new_page())


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.django_db(transaction=True)
def test_every_page_passes_the_audit(
    live_server: Any, browser: Any, frozen_day: None, auditor: Auditor, language: str
) -> None:
    personas = create_personas()
    objects = UrlObjects.create(personas.course, personas.pim_profile, personas.olga_profile, TODAY)
    fill_lists(personas, language)
    # For the silent day's preparation: a patient in week 6 (the personas' patient is in
    # week 3, where the page is "not found").
    pia = User.objects.create_user("pia", role=Role.PATIENT, first_name="Pia")
    PatientProfile.objects.create(
        user=pia,
        therapist=personas.tessa,
        course=personas.course,
        start_date=TODAY - timedelta(days=36),
        feedback_weekday=Weekday.MONDAY,
    )
    User.objects.update(language=language)
    for user in (personas.pim, personas.tessa, personas.rosa, personas.ada, pia):
        user.refresh_from_db()
    with translation.override(language):
        code_label, continue_button = gettext("Code"), gettext("Continue")
        not_allowed, not_found = gettext("Not allowed"), gettext("Page not found")
    users: dict[str, User | None] = {
        "anonymous": None,
        "patient": personas.pim,
        "therapist": personas.tessa,
        "researcher": personas.rosa,
        "admin": personas.ada,
        "patient in week 6": pia,
    }
    base = live_server.url
    failures: list[str] = []
    audited: dict[str, str] = {}  # URL name (or status) -> as whom

    def audit(page: Any, name: str, whom: str) -> None:
        audited[name] = whom
        page_language = page.locator("html").get_attribute("lang")
        if page_language != language:
            failures.append(f"{name} as {whom}: <html lang={page_language!r}>, not {language!r}")
        try:
            auditor.audit(page)
        except AssertionError as failure:
            failures.append(f"{name} as {whom}: {failure}")

    tabs = {}
    for role, user in users.items():
        code = give_demo_code(user) if user is not None and needs_second_factor(user) else None
        page = signed_in(browser, base, auditor, user, language)
        if code is not None:
            page.goto(base + reverse("home"))
            assert page.url.startswith(base + reverse("security:verify")), (role, page.url)
            if "security:verify" not in audited:
                audit(page, "security:verify", f"{role}, between password and start page")
            page.get_by_label(code_label).fill(code)
            page.get_by_role("button", name=continue_button).click()
            page.wait_for_url(lambda url: "/two-factor/" not in url)
        tabs[role] = page

    for name, role in pages().items():
        page = tabs[role]
        url = base + objects.url(name)
        answer = page.context.request.get(url, max_redirects=0)
        assert answer.status == 200, f"GET {name} as {role}: {answer.status}"
        content_type = answer.headers.get("content-type", "")
        if name in NOT_HTML:
            assert content_type.startswith(NOT_HTML[name]), f"{name}: {content_type}"
            continue
        assert content_type.startswith("text/html"), (
            f"{name} answers {content_type!r}: a file, not a page? list it in NOT_HTML"
        )
        assert page.goto(url).status == 200, f"{name} as {role}"
        audit(page, name, role)

    # Home sends every role to their start page, which the sweep audited above.
    for role in ROLES:
        page = tabs[role]
        answer = page.context.request.get(base + reverse("home"), max_redirects=0)
        assert answer.status == 302, f"home as {role}: {answer.status}"
        page.goto(base + reverse("home"))
        assert auditor.was_audited(page.url), f"home as {role} lands on {page.url}, not audited"
    # ... and is a page only for a patient whose account has no profile yet.
    newcomer = User.objects.create_user("nina", role=Role.PATIENT, language=language)
    page = signed_in(browser, base, auditor, newcomer, language)
    assert page.goto(base + reverse("home")).status == 200
    assert page.url == base + reverse("home"), page.url
    audit(page, "home", "a patient without a profile")

    page = tabs["patient in week 6"]
    page.goto(base + reverse("care:week"))
    page.get_by_role("link", name=personas.course.preparation_title).click()
    assert page.url == base + reverse("care:preparation"), page.url
    audit(page, "care:preparation", "a patient in week 6")

    # A staff member whose lost device an administrator reset: the enrolment code page.
    theo = User.objects.create_user("theo", role=Role.THERAPIST, first_name="Theo")
    TOTPDevice.objects.create(user=theo, name="lost phone", confirmed=True).delete()
    User.objects.filter(pk=theo.pk).update(language=language)
    theo.refresh_from_db()
    page = signed_in(browser, base, auditor, theo, language)
    page.goto(base + reverse("home"))
    assert page.url.startswith(base + reverse("security:enrolment_code")), page.url
    audit(page, "security:enrolment_code", "a therapist whose device was reset")

    # The pages that refuse: another role's page (403), a page that is not there (404).
    page = tabs["patient"]
    assert page.goto(base + reverse("care:queue")).status == 403
    page.get_by_role("heading", name=not_allowed).wait_for()
    audit(page, "403", "patient, on the therapist's queue")
    assert page.goto(base + "/no-such-page/").status == 404
    page.get_by_role("heading", name=not_found).wait_for()
    audit(page, "404", "patient")

    assert failures == [], "\n\n".join(failures)
    # Every URL that answers GET with a page was audited.
    unswept = set(url_names()) - POST_ONLY - set(NOT_HTML) - set(audited)
    assert unswept == set(), f"URLs the sweep does not reach: {sorted(unswept)}"
