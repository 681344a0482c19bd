"""Openings for one citizen (/kandidater/borger/<id>) and the citizen page's proposals (review C3)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from indexer.rebuild import rebuild
from portal import consents
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.models import AuditEvent, Citizen, Company, Consent, CvDocument, Opening, Proposal
from tests.clock import TODAY
from tests.portal.test_candidates import _citizen
from tests.portal.test_candidates import world as world_of_four  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    """Two open openings (warehouse, care), a draft one, and a warehouse worker, indexed."""
    consultant = make_user("consultant", email="vk@jobcenter.dk")
    company_user = make_user("company", email="chef@lager.dk")
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = consultant.id

        def opening(title, description, status="open"):
            return Opening(company=company, kind="smaajob", title=title, description=description,
                           hours_min=5, hours_max=12, postcode="8722", status=status)

        lager = opening("Lagermedarbejder med truckcertifikat", "Plukning, pakning og truckkørsel på vores lager.")
        pleje = opening("Social- og sundhedshjælper", "Pleje af ældre borgere i hjemmeplejen.")
        draft = opening("Truckfører på lager", "Truckkørsel og lager.", status="draft")
        anna = _citizen("Anna Lagerbæk", "Lagermedarbejder", "Truckcertifikat, pluk og pak på lager.", consultant.id)
        db.session.add_all([lager, pleje, draft, anna])
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
        return {"consultant": consultant, "lager": lager.id, "pleje": pleje.id, "draft": draft.id,
                "anna": anna.id, "company": company.name}


def _page(client, auth, world, citizen=None):
    auth.login(world["consultant"].email)
    response = client.get(f"/kandidater/borger/{citizen or world['anna']}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _cards(html):
    return re.findall(r'<li class="card jobbro-match" data-opening="(\d+)"', html)


def test_open_openings_are_ranked_for_the_citizen_with_the_ranking_cards_explanation(app, client, auth, world):
    html = _page(client, auth, world)
    assert "<h1>Opslag til Anna Lagerbæk</h1>" in html
    cards = [int(i) for i in _cards(html)]
    assert cards[0] == world["lager"] and world["draft"] not in cards  # a draft is not ranked
    first = html.split(f'data-opening="{world["lager"]}"', 1)[1].split("</li>", 1)[0]
    assert "Samlet match:" in first and 'data-testid="relevance-step"' in first  # the band and its step
    assert "<strong>Jobmål der matcher:</strong> Lagermedarbejder" in first
    assert "Krav tjekket:" in first and 'data-testid="priority-added"' in first
    # The consultant decides on the opening's candidate ranking, at the citizen's card.
    anna = world["anna"]
    assert f'href="/kandidater/opslag/{world["lager"]}?borger={anna}#borger-{anna}"' in first
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="rank_openings", citizen_id=anna).count() == 1


def test_an_opening_with_a_proposal_says_so_and_links_to_it(app, client, auth, world):
    with app.app_context():
        proposal = Proposal(citizen_id=world["anna"], opening_id=world["lager"], status="approved",
                            decision_reason="Passer")
        db.session.add(proposal)
        db.session.commit()
        pid = proposal.id
    html = _page(client, auth, world)
    card = html.split(f'data-opening="{world["lager"]}"', 1)[1].split("</li>", 1)[0]
    assert re.search(rf'data-testid="already-proposed">.*href="/kandidater/forslag/{pid}">forslaget</a> '
                     r'\(foreslået til virksomheden\)', card)
    assert 'data-testid="decide-link"' not in card  # already decided: nothing to decide there


def test_an_ended_proposal_on_a_reopened_case_can_be_decided_again(app, client, auth, world):
    with app.app_context():
        proposal = Proposal(citizen_id=world["anna"], opening_id=world["lager"], status="ended",
                            ended_on=date(2026, 10, 1))
        db.session.add(proposal)
        db.session.commit()
        pid = proposal.id
    card = _page(client, auth, world).split(f'data-opening="{world["lager"]}"', 1)[1].split("</li>", 1)[0]
    assert f'href="/kandidater/forslag/{pid}">forslaget</a> blev afsluttet 01.10.2026' in card
    assert 'data-testid="decide-link"' in card


@pytest.mark.parametrize(("change", "says", "link"), [
    (lambda c: setattr(c, "restricted", True), "behandlingen af borgerens oplysninger er begrænset",
     "#begraensning"),
    (lambda c: setattr(c, "case_closed", date(2026, 11, 1)), "Sagen er afsluttet 01.11.2026", "#sag"),
    (lambda c: c.cv_documents.clear(), "Borgeren mangler", "/cv"),
    (lambda c: c.job_goals.clear(), "Borgeren mangler", "/jobmaal"),
])
def test_a_citizen_who_cannot_be_matched_is_told_why_and_where_to_fix_it(app, client, auth, world, change, says,
                                                                        link):
    with app.app_context():
        citizen = db.session.get(Citizen, world["anna"])
        change(citizen)
        db.session.commit()
    html = _page(client, auth, world)
    note = html.split('data-testid="not-matchable"', 1)[1].split("</div></div>", 1)[0]
    assert "Anna Lagerbæk kan ikke matches" in note and says.casefold() in note.casefold()
    assert re.search(rf'href="/borgere/{world["anna"]}[^"]*{re.escape(link)}"', note)
    assert not _cards(html)


def test_an_unknown_or_erased_citizen_is_404(app, client, auth, world):
    auth.login(world["consultant"].email)
    assert client.get("/kandidater/borger/999999").status_code == 404
    with app.app_context():
        db.session.get(Citizen, world["anna"]).anonymised_at = db.func.now()
        db.session.commit()
    assert client.get(f"/kandidater/borger/{world['anna']}").status_code == 404


def test_the_citizen_page_lists_the_proposals_and_who_has_the_name(app, client, auth, world):
    with app.app_context():
        shared = Proposal(citizen_id=world["anna"], opening_id=world["lager"], status="disclosed")
        waiting = Proposal(citizen_id=world["anna"], opening_id=world["pleje"], status="approved")
        db.session.add_all([shared, waiting])
        db.session.flush()
        db.session.add(Consent(proposal=shared, text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                               deadline=TODAY + timedelta(days=60), recorded_by_id=world["consultant"].id))
        db.session.commit()
        ids = {"shared": shared.id, "waiting": waiting.id}
    auth.login(world["consultant"].email)
    html = client.get(f"/borgere/{world['anna']}").get_data(as_text=True)
    table = html.split('data-testid="citizen-proposals"', 1)[1].split("</table>", 1)[0]
    rows = {int(i): row for i, row in re.findall(r'data-proposal-id="(\d+)">(.*?)</tr>', table, re.DOTALL)}
    row = rows[ids["shared"]]
    assert f'href="/kandidater/forslag/{ids["shared"]}">Lagermedarbejder med truckcertifikat</a>' in row
    assert world["company"] in row and "Navn og profil delt med virksomheden" in row
    assert "<strong>Ja</strong>" in row and f"Gælder til og med {TODAY + timedelta(days=60):%d.%m.%Y}" in row
    row = rows[ids["waiting"]]
    assert "Foreslået til virksomheden" in row and re.search(r'data-testid="name-shared">Nej<', row)
    assert f'href="/kandidater/borger/{world["anna"]}" data-testid="find-openings"' in html
    # Restricted: the name is hidden from the company at once, and the page says so.
    with app.app_context():
        db.session.get(Citizen, world["anna"]).restricted = True
        db.session.commit()
    html = client.get(f"/borgere/{world['anna']}").get_data(as_text=True)
    assert "Nej, skjult igen (behandlingen er begrænset)" in html


def test_a_citizen_without_proposals_is_told_so_and_offered_the_search(app, client, auth, world):
    auth.login(world["consultant"].email)
    html = client.get(f"/borgere/{world['anna']}").get_data(as_text=True)
    assert 'data-testid="no-citizen-proposals"' in html and 'data-testid="find-openings"' in html


def test_a_citizen_without_a_cv_text_gets_no_ranking_query(app, client, auth, world, monkeypatch):
    """No CV text: the page says what is missing without asking the engine (nothing to rank with)."""
    from portal.candidates import for_citizen

    def never(*args, **kwargs):
        raise AssertionError("ranked a citizen who cannot be matched")

    monkeypatch.setattr(for_citizen, "rank_openings", never)
    with app.app_context():
        citizen = db.session.get(Citizen, world["anna"])
        citizen.cv_documents.clear()
        citizen.cv_documents.append(CvDocument(text="  "))
        db.session.commit()
    assert "Borgeren mangler" in _page(client, auth, world)


def test_a_pair_reads_the_same_as_on_the_candidate_ranking_with_a_learned_model(app, client, auth, request):
    """The reverse ranking adjusts each pair as the candidate ranking does: the same band, step,
    score and learned adjustment on both pages."""
    from tests.portal.test_rerank_channel_card import DENSE_MODEL, _store

    world = request.getfixturevalue("world_of_four")
    _store(app, DENSE_MODEL)
    auth.login(world["consultant"].email)
    anna, opening = world["ids"]["Anna Lagerbæk"], world["opening_id"]

    def card(html, attribute):
        part = html.split(attribute, 1)[1].split("</li>", 1)[0]
        heading = re.search(r'<span class="badge">Samlet match: .*?</span> <span class="jobbro-score">[^<]*</span>', part,
                            re.DOTALL).group(0)
        learned = re.search(r'data-testid="learned-adjustment".*?</p>', part, re.DOTALL).group(0)
        return heading, learned

    ranking = card(client.get(f"/kandidater/opslag/{opening}").get_data(as_text=True), f'data-citizen="{anna}"')
    reverse = card(client.get(f"/kandidater/borger/{anna}").get_data(as_text=True), f'data-opening="{opening}"')
    assert "Justeret af lært model" in ranking[1]
    assert reverse == ranking


def test_backend_down_ranks_from_the_database_and_says_so(app, client, auth, world, monkeypatch):
    from matching.backends import BackendUnavailable

    with app.app_context():
        backend = _runtime().backend

    def down(*args, **kwargs):
        raise BackendUnavailable("connection refused")

    monkeypatch.setattr(backend, "search", down)
    html = _page(client, auth, world)
    assert 'data-testid="reduced-matching"' in html and "connection refused" not in html
    cards = [int(i) for i in _cards(html)]
    assert cards[0] == world["lager"] and world["draft"] not in cards


def test_the_page_says_how_many_openings_it_leaves_out_and_offers_them_all(client, auth, world, monkeypatch):
    """Review F11: the list stopped at TOP_OPENINGS without a word."""
    from portal.candidates import for_citizen

    monkeypatch.setattr(for_citizen, "TOP_OPENINGS", 1)
    html = _page(client, auth, world)
    assert len(_cards(html)) == 1
    count = html.split('data-testid="openings-count">', 1)[1].split("</p>", 1)[0]
    assert count.startswith("Viser det bedste af 2 åbne opslag, som borgeren opfylder kravene til.")
    assert f'<a href="/kandidater/borger/{world["anna"]}?alle=1" data-testid="show-all-openings">Vis alle 2 opslag</a>' in count
    everything = client.get(f"/kandidater/borger/{world['anna']}?alle=1").get_data(as_text=True)
    assert sorted(int(i) for i in _cards(everything)) == sorted([world["lager"], world["pleje"]])
    assert _cards(everything)[0] == _cards(html)[0]  # the top one is the same: a prefix of the whole list
    assert "Viser alle 2 åbne opslag, som borgeren opfylder kravene til." in everything
    assert f'<a href="/kandidater/borger/{world["anna"]}">Vis kun det bedste</a>' in everything


def test_a_list_that_is_not_cut_says_it_shows_them_all(client, auth, world):
    html = _page(client, auth, world)
    assert "Viser alle 2 åbne opslag, som borgeren opfylder kravene til." in html
    assert 'data-testid="show-all-openings"' not in html


def test_each_decide_link_names_its_opening(client, auth, world):
    """»Vurdér Anna på kandidatlisten« on every card: a links list or Tab tells them apart by the
    opening, in visually hidden text (review P 4)."""
    html = _page(client, auth, world)
    links = re.findall(r'data-testid="decide-link">(.*?)</a>', html)
    names = [" ".join(re.sub(r"<[^>]+>", " ", link).split()) for link in links]
    assert len(names) >= 2 and len(set(names)) == len(names)
    assert "Vurdér Anna Lagerbæk på kandidatlisten til »Lagermedarbejder med truckcertifikat«" in names
