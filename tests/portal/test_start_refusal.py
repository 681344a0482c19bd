"""One rule for starting a placement (portal.placements.lifecycle.start_refusal, review AC 1, 2, 6, 8):
no start for a candidate on hold after a change of the opening's requirements, nor on a filled or
closed opening the company never answered »Ansat / startet«; the proposal page offers no
»Start forløb« then and says so once, without telling the consultant to arrange an interview;
the citizen page says the company does not see the name while the candidate is on hold; the next
step follows the interview once one is offered or booked."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.openings import requirements
from portal.placements import lifecycle
from store.models import Citizen, Interview, Opening, Placement, Proposal, User
from tests.clock import TODAY
from tests.portal.proposal_fixtures import add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

START = {"kind": "virksomhedspraktik", "start_date": "2026-12-01", "weekly_hours": "12,5"}


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def hold(app, world) -> None:
    """The company raises the opening's minimum hours above the citizen's 12.5 (review AC 1's own case)."""
    with app.app_context():
        opening = db.session.get(Opening, world["opening"])
        opening.hours_min = 15.0
        assert [p.id for p in requirements.remark(opening, ["hours_min"], TODAY)[0]] == [world["proposal"]]
        db.session.commit()


def set_opening(app, world, status: str, response: str | None = None) -> None:
    with app.app_context():
        db.session.get(Opening, world["opening"]).status = status
        db.session.get(Proposal, world["proposal"]).company_response = response
        db.session.commit()


def placements(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Placement))


def proposal_page(client, auth, world) -> str:
    auth.switch_to(world["consultant"].email)
    response = client.get(f"/kandidater/forslag/{world['proposal']}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def next_steps(html: str) -> str:
    return html.split('data-testid="next-steps"')[1].split("</section>")[0]


def post_start(client, auth, world):
    auth.switch_to(world["consultant"].email)
    return client.post(f"/forloeb/ny/{world['proposal']}",
                       data={**START, "csrf_token": auth.csrf_token(f"/kandidater/forslag/{world['proposal']}")})


def refusal(app, world) -> str | None:
    with app.app_context():
        return lifecycle.start_refusal(db.session.get(Proposal, world["proposal"]), TODAY)


def test_a_held_candidate_cannot_be_started_and_the_page_says_why_once(app, client, auth, world):
    assert 'data-testid="start-placement"' in proposal_page(client, auth, world)
    hold(app, world)
    response = post_start(client, auth, world)
    assert placements(app) == 0
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/kandidater/forslag/{world['proposal']}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="start-placement"' not in html
    assert "Virksomheden kender borgerens navn" not in html and "Aftal en samtale" not in html
    steps = next_steps(html)
    assert 'data-testid="next-step-text"' not in steps
    message = refusal(app, world)
    assert message.startswith("Opslagets krav er ændret, og borgeren opfylder dem ikke længere. Navnet var delt, "
                              "men virksomheden ser det ikke, mens kandidaten er i bero, og der startes ikke forløb.")
    assert "Tal med virksomheden om kravene, eller afslut forslaget" in message
    assert steps.count(message) == 1  # said once in »Næste skridt« (the refused start's flash is above it)
    assert message in html.split('data-testid="next-steps"')[0]  # the flash
    with app.app_context(), pytest.raises(lifecycle.LifecycleError) as err:
        lifecycle.check_startable(db.session.get(Proposal, world["proposal"]), TODAY)
    assert err.value.message == message
    assert client.get(f"/forloeb/ny/{world['proposal']}").status_code == 302


def test_a_held_candidate_on_a_closed_opening_is_only_told_to_be_ended(app, client, auth, world):
    hold(app, world)
    set_opening(app, world, "closed")
    steps = next_steps(proposal_page(client, auth, world))
    assert "Opslaget er også lukket: fortæl borgeren det, og afslut forslaget." in steps
    assert "om kravene" not in steps and "Aftal en samtale" not in steps


@pytest.mark.parametrize("status, word", [("closed", "lukket"), ("filled", "besat")])
def test_no_start_on_a_done_opening_the_company_never_said_hired_to(app, client, auth, world, status, word):
    set_opening(app, world, status, "interested")
    response = post_start(client, auth, world)
    assert placements(app) == 0 and response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="start-placement"' not in html and "Aftal en samtale" not in html
    message = refusal(app, world)
    assert message.startswith(f"Opslaget er {word}, og virksomheden har ikke svaret »Ansat / startet« på kandidaten, "
                              "så der startes ikke forløb")
    assert "bed den svare »Ansat / startet«" in message
    assert message in next_steps(html)


@pytest.mark.parametrize("status, word", [("closed", "lukket"), ("filled", "besat")])
def test_a_name_never_shared_on_a_done_opening_is_not_sent_round_in_a_circle(app, client, auth, world, status, word):
    """Review AE 1: the company may not answer »Ansat / startet« before it has the name, and the
    name is not shared on a done opening, so the refusal asks neither; it says what is left."""
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).status = "approved"
        db.session.commit()
    set_opening(app, world, status, "interested")
    response = post_start(client, auth, world)
    assert placements(app) == 0 and response.status_code == 302
    message = refusal(app, world)
    assert message.startswith(f"Opslaget er {word}. Navnet er ikke delt med virksomheden, og det deles ikke på et "
                              f"{word} opslag, så virksomheden kan ikke melde kandidaten ansat")
    assert "Ansat / startet" not in message and "bed den" not in message
    assert "Der er ikke mere at gøre på dette opslag" in message and "et andet af dens opslag" in message
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in flashed.split('data-testid="next-steps"')[0]
    assert "bed den svare" not in next_steps(flashed)


def test_a_lapsed_consent_on_a_done_opening_says_the_name_is_not_seen_on_the_page_too(app, client, auth, world):
    """The proposal page's next step for a disclosed candidate is the start's own words."""
    with app.app_context():
        for consent in db.session.get(Proposal, world["proposal"]).consents:
            consent.deadline = TODAY - timedelta(days=1)
        db.session.commit()
    set_opening(app, world, "closed", "interested")
    message = refusal(app, world)
    assert message.startswith("Opslaget er lukket. Samtykket gælder ikke længere, så virksomheden ser ikke navnet")
    assert "bed den svare" not in message
    assert message in next_steps(proposal_page(client, auth, world))


def test_an_ended_held_proposal_is_refused_as_ended_not_as_held(app, client, auth, world):
    """Review AE 6: an old »start forløbet« notice leads to /forloeb/ny/<id> of a proposal since
    ended; the refusal says it ended, not what to do with a live one."""
    from portal.candidates import opening_done

    hold(app, world)
    with app.test_request_context():
        opening_done.end(db.session.get(Proposal, world["proposal"]), db.session.get(User, world["consultant"].id))
    message = refusal(app, world)
    assert message == ("Forslaget er afsluttet, fordi opslagets krav blev ændret, så der startes ikke forløb fra "
                       "det. Passer opslaget borgeren igen, så borgeren kan foreslås på ny fra kandidatlisten.")
    auth.switch_to(world["consultant"].email)
    response = client.get(f"/forloeb/ny/{world['proposal']}")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in html and "i bero" not in html.split('data-testid="next-steps"')[0]


@pytest.mark.parametrize("status, opening, why, then", [
    ("ended", "open", "borgerens sag blev lukket", False),  # the case is still closed
    ("opening_done", "closed", "opslaget var besat eller lukket", False),
    ("opening_done", "open", "opslaget var besat eller lukket", True),  # reopened: a new decision
])
def test_an_ended_proposal_is_refused_with_why_it_ended(app, world, status, opening, why, then):
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).status = status
        db.session.get(Opening, world["opening"]).status = opening
        if status == "ended":
            db.session.get(Citizen, world["citizen"]).case_closed = TODAY
        db.session.commit()
    message = refusal(app, world)
    assert message.startswith(f"Forslaget er afsluttet, fordi {why}, så der startes ikke forløb fra det.")
    assert ("foreslås på ny" in message) is then
    assert "identitet" not in message and "samtykke" not in message


def test_a_hire_on_a_done_opening_may_still_start(app, client, auth, world):
    set_opening(app, world, "closed", "hired")
    assert refusal(app, world) is None
    html = proposal_page(client, auth, world)
    assert 'data-testid="start-placement"' in html and 'data-testid="sharing-refused"' not in html
    assert post_start(client, auth, world).status_code == 302 and placements(app) == 1


def test_the_citizen_page_says_the_name_is_hidden_while_held(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    assert 'data-testid="name-shared"><strong>Ja</strong>, navn og profil er delt<' in html
    hold(app, world)
    html = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    assert 'data-testid="name-shared">Nej, skjult mens kandidaten er i bero (navnet var delt)<' in html


def _interview_step(client, auth, world) -> str:
    return next_steps(proposal_page(client, auth, world))


def test_the_next_step_follows_the_interview(app, client, auth, world):
    steps = _interview_step(client, auth, world)
    assert "Aftal en samtale med virksomheden" in steps and 'href="#samtale"' in steps

    offered = add_interview(app, world, hours_from_now=48, status="offered")
    steps = _interview_step(client, auth, world)
    assert "Aftal en samtale" not in steps
    assert "Virksomheden har foreslået tider til en samtale" in steps

    with app.app_context():
        db.session.get(Interview, offered).status = "booked"
        db.session.commit()
    steps = _interview_step(client, auth, world)
    assert "Aftal en samtale" not in steps and "Samtale aftalt " in steps
    assert "start forløbet, når virksomheden siger ja" in steps


def test_times_the_job_centre_offered_wait_for_the_company(app, client, auth, world):
    interview_id = add_interview(app, world, hours_from_now=48, status="offered")
    with app.app_context():
        db.session.get(Interview, interview_id).offered_by = "jobcenter"
        db.session.commit()
    steps = _interview_step(client, auth, world)
    assert "Aftal en samtale" not in steps and "venter på, at virksomheden vælger en" in steps


def test_a_past_booked_interview_waits_for_the_answer(app, client, auth, world):
    add_interview(app, world, hours_from_now=-3)
    steps = _interview_step(client, auth, world)
    assert "Aftal en samtale" not in steps and "Samtalen blev holdt" in steps



def test_candidates_page_lists_done_openings_with_waiting_proposals(app, client, auth, world, make_user):
    """Review AC 7: a start that fills an opening leaves its other candidates waiting, and the
    filled opening is no longer ranked: »Opslag og kandidater« links to where they are ended."""
    from tests.portal.test_placement_waiting import add_proposal

    other = add_proposal(app, world["opening"], "Ventende Vibeke", "disclosed", "interested")
    with app.app_context():
        db.session.get(Opening, world["opening"]).company.consultant_id = world["consultant"].id
        db.session.commit()
    set_opening(app, world, "open", "hired")
    auth.switch_to(world["consultant"].email)
    assert 'data-testid="done-openings"' not in client.get("/kandidater/").get_data(as_text=True)
    response = client.post(f"/forloeb/ny/{world['proposal']}", data={
        **START, "mark_filled": "y", "csrf_token": auth.csrf_token("/kandidater/")})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Opening, world["opening"]).status == "filled"
    html = client.get("/kandidater/").get_data(as_text=True)
    rows = html.split('data-testid="done-openings"')[1].split("</table>")[0]
    assert f'data-opening-id="{world["opening"]}"' in rows
    assert f'<a href="/kandidater/forslag/{other}">Ventende Vibeke</a>' in rows
    assert f'<a href="/kandidater/opslag/{world["opening"]}">Afslut forslaget' in rows
    assert f'/kandidater/forslag/{world["proposal"]}"' not in rows  # the hire waits for nothing
    # another consultant's companies: only under »Vis alle«
    someone = make_user("consultant")
    auth.switch_to(someone.email)
    assert 'data-testid="done-openings"' not in client.get("/kandidater/").get_data(as_text=True)
    assert f'data-opening-id="{world["opening"]}"' in client.get("/kandidater/?alle=1").get_data(as_text=True)
    # once ended, the opening is off the list
    auth.switch_to(world["consultant"].email)
    ranking = f"/kandidater/opslag/{world['opening']}"
    client.post(f"{ranking}/afslut-ventende", data={"csrf_token": auth.csrf_token(ranking)})
    assert 'data-testid="done-openings"' not in client.get("/kandidater/").get_data(as_text=True)


def test_the_profile_is_not_said_to_be_seen_while_held(app, client, auth, world):
    with app.app_context():
        from store.models.base import utcnow

        proposal = db.session.get(Proposal, world["proposal"])
        proposal.profile_approved_at = utcnow()
        proposal.shared_profile = {"experience": "Kok i ti år"}
        db.session.commit()
    assert "(det er det nu)" in proposal_page(client, auth, world)
    hold(app, world)
    html = proposal_page(client, auth, world)
    assert "(det er det nu)" not in html and "men ikke mens kandidaten er i bero" in html
