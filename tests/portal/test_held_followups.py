"""Follow-ups of the hold after a change of an opening's requirements (portal.proposals_hold):
the consultant's start page lists the held candidates on their own and not among the interviews
to arrange; the citizen page says the hold (and an end because of it); no consent is recorded
and no name shared for a held candidate; the company's opening page shows a held card as the API
does (no name, no interviews; no CV); and portal.candidates does not import portal.openings."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import grimp
import pytest

from portal import proposals
from portal.extensions import db
from portal.openings import requirements
from store.models import Citizen, CvDocument, Interview, Opening, Proposal, User
from tests.clock import TODAY
from tests.portal.proposal_fixtures import IN_90_DAYS, MARKER, disclosed_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


def hold(app, world) -> None:
    """The company makes its opening a fleksjob, which the citizen (kontanthjælp) may not take."""
    with app.app_context():
        opening = db.session.get(Opening, world["opening"])
        opening.kind = "fleksjob"
        assert [p.id for p in requirements.remark(opening, ["kind"], TODAY)[0]] == [world["proposal"]]
        db.session.commit()
        assert requirements.is_held(db.session.get(Proposal, world["proposal"]))


@pytest.fixture
def world(app, make_user):
    """The citizen disclosed under a live consent, sharing the CV, with a booked interview; then held."""
    world = disclosed_world(app, make_user)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.decided_at = datetime.now(timezone.utc) - timedelta(days=3)
        proposal.share_cv = True
        db.session.add(CvDocument(citizen_id=world["citizen"], original_filename="cv.txt", content_type="txt",
                                  text="Kok i ti år"))
        db.session.add(Interview(proposal_id=world["proposal"], starts_at=datetime.now(timezone.utc) + timedelta(days=2),
                                 duration_minutes=45, location="Kantinen", offered_by="company",
                                 offered_by_id=world["company"].id, status="booked", uid="held-followup@jobbro"))
        db.session.commit()
    hold(app, world)
    return world


def test_portal_candidates_does_not_import_portal_openings():
    graph = grimp.build_graph("portal", cache_dir=None)
    found = [(module, imported) for module in graph.find_descendants("portal.candidates") | {"portal.candidates"}
             for imported in graph.find_modules_directly_imported_by(module)
             if imported == "portal.openings" or imported.startswith("portal.openings.")]
    assert found == []
    assert not hasattr(requirements, "_FIELD_WORDS") and requirements.FIELD_WORDS["kind"] == "type"


def test_the_start_page_lists_the_held_candidate_on_its_own_not_among_interviews(app, client, auth, world):
    from portal.main import queue

    with app.app_context():
        user = db.session.get(User, world["consultant"].id)
        # nothing to arrange: only the time booked before the hold, to cancel or keep (review AC 4)
        assert [(i.proposal.id, i.action) for i in queue.interviews_to_arrange(user, datetime.now(timezone.utc))] \
            == [(world["proposal"], queue.STANDING_HELD)]
        assert [p.id for p in queue.on_hold(user)] == [world["proposal"]]
        page = queue.for_consultant(user, TODAY)
        assert [p.id for p in page["on_hold"]] == [world["proposal"]]
        assert [i.action for i in page["interviews"]] == [queue.STANDING_HELD]
    auth.switch_to(world["consultant"].email)
    html = client.get("/").get_data(as_text=True)
    section = html.split('data-testid="queue-i-bero"')[1].split("</section>")[0]
    assert "Kandidater sat i bero, fordi opslagets krav er ændret" in section and MARKER in section
    assert f'href="/kandidater/forslag/{world["proposal"]}"' in section
    assert 'data-testid="figure-i-bero" data-count="1"' in html
    talks = html.split('data-testid="queue-samtaler"')[1].split("</section>")[0]
    assert "Kandidaten er i bero: aflys eller behold samtalen den" in talks and "Aftal en samtale" not in talks


def test_the_companys_consultant_finds_the_held_candidate_on_the_start_page(app, client, auth, make_user, world):
    """The company's consultant is told of the hold (requirements.notify_consultants) and talks to
    the company, so the start page lists the candidate for them too; another consultant's does not."""
    from portal.main import queue

    company_consultant = make_user("consultant")
    stranger = make_user("consultant")
    with app.app_context():
        opening = db.session.get(Opening, world["opening"])
        opening.company.consultant_id = company_consultant.id
        db.session.commit()
        assert [p.id for p in queue.on_hold(db.session.get(User, company_consultant.id))] == [world["proposal"]]
        assert queue.on_hold(db.session.get(User, stranger.id)) == []
    auth.switch_to(company_consultant.email)
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="figure-i-bero" data-count="1"' in html
    section = html.split('data-testid="queue-i-bero"')[1].split("</section>")[0]
    assert f'href="/kandidater/forslag/{world["proposal"]}"' in section
    auth.switch_to(stranger.email)
    assert 'data-testid="figure-i-bero" data-count="0"' in client.get("/").get_data(as_text=True)


def test_a_candidate_the_opening_fits_again_leaves_the_held_list(app, world):
    from portal.main import queue

    with app.app_context():
        db.session.get(Citizen, world["citizen"]).benefit_group = "ledighedsydelse"  # may take a fleksjob
        db.session.commit()
        user = db.session.get(User, world["consultant"].id)
        assert queue.on_hold(user) == []
        assert world["proposal"] in [i.proposal.id for i in queue.interviews_to_arrange(user, datetime.now(timezone.utc))]


def test_the_citizen_page_says_the_hold_and_the_end_because_of_it(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    assert 'data-testid="citizen-proposal-status">I bero – opslagets krav er ændret<' in html
    page_url = f"/kandidater/forslag/{world['proposal']}"
    client.post(f"{page_url}/afslut", data={"csrf_token": auth.csrf_token(page_url)})
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "opening_done"
    html = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    assert 'data-testid="citizen-proposal-status">Afsluttet – opslagets krav er ændret<' in html


def test_no_consent_is_recorded_for_a_held_candidate(app, client, auth, world):
    from portal.candidates import sharing

    auth.switch_to(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    refusal = html.split('data-testid="sharing-refused"')[1].split("</div></div>")[0]
    assert "Opslagets krav er ændret, og borgeren opfylder dem ikke længere" in refusal
    assert 'data-testid="consent-form"' not in html

    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        user = db.session.get(User, world["consultant"].id)
        with pytest.raises(proposals.TransitionError, match="Opslagets krav er ændret"):
            sharing.record_consent(proposal, user, channel="telefon", deadline=IN_90_DAYS + timedelta(days=10))
        db.session.rollback()
        assert proposals.sharing_refusal(proposal) == proposals.HELD_MESSAGE
        assert len(db.session.get(Proposal, world["proposal"]).consents) == 1


def test_the_name_is_not_shared_for_a_held_candidate(app, make_user):
    from portal.candidates import sharing

    world = disclosed_world(app, make_user)
    set_status(app, world["proposal"], "consented")
    hold(app, world)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        with pytest.raises(proposals.TransitionError) as refused:
            sharing.disclose(proposal, db.session.get(User, world["consultant"].id))
        assert refused.value.message == proposals.HELD_MESSAGE
        db.session.rollback()
        assert db.session.get(Proposal, world["proposal"]).status == "consented"


def test_the_companys_opening_page_shows_a_held_card_without_name_interviews_or_cv(app, client, auth, world):
    auth.switch_to(world["company"].email)
    assert client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/cv").status_code == 404
    html = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    card = html.split('data-testid="shared-candidate"')[1].split("</li>")[0]
    assert 'data-testid="candidate-on-hold"' in card
    assert MARKER not in html and 'data-testid="candidate-name"' not in card
    assert 'data-testid="candidate-interview-booked"' not in card
