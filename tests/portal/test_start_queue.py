"""The consultant's start page is a work queue: counts match the rows, every row leads somewhere."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import Proposal, User
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")

SECTIONS = ("forslag", "nye-opslag", "svar", "del-navnet", "hotline", "kan-ikke-matches", "opfoelgning", "samtaler", "samtykker")


@pytest.fixture
def demo_consultant(app, password_hash):
    """The demo data (a smaller set) with the demo consultant able to log in."""
    from portal.demo.loader import load_demo

    with app.app_context():
        load_demo(db.session, TODAY, citizen_count=150, password_hash=password_hash)
        return db.session.scalar(sa.select(User.email).where(User.email == "konsulent@demo.jobbro.dk"))


def _section(html: str, key: str) -> str:
    match = re.search(rf'<section data-testid="queue-{key}">(.*?)</section>', html, re.DOTALL)
    assert match, f"no section {key}"
    return match.group(1)


def _rows(section: str) -> list[str]:
    return re.findall(r'<tr data-testid="queue-row">(.*?)</tr>', section, re.DOTALL)


def _count(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}"[^>]*>([\d.]+)<', html)
    assert match, testid
    return int(match.group(1).replace(".", ""))


def test_counts_match_the_rows_and_every_row_link_resolves(app, client, auth, demo_consultant):
    auth.login(demo_consultant)
    html = client.get("/").get_data(as_text=True)
    assert 'data-role="consultant"' in html
    assert "<title>Forside · Jobbro</title>" in html  # a section once ended up in the title
    assert html.count('data-testid="queue-samtaler"') == 1
    seen = 0
    for key in SECTIONS:
        rows = _rows(_section(html, key))
        count = _count(html, f"count-{key}")
        assert _count(html, f"figure-{key}") == count, key
        if key == "opfoelgning":  # the first ten, and a link to all
            assert len(rows) == min(count, 10), key
            assert ("Se alle" in _section(html, key)) == (count > 10)
        else:
            assert count == len(rows), key
        for row in rows:
            links = re.findall(r'href="([^"]+)"', row)
            assert links, f"row without a link in {key}: {row}"
            for link in links:
                assert client.get(link.replace("&amp;", "&")).status_code == 200, link
        seen += len(rows)
    assert seen > 0  # the demo gives the consultant work
    caseload = re.search(r'<a href="([^"]+)" data-testid="caseload">([\d.]+) borgere', html)
    assert caseload and caseload.group(1) == "/borgere/"
    listed = client.get("/borgere/").get_data(as_text=True)  # the same citizens, "mine" by default
    assert f'af de viste {caseload.group(2)} borgere' in listed, "the caseload figure is the list's"


def test_the_follow_up_count_and_the_list_it_links_to_agree(app, client, auth, demo_consultant):
    """The start page counts the placements that need follow-up; its link opens the list
    narrowed to exactly those (same count), and the whole list, OK rows included, stays one
    link away on both pages."""
    auth.login(demo_consultant)
    html = client.get("/").get_data(as_text=True)
    count, section = _count(html, "count-opfoelgning"), _section(html, "opfoelgning")
    flagged_link = "/forloeb/opfoelgning?kraever=1"
    assert count > 10 and f'<a href="{flagged_link}" data-testid="followups-flagged">Se alle {count} forløb' in section
    assert '<a href="/forloeb/opfoelgning" data-testid="followups-all">' in section
    narrowed = client.get(flagged_link).get_data(as_text=True)
    rows = re.findall(r'<tr data-testid="followup-row".*?</tr>', narrowed, re.DOTALL)
    assert len(rows) == count == _count(narrowed, "flagged-count")
    assert not any('data-testid="starts"' in row or "badge-success" in row for row in rows)
    everything = client.get("/forloeb/opfoelgning").get_data(as_text=True)
    total = len(re.findall(r'data-testid="followup-row"', everything))
    assert total > count and _count(everything, "flagged-count") == count  # the demo has OK rows too
    assert f'data-testid="show-all">Vis alle {total} forløb' in narrowed
    assert re.search(rf'href="/forloeb/opfoelgning\?[^"]*kraever=1" data-testid="show-flagged">Vis kun de {count},',
                     everything)
    # Sorting and changing scope keep the narrowing.
    assert 'href="/forloeb/opfoelgning?omfang=mine&amp;sort=-start&amp;kraever=1"' in narrowed


def test_pending_proposals_are_the_consultants_proposed_ones(app, client, auth, demo_consultant):
    auth.login(demo_consultant)
    html = client.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == demo_consultant))
        expected = db.session.scalars(sa.select(Proposal.id).join(Proposal.citizen)
                                      .where(Proposal.status == "proposed")
                                      .where(sa.text("citizen.vk_id = :u")).params(u=user.id)).all()
    links = re.findall(r'href="/kandidater/forslag/(\d+)"', _section(html, "forslag"))
    assert sorted(map(int, links)) == sorted(expected)
    assert expected, "the demo has proposals waiting for the consultant"


def test_unmatchable_citizens_link_to_each_fix(app, client, auth, make_user):
    from store.models import Citizen

    consultant = make_user("consultant")
    with app.app_context():
        citizen = Citizen(name="Uden Alt", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=TODAY - timedelta(days=30),
                          hours_available=10, adviser_id=consultant.id)
        db.session.add(citizen)
        db.session.commit()
        cid = citizen.id
    auth.login(consultant.email)
    section = _section(client.get("/").get_data(as_text=True), "kan-ikke-matches")
    fixes = re.findall(r'<a href="([^"]+)" data-testid="fix">', section)
    assert fixes == [f"/borgere/{cid}/cv", f"/borgere/{cid}/jobmaal", f"/borgere/{cid}/sagsbehandlere"]
    for link in fixes:
        assert client.get(link).status_code == 200, link



def test_interviews_to_arrange_hold_and_report(app, client, auth, make_user):
    from datetime import datetime, timezone

    from store.models import Citizen, Interview
    from tests.portal.proposal_fixtures import build_world, set_status

    world = build_world(app, make_user)
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.commit()

    def rows() -> list[str]:
        auth.switch_to(world["consultant"].email)
        html = client.get("/").get_data(as_text=True)
        found = _rows(_section(html, "samtaler"))
        assert _count(html, "count-samtaler") == len(found) == _count(html, "figure-samtaler")
        for row in found:
            assert 'href="/kandidater/forslag/%d#samtale"' % world["proposal"] in row
        return [re.sub(r"<[^>]+>|\s+", " ", row) for row in found]

    assert rows() == []  # approved, not disclosed: nothing to arrange yet
    set_status(app, world["proposal"], "disclosed", consent=True)
    assert len(rows()) == 1 and "Aftal en samtale" in rows()[0]

    def add(status: str, hours: float, side: str = "company") -> None:
        with app.app_context():
            db.session.add(Interview(
                proposal_id=world["proposal"], starts_at=datetime.now(timezone.utc) + timedelta(hours=hours),
                duration_minutes=60, location="Kantinen", offered_by=side, status=status,
                uid=f"{status}{hours}@test"))
            db.session.commit()

    add("offered", 48)
    assert "Vælg en af virksomhedens tider" in rows()[0]
    with app.app_context():
        db.session.execute(sa.update(Interview).values(status="declined"))
        db.session.commit()
    add("booked", 24)
    assert "Samtale aftalt" in rows()[0]
    with app.app_context():
        db.session.execute(sa.update(Interview).where(Interview.status == "booked").values(status="cancelled"))
        db.session.commit()
    add("booked", -3)
    assert "mangler at melde udfald" in rows()[0]
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = "hired"
        db.session.commit()
    assert rows() == []  # hired: the row moves to the company answers (start the placement)


@pytest.mark.parametrize("status, action, anchor", [
    ("approved", "Indhent samtykke og del navnet", "#samtykke"),
    ("consented", "Godkend profilen og del navnet", "#profil"),  # the consent is there already
    ("disclosed", "Aftal samtale eller start forløb", ""),
])
def test_a_company_answer_names_the_next_step_of_its_state(app, client, auth, make_user, status, action, anchor):
    from store.models import Citizen
    from tests.portal.proposal_fixtures import build_world, set_status

    world = build_world(app, make_user)
    set_status(app, world["proposal"], status, consent=status != "approved")
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.company_response, proposal.company_responded_at = "interested", proposal.decided_at
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    [row] = _rows(_section(client.get("/").get_data(as_text=True), "svar"))
    assert f'<a href="/kandidater/forslag/{world["proposal"]}{anchor}">{action}<span class="sr-only"> (' in row


def test_an_interested_answer_is_one_line_not_also_an_interview_to_arrange(app, client, auth, make_user):
    """Review L 8: the answers list already says »Aftal samtale eller start forløb«; the interview
    list takes the proposal over once an interview is offered."""
    from store.models import Citizen
    from tests.portal.proposal_fixtures import build_world, set_status

    world = build_world(app, make_user)
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.company_response, proposal.company_responded_at = "interested", proposal.decided_at
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    start = client.get("/").get_data(as_text=True)
    assert len(_rows(_section(start, "svar"))) == 1
    assert _rows(_section(start, "samtaler")) == []


@pytest.mark.parametrize("status", ["consented", "disclosed"])
def test_an_answer_with_an_expired_consent_offers_what_the_page_can_do(app, client, auth, make_user, status):
    """Not "agree an interview" or "share the name": without a live consent the page refuses
    both; the line leads to where a new consent is recorded (or the expired one ended)."""
    from store.models import Citizen, Consent
    from tests.portal.proposal_fixtures import build_world, set_status

    world = build_world(app, make_user)
    set_status(app, world["proposal"], status, consent=True)
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.company_response, proposal.company_responded_at = "interested", proposal.decided_at
        db.session.scalars(sa.select(Consent)).one().deadline = TODAY - timedelta(days=1)
        proposal.shared_profile, proposal.profile_approved_at = {"experience": "Kok"}, proposal.created_at
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    start = client.get("/").get_data(as_text=True)
    [row] = _rows(_section(start, "svar"))
    assert _rows(_section(start, "samtykker")) == []  # the answer's line leads there; not twice
    link = f'/kandidater/forslag/{world["proposal"]}#samtykke'
    assert f'<a href="{link}">Samtykket er udløbet: registrér et nyt samtykke<span class="sr-only"> (' in row
    page = client.get(link.split("#")[0]).get_data(as_text=True)
    assert '<h3 id="samtykke">Registrér et nyt samtykke</h3>' in page and 'data-testid="consent-expired"' in page
    assert 'data-testid="consent-form"' in page  # renewed in one step
    assert 'id="samtykke-udloebet"' in page and "Afslut det udløbne samtykke" in page  # or ended
    assert 'data-testid="start-placement"' not in page and 'data-testid="disclose"' not in page
    assert 'data-testid="disclose-blocked"' not in page
    token = auth.csrf_token(link.split("#")[0])
    client.post(f'/kandidater/forslag/{world["proposal"]}/tilbagekald', data={"csrf_token": token})
    assert 'data-testid="consent-form"' in client.get(link.split("#")[0]).get_data(as_text=True)


def _consent_world(app, make_user, status: str, deadline_in_days: int, **proposal_changes):
    """A proposal in ``status`` of the consultant's citizen with one consent ending then."""
    from store.models import Citizen, Consent
    from tests.portal.proposal_fixtures import build_world, set_status

    world = build_world(app, make_user)
    set_status(app, world["proposal"], status, consent=True)
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.scalars(sa.select(Consent)).one().deadline = TODAY + timedelta(days=deadline_in_days)
        proposal = db.session.get(Proposal, world["proposal"])
        for key, value in proposal_changes.items():
            setattr(proposal, key, value)
        db.session.commit()
    return world


@pytest.mark.parametrize("status, days, shown", [
    ("disclosed", 10, "Gælder til og med"),  # due soon: renew it
    ("consented", 14, "Gælder til og med"),
    ("disclosed", 0, "Gælder til og med"),  # the last day
    ("disclosed", -5, "Udløb"),  # lapsed lately: the company no longer sees the name
    ("disclosed", 15, None),  # not yet
    ("disclosed", -31, None),  # long ago: the proposal page's matter
])
def test_consents_running_out_are_listed_with_their_renewal(app, client, auth, make_user, status, days, shown):
    world = _consent_world(app, make_user, status, days)
    auth.switch_to(world["consultant"].email)
    html = client.get("/").get_data(as_text=True)
    rows = _rows(_section(html, "samtykker"))
    assert _count(html, "count-samtykker") == len(rows)
    if shown is None:
        assert rows == []
        return
    [row] = rows
    link = f'/kandidater/forslag/{world["proposal"]}#samtykke'
    assert f'<a href="{link}">{shown}' in row
    page = client.get(link.split("#")[0]).get_data(as_text=True)
    assert 'id="samtykke"' in page and 'data-testid="consent-form"' in page
    if days >= 0:  # the renewal form is folded, and opened because it is due
        assert re.search(r'<details[^>]*data-testid="renew-consent" open>', page)


def test_a_renewed_withdrawn_or_declined_consent_leaves_the_list(app, client, auth, make_user):
    from portal import proposals
    from store.models import Consent

    world = _consent_world(app, make_user, "disclosed", 5)
    auth.switch_to(world["consultant"].email)
    assert len(_rows(_section(client.get("/").get_data(as_text=True), "samtykker"))) == 1
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposals.record_consent(proposal, db.session.get(User, world["consultant"].id), channel="telefon",
                                 deadline=TODAY + timedelta(days=120))
    assert _rows(_section(client.get("/").get_data(as_text=True), "samtykker")) == []  # renewed
    with app.app_context():
        db.session.scalars(sa.select(Consent).where(Consent.replaced_at.is_(None))).one().deadline = TODAY
        db.session.get(Proposal, world["proposal"]).company_response = "declined"
        db.session.commit()
    assert _rows(_section(client.get("/").get_data(as_text=True), "samtykker")) == []  # the company said no
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = None
        db.session.commit()
        proposals.withdraw(db.session.get(Proposal, world["proposal"]), db.session.get(User, world["consultant"].id))
    assert _rows(_section(client.get("/").get_data(as_text=True), "samtykker")) == []  # withdrawn


def test_another_consultants_citizen_is_not_listed(app, client, auth, make_user):
    _consent_world(app, make_user, "disclosed", 5)
    other = make_user("consultant")
    auth.switch_to(other.email)
    assert _rows(_section(client.get("/").get_data(as_text=True), "samtykker")) == []


def test_a_recorded_consent_waits_on_the_start_page_until_the_name_is_shared(app, client, auth, make_user):
    from portal import proposals
    from tests.portal.proposal_fixtures import build_world

    world = build_world(app, make_user)
    with app.app_context():
        from store.models import Citizen
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.commit()
        proposal = db.session.get(Proposal, world["proposal"])
        consultant = db.session.get(User, world["consultant"].id)
        proposals.record_consent(proposal, consultant, channel="telefon", deadline=TODAY + timedelta(days=60))
    auth.switch_to(world["consultant"].email)
    [row] = _rows(_section(client.get("/").get_data(as_text=True), "del-navnet"))
    assert f'href="/kandidater/forslag/{world["proposal"]}#profil">Godkend profilen og del navnet<span class="sr-only"> (' in row
    with app.app_context():  # shared: the line goes
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.shared_profile, proposal.profile_approved_at = {"experience": "Kok"}, proposal.created_at
        proposals.disclose(proposal, db.session.get(User, world["consultant"].id))
    assert _rows(_section(client.get("/").get_data(as_text=True), "del-navnet")) == []


@pytest.mark.parametrize("reason, listed", [("aflyst", True), ("afbrudt", False)])
def test_a_placement_cancelled_before_its_start_ends_nothing_on_the_pair(app, client, auth, make_user, reason, listed):
    """The pair's only placement was cancelled before its start (end reason "aflyst"): it never ran,
    so the consent running out is still to renew, and the line says no »I forløb«. The control, a
    placement ended (»afbrudt«), leaves nothing to share the name for."""
    from store.models import Opening, Placement

    world = _consent_world(app, make_user, "disclosed", 10)
    with app.app_context():
        opening = db.session.get(Opening, world["opening"])
        start = TODAY - timedelta(days=3)
        db.session.add(Placement(citizen_id=world["citizen"], company_id=opening.company_id, opening_id=opening.id,
                                 kind=opening.kind, start_date=start, end_date=start, end_reason=reason,
                                 weekly_hours=10))
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    rows = _rows(_section(client.get("/").get_data(as_text=True), "samtykker"))
    assert len(rows) == int(listed)
    assert not [row for row in rows if "I forløb" in row]


@pytest.mark.parametrize("reason, waits", [("aflyst", True), ("afbrudt", False)])
def test_a_hire_whose_placement_was_cancelled_before_its_start_waits_for_a_start_again(app, client, auth, make_user,
                                                                                       reason, waits):
    """The company answered »ansat«; the placement was cancelled before its start (end reason
    "aflyst"): no placement ran, so the answer is the consultant's again. The control, a placement
    ended as "afbrudt", handled the answer."""
    from store.models import Opening, Placement

    world = _consent_world(app, make_user, "disclosed", 60)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.company_response, proposal.company_responded_at = "hired", proposal.decided_at
        opening = db.session.get(Opening, world["opening"])
        start = TODAY - timedelta(days=3)
        db.session.add(Placement(citizen_id=world["citizen"], company_id=opening.company_id, opening_id=opening.id,
                                 kind=opening.kind, start_date=start, end_date=start, end_reason=reason,
                                 weekly_hours=10))
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    rows = _rows(_section(client.get("/").get_data(as_text=True), "svar"))
    assert len(rows) == int(waits)
