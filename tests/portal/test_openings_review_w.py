"""Review W on a company's opening: edits that would break what stands on it (W6), reopening
tells the job centre (W7), closing keeps the waiting candidates waiting (W5), the empty
candidate list says why (W3) and a change of requirements flags the candidates it leaves
behind (W1)."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal.extensions import db
from store.clock import today
from store.models import Citizen, Company, Notification, Opening, Placement, Proposal
from tests.portal import test_openings
from tests.portal.test_openings import make_opening, valid_form

# The opening tests' fixtures, used here by name.
company, logged_in = test_openings.company, test_openings.logged_in


def add_citizen(app, **values) -> int:
    fields = {"name": "Borger", "postcode": "7130", "benefit_group": "kontanthjaelp", "hours_available": 20,
              "readiness_group": "paa_vej", "case_start": date(2025, 1, 1)}
    fields.update(values)
    with app.app_context():
        citizen = Citizen(**fields)
        db.session.add(citizen)
        db.session.commit()
        return citizen.id


def add_proposal(app, opening_id: int, citizen_id: int | None = None, **values) -> int:
    citizen_id = citizen_id or add_citizen(app)
    with app.app_context():
        proposal = Proposal(citizen_id=citizen_id, opening_id=opening_id, **{"status": "approved", **values})
        db.session.add(proposal)
        db.session.commit()
        return proposal.id


def add_placements(app, opening_id: int, company_id: int, count: int) -> None:
    with app.app_context():
        for _ in range(count):
            citizen = Citizen(name="Praktikant", postcode="7130", benefit_group="kontanthjaelp",
                              readiness_group="paa_vej", case_start=date(2025, 1, 1))
            db.session.add(citizen)
            db.session.flush()
            db.session.add(Placement(citizen_id=citizen.id, opening_id=opening_id, company_id=company_id,
                                     kind="virksomhedspraktik", start_date=today() - timedelta(days=10)))
        db.session.commit()


def edit(client, auth, opening_id: int, **overrides):
    path = f"/opslag/{opening_id}/rediger"
    data = valid_form(**{"kind": "virksomhedspraktik", "title": "Praktik i kantinen", "hours_min": "10",
                         "hours_max": "20", "postcode": "7130", "start_date": "", **overrides})
    data["csrf_token"] = auth.csrf_token(path)
    return client.post(path, data=data)


def stored(app, opening_id: int) -> Opening:
    with app.app_context():
        opening = db.session.get(Opening, opening_id)
        db.session.expunge(opening)
        return opening


# --- W6: a published opening never becomes a draft; the capacity holds the places taken ----------


def test_a_published_opening_is_not_offered_as_a_draft_and_a_draft_is_refused(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, status="filled", capacity=5)
    page = client.get(f"/opslag/{opening_id}/rediger").get_data(as_text=True)
    assert 'value="draft"' not in page and 'value="closed"' in page
    html = edit(client, auth, opening_id, status="draft", capacity="5").get_data(as_text=True)
    assert "kan ikke blive en kladde igen" in html
    assert stored(app, opening_id).status == "filled"
    # a draft stays one and may still be saved as a draft
    draft_id = make_opening(app, logged_in.company_id, status="draft")
    assert 'value="draft"' in client.get(f"/opslag/{draft_id}/rediger").get_data(as_text=True)
    assert edit(client, auth, draft_id, status="draft", title="Praktik i køkkenet").status_code == 302
    assert stored(app, draft_id).title == "Praktik i køkkenet"


def test_the_capacity_cannot_drop_below_the_places_taken(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, status="filled", capacity=5)
    add_placements(app, opening_id, logged_in.company_id, 5)
    html = edit(client, auth, opening_id, status="filled", capacity="2").get_data(as_text=True)
    assert "Der er 5 igangværende eller planlagte forløb på opslaget, så det skal have mindst 5 pladser." in html
    assert stored(app, opening_id).capacity == 5
    assert edit(client, auth, opening_id, status="filled", capacity="6").status_code == 302
    assert stored(app, opening_id).capacity == 6


# --- W7: reopening a closed opening tells the company's consultant ---------------------------------


def test_reopening_a_closed_opening_tells_the_consultant_and_the_company(app, client, auth, logged_in, make_user):
    vk = make_user("consultant")
    with app.app_context():
        db.session.get(Company, logged_in.company_id).consultant_id = vk.id
        db.session.commit()
    opening_id = make_opening(app, logged_in.company_id, status="closed")
    response = edit(client, auth, opening_id, status="open")
    assert response.status_code == 302
    with app.app_context():
        [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == vk.id)).all()
        assert note.kind == "opening_posted" and "har åbnet opslaget igen: Praktik i kantinen" in note.text
        assert note.link == f"/kandidater/opslag/{opening_id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Opslaget er åbent igen, og jobcentret har fået besked." in page
    # saving it again while open tells nobody anew
    assert edit(client, auth, opening_id, status="open", title="Praktik i køkkenet").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 1


# --- W5: closing keeps the waiting candidates on the start page, as the close page says -------------


def test_closing_keeps_the_waiting_candidates_on_the_start_page_labelled(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id)
    waiting = [add_proposal(app, opening_id) for _ in range(2)]
    add_proposal(app, opening_id, company_response="declined")
    confirm = client.get(f"/opslag/{opening_id}/luk").get_data(as_text=True)
    assert ("2 kandidater venter stadig på jeres svar. De bliver stående på opslaget og på jeres forside under "
            "»Venter på jeres svar«, og I kan stadig svare, indtil jobcentret afslutter dem") in confirm
    client.post(f"/opslag/{opening_id}/luk", data={"csrf_token": auth.csrf_token(f"/opslag/{opening_id}")})
    assert stored(app, opening_id).status == "closed"
    start = client.get("/").get_data(as_text=True)
    assert 'data-testid="waiting-total">2 kandidater venter på jeres svar' in start
    for proposal_id in waiting:
        assert f'href="/opslag/{opening_id}#kandidat-{proposal_id}"' in start
    assert "til »Praktik i kantinen« (lukket opslag)" in start
    listed = client.get("/opslag/").get_data(as_text=True)
    assert '<strong data-testid="candidate-waiting">2 venter på jeres svar</strong>' in listed
