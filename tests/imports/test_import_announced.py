"""What a run on the import page did is read out (review BM 2a): a refused file's box and a refusal of
the upload as such carry ``data-jobbro-form-error`` (jobbro.js focuses it and starts the title with
»Fejl:«); a report otherwise marks its heading ``data-jobbro-outcome`` (focused, no »Fejl:«). The
browser side is in tests/e2e/test_announced_messages.py."""
from __future__ import annotations

import lxml.html

from .files import citizen_row, csv_bytes
from .test_import_page import _post


def _tree(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def test_a_refused_file_marks_its_box_as_the_refusal(client, auth, make_user):
    auth.login(make_user("admin").email)
    response = _post(client, auth, "navn;foo\nHans;1\n".encode())
    assert response.status_code == 422
    tree = _tree(response)
    (box,) = tree.xpath("//main//*[@data-jobbro-form-error]")
    assert "Filen er afvist. Intet er gemt." in box.text_content() and box.get("role") == "alert"
    assert box.xpath("ancestor::section[@data-testid='import-report']")


def test_a_dry_run_marks_its_report_heading_and_no_refusal(client, auth, make_user):
    auth.login(make_user("admin").email)
    for mode, heading in (("dry", "Tørkørsel af borgere.csv"), ("run", "Import af borgere.csv")):
        response = _post(client, auth, csv_bytes([citizen_row("A1")]), mode=mode)
        assert response.status_code == 200
        tree = _tree(response)
        (outcome,) = tree.xpath("//main//*[@data-jobbro-outcome]")
        assert outcome.tag == "h2" and outcome.text_content().strip() == heading
        assert not tree.xpath("//*[@data-jobbro-form-error]")


def test_an_upload_refused_as_such_is_marked(client, auth, make_user):
    auth.login(make_user("admin").email)
    response = client.post("/admin/import/", data={"kind": "nothing", "csrf_token": auth.csrf_token("/admin/import/")})
    assert response.status_code == 400
    (box,) = _tree(response).xpath("//main//*[@data-jobbro-form-error]")
    assert "Ukendt type import" in box.text_content()


def test_the_page_before_a_run_marks_nothing(client, auth, make_user):
    auth.login(make_user("admin").email)
    tree = lxml.html.fromstring(client.get("/admin/import/").get_data(as_text=True))
    assert not tree.xpath("//*[@data-jobbro-form-error] | //*[@data-jobbro-outcome]")
