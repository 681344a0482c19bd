"""Skånehensyn at the approval step (review AV 4): the ranking card's »Godkend og foreslå« and the
proposal page waiting for assessment say that the citizen HAS skånehensyn, never which, show the
opening's »Mulige skånehensyn«, and link to the skånehensyn page, where the read is logged."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.candidates.limitations import with_limitations
from portal.extensions import db
from store.models import AuditEvent, Citizen, CvDocument, JobGoal, Opening
from tests.portal.proposal_fixtures import build_world, set_status
from tests.portal.test_candidates import world  # noqa: F401 - the fixture

HEALTH = "Qzlimit rygskade og angst"  # the description: may appear on no page but the skånehensyn page
ACCOMMODATIONS = "Fleksibel mødetid og hjælpemidler til løft"
FLAG_LABELS = ("Ingen tunge løft", "Behov for roligt miljø")


def _card(html: str, citizen_id: int) -> str:
    return html.split(f'data-citizen="{citizen_id}"')[1].split("</li>")[0]


def _no_health(html: str) -> None:
    assert HEALTH not in html
    for label in FLAG_LABELS:
        assert label not in html


@pytest.fixture
def ranked(app, world):  # noqa: F811
    """The ranking world: Anna has skånehensyn (flags and a description), Bo none; the opening
    names its possible accommodations."""
    with app.app_context():
        anna = db.session.get(Citizen, world["ids"]["Anna Lagerbæk"])
        anna.limitation_flags, anna.limitations_text = ["no_heavy_lifting", "quiet_environment"], HEALTH
        db.session.get(Opening, world["opening_id"]).accommodations = ACCOMMODATIONS
        db.session.commit()
    return world


def test_the_ranking_card_says_the_citizen_has_skaanehensyn_and_shows_the_openings(client, auth, ranked):
    auth.login(ranked["consultant"].email)
    html = client.get(f"/kandidater/opslag/{ranked['opening_id']}").get_data(as_text=True)
    anna, bo = ranked["ids"]["Anna Lagerbæk"], ranked["ids"]["Bo Omsorg"]
    card = _card(html, anna)
    note = card.split('data-testid="has-limitations"')[1].split('<div class="jobbro-decide">')[0]
    assert "Borgeren har skånehensyn" in note
    assert f'href="/borgere/{anna}/skaanehensyn"' in note and "visningen logges" in note
    assert "Opslagets mulige skånehensyn:" in note and ACCOMMODATIONS in note
    assert card.index('data-testid="has-limitations"') < card.index('value="approve"')  # before approving
    assert 'data-testid="has-limitations"' not in _card(html, bo)  # without skånehensyn: nothing
    _no_health(html)


def test_the_ranking_reads_no_skaanehensyn(app, client, auth, ranked):
    """Showing the fact is not a read of the skånehensyn: nothing is logged as one."""
    auth.login(ranked["consultant"].email)
    client.get(f"/kandidater/opslag/{ranked['opening_id']}")
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "rank_candidates" in actions and "read_limitations" not in actions


def test_an_opening_without_accommodations_says_so(app, client, auth, ranked):
    with app.app_context():
        db.session.get(Opening, ranked["opening_id"]).accommodations = ""
        db.session.commit()
    auth.login(ranked["consultant"].email)
    html = client.get(f"/kandidater/opslag/{ranked['opening_id']}").get_data(as_text=True)
    note = _card(html, ranked["ids"]["Anna Lagerbæk"]).split('data-testid="has-limitations"')[1]
    assert "Opslaget angiver ingen mulige skånehensyn" in note


def test_the_link_leads_to_the_logged_read(app, client, auth, ranked, make_user):
    """The citizen's VK reads them there, logged with the basis; a consultant outside the case
    gets the purpose form and nothing of them."""
    anna = ranked["ids"]["Anna Lagerbæk"]
    auth.login(ranked["consultant"].email)
    html = client.get(f"/kandidater/opslag/{ranked['opening_id']}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" data-testid="limitations-link"', _card(html, anna)).group(1)
    page = client.get(link).get_data(as_text=True)
    assert HEALTH in page and "Ingen tunge løft" in page
    with app.app_context():
        read = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "read_limitations")).one()
        assert (read.citizen_id, read.purpose) == (anna, "need to know: vk")
    auth.logout()
    outsider = make_user("consultant", email="udenfor@jobcenter.dk")
    auth.login(outsider.email)
    page = client.get(link).get_data(as_text=True)
    assert 'data-testid="break-glass-form"' in page
    _no_health(page)


@pytest.fixture
def waiting(app, make_user):
    """A proposal waiting for the consultant's assessment; the citizen matchable near the opening."""
    made = build_world(app, make_user)
    with app.app_context():
        citizen = db.session.get(Citizen, made["citizen"])
        citizen.vk_id, citizen.postcode, citizen.max_commute_km = made["consultant"].id, "7130", 30
        db.session.add_all([CvDocument(citizen_id=citizen.id, text="Kok i kantine, 5 år. Madlavning og opvask."),
                            JobGoal(citizen_id=citizen.id, title="Kok", position=0)])
        db.session.get(Opening, made["opening"]).accommodations = ACCOMMODATIONS
        db.session.commit()
    set_status(app, made["proposal"], "proposed")
    return made


def _set_limitations(app, citizen_id: int, flags: list[str], text: str) -> None:
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        citizen.limitation_flags, citizen.limitations_text = flags, text
        db.session.commit()


@pytest.mark.usefixtures("frozen_today")
def test_the_proposal_page_says_the_citizen_has_skaanehensyn_before_approval(app, client, auth, waiting):
    _set_limitations(app, waiting["citizen"], ["no_heavy_lifting"], HEALTH)
    auth.login(waiting["consultant"].email)
    html = client.get(f"/kandidater/forslag/{waiting['proposal']}").get_data(as_text=True)
    note = html.split('data-testid="has-limitations"')[1].split('data-testid="assess-approve"')[0]
    assert "Borgeren har skånehensyn" in note
    assert f'href="/borgere/{waiting["citizen"]}/skaanehensyn"' in note
    assert ACCOMMODATIONS in note
    _no_health(html)


@pytest.mark.usefixtures("frozen_today")
@pytest.mark.parametrize("flags, text", [([], ""), ([], "   ")])
def test_a_citizen_without_skaanehensyn_shows_nothing(app, client, auth, waiting, flags, text):
    _set_limitations(app, waiting["citizen"], flags, text)
    auth.login(waiting["consultant"].email)
    html = client.get(f"/kandidater/forslag/{waiting['proposal']}").get_data(as_text=True)
    assert 'data-testid="assess-approve"' in html
    assert 'data-testid="has-limitations"' not in html and ACCOMMODATIONS not in html


@pytest.mark.usefixtures("frozen_today")
def test_after_approval_the_page_no_longer_asks(app, client, auth, waiting):
    """The note belongs to the approval: an approved proposal's page has none."""
    _set_limitations(app, waiting["citizen"], ["no_heavy_lifting"], "")
    set_status(app, waiting["proposal"], "approved")
    auth.login(waiting["consultant"].email)
    html = client.get(f"/kandidater/forslag/{waiting['proposal']}").get_data(as_text=True)
    assert 'data-testid="has-limitations"' not in html


@pytest.mark.usefixtures("frozen_today")
def test_the_company_sees_nothing_of_it(app, client, auth, waiting):
    _set_limitations(app, waiting["citizen"], ["no_heavy_lifting"], HEALTH)
    set_status(app, waiting["proposal"], "approved")
    auth.login(waiting["company"].email)
    for path in (f"/opslag/{waiting['opening']}", f"/opslag/{waiting['opening']}/kandidat/{waiting['proposal']}"):
        html = client.get(path).get_data(as_text=True)
        assert "Borgeren har skånehensyn" not in html and 'data-testid="has-limitations"' not in html, path
        _no_health(html)


def test_with_limitations_counts_a_flag_or_a_description_never_blank_text(app, make_user):
    vk = make_user("consultant", email="vk@jobcenter.dk")
    outsider = make_user("consultant", email="udenfor@jobcenter.dk")
    with app.app_context():
        rows = [Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                        case_start=date(2026, 1, 5), limitation_flags=flags, limitations_text=text, vk_id=vk.id)
                for name, flags, text in [("Flag", ["no_night_work"], ""), ("Tekst", [], "Kort beskrivelse"),
                                          ("Ingen", [], ""), ("Blank", [], "   ")]]
        db.session.add_all(rows)
        db.session.commit()
        ids = {c.name: c.id for c in rows}
        assert with_limitations(ids.values(), db.session.get(type(vk), vk.id)) == {
            ids["Flag"]: "has", ids["Tekst"]: "has"}
        # outside the case the answer is the same for everyone: it says nothing of who has any
        assert with_limitations(ids.values(), db.session.get(type(outsider), outsider.id)) == {
            i: "ask" for i in ids.values()}
        assert with_limitations([], db.session.get(type(vk), vk.id)) == {}


def test_a_consultant_outside_the_case_is_not_told_who_has_skaanehensyn(client, auth, ranked, make_user):
    """Even the fact is health data: outside the case every card gets the same neutral line, with the
    link to the page that asks for a purpose and logs the read."""
    outsider = make_user("consultant", email="udenfor@jobcenter.dk")
    auth.login(outsider.email)
    html = client.get(f"/kandidater/opslag/{ranked['opening_id']}").get_data(as_text=True)
    anna, bo = ranked["ids"]["Anna Lagerbæk"], ranked["ids"]["Bo Omsorg"]
    assert "Borgeren har skånehensyn" not in html and 'data-testid="has-limitations"' not in html
    lines = [re.sub(r"/borgere/\d+/|se [^<]+</a>", "", _card(html, who).split('data-testid="limitations-ask"')[1]
                    .split("</p>")[0]) for who in (anna, bo)]
    assert lines[0] == lines[1] and "du angiver et formål, og visningen logges" in lines[0]
    _no_health(html)


def test_the_openings_text_keeps_its_paragraphs_and_is_escaped(app, client, auth, ranked):
    with app.app_context():
        db.session.get(Opening, ranked["opening_id"]).accommodations = "Fleksibel mødetid.\n\n<script>x</script> Mentor."
        db.session.commit()
    auth.login(ranked["consultant"].email)
    html = client.get(f"/kandidater/opslag/{ranked['opening_id']}").get_data(as_text=True)
    note = _card(html, ranked["ids"]["Anna Lagerbæk"]).split('data-testid="has-limitations"')[1]
    assert "<strong>Opslagets mulige skånehensyn:</strong> Fleksibel mødetid.</p>" in note
    assert '<p class="alert-text">&lt;script&gt;x&lt;/script&gt; Mentor.</p>' in note
