"""A month not yet frozen reads the VK, the VK's activation and the companies' answers as they
were then, not as they are now (review T 2, the other half of case_closure):

- a citizen's VK handed over to another consultant, or taken away, leaves the months before
  as they were (``vk_change``);
- a VK deactivated and then activated again still counts as none in the days it was away
  (``user_deactivation``);
- a company that changes its answer on a proposal, or whose answer is cleared when the pair is
  decided anew, still dealt with the citizen on the day of its earlier answer (``proposal_answer``);
- a citizen's name shared again (after the pair was decided anew, or a consent withdrawn and
  given again) still was contact with the company on the day it was first shared
  (``proposal_disclosure``, 0026).

Each test measures November 2026 on 5 December, while the month is provisional (computed
from today's data until 9 December), before and after the change.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from portal import proposals
from portal.admin.caseload import hand_over
from portal.dashboard.basis import figure_ids
from portal.dashboard.facts import Scope, load_facts
from portal.dashboard.metrics import compute_active_share, compute_matchable_share
from portal.extensions import db
from store.models import Citizen, Proposal, User, VkChange
from tests.clock import travel
from tests.portal.dashboard_fixtures import World

TODAY = date(2026, 12, 5)
OCTOBER, NOVEMBER = date(2026, 10, 31), date(2026, 11, 30)


@pytest.fixture
def world(app):
    return World(app)


def flat(html: str) -> str:
    return " ".join(html.split())


def matchable(app, as_of: date) -> tuple[int, int]:
    with app.app_context():
        metric = compute_matchable_share(load_facts(db.session, Scope()), as_of)
        return metric.numerator, metric.denominator


def active(app, as_of: date) -> tuple[int, int]:
    with app.app_context():
        metric = compute_active_share(load_facts(db.session, Scope()), as_of)
        return metric.numerator, metric.denominator


def hits(app, key: str, as_of: date) -> set[int]:
    """The citizens the figure counts as meeting the goal on ``as_of`` (the ids behind the card)."""
    with app.app_context():
        return set(figure_ids(load_facts(db.session, Scope()), as_of)[key]["hit"])


def set_active(app, user_id: int, active: bool) -> None:
    with app.app_context():
        db.session.get(User, user_id).active = active
        db.session.commit()


def assign(client, auth, citizen_id: int, vk_id: int | None) -> None:
    token = auth.csrf_token(f"/borgere/{citizen_id}/sagsbehandlere")
    response = client.post(f"/borgere/{citizen_id}/sagsbehandlere", data={
        "csrf_token": token, "vk_id": vk_id or 0, "adviser_id": 0, "confirm_vk_change": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)


def card(client, key: str, month: str) -> str:
    html = flat(client.get(f"/maal/?maaned={month}").get_data(as_text=True))
    return re.sub(r"<[^>]+>", "", re.search(rf'data-testid="count-{key}">(.*?)</p>', html).group(1))


def listed(client, goal: str, month: str, view: str) -> int:
    html = client.get(f"/maal/borgere?maal={goal}&omfang=all&maaned={month}&vis={view}").get_data(as_text=True)
    return len(set(re.findall(r'data-citizen-id="(\d+)"', html)))


def test_a_vk_handed_over_or_taken_away_today_leaves_november_as_it_was(app, client, auth, make_user, world):
    admin = make_user("admin")
    vk, gone = make_user("consultant", email="vk@jc.dk"), make_user("consultant", email="gone@jc.dk")
    kept = world.citizen(matchable=True, vk_id=vk.id, name="Beholdt VK")
    taken = world.citizen(matchable=True, vk_id=vk.id, name="Mistet VK")
    handed = world.citizen(matchable=True, vk_id=gone.id, name="Overdraget")
    with travel(date(2026, 11, 10)):
        set_active(app, gone.id, False)  # away from 10 November: its citizen has no VK in November
    with travel(TODAY):
        assert hits(app, "matchable", NOVEMBER) == {kept, taken}
        auth.login(admin.email)
        assign(client, auth, taken, None)
        assign(client, auth, handed, vk.id)
        with app.app_context():
            assert (db.session.get(Citizen, taken).vk_id, db.session.get(Citizen, handed).vk_id) == (None, vk.id)
        assert hits(app, "matchable", NOVEMBER) == {kept, taken}  # as on 30 November
        assert hits(app, "matchable", OCTOBER) == {kept, taken, handed}
        assert hits(app, "matchable", TODAY) == {kept, handed}  # the month in progress: today's VKs
        assert card(client, "matchable", "2026-11") == "2 af 3"
        assert listed(client, "cv", "2026-11", "opfyldt") == 2 and listed(client, "cv", "2026-11", "ikke-opfyldt") == 1
        assign(client, auth, taken, vk.id)  # given back: a second change, both kept in order
        assert hits(app, "matchable", NOVEMBER) == {kept, taken} and matchable(app, TODAY) == (3, 3)


def test_a_caseload_handed_over_keeps_the_vk_each_citizen_had(app, make_user, world):
    """The administrator's »Overdrag alle til …« changes the VK of many citizens at once: each
    keeps the one before (the flush hook sees every path that changes ``Citizen.vk_id``)."""
    gone, successor = make_user("consultant", email="gone@jc.dk"), make_user("consultant", email="ny@jc.dk")
    citizens = {world.citizen(matchable=True, vk_id=gone.id, name=f"Borger {i}") for i in range(3)}
    with travel(date(2026, 11, 10)):
        set_active(app, gone.id, False)
    with travel(TODAY):
        with app.test_request_context():
            hand_over(db.session.get(User, gone.id), db.session.get(User, successor.id))
            db.session.commit()
        with app.app_context():
            assert {c.vk_id for c in db.session.scalars(sa.select(Citizen))} == {successor.id}
            assert {(v.citizen_id, v.vk_id) for v in db.session.scalars(sa.select(VkChange))} == {
                (c, gone.id) for c in citizens}
        assert hits(app, "matchable", NOVEMBER) == set()  # their VK was away on 30 November
        assert hits(app, "matchable", OCTOBER) == citizens and hits(app, "matchable", TODAY) == citizens


def test_a_vk_deactivated_and_activated_again_counts_as_none_while_it_was_away(app, client, auth, make_user, world):
    vk = make_user("consultant")
    world.citizen(matchable=True, vk_id=vk.id)
    with travel(date(2026, 11, 10)):
        set_active(app, vk.id, False)
    with travel(TODAY):
        assert matchable(app, NOVEMBER) == (0, 1)
        set_active(app, vk.id, True)
        assert matchable(app, NOVEMBER) == (0, 1)  # away on 30 November
        assert matchable(app, OCTOBER) == (1, 1) and matchable(app, TODAY) == (1, 1)
        auth.login(make_user("admin").email)
        assert card(client, "matchable", "2026-11") == "0 af 1"
        assert listed(client, "cv", "2026-11", "ikke-opfyldt") == 1
    with app.app_context():
        user = db.session.get(User, vk.id)
        assert user.deactivated_at is None
        [away] = user.deactivations
        assert (away.deactivated_at.date(), away.reactivated_at.date()) == (date(2026, 11, 10), TODAY)


def _answered_in_november(world, status: str = "approved") -> tuple[int, int]:
    citizen = world.citizen(name="Svar i november")
    proposal = world.proposal(citizen, datetime(2026, 11, 2, 9, tzinfo=timezone.utc),
                              datetime(2026, 11, 3, 9, tzinfo=timezone.utc), status=status,
                              answered=datetime(2026, 11, 10, 9, tzinfo=timezone.utc))
    return citizen, proposal


def test_a_changed_answer_keeps_the_contact_of_the_earlier_answer(app, client, auth, make_user, world):
    citizen, proposal_id = _answered_in_november(world)
    with travel(TODAY):
        assert active(app, NOVEMBER) == (1, 1)
        with app.test_request_context():
            row = db.session.get(Proposal, proposal_id)
            company_user = User(email="firma@x.dk", name="Firma", role="company", company_id=row.opening.company_id)
            db.session.add(company_user)
            proposals.respond(row, company_user, "declined")
        assert active(app, NOVEMBER) == (1, 1)  # the company dealt with the citizen on 10 November
        assert active(app, TODAY) == (1, 1)  # and again today
        with app.app_context():
            row = db.session.get(Proposal, proposal_id)
            assert [(a.response, a.answered_at.date()) for a in row.earlier_answers] == [("interested", date(2026, 11, 10))]
        auth.login(make_user("admin").email)
        assert card(client, "active", "2026-11") == "1 af 1"
        assert listed(client, "aktiv", "2026-11", "opfyldt") == 1


def test_an_answer_cleared_when_the_pair_is_decided_anew_still_counts_in_its_month(app, make_user, world):
    citizen, proposal_id = _answered_in_november(world, status="ended")
    consultant = make_user("consultant")
    with travel(TODAY):
        assert active(app, NOVEMBER) == (1, 1)
        with app.test_request_context():
            row = db.session.get(Proposal, proposal_id)
            proposals.renew(row, db.session.get(User, consultant.id), approve=True, reason="Igen", score=None,
                            explanation={}, shared_goal="")
            db.session.commit()
            assert db.session.get(Proposal, proposal_id).company_responded_at is None
        assert active(app, NOVEMBER) == (1, 1)
        assert active(app, TODAY) == (0, 1)  # no contact in December


def test_erasing_a_citizen_erases_their_earlier_vks_and_answers(app, make_user, world, tmp_path):
    from portal.privacy.erasure import erase_citizen
    from store.models import ProposalAnswer

    vk = make_user("consultant")
    citizen, proposal_id = _answered_in_november(world)
    with travel(TODAY):
        with app.test_request_context():
            row = db.session.get(Proposal, proposal_id)
            row.company_response, row.company_responded_at = "declined", datetime(2026, 12, 5, 9, tzinfo=timezone.utc)
            db.session.get(Citizen, citizen).vk_id = vk.id
            db.session.commit()
            assert db.session.scalar(sa.select(sa.func.count(VkChange.id))) == 1
            assert db.session.scalar(sa.select(sa.func.count(ProposalAnswer.id))) == 1
            assert erase_citizen(db.session, citizen, purpose="art. 17")
            db.session.commit()
            assert db.session.scalar(sa.select(sa.func.count(VkChange.id))) == 0
            assert db.session.scalar(sa.select(sa.func.count(ProposalAnswer.id))) == 0


def _disclosed_in_november(world) -> tuple[int, int]:
    """A citizen whose name was shared on 10 November, on a proposal that ended since (the case
    was closed and reopened): the pair may be decided anew."""
    citizen = world.citizen(name="Navn delt i november")
    proposal = world.proposal(citizen, datetime(2026, 11, 2, 9, tzinfo=timezone.utc),
                              datetime(2026, 11, 3, 9, tzinfo=timezone.utc), status="ended",
                              disclosed=datetime(2026, 11, 10, 9, tzinfo=timezone.utc))
    return citizen, proposal


def _share_the_name_again(app, proposal_id: int, consultant_id: int) -> None:
    """Decide the pair anew, record the citizen's consent and share the name again (today)."""
    with app.test_request_context():
        row = db.session.get(Proposal, proposal_id)
        user = db.session.get(User, consultant_id)
        proposals.renew(row, user, approve=True, reason="Igen", score=None, explanation={}, shared_goal="")
        db.session.commit()
        proposals.record_consent(row, user, channel="telefon", deadline=date(2027, 3, 1))
        proposals.disclose(row, user)


def test_a_name_shared_again_after_a_renewal_keeps_the_contact_of_the_earlier_disclosure(
        app, client, auth, make_user, world):
    citizen, proposal_id = _disclosed_in_november(world)
    consultant = make_user("consultant")
    with travel(TODAY):
        assert active(app, NOVEMBER) == (1, 1)
        assert hits(app, "active", NOVEMBER) == {citizen}
        _share_the_name_again(app, proposal_id, consultant.id)
        with app.app_context():
            row = db.session.get(Proposal, proposal_id)
            assert row.disclosed_at.date() == TODAY
            assert [d.disclosed_at.date() for d in row.earlier_disclosures] == [date(2026, 11, 10)]
        assert active(app, NOVEMBER) == (1, 1)  # the company had the name on 10 November
        assert hits(app, "active", NOVEMBER) == {citizen}
        assert active(app, OCTOBER) == (0, 1)  # each disclosure on its own day, no other
        assert active(app, TODAY) == (1, 1)  # and again today
        auth.login(make_user("admin").email)
        assert card(client, "active", "2026-11") == "1 af 1"
        assert listed(client, "aktiv", "2026-11", "opfyldt") == 1
        assert listed(client, "aktiv", "2026-11", "ikke-opfyldt") == 0


def test_a_name_shared_again_after_a_withdrawn_consent_keeps_the_earlier_disclosure(app, make_user, world):
    """The other path to a second disclosure: the citizen withdrew the consent, gave it again,
    and the name was shared again (the flush hook sees every change of ``disclosed_at``)."""
    citizen = world.citizen(name="Samtykke trukket")
    proposal_id = world.proposal(citizen, datetime(2026, 11, 2, 9, tzinfo=timezone.utc),
                                 datetime(2026, 11, 3, 9, tzinfo=timezone.utc), status="approved")
    consultant = make_user("consultant")
    with app.test_request_context():
        row, user = db.session.get(Proposal, proposal_id), db.session.get(User, consultant.id)
        with travel(date(2026, 11, 10)):
            proposals.record_consent(row, user, channel="telefon", deadline=date(2027, 3, 1))
            proposals.disclose(row, user)
        with travel(date(2026, 11, 20)):
            proposals.withdraw(row, user)
        with travel(TODAY):
            proposals.record_consent(row, user, channel="telefon", deadline=date(2027, 3, 1))
            proposals.disclose(row, user)
    with travel(TODAY):
        assert active(app, NOVEMBER) == (1, 1) and active(app, TODAY) == (1, 1)


def test_erasing_a_citizen_erases_the_earlier_disclosures_of_their_proposals(app, make_user, world, tmp_path):
    from portal.privacy.erasure import erase_citizen
    from store.models import ProposalDisclosure

    citizen, proposal_id = _disclosed_in_november(world)
    consultant = make_user("consultant")
    with travel(TODAY):
        _share_the_name_again(app, proposal_id, consultant.id)
        with app.test_request_context():
            assert db.session.scalar(sa.select(sa.func.count(ProposalDisclosure.id))) == 1
            assert erase_citizen(db.session, citizen, purpose="art. 17")
            db.session.commit()
            assert db.session.scalar(sa.select(sa.func.count(ProposalDisclosure.id))) == 0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def either_app(request):
    """The test app on SQLite, or the same app on a throw-away PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("app")
        return
    from portal import create_app
    from tests.postgres_server import fresh_database

    pg_app = create_app({"TESTING": True, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p",
                         "DATABASE_URL": fresh_database(request.getfixturevalue("postgres_url"), "t_history")})
    with pg_app.app_context():
        db.create_all()
    yield pg_app
    with pg_app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_an_earlier_disclosure_counts_on_its_day_in_copenhagen_on_both_databases(either_app):
    """23:30 UTC on 31 October is 00:30 on 1 November in Copenhagen: the earlier disclosure is
    contact in November, not October, on SQLite and PostgreSQL alike."""
    from store.models import ProposalDisclosure

    world = World(either_app)
    citizen, proposal_id = _disclosed_in_november(world)
    with either_app.app_context():
        row = db.session.get(Proposal, proposal_id)
        row.disclosed_at = datetime(2026, 12, 5, 9, tzinfo=timezone.utc)
        db.session.commit()
        assert [d.disclosed_at for d in row.earlier_disclosures] == [datetime(2026, 11, 10, 9, tzinfo=timezone.utc)]
        db.session.add(ProposalDisclosure(proposal_id=proposal_id,
                                          disclosed_at=datetime(2026, 10, 31, 23, 30, tzinfo=timezone.utc)))
        db.session.commit()
    with travel(TODAY):
        with either_app.app_context():
            facts = load_facts(db.session, Scope())
            assert sorted(date.fromordinal(d) for d in facts.a_day.tolist()) == [
                date(2026, 11, 1), date(2026, 11, 10), TODAY]
        assert active(either_app, OCTOBER) == (0, 1) and active(either_app, NOVEMBER) == (1, 1)
