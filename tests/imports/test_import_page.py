"""The administrator's import page: roles, dry run and import, the size limit, the template."""
from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from portal.extensions import db
from store.models import AuditEvent, Citizen, Opening

from .files import HEADER, citizen_row, csv_bytes


def _post(client, auth, data: bytes, *, kind: str = "citizens", mode: str = "dry", name: str = "borgere.csv",
          csrf: bool = True):
    # The page's two forms are prefixed with their kind (distinct ids); "kind" says which was sent.
    form = {"kind": kind, f"{kind}-mode": mode, f"{kind}-file": (io.BytesIO(data), name)}
    if csrf:
        form[f"{kind}-csrf_token"] = auth.csrf_token("/admin/import/")
    return client.post("/admin/import/", data=form, content_type="multipart/form-data")


def test_only_administrators_reach_the_page(app, client, auth, make_user):
    consultant, company = make_user("consultant"), make_user("company")
    for user in (consultant, company):
        auth.login(user.email)
        assert client.get("/admin/import/").status_code == 403
        assert client.post("/admin/import/", data={"kind": "citizens"}).status_code == 403
        assert client.get("/admin/import/skabelon/citizens.xlsx").status_code == 403
        auth.logout()


def test_dry_run_then_import_with_report_links_and_clear_refusals(app, client, auth, make_user):
    admin, consultant = make_user("admin"), make_user("consultant", email="abc@hedensted.dk")
    auth.login(admin.email)
    page = client.get("/admin/import/").get_data(as_text=True)
    assert 'href="/admin/import/"' in page  # the menu entry
    assert "Borgere fra fagsystemet" in page and "Opslag til jobcentrets kampagner" in page
    data = csv_bytes([citizen_row("A1", Virksomhedskonsulent="ABC"), citizen_row("A2", Postnummer="12")])
    dry = _post(client, auth, data)
    html = dry.get_data(as_text=True)
    assert dry.status_code == 200 and "Intet er gemt" in html
    assert "Postnummeret skal være 4 cifre." in html and ">A2<" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 0
    real = _post(client, auth, data, mode="run")
    html = real.get_data(as_text=True)
    assert real.status_code == 200 and "Importen er gennemført" in html
    with app.app_context():
        citizen = db.session.scalar(sa.select(Citizen))
        assert (citizen.external_id, citizen.vk_id) == ("A1", consultant.id)
    assert f'href="/borgere/{citizen.id}"' in html

    bad = _post(client, auth, "Navn;Postnummer\nSøren;8722\n".encode("cp1252"))
    assert bad.status_code == 422 and "UTF-8" in bad.get_data(as_text=True)
    refused = _post(client, auth, csv_bytes([citizen_row("A1")]), csrf=False, mode="run")
    assert refused.status_code == 400 and "Formularen er udløbet" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 1
        # logged like every other refused form (review M 5)
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "csrf_failed", AuditEvent.result == "denied")) == 1

    app.config["IMPORT_MAX_CONTENT_LENGTH"] = 64 * 1024
    rows = [citizen_row(f"A{i}") for i in range(1500)]
    response = _post(client, auth, csv_bytes(rows), mode="run")
    assert response.status_code == 413
    assert "Filen er for stor. Den må højst fylde" in response.get_data(as_text=True)


def test_template_and_openings_campaign_file(app, client, auth, make_user):
    company_user = make_user("company")
    auth.login(make_user("admin").email)
    response = client.get("/admin/import/skabelon/citizens.xlsx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book.worksheets[0][1]][:len(HEADER)] == HEADER
    result = _post(client, auth, response.data, mode="run", name="skabelon.xlsx")
    assert "Importen er gennemført" in result.get_data(as_text=True), result.get_data(as_text=True)
    assert client.get("/admin/import/skabelon/andet.xlsx").status_code == 404
    page = client.get("/admin/import/").get_data(as_text=True)
    assert "Hent skabelonen for borgere" in page and "Hent skabelonen for opslag" in page  # two links, two names

    with app.app_context():
        from store.models import Company
        cvr = db.session.get(Company, company_user.company_id).cvr
    header = ["Eksternt id", "CVR", "Type", "Titel", "Timer mindst", "Timer højst", "Postnummer", "Status"]
    rows = [["K1", cvr, "Småjob", "Lagerhjælp", "5", "10", "8722", "Åben"],
            ["K2", cvr, "Småjob", "Kantine", "5", "40", "8722", ""],
            ["K3", "99999999", "Småjob", "Pakkeri", "5", "10", "8722", ""],
            ["K4", cvr, "Praktikplads", "Lager", "5", "10", "8722", "Aktiv"],
            ["K5", cvr, "Småjob", "Lager", "5", "10", "1234", ""]]
    response = _post(client, auth, csv_bytes(rows, header=header), kind="openings", mode="run", name="k.csv")
    html = response.get_data(as_text=True)
    assert "Et småjob har højst 37 timer" in html and "Ingen aktiv virksomhed" in html
    # A refused choice names what the file may hold (there is no list in a file to pick from).
    assert "»Praktikplads« kendes ikke. Brug en af: Småjob, Virksomhedspraktik" in html
    assert "»Aktiv« kendes ikke. Brug en af: Kladde, Åben" in html
    # a file has no list to pick from: the error names the postcodes (review AT 4)
    assert "Postnummeret kendes ikke i jobcentrets område. Vælg et af disse: 8722 Hedensted, " in html
    assert "viste postnumre" not in html
    with app.app_context():
        opening = db.session.scalar(sa.select(Opening))
        assert (opening.external_id, opening.status, opening.company_id) == ("K1", "open", company_user.company_id)
    again = _post(client, auth, csv_bytes(rows[:1], header=header), kind="openings", mode="run", name="k.csv")
    assert '<td>1</td>' in again.get_data(as_text=True)  # one "Uændret"


def test_a_file_over_the_pages_row_limit_points_to_the_command_and_writes_nothing(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    app.config["IMPORT_WEB_MAX_ROWS"] = 3
    page = client.get("/admin/import/").get_data(as_text=True)
    assert "Højst" in page and " 3 rækker" in page
    response = _post(client, auth, csv_bytes([citizen_row(f"B{i}") for i in range(4)]), mode="run")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "mere end 3 rækker" in html and "flask --app portal import citizens" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 0
    assert _post(client, auth, csv_bytes([citizen_row(f"B{i}") for i in range(3)]), mode="run").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 3


def test_every_id_on_the_page_is_unique_and_each_label_and_hint_points_at_its_own_input(client, auth, make_user):
    import re
    from collections import Counter
    auth.login(make_user("admin").email)
    page = client.get("/admin/import/").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for kind in ("citizens", "openings"):
        form = page.split(f'data-testid="import-{kind}"')[1].split("</form>")[0]
        assert f'<label class="form-label" for="{kind}-file">' in form
        assert re.search(rf'<input[^>]*aria-describedby="{kind}-file-hint"[^>]*id="{kind}-file"', form) or \
            re.search(rf'<input[^>]*id="{kind}-file"[^>]*aria-describedby="{kind}-file-hint"', form)
        assert f'id="{kind}-file-hint"' in form


def test_the_page_warns_that_the_file_replaces_portal_edits_and_the_dry_run_shows_each(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    page = client.get("/admin/import/").get_data(as_text=True)
    warning = page.split('data-testid="import-overwrites"')[1].split("</div></div>")[0]
    assert "erstatter filens værdier portalens i hver kolonne" in warning
    assert "Kørekort, Telefon og E-mail tømmes" in warning and "beholder portalens værdi" in warning
    assert _post(client, auth, csv_bytes([citizen_row("P1")]), mode="run").status_code == 200
    with app.app_context():
        citizen = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == "P1"))
        from store.models import JobGoal
        citizen.hours_available = 20
        citizen.job_goals.append(JobGoal(title="Truckfører", position=2))
        db.session.commit()
        citizen_id = citizen.id
    dry = _post(client, auth, csv_bytes([citizen_row("P1"), citizen_row("P2")])).get_data(as_text=True)
    listing = dry.split('data-testid="import-links"')[1].split("</table>")[0]
    assert "Sådan ændres rækkerne" in dry
    assert f'<a href="/borgere/{citizen_id}">P1</a>' in listing and "Opdateres" in listing
    assert "<strong>Timer pr. uge:</strong> 20 → 7,5" in listing
    assert "(fjernes: Truckfører)" in listing
    assert "<td>P2</td>" in listing and "Oprettes" in listing  # created in a dry run: no id to link to
    with app.app_context():
        assert db.session.get(Citizen, citizen_id).hours_available == 20


def test_a_health_word_jobmal_of_an_existing_citizen_links_to_its_jobmal_page(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    title = "Lagerarbejde pga. dårlig ryg"
    html = _post(client, auth, csv_bytes([citizen_row("Q1", **{"Jobmål": title})])).get_data(as_text=True)
    assert "Borgeren findes ikke i portalen endnu" in html and 'data-testid="problem-goals-link"' not in html
    _post(client, auth, csv_bytes([citizen_row("Q1")]), mode="run")
    with app.app_context():
        citizen_id = db.session.scalar(sa.select(Citizen.id).where(Citizen.external_id == "Q1"))
    html = _post(client, auth, csv_bytes([citizen_row("Q1", **{"Jobmål": title})])).get_data(as_text=True)
    assert f'<a href="/borgere/{citizen_id}/jobmaal" data-testid="problem-goals-link">' in html
