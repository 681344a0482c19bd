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


# --- W3: an opening without candidates says how the search stands, and who to ask ------------------


def candidates_section(html: str) -> str:
    """From the candidates' heading to the job-centre contact."""
    return html.split('id="kandidater"')[1].split('data-testid="job-centre-contact"')[0]


def test_an_opening_without_candidates_says_how_many_were_assessed_and_who_to_ask(app, client, logged_in,
                                                                                    make_user):
    vk = make_user("consultant")
    with app.app_context():
        db.session.get(Company, logged_in.company_id).consultant_id = vk.id
        db.session.commit()
    opening_id = make_opening(app, logged_in.company_id, kind="fleksjob", title="Pakkemedarbejder",
                              hours_min=12.0, hours_max=12.0, required_licences=["C"])
    for _ in range(12):
        add_proposal(app, opening_id, status="rejected", decision_reason="For lang transport (privat note)")
    add_proposal(app, opening_id, status="proposed")
    html = client.get(f"/opslag/{opening_id}").get_data(as_text=True)
    section = candidates_section(html)
    assert "endnu" not in section
    assert "Jobcentret har vurderet 12 borgere til opslaget, siden det blev oprettet" in section
    assert "ingen af dem passede godt nok til at blive foreslået." in section
    assert "1 borger er ved at blive vurderet." in section
    assert ("Det, der begrænser kredsen ved dette opslag: fleksjob (kun for borgere i ydelsesgruppen "
            "ledighedsydelse); kørekort i kategori C.") in section
    assert "transport" not in html and "privat note" not in html  # the consultant's reasons stay inside
    assert 'data-testid="job-centre-contact"' in html and f"<strong>{vk.name}</strong>" in html


def test_a_closed_or_draft_opening_without_candidates_does_not_say_not_yet(app, client, logged_in):
    closed = make_opening(app, logged_in.company_id, status="closed")
    page = client.get(f"/opslag/{closed}").get_data(as_text=True)
    assert "I kan åbne det igen ved at rette status til »Åben«; så får jobcentret besked." in page
    section = candidates_section(page)
    assert "Opslaget er lukket, så jobcentret finder ikke flere kandidater til det." in section
    assert "endnu" not in section
    listed = client.get("/opslag/").get_data(as_text=True)
    assert 'data-testid="candidate-count">Ingen<' in listed and "Ingen endnu" not in listed
    draft = make_opening(app, logged_in.company_id, status="draft")
    section = candidates_section(client.get(f"/opslag/{draft}").get_data(as_text=True))
    assert "Opslaget er en kladde, så jobcentret leder ikke efter kandidater til det." in section
    fresh = make_opening(app, logged_in.company_id)
    section = candidates_section(client.get(f"/opslag/{fresh}").get_data(as_text=True))
    assert "Jobcentret har ikke vurderet nogen borgere til det endnu." in section


# --- W1: a change of requirements says first which candidates it leaves behind, and marks them ------


def test_a_change_of_kind_asks_first_then_marks_the_candidates_left_behind_and_tells_the_consultants(
        app, client, auth, logged_in, make_user):
    company_vk, citizen_vk = make_user("consultant"), make_user("consultant")
    with app.app_context():
        db.session.get(Company, logged_in.company_id).consultant_id = company_vk.id
        db.session.commit()
    opening_id = make_opening(app, logged_in.company_id, kind="smaajob", hours_min=5.0, hours_max=10.0)
    left = [add_proposal(app, opening_id, add_citizen(app, vk_id=citizen_vk.id)) for _ in range(2)]
    stays = add_proposal(app, opening_id, add_citizen(app, benefit_group="ledighedsydelse"))
    as_smaajob = {"kind": "smaajob", "hours_min": "5", "hours_max": "10"}

    asked = edit(client, auth, opening_id, **{**as_smaajob, "kind": "fleksjob"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'data-testid="left-behind"' in html
    assert "Med de nye krav opfylder 2 af de 3 kandidater, jobcentret har foreslået til opslaget" in html
    assert '<input type="hidden" name="left_behind" value="2">' in html
    assert stored(app, opening_id).kind == "smaajob"  # nothing saved yet
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0

    saved = edit(client, auth, opening_id, **{**as_smaajob, "kind": "fleksjob", "left_behind": "2"})
    assert saved.status_code == 302 and stored(app, opening_id).kind == "fleksjob"
    assert "2 kandidater opfylder ikke opslagets nye krav" in client.get(saved.location).get_data(as_text=True)
    with app.app_context():
        # the rows stand as they were, decision included, and carry the mark
        for proposal_id in left:
            proposal = db.session.get(Proposal, proposal_id)
            assert proposal.status == "approved" and proposal.explanation["opening_changed"]["fields"] == ["kind"]
        assert "opening_changed" not in (db.session.get(Proposal, stays).explanation or {})
        notes = db.session.scalars(sa.select(Notification)).all()
        assert sorted(n.user_id for n in notes) == sorted([company_vk.id, citizen_vk.id])
        assert all("2 foreslåede kandidater opfylder dem ikke længere" in n.text for n in notes)
        assert all("Borger" not in n.text for n in notes)
        name = db.session.get(Company, logged_in.company_id).name  # the company made the change
        assert all(n.text.startswith(f"{name} har ændret kravene i opslaget »Praktik i kantinen« (type): ")
                   for n in notes)
    page = client.get(f"/opslag/{opening_id}").get_data(as_text=True)
    for proposal_id in left:
        card = page.split(f'id="kandidat-{proposal_id}"')[1].split("</li>")[0]
        assert 'data-testid="candidate-on-hold"' in card and "/svar" not in card
        assert "ydelse" not in card.lower()  # never why
    assert "/svar" in page.split(f'id="kandidat-{stays}"')[1].split("</li>")[0]
    start = client.get("/").get_data(as_text=True)
    assert 'data-testid="waiting-total">1 kandidat venter på jeres svar' in start
    assert "1 kandidat venter stadig på jeres svar" in client.get(f"/opslag/{opening_id}/luk").get_data(as_text=True)
    assert '<strong data-testid="candidate-waiting">1 venter på jeres svar</strong>' in start
    candidate = client.get(f"/opslag/{opening_id}/kandidat/{left[0]}").get_data(as_text=True)
    assert 'data-testid="candidate-on-hold"' in candidate
    refused = client.post(f"/opslag/{opening_id}/kandidat/{left[0]}/svar", follow_redirects=True, data={
        "response": "interested", "csrf_token": auth.csrf_token(f"/opslag/{opening_id}")})
    assert "Svaret blev ikke gemt" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, left[0]).company_response is None

    # back to a småjob: nothing to confirm, and the candidates are current again
    assert edit(client, auth, opening_id, **as_smaajob).status_code == 302
    with app.app_context():
        assert all("opening_changed" not in (db.session.get(Proposal, p).explanation or {}) for p in left)
    assert 'data-testid="waiting-total">3 kandidater venter på jeres svar' in client.get("/").get_data(as_text=True)


def test_the_only_candidate_left_behind_is_named_in_the_singular(app, client, auth, logged_in):
    """Review BI 7: »opfylder 1 af de 1 kandidater«."""
    opening_id = make_opening(app, logged_in.company_id, kind="smaajob", hours_min=5.0, hours_max=10.0)
    add_proposal(app, opening_id, add_citizen(app))
    html = edit(client, auth, opening_id, kind="fleksjob", hours_min="5", hours_max="10").get_data(as_text=True)
    assert ("Med de nye krav opfylder kandidaten, jobcentret har foreslået til opslaget, ikke længere opslagets "
            "krav") in html and "1 af de 1" not in html


def test_a_change_that_leaves_nobody_behind_saves_at_once(app, client, auth, logged_in):
    opening_id = make_opening(app, logged_in.company_id, kind="smaajob", hours_min=5.0, hours_max=10.0)
    add_proposal(app, opening_id, add_citizen(app, driving_licences=["B"]))
    response = edit(client, auth, opening_id, kind="smaajob", hours_min="5", hours_max="10",
                    required_licences="B")
    assert response.status_code == 302 and stored(app, opening_id).required_licences == ["B"]
    # a licence the candidate lacks, and more hours than it has, ask first
    asked = edit(client, auth, opening_id, kind="smaajob", hours_min="25", hours_max="30", required_licences="C")
    assert 'data-testid="left-behind"' in asked.get_data(as_text=True)


def test_a_move_of_the_opening_beyond_a_candidates_commute_asks_first(app, client, auth, logged_in):
    """Review BN 15: the preview measures the commute from the new postcode. A profile carries
    its postcode's coordinates (store.profiles), and the preview's copy with the new postcode
    kept the old one's, so a move out of reach left nobody behind and was saved unasked."""
    opening_id = make_opening(app, logged_in.company_id, kind="smaajob", hours_min=5.0, hours_max=10.0,
                              postcode="7130")
    add_proposal(app, opening_id, add_citizen(app, max_commute_km=10))  # lives in 7130 Juelsminde
    asked = edit(client, auth, opening_id, kind="smaajob", hours_min="5", hours_max="10", postcode="7000")
    assert asked.status_code == 200 and 'data-testid="left-behind"' in asked.get_data(as_text=True)
    assert stored(app, opening_id).postcode == "7130"  # nothing saved yet


def test_a_change_marks_only_the_candidates_it_leaves_behind_never_one_unfit_before(
        app, client, auth, logged_in, make_user):
    """Review Z 2: easing the hours marked a candidate whose own hours had been lowered since,
    without asking, and told company and consultants the new requirements did it."""
    vk = make_user("consultant")
    opening_id = make_opening(app, logged_in.company_id, kind="smaajob", hours_min=5.0, hours_max=10.0)
    unfit_before = add_proposal(app, opening_id, add_citizen(app, hours_available=3, vk_id=vk.id))
    response = edit(client, auth, opening_id, kind="smaajob", hours_min="4", hours_max="10")
    assert response.status_code == 302 and stored(app, opening_id).hours_min == 4  # nothing to ask
    assert "opfylder ikke opslagets nye krav" not in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        assert "opening_changed" not in (db.session.get(Proposal, unfit_before).explanation or {})
        assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.kind == "opening_changed")) == 0
    # a change that does leave a candidate behind is filed as a change of requirements
    fits = add_proposal(app, opening_id, add_citizen(app, hours_available=20, vk_id=vk.id))
    assert edit(client, auth, opening_id, kind="fleksjob", hours_min="4", hours_max="10",
                left_behind="1").status_code == 302
    with app.app_context():
        assert "opening_changed" in db.session.get(Proposal, fits).explanation
        [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == vk.id)).all()
        assert note.kind == "opening_changed"


def test_reopening_a_filled_opening_without_a_free_place_says_so(app, client, auth, logged_in):
    """Review Z 9: »Jobcentret finder nu kandidater til det« beside »ingen ledige«."""
    opening_id = make_opening(app, logged_in.company_id, status="filled", capacity=1)
    add_placements(app, opening_id, logged_in.company_id, 1)
    response = edit(client, auth, opening_id, status="open", capacity="1")
    assert response.status_code == 302 and stored(app, opening_id).status == "open"
    page = client.get(response.location).get_data(as_text=True)
    assert "alle pladser er besat, så ingen ny kandidat kan starte" in page
    assert "Jobcentret finder nu kandidater til det" not in page


def test_a_change_back_tells_the_consultants_the_candidates_are_current_again(app, client, auth, logged_in,
                                                                               make_user):
    """Review Z 7: the consultants told of a hold were not told when a change back lifted it."""
    vk = make_user("consultant")
    opening_id = make_opening(app, logged_in.company_id, kind="smaajob", hours_min=5.0, hours_max=10.0)
    held = add_proposal(app, opening_id, add_citizen(app, vk_id=vk.id))
    as_smaajob = {"kind": "smaajob", "hours_min": "5", "hours_max": "10"}
    assert edit(client, auth, opening_id, **{**as_smaajob, "kind": "fleksjob", "left_behind": "1"}).status_code == 302
    assert edit(client, auth, opening_id, **as_smaajob).status_code == 302
    with app.app_context():
        assert "opening_changed" not in (db.session.get(Proposal, held).explanation or {})
        notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == vk.id)
                                   .order_by(Notification.id)).all()
    assert [n.kind for n in notes] == ["opening_changed", "opening_changed"]
    assert "opfylder dem ikke længere" in notes[0].text
    assert "1 kandidat, der var sat i bero, opfylder dem nu og er aktuelle for virksomheden igen" in notes[1].text
