"""Review AU 5: erasure finds the hotline requests without a placement that name the citizen."""
from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa

from portal.extensions import db
from portal.privacy.erasure import erase_citizen
from portal.privacy.retention import anonymise_expired
from portal.privacy.scrubbing import ERASED_TEXT
from store.models import AuditEvent, Company, HotlineMessage, HotlineRequest, Placement
from tests.portal.citizen_fixtures import make_citizen


def _request(company_id: int, author_id: int, subject: str, body: str, placement_id: int | None = None) -> int:
    request = HotlineRequest(company_id=company_id, placement_id=placement_id, category="fravaer", urgency="normal",
                             subject=subject, created_by_id=author_id,
                             due_at=datetime(2026, 11, 1, tzinfo=timezone.utc))
    request.messages.append(HotlineMessage(author_id=author_id, body=body))
    db.session.add(request)
    db.session.commit()
    return request.id


def _world(app, make_user):
    company_user, other_user = make_user("company"), make_user("company")
    cid = make_citizen(app, name="Mathias Schmidt", phone="12 34 56 78", email="mathias@example.dk",
                       case_closed=date(2025, 6, 1), case_close_reason="ordinaert_job")
    with app.app_context():
        placement = Placement(citizen_id=cid, company_id=company_user.company_id, kind="smaajob",
                              start_date=date(2025, 1, 6), end_date=date(2025, 4, 30), end_reason="ordinaert_job")
        db.session.add(placement)
        db.session.commit()
        ids = {
            "tied": _request(company_user.company_id, company_user.id, "Fravær", "Kom ikke", placement.id),
            "named": _request(company_user.company_id, company_user.id, "Spørgsmål om Mathias Schmidt",
                              "Han kom ikke i dag."),
            "phone": _request(company_user.company_id, company_user.id, "Ring tilbage",
                              "Ring til medarbejderen på 12345678."),
            "other": _request(company_user.company_id, company_user.id, "Nøgler", "Vi mangler en nøgle."),
            "elsewhere": _request(other_user.company_id, other_user.id, "Mathias Schmidt", "Mathias Schmidt søger."),
        }
    return cid, ids


def test_the_erase_page_lists_the_requests_naming_the_citizen(app, client, auth, make_user):
    cid, ids = _world(app, make_user)
    admin = make_user("admin")
    auth.login(admin.email)
    page = client.get(f"/borgere/{cid}/slet").get_data(as_text=True)
    listed = page.split('data-testid="erase-naming-requests"', 1)[1].split("</div>", 1)[0]
    assert f"Henvendelse nr. {ids['named']}<" in listed and f"Henvendelse nr. {ids['phone']}<" in listed
    for key in ("tied", "other", "elsewhere"):
        assert f"Henvendelse nr. {ids[key]}<" not in listed
    assert "Fritekst andre har skrevet om borgeren (hotline-henvendelser, noter, begrundelser) bliver blanket" not in page
    assert "hvor borgerens navn, telefonnummer eller e-mail står" in page
    assert "blanket" not in page  # review BI 3: a noun in Danish (a form)
    assert "bliver tømt (teksten erstattes af »[slettet …]«)" in page
    assert "nævner borgeren, og deres emne og beskeder bliver tømt:" in page


def test_erasure_blanks_them_and_logs_which(app, make_user):
    cid, ids = _world(app, make_user)
    with app.app_context():
        assert erase_citizen(db.session, cid, purpose="J.nr. 2026-0042")
        db.session.commit()
        for key in ("tied", "named", "phone"):
            request = db.session.get(HotlineRequest, ids[key])
            assert request.subject == ERASED_TEXT and [m.body for m in request.messages] == [ERASED_TEXT], key
        for key in ("other", "elsewhere"):
            assert db.session.get(HotlineRequest, ids[key]).subject != ERASED_TEXT, key
        purpose = db.session.scalar(sa.select(AuditEvent.purpose).where(AuditEvent.action == "erasure_hotline_blanked",
                                                                         AuditEvent.citizen_id == cid))
        assert purpose == f"henvendelser {ids['named']}, {ids['phone']}"


def test_anonymisation_blanks_them_too(app, make_user):
    cid, ids = _world(app, make_user)
    with app.app_context():
        assert anonymise_expired(db.session, today=date(2026, 11, 23),
                                 retention_days=365) == 1
        db.session.commit()
        assert db.session.get(HotlineRequest, ids["named"]).subject == ERASED_TEXT
        assert db.session.get(HotlineRequest, ids["other"]).subject == "Nøgler"
        assert db.session.get(Company, db.session.get(HotlineRequest, ids["elsewhere"]).company_id) is not None


def test_the_hotline_form_says_a_question_about_a_person_belongs_on_their_placement(client, auth, make_user):
    user = make_user("company")
    auth.login(user.email)
    page = client.get("/hotline/ny").get_data(as_text=True)
    assert "Drejer henvendelsen sig om en bestemt person, så vælg personens forløb, ikke »Intet bestemt forløb«" in page
