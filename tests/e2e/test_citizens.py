"""A consultant brings a citizen's matching data up to date in the browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, user_factory
from tests.e2e.helpers import settled
from tests.portal.citizen_fixtures import make_citizen

pytestmark = pytest.mark.e2e


def login(page, email: str) -> None:
    page.goto("/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_test_id("start-page").wait_for()


def test_consultant_adds_a_job_goal_and_a_cv_and_sees_indexing_pending(page, live_app, password_hash, tmp_path):
    live_app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    consultant = user_factory(live_app, password_hash)("consultant")
    citizen_id = make_citizen(live_app, name="Jonas Kjær", vk_id=consultant.id, cv_text=None)
    login(page, consultant.email)

    page.get_by_role("link", name="Borgere", exact=True).click()  # the menu, not the caseload figure
    row = page.get_by_test_id("citizen-row").filter(has_text="Jonas Kjær")
    assert "CV" in row.get_by_test_id("missing").inner_text()
    row.get_by_role("link", name="Jonas Kjær").click()
    assert page.get_by_test_id("citizen-name").inner_text() == "Jonas Kjær"
    assert "Opdateret i matchingen" in page.get_by_test_id("indexing-state").inner_text()

    page.get_by_role("link", name="Ret jobmål").click()
    page.get_by_label("Nyt jobmål").fill("Chauffør")
    page.get_by_role("button", name="Tilføj jobmål").click()
    page.get_by_text("Jobmålet er tilføjet.").wait_for()
    settled(page)  # every goal row is there, not only those parsed so far
    assert page.get_by_test_id("job-goal").all_inner_texts()[-1].startswith("2\tChauffør")

    page.get_by_role("link", name="CV", exact=True).click()
    cv_file = tmp_path / "cv.txt"
    cv_file.write_text("Chauffør med kørekort C/E og ti års erfaring i distribution.", encoding="utf-8")
    page.get_by_label(re.compile("CV-fil")).set_input_files(str(cv_file))
    page.get_by_role("button", name="Upload CV").click()

    page.get_by_text("CV'et er gemt.").wait_for()
    assert page.url.endswith(f"/borgere/{citizen_id}")
    assert "Afventer indeksering" in page.get_by_test_id("indexing-state").inner_text()
    assert "kørekort C/E" in page.get_by_test_id("cv-excerpt").inner_text()
    assert "cv.txt" in page.get_by_test_id("cv-source").inner_text()
    assert "kan matches" in page.get_by_test_id("matchable").inner_text()


@pytest.mark.parametrize("name, content, status", [
    ("cv.pdf", b"%PDF-1.4\n1 0 obj\n<< garbage", 400),  # refused after reading: the text came along
    ("stor.pdf", b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024), 413),  # refused unread: the tab kept it
])
def test_a_refused_cv_file_leaves_the_typed_cv_text_in_place(page, live_app, password_hash, tmp_path,
                                                              name, content, status):
    """Text typed, then a file tried instead and refused: the text is still there (review J 3, K 2)."""
    live_app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    consultant = user_factory(live_app, password_hash)("consultant")
    citizen_id = make_citizen(live_app, name="Jonas Kjær", vk_id=consultant.id, cv_text=None)
    login(page, consultant.email)
    page.goto(f"/borgere/{citizen_id}/cv")
    typed = "Lagermedarbejder i fem år med truckkort, pluk og pak og varemodtagelse."
    page.get_by_label("CV som tekst").fill(typed)
    big = tmp_path / name
    big.write_bytes(content)
    page.get_by_label(re.compile("CV-fil")).set_input_files(str(big))
    with page.expect_response(lambda r: r.url.endswith("/cv/fil")) as answer:
        page.get_by_role("button", name="Upload CV").click()
    assert answer.value.status == status
    page.locator(".form-error-message").first.wait_for()
    expect(page.get_by_label("CV som tekst")).to_have_value(typed)  # put back by a deferred script
    page.goto(f"/borgere/{citizen_id}")  # another page: the tab keeps nothing typed
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('jobbro-carry:'))") == []
