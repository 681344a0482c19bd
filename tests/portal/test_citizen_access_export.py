"""Udtræk til indsigt (GDPR art. 15, review AU 1): /admin/indsigt/<id> gathers everything the
portal holds about one citizen, for administrators only, after a fresh login, audited first."""
from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.consents import CONSENT_TEXT_VERSION
from store.models import (AuditEvent, Citizen, Consent, CvDocument, HotlineMessage, HotlineRequest, HoursLog,
                          Interview, JobGoal, Opening, Placement, PlacementEvent, Proposal, ProposalDisclosure)
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")

# One unique marker per kind of data: each must be in the export.
MARKERS = {
    "profil": "Zelmira Quorndahl", "jobmaal": "Jobmaal-Ravioli-Kok", "cv_old": "Gammel-CV-Pindsvin",
    "cv_new": "Nyt-CV-Grævling", "skaanehensyn": "Skaane-Tekst-Omhu", "begrundelse": "Begrundelse-Kvist",
    "note": "Virksomhed-Note-Lyng", "profile": "Erfaring-Profil-Hvede", "interview": "Samtale-Sted-Birk",
    "hours": "37,5", "event": "Opfoelgning-Notat-Hassel", "hotline": "Hotline-Emne-Tjoern",
    "message": "Hotline-Besked-Kastanje", "audit": "borgerens side",
}
SAVED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
# When the portal began to follow the consent's text here (deployment_fact, migration 0041): the
# demo's, the commit time of the rule.
RULE_FROM = datetime(2026, 12, 6, 19, 17, 30, tzinfo=timezone.utc)


def _set_rule_from(app, moment: datetime | None) -> None:
    """This deployment's ``consent_scope_rule_from`` (None: no row, as on a database not migrated)."""
    from store.models import DeploymentFact
    from store.models.deployment import CONSENT_SCOPE_RULE_FROM

    with app.app_context():
        db.session.execute(sa.delete(DeploymentFact))
        if moment is not None:
            db.session.add(DeploymentFact(name=CONSENT_SCOPE_RULE_FROM, at=moment))
        db.session.commit()


@pytest.fixture(autouse=True)
def _rule_from(app):
    _set_rule_from(app, RULE_FROM)


@pytest.fixture
def admin(make_user):
    return make_user("admin", email="admin@jc.dk")


@pytest.fixture
def world(app, make_user):
    consultant = make_user("consultant")
    company = make_user("company")
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abc123.txt").write_bytes(b"Fil-indhold-Oter " * 3)
    with app.app_context():
        citizen = Citizen(name=MARKERS["profil"], phone="12 34 56 78", email="zq@example.com", postcode="8722",
                          benefit_group="kontanthjaelp", readiness_group="i_gang", case_start=date(2026, 1, 5),
                          prior_company_placement_end=date(2025, 10, 31), hours_available=20, vk_id=consultant.id, limitation_flags=["no_heavy_lifting"],
                          limitations_text=MARKERS["skaanehensyn"])
        citizen.job_goals = [JobGoal(title=MARKERS["jobmaal"], position=0)]
        citizen.cv_documents = [
            CvDocument(text=MARKERS["cv_old"] + " erfaring fra køkken", content_type="txt", original_filename="gammel.txt",
                       stored_name="abc123.txt", created_at=SAVED),
            CvDocument(text=MARKERS["cv_new"] + " erfaring fra køkken", content_type="txt", created_at=SAVED + timedelta(days=3))]
        opening = Opening(company_id=company.company_id, kind="virksomhedspraktik", title="Praktik i kantinen",
                          hours_min=10, hours_max=20, postcode="7130", status="open")
        db.session.add_all([citizen, opening])
        db.session.flush()
        proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="disclosed", decided_by_id=consultant.id,
                            decided_at=SAVED, decision_reason=MARKERS["begrundelse"], shared_goal="Kok",
                            shared_profile={"experience": MARKERS["profile"], "phone": "12 34 56 78"},
                            company_response="interested", company_response_note=MARKERS["note"],
                            company_responded_at=SAVED + timedelta(days=5), disclosed_at=SAVED + timedelta(days=4))
        db.session.add(proposal)
        db.session.flush()
        db.session.add_all([
            ProposalDisclosure(proposal_id=proposal.id, disclosed_at=SAVED + timedelta(days=1)),
            Consent(proposal_id=proposal.id, text_version=CONSENT_TEXT_VERSION, channel="telefon", given_at=SAVED + timedelta(days=4),
                    deadline=TODAY + timedelta(days=60), recorded_by_id=consultant.id),
            Interview(proposal_id=proposal.id, starts_at=SAVED + timedelta(days=8), location=MARKERS["interview"],
                      offered_by="company", offered_by_id=company.id, status="booked", uid=f"{uuid.uuid4()}@jobbro")])
        placement = Placement(citizen_id=citizen.id, opening_id=opening.id, company_id=company.company_id,
                              kind="virksomhedspraktik", start_date=date(2026, 4, 1), weekly_hours=15)
        placement.hours = [HoursLog(month=date(2026, 4, 1), hours=Decimal("37.5"), logged_by_id=company.id)]
        placement.events = [PlacementEvent(kind="followup", note=MARKERS["event"], user_id=consultant.id)]
        db.session.add(placement)
        db.session.flush()
        request = HotlineRequest(company_id=company.company_id, placement_id=placement.id, category="fravaer",
                                 urgency="normal", subject=MARKERS["hotline"], created_by_id=company.id,
                                 due_at=SAVED + timedelta(days=10))
        request.messages = [HotlineMessage(author_id=company.id, body=MARKERS["message"])]
        db.session.add(request)
        db.session.add(AuditEvent(action="read_citizen", citizen_id=citizen.id, purpose="citizen_page",
                                  user_id=consultant.id, role="consultant", organisation="jobcenter", result="ok", ip=""))
        db.session.commit()
        return {"citizen": citizen.id, "consultant": consultant, "company": company, "cv_old": citizen.cv_documents[0].id}


REFERENCE = "J.nr. 27.10.00-G01-7-26"  # the request for access, as the administrator types it (review AZ 3)


def _export(client, citizen_id: int, suffix: str = "", reference: str = REFERENCE):
    """The export as the form posts it, with the request's reference (a plain GET shows the form only)."""
    page = client.get(f"/admin/indsigt/{citizen_id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(f"/admin/indsigt/{citizen_id}{suffix}", data={"csrf_token": csrf, "reference": reference})


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_the_page_has_every_section_with_the_citizens_data(app, client, auth, admin, world):
    auth.login(admin.email)
    response = _export(client, world['citizen'])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    sections = {key: html.split(f'data-testid="access-section-{key}"')[1].split("</section>")[0]
                for key in ("profil", "jobmaal", "cv", "skaanehensyn", "forslag", "delt", "forloeb", "hotline",
                            "adgangslog", "opbevaring", "formaal")}
    assert MARKERS["profil"] in sections["profil"] and "12 34 56 78" in sections["profil"]
    assert "Kontanthjælp" in sections["profil"] or "kontanthjælp" in sections["profil"].lower()
    assert MARKERS["jobmaal"] in sections["jobmaal"]
    assert MARKERS["cv_old"] in sections["cv"] and MARKERS["cv_new"] in sections["cv"]  # every version
    assert "Nuværende CV" in sections["cv"] and "Erstattet af et nyere CV" in sections["cv"]
    assert MARKERS["skaanehensyn"] in sections["skaanehensyn"] and "Ingen tunge løft" in sections["skaanehensyn"]
    for marker in ("begrundelse", "note", "profile", "interview"):
        assert MARKERS[marker] in sections["forslag"], marker
    assert CONSENT_TEXT_VERSION in sections["forslag"] and "Telefon" in sections["forslag"]  # the consent and its channel
    assert "Interesseret" in sections["forslag"]
    # what the company got and when: both times the name was shared
    assert "Firma" in sections["delt"] and "03.03.2026" in sections["delt"] and "06.03.2026" in sections["delt"]
    assert "telefon" in sections["delt"]
    assert MARKERS["event"] in sections["forloeb"] and MARKERS["hours"] in sections["forloeb"]
    assert MARKERS["hotline"] in sections["hotline"] and MARKERS["message"] in sections["hotline"]
    assert "Borger læst" in sections["adgangslog"] and MARKERS["audit"] in sections["adgangslog"]
    assert "citizen_page" not in sections["adgangslog"]  # purposes in Danish
    assert "5 år efter" in sections["opbevaring"]
    assert "men ikke et ordinært job eller fleksjob" in sections["opbevaring"]  # review Extra B
    assert "Firma" in sections["formaal"] and "artikel 6" in sections["formaal"]


def test_the_json_and_zip_hold_the_same_data_and_the_cv_files(app, client, auth, admin, world):
    auth.login(admin.email)
    response = _export(client, world['citizen'], ".json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store" and "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert document["profil"]["indhold"]["Navn"] == MARKERS["profil"]
    assert document["profil"]["indhold"]["Seneste virksomhedsrettede forløb før Jobbro (slutdato)"] == "2025-10-31"
    assert [cv["CV nr."] for cv in document["cv"]["indhold"]][0] == world["cv_old"]
    assert document["forslag"]["indhold"][0]["Begrundelse"] == MARKERS["begrundelse"]
    assert document["forloeb"]["indhold"][0]["Timer"][0]["Timer"] == 37.5
    archive = zipfile.ZipFile(io.BytesIO(_export(client, world['citizen'], ".zip").data))
    assert sorted(archive.namelist()) == ["cv/%d-gammel.txt" % world["cv_old"], "indsigt.json"]
    assert b"Fil-indhold-Oter" in archive.read("cv/%d-gammel.txt" % world["cv_old"])
    assert json.loads(archive.read("indsigt.json"))["hotline"]["indhold"][0]["Emne"] == MARKERS["hotline"]
    # Each file is tied to its request: the reference is in »Om udtrækket« (review BE 4).
    assert document["om"]["indhold"]["Anmodningens reference"] == REFERENCE
    assert json.loads(archive.read("indsigt.json"))["om"]["indhold"]["Anmodningens reference"] == REFERENCE


def test_the_zip_names_the_cv_files_as_the_cv_page_downloads_them(app, client, auth, admin, world):
    """Review AV 5 in the art. 15 ZIP: Danish letters kept (UTF-8 names), no directories, the
    checked type's extension (uploads.download_name), not secure_filename's »Sren_r_CV.pdf«."""
    folder = Path(app.config["UPLOAD_FOLDER"])
    (folder / "def456.txt").write_bytes(b"Fil-indhold-Aal")
    (folder / "ghi789.txt").write_bytes(b"Fil-indhold-Ulk")
    with app.app_context():
        danish = CvDocument(citizen_id=world["citizen"], text="x", content_type="txt",
                            original_filename="Søren  Ærø CV.pdf", stored_name="def456.txt")
        sneaky = CvDocument(citizen_id=world["citizen"], text="y", content_type="txt",
                            original_filename="..\\..\\Åse: CV?", stored_name="ghi789.txt")
        db.session.add_all([danish, sneaky])
        db.session.commit()
        danish_id, sneaky_id = danish.id, sneaky.id
    auth.login(admin.email)
    archive = zipfile.ZipFile(io.BytesIO(_export(client, world['citizen'], ".zip").data))
    assert sorted(archive.namelist()) == sorted([f"cv/{world['cv_old']}-gammel.txt", f"cv/{danish_id}-Søren Ærø CV.txt",
                                                 f"cv/{sneaky_id}-Åse CV.txt", "indsigt.json"])
    assert archive.read(f"cv/{danish_id}-Søren Ærø CV.txt") == b"Fil-indhold-Aal"
    assert archive.getinfo(f"cv/{sneaky_id}-Åse CV.txt").flag_bits & 0x800  # the name is UTF-8 for every unzip


def test_each_export_is_audited_with_the_skaanehensyn_read(app, client, auth, admin, world):
    auth.login(admin.email)
    for suffix in ("", ".json", ".zip"):
        assert _export(client, world["citizen"], suffix).status_code == 200
    exports = _events(app, "citizen_access_export")
    assert [(e.purpose, e.citizen_id, e.user_id) for e in exports] == [
        (how, world["citizen"], admin.id) for how in ("html", "json", "zip")]
    glass = _events(app, "read_limitations")
    assert [e.purpose for e in glass] == [f"break-glass: indsigt efter art. 15, reference: {REFERENCE}"] * 3
    # the log's viewer reads them in Danish
    html = client.get(f"/admin/adgangslog?borger={world['citizen']}").get_data(as_text=True)
    assert "Udtræk til indsigt (art. 15)" in html and "hentet som ZIP-fil med CV-filer" in html


def test_nothing_is_shown_when_the_export_cannot_be_logged(app, client, auth, admin, world, monkeypatch):
    auth.login(admin.email)

    def broken(*_args, **_kwargs):
        raise audit.AuditWriteError("audit log write failed")

    monkeypatch.setattr(audit, "record_many_now", broken)
    for suffix in ("", ".json", ".zip"):
        response = _export(client, world["citizen"], suffix)
        assert response.status_code == 503 and MARKERS["profil"].encode() not in response.data


@pytest.mark.parametrize("role", ["consultant", "company"])
def test_only_administrators_make_the_export(app, client, auth, make_user, world, role):
    """The citizen's own VK included: the answer holds the access log and the skånehensyn, and
    answering a request for access is the controller's task (administrators and the DPO)."""
    user = world["consultant"] if role == "consultant" else world["company"]
    auth.login(user.email)
    csrf = auth.csrf_token("/borgere/")
    for suffix in ("", ".json", ".zip"):
        response = client.get(f"/admin/indsigt/{world['citizen']}{suffix}")
        assert response.status_code == 403 and MARKERS["profil"].encode() not in response.data
        response = client.post(f"/admin/indsigt/{world['citizen']}{suffix}", data={"csrf_token": csrf,
                                                                                    "reference": REFERENCE})
        assert response.status_code == 403 and MARKERS["profil"].encode() not in response.data
    assert not _events(app, "citizen_access_export")
    assert 'data-testid="access-export-link"' not in client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)


@pytest.mark.parametrize("suffix", ["", ".json", ".zip"])
def test_a_stale_login_confirms_the_password_first(app, client, auth, admin, world, suffix):
    auth.login(admin.email)
    csrf = auth.csrf_token("/admin/users")
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = client.post(f"/admin/indsigt/{world['citizen']}{suffix}", data={"csrf_token": csrf,
                                                                                "reference": REFERENCE})
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    assert not _events(app, "citizen_access_export")


def test_unknown_and_anonymised_citizens_are_404(app, client, auth, admin, world):
    auth.login(admin.email)
    assert client.get("/admin/indsigt/999999").status_code == 404
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).anonymised_at = datetime.now(timezone.utc)
        db.session.commit()
    assert client.get(f"/admin/indsigt/{world['citizen']}").status_code == 404


def test_the_citizen_page_and_the_access_log_lead_to_the_export(app, client, auth, admin, world):
    auth.login(admin.email)
    page = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    assert f'href="/admin/indsigt/{world["citizen"]}" data-testid="access-export-link">Indsigt (art. 15)</a>' in page
    log = client.get(f"/admin/adgangslog?borger={world['citizen']}").get_data(as_text=True)
    assert f'href="/admin/indsigt/{world["citizen"]}" data-testid="audit-access-export"' in log


def test_a_citizen_with_nothing_yet_still_gets_every_section(app, client, auth, admin):
    with app.app_context():
        citizen = Citizen(name="Tom Tomsen", postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                          case_start=date(2026, 1, 5))
        db.session.add(citizen)
        db.session.commit()
        citizen_id = citizen.id
    auth.login(admin.email)
    html = _export(client, citizen_id).get_data(as_text=True)
    assert html.count('data-testid="access-section-') == 13 and "Ingen." in html


def test_plain_records_are_tables_and_a_restriction_shows_as_not_seen(app, client, auth, admin, world):
    """The access log's rows read as a table; a restricted citizen's name is hidden from every
    company, so »Ser virksomheden det nu« says no although the consent is in force."""
    auth.login(admin.email)
    html = _export(client, world['citizen']).get_data(as_text=True)
    log = html.split('data-testid="access-section-adgangslog"')[1].split("</section>")[0]
    assert "<table" in log and '<th scope="col">Formål og detaljer</th>' in log
    shared = html.split('data-testid="access-section-delt"')[1].split("</section>")[0]
    assert "<dt>Ser virksomheden det nu</dt><dd><span class=\"jobbro-wrap jobbro-access-text\">Ja</span>" in shared
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).restricted = True
        db.session.commit()
    html = _export(client, world['citizen']).get_data(as_text=True)
    shared = html.split('data-testid="access-section-delt"')[1].split("</section>")[0]
    assert "<dt>Ser virksomheden det nu</dt><dd><span class=\"jobbro-wrap jobbro-access-text\">Nej</span>" in shared


def test_a_success_story_about_the_placement_is_in_the_export(app, client, auth, admin, world):
    from store.models import SuccessStory

    with app.app_context():
        placement = db.session.scalars(sa.select(Placement).where(Placement.citizen_id == world["citizen"])).one()
        db.session.add(SuccessStory(title="Fra praktik til job", text="Historie-Tekst-Egern", company_id=placement.company_id,
                                    placement_id=placement.id, kind="virksomhedspraktik", status="published",
                                    author_id=world["consultant"].id, consent_confirmed=True))
        db.session.commit()
    auth.login(admin.email)
    html = _export(client, world['citizen']).get_data(as_text=True)
    section = html.split('data-testid="access-section-forloeb"')[1].split("</section>")[0]
    assert "Historie-Tekst-Egern" in section and "Offentliggjort" in section


def test_a_hotline_request_without_a_placement_that_names_the_citizen_is_in_the_export(app, client, auth, admin, world):
    """Review AW 3: erasure blanks such a request as the citizen's (privacy.naming_requests), so the
    access answer holds it too, marked »Nævner borgeren«; one that does not name the citizen is left out."""
    company = world["company"]
    with app.app_context():
        for subject, body in (("Spørgsmål om en kandidat", "Kan hun starte tidligere? Ring 12 34 56 78."),
                              ("Spørgsmål om fakturaen", "Hvornår kommer den?")):
            request = HotlineRequest(company_id=company.company_id, placement_id=None, category="andet",
                                     urgency="normal", subject=subject, created_by_id=company.id,
                                     due_at=SAVED + timedelta(days=10))
            request.messages = [HotlineMessage(author_id=company.id, body=body)]
            db.session.add(request)
        db.session.commit()
    auth.login(admin.email)
    rows = json.loads(_export(client, world['citizen'], ".json").get_data(as_text=True))["hotline"]["indhold"]
    assert [(row["Emne"], row["Om borgeren"], row["Forløb nr."] is None) for row in rows] == [
        (MARKERS["hotline"], "Om borgerens forløb", False), ("Spørgsmål om en kandidat", "Nævner borgeren", True)]
    html = _export(client, world['citizen']).get_data(as_text=True)
    section = html.split('data-testid="access-section-hotline"')[1].split("</section>")[0]
    assert "Ring 12 34 56 78." in section and "Nævner borgeren" in section and "fakturaen" not in section


def test_what_the_company_got_stays_listed_after_the_consent_is_withdrawn(app, client, auth, admin, world):
    """The withdrawal clears the shared copy; the contact details the company got are kept as field
    names (Proposal.shared_contacts, migration 0036) and still listed among the recipients (art.
    15(1)(c)); a name shared before they were kept says that it is not known."""
    from portal import proposals
    from store.models import User

    with app.app_context():
        proposal = db.session.scalars(sa.select(Proposal)).one()
        proposals.withdraw(proposal, db.session.get(User, world["consultant"].id))
        assert proposal.shared_profile == {"experience": MARKERS["profile"]}
    auth.login(admin.email)

    def shared() -> dict:
        document = json.loads(_export(client, world['citizen'], ".json").get_data(as_text=True))
        [row] = document["delt"]["indhold"]
        return row

    row = shared()
    assert row["Hvad"] == "Navn, profil, telefon" and "Kontaktoplysninger" not in row
    assert row["Ser virksomheden det nu"] == "Nej"
    with app.app_context():
        db.session.scalars(sa.select(Proposal)).one().shared_contacts = None  # as 0036 leaves an unknown one
        db.session.commit()
    row = shared()
    assert row["Hvad"] == "Navn, profil"
    assert row["Kontaktoplysninger"].startswith("Ikke registreret: navnet blev delt, før jobcentret registrerede")


# --- review AZ 3: the request's reference first, as the purpose of the read ------------------------

def test_a_plain_get_shows_only_the_form_asking_for_the_reference(app, client, auth, admin, world):
    auth.login(admin.email)
    page = client.get(f"/admin/indsigt/{world['citizen']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="access-request-form"' in html
    assert "Anmodningens reference" in html and 'method="post"' in html
    for marker in (MARKERS["profil"], MARKERS["skaanehensyn"], MARKERS["jobmaal"]):
        assert marker not in html
    for suffix in (".json", ".zip"):  # a link to a file only leads to the form
        response = client.get(f"/admin/indsigt/{world['citizen']}{suffix}")
        assert response.status_code == 302 and response.headers["Location"] == f"/admin/indsigt/{world['citizen']}"
    assert not _events(app, "citizen_access_export") and not _events(app, "read_limitations")


@pytest.mark.parametrize("reference", ["", "  ", "cpr 010190-1234", MARKERS["profil"], "x" * 200])
@pytest.mark.parametrize("suffix", ["", ".json", ".zip"])
def test_without_a_reference_the_log_may_keep_nothing_is_read(app, client, auth, admin, world, reference, suffix):
    auth.login(admin.email)
    response = _export(client, world["citizen"], suffix, reference=reference)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="reference-error"' in html
    assert MARKERS["skaanehensyn"] not in html and response.mimetype == "text/html"
    assert not _events(app, "citizen_access_export") and not _events(app, "read_limitations")


def test_a_post_without_csrf_reads_nothing(app, client, auth, admin, world):
    auth.login(admin.email)
    response = client.post(f"/admin/indsigt/{world['citizen']}", data={"reference": REFERENCE})
    assert response.status_code == 400 and MARKERS["skaanehensyn"].encode() not in response.data
    assert not _events(app, "citizen_access_export")


def test_the_page_names_the_reference_and_its_downloads_post_it_again(app, client, auth, admin, world):
    auth.login(admin.email)
    html = _export(client, world["citizen"]).get_data(as_text=True)
    assert f'data-testid="access-reference">Anmodningens reference: {REFERENCE}<' in html
    downloads = html.split('data-testid="access-downloads"')[1].split("</div>")[0]
    assert f'<input type="hidden" name="reference" value="{REFERENCE}">' in downloads
    assert f'action="/admin/indsigt/{world["citizen"]}.json"' in downloads
    assert f'formaction="/admin/indsigt/{world["citizen"]}.zip"' in downloads
    log = client.get(f"/admin/adgangslog?borger={world['citizen']}").get_data(as_text=True)
    assert f"nødadgang: indsigt efter art. 15, reference: {REFERENCE}" in log


# --- art. 15(1)(c): every company that was given the data, also after a withdrawal or an end -------

def _second_proposal(app, world, title: str = "Lagermedarbejder") -> int:
    """An approved proposal on another opening of the world's company (no consent yet)."""
    with app.app_context():
        opening = Opening(company_id=world["company"].company_id, kind="virksomhedspraktik", title=title,
                          hours_min=10, hours_max=20, postcode="7130", status="open")
        db.session.add(opening)
        db.session.flush()
        proposal = Proposal(citizen_id=world["citizen"], opening_id=opening.id, status="approved",
                            decided_by_id=world["consultant"].id, decided_at=SAVED)
        db.session.add(proposal)
        db.session.commit()
        return proposal.id


def _share(app, world, proposal_id: int, *, disclose: bool = True, deadline: date = TODAY + timedelta(days=30),
           **choices) -> None:
    """The consultant records the citizen's consent with ``choices`` and (``disclose``) shares the name."""
    from portal import proposals
    from store.models import User

    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        consultant = db.session.get(User, world["consultant"].id)
        proposals.record_consent(proposal, consultant, channel="telefon", deadline=deadline, **choices)
        if disclose:
            proposals.disclose(proposal, consultant)


def _delt(client, citizen_id: int, opening_title: str) -> dict:
    document = json.loads(_export(client, citizen_id, ".json").get_data(as_text=True))
    rows = [row for row in document["delt"]["indhold"] if row["Opslag"].startswith(opening_title)]
    return rows[0] if rows else None


def test_a_withdrawn_cv_share_stays_listed_with_when_it_was_given_and_withdrawn(app, client, auth, admin, world):
    """Leftover: the withdrawal clears Proposal.share_cv, and the export forgot that the company had
    been given the CV. It lists each time the name was shown, what came with it (the consent's
    choices, from its audit event) and how it ended, on the page and in the files."""
    from portal import proposals
    from store.models import User
    from tests.clock import travel

    proposal_id = _second_proposal(app, world)
    with travel(TODAY - timedelta(days=10)):
        _share(app, world, proposal_id, share_phone=True, share_cv=True)
    with app.app_context():  # the company downloads the CV
        opening_id = db.session.get(Proposal, proposal_id).opening_id
        db.session.add(AuditEvent(action="cv_downloaded", citizen_id=world["citizen"], opening_id=opening_id,
                                  purpose="company: shared CV", user_id=world["company"].id, role="company",
                                  organisation="Firma", result="ok", ip="", at=SAVED + timedelta(days=200)))
        db.session.commit()
    with travel(TODAY - timedelta(days=3)):
        with app.app_context():
            proposals.withdraw(db.session.get(Proposal, proposal_id), db.session.get(User, world["consultant"].id))
    with app.app_context():
        current_cv = db.session.scalars(sa.select(CvDocument.id).where(CvDocument.citizen_id == world["citizen"])
                                        .order_by(CvDocument.id.desc())).first()
    auth.login(admin.email)
    row = _delt(client, world["citizen"], "Lagermedarbejder")
    assert row["Hvad"] == f"Navn, telefon, CV nr. {current_cv} (teksten uden private oplysninger)"
    [period] = row["Delt i perioder"]
    assert period["Fra"].startswith((TODAY - timedelta(days=10)).isoformat())
    assert period["Til"].startswith((TODAY - timedelta(days=3)).isoformat())
    assert period["Sluttede"] == "Borgeren trak samtykket tilbage"
    assert period["Kontaktoplysninger"] == "Telefon"
    assert period["CV"] == f"CV nr. {current_cv} (teksten uden private oplysninger)"
    assert row["CV hentet af virksomheden"] == [(SAVED + timedelta(days=200)).isoformat()]
    assert row["Ser virksomheden det nu"] == "Nej"
    # the CV section names the company among those that got the version
    document = json.loads(_export(client, world["citizen"], ".json").get_data(as_text=True))
    [version] = [cv for cv in document["cv"]["indhold"] if cv["CV nr."] == current_cv]
    with app.app_context():
        company = db.session.get(Opening, opening_id).company.name
    assert version["Virksomheder, der har fået denne version"] == [company]
    # the consent's own choices are kept with it
    [consent] = [p for p in document["forslag"]["indhold"] if p["Opslag"].startswith("Lagermedarbejder")][0]["Samtykker"]
    assert consent["Borgeren sagde ja til at dele"] == "Navn, telefon, CV" and consent["Trukket tilbage"]
    # the page says the same
    html = _export(client, world["citizen"]).get_data(as_text=True)
    section = html.split('data-testid="access-section-delt"')[1].split("</section>")[0]
    assert f"CV nr. {current_cv} (teksten uden private oplysninger)" in section
    assert "Borgeren trak samtykket tilbage" in section and (TODAY - timedelta(days=3)).strftime("%d.%m.%Y") in section
    assert '<th scope="col">Sluttede</th>' in section  # each time shown reads as a table row
    # and the ZIP's JSON
    archive = zipfile.ZipFile(io.BytesIO(_export(client, world["citizen"], ".zip").data))
    zipped = [r for r in json.loads(archive.read("indsigt.json"))["delt"]["indhold"]
              if r["Opslag"].startswith("Lagermedarbejder")][0]
    assert zipped["Delt i perioder"] == row["Delt i perioder"] and zipped["Hvad"] == row["Hvad"]


def test_an_ended_proposal_keeps_its_shares_and_a_renewed_round_adds_its_own(app, client, auth, admin, world):
    """The case closes (proposals.end: the consent stops, the CV choice is cleared); the pair is
    decided anew (renew clears the rest) and shared again with e-mail only: both rounds are listed,
    each with what it gave."""
    from portal import proposals
    from store.models import User
    from tests.clock import travel

    proposal_id = _second_proposal(app, world)
    with travel(TODAY - timedelta(days=20)):
        _share(app, world, proposal_id, share_phone=True, share_cv=True)
    with travel(TODAY - timedelta(days=15)):
        with app.app_context():
            proposal = db.session.get(Proposal, proposal_id)
            proposals.end(proposal, db.session.get(User, world["consultant"].id), TODAY - timedelta(days=15))
            db.session.commit()
            assert proposal.share_cv is False
    auth.login(admin.email)
    row = _delt(client, world["citizen"], "Lagermedarbejder")
    [period] = row["Delt i perioder"]
    assert period["Sluttede"] == "Forslaget blev afsluttet" and period["CV"].startswith("CV nr. ")
    assert period["Til"].startswith((TODAY - timedelta(days=15)).isoformat())
    with travel(TODAY - timedelta(days=5)):
        with app.app_context():
            proposal = db.session.get(Proposal, proposal_id)
            proposals.renew(proposal, db.session.get(User, world["consultant"].id), approve=True, reason="igen",
                            score=None, explanation={}, shared_goal="")
            db.session.commit()
        _share(app, world, proposal_id, share_email=True)
    row = _delt(client, world["citizen"], "Lagermedarbejder")
    first, second = row["Delt i perioder"]
    assert first["CV"].startswith("CV nr. ") and first["Kontaktoplysninger"] == "Telefon"
    assert second["CV"] == "Nej" and second["Kontaktoplysninger"] == "E-mail"
    assert second["Sluttede"] == "Samtykket gælder stadig" and second["Til"] is None
    assert "CV nr. " in row["Hvad"] and "telefon" in row["Hvad"] and "e-mail" in row["Hvad"]


def test_a_consent_never_followed_by_a_disclosure_lists_nothing_as_given(app, client, auth, admin, world):
    """The citizen agreed to share the CV, but withdrew before the name was shared: the company got
    nothing, so it is not a recipient; the consent's choices stay with the consent only."""
    from portal import proposals
    from store.models import User

    proposal_id = _second_proposal(app, world)
    _share(app, world, proposal_id, disclose=False, share_phone=True, share_cv=True)
    with app.app_context():
        proposals.withdraw(db.session.get(Proposal, proposal_id), db.session.get(User, world["consultant"].id))
    auth.login(admin.email)
    assert _delt(client, world["citizen"], "Lagermedarbejder") is None
    document = json.loads(_export(client, world["citizen"], ".json").get_data(as_text=True))
    assert all(not cv["Virksomheder, der har fået denne version"] for cv in document["cv"]["indhold"])


def test_a_renewal_without_the_cv_ends_the_cv_but_not_the_name(app, client, auth, admin, world):
    """A renewal while the name is shown replaces the consent: the first period (with the CV) ends
    »Erstattet af et nyt samtykke«, the next (without it) starts then; the CV stays listed."""
    from tests.clock import travel

    proposal_id = _second_proposal(app, world)
    with travel(TODAY - timedelta(days=8)):
        _share(app, world, proposal_id, share_cv=True)
    with travel(TODAY - timedelta(days=2)):
        _share(app, world, proposal_id, disclose=False)
    auth.login(admin.email)
    row = _delt(client, world["citizen"], "Lagermedarbejder")
    first, second = row["Delt i perioder"]
    assert first["Sluttede"] == "Erstattet af et nyt samtykke" and first["CV"].startswith("CV nr. ")
    assert second["Fra"] == first["Til"] and second["CV"] == "Nej" and second["Sluttede"] == "Samtykket gælder stadig"
    assert "CV nr. " in row["Hvad"]


def test_a_cv_share_whose_version_was_deleted_is_named_by_its_day_not_by_another_number(app, client, auth, admin,
                                                                                          world):
    """The shared version was deleted since (the log says so): the export must not name an older
    version the company never got; it names the CV by the day it was the citizen's current one."""
    from tests.clock import travel

    proposal_id = _second_proposal(app, world)
    with travel(TODAY - timedelta(days=8)):
        _share(app, world, proposal_id, share_cv=True)
    with app.app_context():
        current = db.session.scalars(sa.select(CvDocument).where(CvDocument.citizen_id == world["citizen"])
                                     .order_by(CvDocument.id.desc())).first()
        current_id = current.id
        db.session.delete(current)
        db.session.add(AuditEvent(action="cv_deleted", citizen_id=world["citizen"], purpose=f"cv {current_id} gemt x: y",
                                  user_id=world["consultant"].id, role="consultant", organisation="", result="ok", ip=""))
        db.session.commit()
    auth.login(admin.email)
    row = _delt(client, world["citizen"], "Lagermedarbejder")
    [period] = row["Delt i perioder"]
    assert period["CV"] == (f"CV: den version, der var borgerens nuværende {(TODAY - timedelta(days=8)).strftime('%d.%m.%Y')} "
                            "(teksten uden private oplysninger)")
    assert f"CV nr. {world['cv_old']}" not in json.dumps(row)


def test_a_consent_that_ran_out_ends_its_share_on_the_day_after_its_deadline(app, client, auth, admin, world):
    """Nobody withdrew it: the consent's deadline passed, so the company stopped seeing the name (and
    the CV) the next day, Danish time; the status stays »disclosed«."""
    from tests.clock import travel

    proposal_id = _second_proposal(app, world)
    with travel(TODAY - timedelta(days=40)):
        _share(app, world, proposal_id, share_cv=True, deadline=TODAY - timedelta(days=10))
    auth.login(admin.email)
    row = _delt(client, world["citizen"], "Lagermedarbejder")
    [period] = row["Delt i perioder"]
    assert period["Sluttede"] == "Samtykket udløb" and period["CV"].startswith("CV nr. ")
    assert period["Til"] == "2026-11-13T23:00:00+00:00"  # 14.11.2026 00:00 Danish time
    assert row["Ser virksomheden det nu"] == "Nej"


def test_the_profile_of_an_earlier_round_stays_listed_after_a_new_round_clears_it(app, client, auth, admin, world):
    """renew clears the approved profile; its approval is in the log, so the first round's time
    shown says »Profil: Ja« and the summary keeps »profil«; the new round, never given one, says »Nej«.
    A profile approved only after a time shown ended was not part of it."""
    from portal import proposals
    from portal.candidates import profile as profiles
    from store.models import User
    from tests.clock import travel

    proposal_id = _second_proposal(app, world)
    with travel(TODAY - timedelta(days=20)):
        _share(app, world, proposal_id)
        with app.app_context():
            profiles.approve(db.session.get(Proposal, proposal_id), db.session.get(User, world["consultant"].id),
                             profiles.Profile("Erfaring fra lager", "", 20, (), "Dansk", None))
    with travel(TODAY - timedelta(days=15)):
        with app.app_context():
            proposal = db.session.get(Proposal, proposal_id)
            proposals.end(proposal, db.session.get(User, world["consultant"].id), TODAY - timedelta(days=15))
            db.session.commit()
    with travel(TODAY - timedelta(days=5)):
        with app.app_context():
            proposal = db.session.get(Proposal, proposal_id)
            proposals.renew(proposal, db.session.get(User, world["consultant"].id), approve=True, reason="igen",
                            score=None, explanation={}, shared_goal="")
            db.session.commit()
            assert proposal.profile_approved_at is None and not proposal.shared_profile
        _share(app, world, proposal_id)
    auth.login(admin.email)
    row = _delt(client, world["citizen"], "Lagermedarbejder")
    first, second = row["Delt i perioder"]
    assert first["Profil"] == "Ja" and second["Profil"] == "Nej"
    assert row["Hvad"] == "Navn, profil"


def test_the_unknown_contacts_note_is_left_out_when_each_time_shown_knows_its_choices(app, client, auth, admin, world):
    """Proposal.shared_contacts unknown (migration 0036) yet the consent's own choices say no contact
    detail went with the name: the export says »Ingen« for it, not that it is not registered."""
    proposal_id = _second_proposal(app, world)
    _share(app, world, proposal_id)
    with app.app_context():
        db.session.get(Proposal, proposal_id).shared_contacts = None
        db.session.commit()
    auth.login(admin.email)
    row = _delt(client, world["citizen"], "Lagermedarbejder")
    [period] = row["Delt i perioder"]
    assert period["Kontaktoplysninger"] == "Ingen" and "Kontaktoplysninger" not in row


def test_a_v1_consent_lists_the_name_only_whatever_the_proposal_holds(app, client, auth, admin, world):
    """Under »samtykke-v1« the company got the name and nothing more (consents.CONSENT_SCOPES) once
    the portal followed the text (access_export.scope_rule_from, here before the times shown), so
    the export must not say it got the profile, the phone or the CV the proposal holds (as a row the
    demo or an old release wrote): each time shown, the summary, the CV section and the consent say
    what that text covered; a later consent under the current text lists its own choices."""
    from portal import proposals

    _set_rule_from(app, datetime(2026, 9, 1, tzinfo=timezone.utc))
    from portal.candidates import profile as profiles
    from store.models import User
    from tests.clock import travel

    proposal_id = _second_proposal(app, world)
    with travel(TODAY - timedelta(days=20)):
        with app.app_context():  # an old row: a v1 consent, yet the phone and the CV chosen, the profile approved
            proposal = db.session.get(Proposal, proposal_id)
            consultant = db.session.get(User, world["consultant"].id)
            profiles.approve(proposal, consultant, profiles.Profile("Erfaring fra lager", "", 20, (), "Dansk", None))
            proposal.shared_profile = {**(proposal.shared_profile or {}), "phone": "12 34 56 78"}
            proposal.share_cv = True
            consent = Consent(proposal=proposal, text_version="samtykke-v1", channel="telefon",
                              deadline=TODAY + timedelta(days=30), recorded_by_id=consultant.id)
            db.session.add(consent)
            db.session.flush()
            db.session.add(AuditEvent(action="consent_recorded", citizen_id=world["citizen"],
                                      opening_id=proposal.opening_id, at=consent.given_at,
                                      purpose="channel:telefon;text:samtykke-v1;share:phone,cv",
                                      user_id=consultant.id, role="consultant", organisation="", result="ok", ip=""))
            proposal.status = "consented"
            db.session.commit()
            proposals.disclose(proposal, consultant)
            proposal.shared_contacts = ["phone"]  # what an earlier round may have left: not this time's
            db.session.commit()
    auth.login(admin.email)
    document = json.loads(_export(client, world["citizen"], ".json").get_data(as_text=True))
    [row] = [r for r in document["delt"]["indhold"] if r["Opslag"].startswith("Lagermedarbejder")]
    assert row["Hvad"] == "Navn"
    [period] = row["Delt i perioder"]
    assert (period["Profil"], period["Kontaktoplysninger"], period["CV"]) == ("Nej", "Ingen", "Nej")
    assert period["Samtykketekst"] == "samtykke-v1" and period["Sluttede"] == "Samtykket gælder stadig"
    assert all(not cv["Virksomheder, der har fået denne version"] for cv in document["cv"]["indhold"])
    [shown] = [p for p in document["forslag"]["indhold"] if p["Opslag"].startswith("Lagermedarbejder")]
    [given] = shown["Samtykker"]
    assert given["Borgeren sagde ja til at dele"] == "Kun navnet efter samtykketeksten; registrerede valg: telefon, CV"
    assert shown["Borgeren har sagt ja til at dele CV"] == "Nej"
    # the same once the consent is withdrawn (its choices then come from its audit event) ...
    with travel(TODAY - timedelta(days=10)):
        with app.app_context():
            proposals.withdraw(db.session.get(Proposal, proposal_id), db.session.get(User, world["consultant"].id))
    row = _delt(client, world["citizen"], "Lagermedarbejder")
    [period] = row["Delt i perioder"]
    assert row["Hvad"] == "Navn" and (period["Profil"], period["Kontaktoplysninger"], period["CV"]) == ("Nej", "Ingen", "Nej")
    assert period["Sluttede"] == "Borgeren trak samtykket tilbage"
    # ... and a new consent under the current text lists its own choices, the v1 time still the name only
    with travel(TODAY - timedelta(days=5)):
        _share(app, world, proposal_id, share_phone=True, share_cv=True)
    document = json.loads(_export(client, world["citizen"], ".json").get_data(as_text=True))
    [row] = [r for r in document["delt"]["indhold"] if r["Opslag"].startswith("Lagermedarbejder")]
    first, second = row["Delt i perioder"]
    assert (first["Profil"], first["Kontaktoplysninger"], first["CV"]) == ("Nej", "Ingen", "Nej")
    assert second["Samtykketekst"] == CONSENT_TEXT_VERSION
    assert second["Profil"] == "Ja"  # the approved profile, which the current text covers
    assert second["Kontaktoplysninger"] == "Telefon" and second["CV"].startswith("CV nr. ")
    assert row["Hvad"].startswith("Navn, profil, telefon, CV nr. ")
    [shown] = [p for p in document["forslag"]["indhold"] if p["Opslag"].startswith("Lagermedarbejder")]
    assert [c["Borgeren sagde ja til at dele"] for c in shown["Samtykker"]] == [
        "Kun navnet efter samtykketeksten; registrerede valg: telefon, CV", "Navn, telefon, CV"]
    assert shown["Borgeren har sagt ja til at dele CV"] == "Ja"
    html = _export(client, world["citizen"]).get_data(as_text=True)
    assert "Kun navnet" in html.split('data-testid="access-section-forslag"')[1].split("</section>")[0]


def test_a_v1_time_shown_before_the_portal_followed_the_text_states_what_was_given(app, client, auth, admin,
                                                                                   world):
    """Review BJ 2: before the portal followed the consent's text (access_export.scope_rule_from) a
    »samtykke-v1« consent showed the company the phone, the approved profile and the CV chosen. The
    export states what the record says was given (Proposal.shared_contacts: the phone), and says
    »Ukendt« where no record says (the profile, the CV), not »Nej«."""
    from portal.admin import access_export

    with app.test_request_context():
        assert datetime.combine(TODAY, datetime.min.time(), tzinfo=timezone.utc) < access_export.scope_rule_from()
    proposal_id = _v1_shown_with_choices(app, world)
    auth.login(admin.email)
    row = _delt(client, world["citizen"], "Lagermedarbejder")
    [period] = row["Delt i perioder"]
    assert period["Kontaktoplysninger"] == "Telefon"  # the record: the company got the phone
    assert period["Profil"] == ("Ukendt (samtykketeksten dækkede kun navnet; profilen kan være vist før 06.12.2026 "
                                "kl.\u00a020.17, da portalen begyndte at følge samtykketeksten)")
    assert period["CV"].startswith("Ukendt (samtykketeksten dækkede kun navnet; CV nr. ")
    assert period["Samtykketekst"] == "samtykke-v1"
    assert row["Hvad"] == "Navn, muligvis profil (se perioderne), telefon, muligvis CV (se perioderne)"
    assert row["Ser virksomheden det nu"] == "Ja, kun navnet (samtykketeksten dækker ikke mere)"
    document = json.loads(_export(client, world["citizen"], ".json").get_data(as_text=True))
    [shown] = [p for p in document["forslag"]["indhold"] if p["Opslag"].startswith("Lagermedarbejder")]
    assert shown["Status"] == "Navnet delt med virksomheden (samtykket dækker ikke profilen)"
    assert shown["Samtykker"][0]["Borgeren sagde ja til at dele"] == (
        "Kun navnet efter samtykketeksten; registrerede valg: telefon, CV")
    # a v1 time that records no contact detail (shared since the portal follows the text) says »Ingen«
    with app.app_context():
        db.session.get(Proposal, proposal_id).shared_contacts = []
        db.session.commit()
    [period] = _delt(client, world["citizen"], "Lagermedarbejder")["Delt i perioder"]
    assert period["Kontaktoplysninger"] == "Ingen"


def _v1_shown_with_choices(app, world) -> int:
    """A »samtykke-v1« consent given 20 days back with the phone and the CV chosen and the profile
    approved, the name disclosed, ``shared_contacts`` the phone (as a release before the scopes
    recorded it): the proposal's id."""
    from portal import proposals
    from portal.candidates import profile as profiles
    from store.models import User
    from tests.clock import travel

    proposal_id = _second_proposal(app, world)
    with travel(TODAY - timedelta(days=20)):
        with app.app_context():
            proposal = db.session.get(Proposal, proposal_id)
            consultant = db.session.get(User, world["consultant"].id)
            profiles.approve(proposal, consultant, profiles.Profile("Erfaring fra lager", "", 20, (), "Dansk", None))
            proposal.shared_profile = {**(proposal.shared_profile or {}), "phone": "12 34 56 78"}
            proposal.share_cv = True
            consent = Consent(proposal=proposal, text_version="samtykke-v1", channel="telefon",
                              deadline=TODAY + timedelta(days=30), recorded_by_id=consultant.id)
            db.session.add(consent)
            db.session.flush()
            db.session.add(AuditEvent(action="consent_recorded", citizen_id=world["citizen"],
                                      opening_id=proposal.opening_id, at=consent.given_at,
                                      purpose="channel:telefon;text:samtykke-v1;share:phone,cv",
                                      user_id=consultant.id, role="consultant", organisation="", result="ok", ip=""))
            proposal.status = "consented"
            db.session.commit()
            proposals.disclose(proposal, consultant)
            proposal.shared_contacts = ["phone"]  # as a release before the scopes recorded it (migration 0036)
            db.session.commit()
    return proposal_id


def test_when_the_portal_began_to_follow_the_text_comes_from_the_deployment(app, client, auth, admin, world):
    """Migration 0041's ``consent_scope_rule_from`` decides it: a deployment that took the rule into
    use later says »Ukendt« up to its own moment and names it; a time shown after it is the name alone."""
    proposal_id = _v1_shown_with_choices(app, world)
    _set_rule_from(app, datetime(2026, 12, 20, 9, 5, tzinfo=timezone.utc))
    auth.login(admin.email)
    [period] = _delt(client, world["citizen"], "Lagermedarbejder")["Delt i perioder"]
    assert period["Profil"] == ("Ukendt (samtykketeksten dækkede kun navnet; profilen kan være vist før 20.12.2026 "
                                "kl.\u00a010.05, da portalen begyndte at følge samtykketeksten)")
    assert "kan være givet før 20.12.2026 kl.\u00a010.05" in period["CV"]
    _set_rule_from(app, datetime(2026, 10, 1, tzinfo=timezone.utc))  # before the time shown
    [period] = _delt(client, world["citizen"], "Lagermedarbejder")["Delt i perioder"]
    assert (period["Profil"], period["CV"]) == ("Nej", "Nej")
    assert proposal_id


def test_without_the_fact_the_export_logs_an_error_and_never_says_nej(app, client, auth, admin, world, caplog):
    """A database without ``consent_scope_rule_from`` (not migrated by Alembic): the rule is taken
    to start now, so a v1 time says »Ukendt« where no record says, and the log names the fix."""
    _v1_shown_with_choices(app, world)
    _set_rule_from(app, None)
    auth.login(admin.email)
    with caplog.at_level("ERROR", logger="portal.admin.access_export"):
        [period] = _delt(client, world["citizen"], "Lagermedarbejder")["Delt i perioder"]
    assert period["Profil"].startswith("Ukendt (samtykketeksten dækkede kun navnet; profilen kan være vist før ")
    assert any("consent_scope_rule_from" in r.getMessage() and "flask --app portal setup" in r.getMessage()
               for r in caplog.records)


def test_the_moment_is_read_once_per_request(app):
    from portal.admin import access_export

    with app.test_request_context():
        first = access_export.scope_rule_from()
        _set_rule_from(app, datetime(2027, 1, 1, tzinfo=timezone.utc))  # another connection changes it
        assert access_export.scope_rule_from() == first == RULE_FROM
    with app.test_request_context():
        assert access_export.scope_rule_from() == datetime(2027, 1, 1, tzinfo=timezone.utc)
