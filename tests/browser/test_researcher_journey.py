"""The research workflow in a real browser (headless Chromium through Playwright): from the
public screening page to the allocation, the export and the report.

Someone fills the public screening (once with an answer missing), lands on the call list;
the researcher logs in with her second factor, lands on the research dashboard, records the
eligibility call, consent and the baseline of Table 1, randomizes and sees the allocation,
corrects a baseline value entered wrongly (with a reason; refused without one); the clinic's
administrator links the study id to the patient's account; the researcher confirms her
password, exports the pseudonymized trial table (CSV and SPSS .sav) and reads the live report.
Every page is
audited (axe-core, keyboard, 200% zoom, phone width), the report document inside the report
page too, and no page the researcher sees, nor the exported files, names the patient.

A small cohort is already in the study (loaded through the platform's own services, as the
export tests do), so that every section of the report has numbers to show. The screenshot
of the research dashboard (the call list) goes to docs/screenshots/research-dashboard.png.
"""

from __future__ import annotations

import csv
import importlib.util
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyreadstat
import pytest
import time_machine

from embct import trial
from embct.instruments import item_columns
from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import Arm, PatientProfile
from embct.platform.course.loader import load_course
from embct.platform.questionnaires import services as questionnaires
from embct.platform.questionnaires.content import content_pack
from embct.platform.questionnaires.models import ScheduledAssessment
from embct.platform.research.models import Allocation, ExportLog, Participant, Screening
from embct.platform.security.demo import give_demo_code
from support.testing import FIXTURE_COURSE, NOW, PASSWORD, TODAY
from support.testing_browser import Auditor, log_in, screenshots_dir
from support.testing_browser import shoot as shoot_page

REPO = Path(__file__).resolve().parents[2]
SHOTS = screenshots_dir()
SEED = 20191010
#: Participants already randomized; the sequence of SEED then gives the next one eMBCT.
COHORT = 30
PHONE = "06 1234 5678"
PHONE_STORED, PHONE_SHOWN = "+31612345678", "06 12345678"  # E.164; as dialled in NL
#: What would identify the patient; none of it may reach a researcher.
PATIENT = {"username": "pjansen", "first_name": "Pim", "last_name": "Jansen"}
EMAIL = "pim.jansen@example.org"


def _cohort_module() -> Any:
    path = REPO / "tests" / "support" / "measure_cohort.py"
    spec = importlib.util.spec_from_file_location("measure_cohort", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture
def clock() -> Iterator[Any]:
    """Server time starts on Wednesday 18 March 2026, 10:00 and runs on."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def assert_pseudonymized(text: str, where: str) -> None:
    """Neither the patient's username, surname nor e-mail address is in ``text`` (markup
    included; the short first name is checked on visible text only, since a random CSRF
    token could contain it)."""
    for secret in (PATIENT["username"], PATIENT["last_name"], EMAIL):
        assert secret not in text, f"{where} shows {secret!r} to a researcher"


@pytest.mark.django_db(transaction=True)
def test_a_researcher_screens_randomizes_exports_and_reads_the_report(
    live_server: Any,
    browser: Any,
    clock: Any,
    auditor: Auditor,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.EMBCT_RANDOMIZATION_SEED = SEED
    slot = trial.allocation_sequence(SEED, COHORT + 1)[COHORT]
    assert slot.arm is trial.Arm.EMBCT  # the journey's participant, position COHORT + 1
    course, _ = load_course(FIXTURE_COURSE)
    tessa = User.objects.create_user(
        "tessa", role=Role.THERAPIST, first_name="Tessa", last_name="de Vries"
    )
    rosa = User.objects.create_user(
        "rosa", password=PASSWORD, role=Role.RESEARCHER, first_name="Rosa", last_name="Smit"
    )
    ada = User.objects.create_user(
        "ada", password=PASSWORD, role=Role.ADMIN, first_name="Ada", last_name="Visser"
    )
    cohort = _cohort_module()
    cohort.load(cohort.cohort(SEED, COHORT, f"T{tessa.pk}"), course, tessa, rosa, TODAY)
    # The patient's account in the clinic, with the baseline questionnaire filled in.
    pim = User.objects.create_user(role=Role.PATIENT, email=EMAIL, **PATIENT)
    profile = PatientProfile.objects.create(
        user=pim, therapist=tessa, course=course, arm=Arm.EMBCT, start_date=TODAY
    )
    questionnaires.materialize(profile)
    hads_pre = ScheduledAssessment.objects.get(patient=profile, key="hads_pre")
    pre_answers = {i: (i % 4) for i in range(1, 15)}
    questionnaires.submit(hads_pre, {str(i): str(v) for i, v in pre_answers.items()}, uuid.uuid4())
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    # ---- someone fills the public screening page ------------------------------------------
    visitor = auditor.watch(
        browser.new_context(viewport={"width": 412, "height": 860}, locale="en-GB").new_page()
    )
    visitor.goto(base + "/screening/")
    visitor.get_by_role("heading", name="Could this course be for you?").wait_for()
    auditor.audit(visitor)
    hads = content_pack("hads")
    for entry in hads.items[:-1]:  # the last question forgotten
        visitor.get_by_label(f"HADS item {entry.item}, option B", exact=True).check()
    visitor.get_by_label("Telephone number").fill(PHONE)
    visitor.get_by_role("button", name="Send").click()
    # As on the patient's questionnaires: a summary at the top, focused, linking to the
    # question, which is described by its own error.
    summary = visitor.locator(".error-summary")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    assert "not yet answered: 14" in summary.inner_text()
    visitor.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    item14 = visitor.get_by_role("group", name=f"14. {hads.items[-1].stem}")
    described = item14.get_attribute("aria-describedby")
    assert described, "the question with the error is not described by it"
    assert "Please answer or skip this question." in visitor.locator(f"#{described}").inner_text()
    assert item14.locator("input[aria-invalid=true]").count() == 5  # 4 options and the skip
    assert (
        visitor.get_by_role("group", name=f"13. {hads.items[-2].stem}").get_attribute(
            "aria-describedby"
        )
        is None
    )
    auditor.audit(visitor)
    assert not Screening.objects.filter(participant=None).exists()  # the cohort's are taken
    # What was answered is still there; the link leads to the forgotten question.
    assert visitor.get_by_label("HADS item 1, option B", exact=True).is_checked()
    assert visitor.get_by_label("Telephone number").input_value() == PHONE
    summary.get_by_role("link", name=f"14. {hads.items[-1].stem}").click()
    focused = visitor.evaluate("() => [document.activeElement.type, document.activeElement.name]")
    assert focused == ["radio", "14"]
    visitor.get_by_label("HADS item 14, option B", exact=True).check()
    visitor.get_by_role("button", name="Send").click()
    visitor.get_by_text("A researcher will call you").wait_for()
    auditor.audit(visitor)
    screening = Screening.objects.get(participant=None)
    expected_total = sum(e.options[1].value for e in hads.items)
    assert (screening.total, screening.invited, screening.contact) == (
        expected_total,
        True,
        PHONE_STORED,
    )
    assert screening.total >= 11

    # ---- the researcher: call list, eligibility, consent, baseline, randomization --------
    researcher = auditor.watch(
        browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB").new_page()
    )

    def look() -> None:
        """Audit the page the researcher sees, and check it does not name the patient."""
        auditor.audit(researcher)
        assert_pseudonymized(researcher.content(), researcher.url)
        assert PATIENT["first_name"] not in researcher.inner_text("body"), researcher.url

    code = give_demo_code(rosa)
    researcher.goto(base + "/login/")
    look()
    log_in(researcher, base, "rosa")
    look()  # the second factor
    researcher.get_by_label("Code").fill(code)
    researcher.get_by_role("button", name="Continue").click()
    # After the login she lands on the research dashboard (home sends a researcher there).
    researcher.get_by_role("heading", name="Research", exact=True).wait_for()
    assert researcher.url == base + "/research/", researcher.url
    look()
    researcher.get_by_role("navigation", name="Main").get_by_role("link", name="Research").click()
    researcher.get_by_role("heading", name="Research", exact=True).wait_for()
    call = researcher.get_by_role("row").filter(has_text=f"#{screening.pk}")
    assert PHONE_SHOWN in call.inner_text()
    shoot_page(researcher, SHOTS / "research-dashboard.png")
    call.get_by_role("link", name="Record the call").click()
    researcher.get_by_role(
        "heading", name=f"Eligibility call: screening #{screening.pk}"
    ).wait_for()
    look()
    # The first call does not reach the person: the dated attempt is on the call list.
    researcher.get_by_label("Not reached", exact=True).check()
    researcher.get_by_role("button", name="Save the attempt").click()
    researcher.get_by_text(f"Screening #{screening.pk}: the call is recorded.").wait_for()
    call = researcher.get_by_role("row").filter(has_text=f"#{screening.pk}")
    assert "Not reached" in call.inner_text()
    look()
    call.get_by_role("link", name="Record the call").click()
    researcher.get_by_role(
        "heading", name=f"Eligibility call: screening #{screening.pk}"
    ).wait_for()
    # The first criterion forgotten: refused, nothing recorded.
    for criterion in trial.CRITERIA[1:]:
        answer = "Yes" if criterion.kind is trial.CriterionKind.INCLUSION else "No"
        group = researcher.get_by_role("group", name=criterion.description)
        group.get_by_label(answer, exact=True).check()
    # The browser asks for it first.
    researcher.get_by_role("button", name="Record", exact=True).click()
    first = researcher.get_by_role("group", name=trial.CRITERIA[0].description)
    assert first.get_by_label("Yes").evaluate("radio => radio.validity.valueMissing")
    assert researcher.url.endswith(f"/research/screenings/{screening.pk}/eligibility/")
    assert not Participant.objects.filter(screening=screening).exists()
    first.get_by_label("Yes").check()
    researcher.get_by_role("button", name="Record", exact=True).click()
    person = Participant.objects.get(screening=screening)
    researcher.get_by_role("heading", name=person.study_id, exact=True).wait_for()
    researcher.get_by_text(f"Recorded as {person.study_id}.").wait_for()
    look()
    assert "The allocation is concealed until consent is recorded." in researcher.inner_text("main")

    researcher.get_by_label("Date of written informed consent").fill("2026-03-18")
    researcher.get_by_role("button", name="Record consent").click()
    researcher.get_by_text("Consent recorded.").wait_for()
    look()

    table_1 = {
        "Gender": "female",
        "In a relationship": "yes",
        "Has children": "no",
        "Education level": "high",
        "Cancer diagnosis": "breast cancer",
        "Treatment intent": "curative",
        "Current anticancer treatment": "no",
        "Psychiatric diagnosis": "no",
    }
    for question, answer in table_1.items():
        group = researcher.get_by_role("group", name=question)
        group.get_by_label(answer, exact=True).check()
    # Each answer beside its radio button, centred on it and in normal weight.
    female = researcher.get_by_role("group", name="Gender").get_by_label("female", exact=True)
    label = female.locator("xpath=..")
    assert label.evaluate("l => getComputedStyle(l).fontWeight") == "400"
    box, row = female.bounding_box(), label.bounding_box()
    assert box is not None
    assert row is not None
    assert abs((box["y"] + box["height"] / 2) - (row["y"] + row["height"] / 2)) <= 2
    researcher.get_by_label("Years since cancer diagnosis").fill("1.5")
    researcher.get_by_label("Age in years").fill("17")  # a typing slip: refused
    researcher.get_by_role("button", name="Save baseline").click()
    researcher.get_by_text("Ensure this value is greater than or equal to 18.").wait_for()
    look()
    person.refresh_from_db()
    assert person.baseline == {}
    researcher.get_by_label("Age in years").fill("47")
    researcher.get_by_role("button", name="Save baseline").click()
    researcher.get_by_text("Baseline characteristics recorded.").wait_for()
    look()

    def shown(term: str) -> str:
        """What the record page shows for ``term`` (its <dd>)."""
        dt = researcher.locator("dt", has=researcher.get_by_text(term, exact=True))
        return dt.locator("xpath=following-sibling::dd[1]").inner_text()

    # The stored answers in words, as the form offered them (not True/False).
    assert [shown(q) for q in table_1] == [a[0].upper() + a[1:] for a in table_1.values()]

    researcher.get_by_role("button", name="Randomize").click()
    researcher.get_by_text("Allocated.").wait_for()
    look()
    allocation = Allocation.objects.get(participant=person)
    assert (allocation.arm, allocation.position, allocation.allocated_by) == (
        "embct",
        COHORT + 1,
        rosa,
    )
    assert (
        f"Main randomization list, position {COHORT + 1}: eMBCT (online) on 2026-03-18"
        in researcher.inner_text("main")
    )
    assert shown("Arm") == "eMBCT (online)"

    # ---- a value entered wrongly is corrected, with a reason, never overwritten -----------
    researcher.get_by_role("link", name="Correct the baseline characteristics").click()
    researcher.get_by_role(
        "heading", name=f"Correct the baseline characteristics: {person.study_id}"
    ).wait_for()
    look()
    children = researcher.get_by_role("group", name="Has children")
    assert children.get_by_label("no", exact=True).is_checked()  # as recorded
    children.get_by_label("yes", exact=True).check()
    researcher.get_by_role("button", name="Correct").click()  # no reason given: refused
    researcher.locator(".error-summary, .error").first.wait_for()
    look()
    person.refresh_from_db()
    assert person.baseline["children"] is False
    researcher.get_by_label("Reason for the correction").select_option(
        label="Differs from the source document"
    )
    researcher.get_by_label("Explanation (no names)").fill("the consent form says two children")
    researcher.get_by_role("button", name="Correct").click()
    researcher.get_by_text("Corrected, with the original value kept.").wait_for()
    look()
    history = researcher.get_by_role("row").filter(has_text="baseline.children")
    assert "Differs from the source document: the consent form says two children" in (
        history.inner_text()
    )
    assert shown("Has children") == "Yes"

    # ---- the clinic links the study id to the patient's account ---------------------------
    clinic = auditor.watch(
        browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB").new_page()
    )
    log_in(clinic, base, "ada", give_demo_code(ada))
    clinic.get_by_role("heading", name="Clinic").wait_for()
    auditor.audit(clinic)
    clinic.get_by_label(f"{person.study_id}: patient account").select_option(
        label=f"Pim Jansen ({PATIENT['username']})"
    )
    clinic.get_by_role("button", name="Link").click()
    clinic.get_by_text(f"{person.study_id} is linked to patient #{profile.pk}.").wait_for()
    auditor.audit(clinic)
    person.refresh_from_db()
    assert person.profile == profile

    # ---- a quarter of an hour later: the export asks for the password again ---------------
    clock.shift(timedelta(minutes=15))
    researcher.get_by_role("link", name="All participants").click()
    researcher.get_by_role("heading", name="Research", exact=True).wait_for()
    look()
    row = researcher.get_by_role("row").filter(has_text=person.study_id)
    cells = row.get_by_role("cell").all_inner_texts()
    assert [c.strip() for c in cells] == [
        person.study_id,
        "",  # no site: the trial is not stratified here
        "yes",
        "yes",
        "eMBCT (online)",
        "eMBCT (online)",
        "",
    ]
    assert PHONE_SHOWN not in researcher.inner_text("main")  # erased at randomization
    researcher.get_by_label("Format").select_option(label="CSV")
    researcher.get_by_role("button", name="Export").click()
    researcher.get_by_role("heading", name="Confirm your password").wait_for()
    look()
    assert not ExportLog.objects.exists()
    researcher.get_by_label("Password").fill("not my password")
    researcher.get_by_role("button", name="Confirm").click()
    researcher.get_by_text("That password is not right.").wait_for()
    look()
    researcher.get_by_label("Password").fill(PASSWORD)
    researcher.get_by_role("button", name="Confirm").click()
    researcher.get_by_role("heading", name="Research", exact=True).wait_for()
    look()
    researcher.get_by_label("Format").select_option(label="CSV")
    with researcher.expect_download() as csv_download:
        researcher.get_by_role("button", name="Export").click()
    download = csv_download.value
    assert download.suggested_filename == "embct-trial.csv"
    csv_path = tmp_path / download.suggested_filename
    download.save_as(csv_path)
    text = csv_path.read_text(encoding="utf-8")
    assert_pseudonymized(text, "the CSV export")
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0])[:5] == ["participant_id", "arm", "tau_first", "site", "therapist_id"]
    ours = [r for r in rows if r["participant_id"] == person.study_id]
    assert len(ours) == 1
    mine = ours[0]
    assert (mine["arm"], mine["tau_first"], mine["therapist_id"]) == ("embct", "0", f"T{tessa.pk}")
    assert (mine["age"], mine["female"], mine["years_since_diagnosis"]) == ("47", "1", "1.5")
    assert [mine[c] for c in item_columns("hads", "pre")] == [
        str(pre_answers[i]) for i in range(1, 15)
    ]
    assert len(rows) == COHORT + 1  # everyone with a treatment arm

    researcher.get_by_label("Format").select_option(label="SPSS .sav")
    with researcher.expect_download() as sav_download:
        researcher.get_by_role("button", name="Export").click()
    sav_path = tmp_path / sav_download.value.suggested_filename
    sav_download.value.save_as(sav_path)
    assert sav_path.name == "embct-trial.sav"
    frame, meta = pyreadstat.read_sav(str(sav_path))
    assert list(frame.columns) == list(rows[0])
    assert frame["participant_id"].tolist() == [r["participant_id"] for r in rows]
    assert meta.column_labels[0] == "Study id"
    assert frame.loc[frame["participant_id"] == person.study_id, "age"].tolist() == [47.0]
    for secret in (PATIENT["username"], PATIENT["last_name"], EMAIL):
        assert secret not in sav_path.read_bytes().decode("latin-1")

    # ---- the live report ------------------------------------------------------------------
    researcher.get_by_role("link", name="Report from the current data").click()
    researcher.get_by_role("heading", name="Report from the current data").wait_for()
    look()
    report = researcher.locator(".embct-report")
    report.get_by_role("heading", name="Live report").wait_for()
    n = len(rows)
    assert f"n = {n}." in researcher.inner_text("main")
    # The report inside the page: no frame of its own, and no scroller of its own height.
    assert researcher.locator("iframe").count() == 0
    document = report.inner_html()
    assert_pseudonymized(document, "the report")
    # Every section of the paper's analyses ran, so the audit covers every table. Clustering
    # (beyond the paper) needs at least 3 therapists; this trial's patients share one.
    start = document.index('<section id="clustering">')
    clustering = document[start : document.index("</section>", start)]
    assert "at least 3 therapists" in clustering
    assert "Skipped:" not in document.replace(clustering, "")
    # In the site's type, not the report's own serif
    font = report.evaluate("node => getComputedStyle(node).fontFamily")
    page_font = researcher.locator("main h1").evaluate("node => getComputedStyle(node).fontFamily")
    assert font == page_font
    assert "Times" not in font
    # look() above audited the page with the report in it (axe, keyboard, zoom, 320 px)

    # ---- what was stored --------------------------------------------------------------------
    person.refresh_from_db()
    assert (person.eligible, person.consent_on, person.site) == (True, TODAY, "")
    assert person.eligibility == {
        c.id: c.kind is trial.CriterionKind.INCLUSION for c in trial.CRITERIA
    }
    assert person.baseline == {
        "female": True,
        "relationship": True,
        "children": True,  # corrected
        "education_high": True,
        "age": 47,
        "diagnosis_breast": True,
        "intent_curative": True,
        "current_treatment": False,
        "psychiatric_diagnosis": False,
        "years_since_diagnosis": 1.5,
    }
    screening.refresh_from_db()
    assert screening.contact == ""
    exports = list(ExportLog.objects.filter(user=rosa).values_list("what", "via", "rows"))
    assert sorted(exports) == [("csv", "web", n), ("report", "web", n), ("sav", "web", n)]
    events = AuditEvent.objects.filter(actor_id=rosa.pk)
    # The allocation made on the page (the seeded cohort's, made by rosa too, have no address).
    allocated = events.exclude(ip=None).get(action="trial.allocation")
    assert allocated.details["study_id"] == person.study_id
    assert allocated.target_id == str(allocation.pk)
    exported = sorted(
        e.details.get("format", "report") for e in events.filter(action="trial.export")
    )
    assert exported == ["csv", "report", "sav"]
