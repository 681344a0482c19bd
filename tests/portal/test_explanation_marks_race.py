"""Two steps writing ``Proposal.explanation`` at once keep both their marks (portal.explanations).

The explanation is one JSON value and a write replaces all of it. A step that read it, then
wrote it back after another step had committed its own mark, dropped that mark. Here the other
step (a kept interview, ``interviews.keeping.KEPT``; an erasure) runs as a request of its own
(:class:`tests.portal.interleave.Meanwhile`) at the latest moment it could: just before this
step's first write to a proposal row (or, on PostgreSQL, its first row lock), when everything
this step decides on has been read. Before the fix the change of the opening's requirements
(``proposals_hold.MARK``) and the demo's matcher facts wrote the explanation as they had read
it, and the kept interview was lost; now they read it again under the rows' lock.

The interview steps and the end of a proposal take the pair's lock before they read anything
(``interviews.common.lock``), so they are not the stale side of such a race.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

import portal.demo.facts as facts
from portal.privacy import erasure
from portal.extensions import db
from portal.interviews import keeping
from portal.openings import requirements
from portal.openings import service as openings
from portal.proposals_hold import MARK
from store import clock
from store.models import Interview, Opening, Proposal, User
from store.profiles import opening_profile
from tests.clock import TODAY
from tests.portal.interleave import DATABASES, Meanwhile, dispose, fresh_app
from tests.portal.proposal_fixtures import disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

DECIDED = {"similarity_band": "Stærkt match", "matched_goals": ["Kok (skånejob pga. rygskade)"]}
SEEDED = {"source": "demo", "matched_goals": ["Kok (skånejob pga. rygskade)"], "distance_km": 30.0,
          "constraints": []}
MATCHER = {"matched_goals": ["Kok"], "distance_km": 29.5, "constraints": [], "relevance": 0.71,
           "similarity_band": "høj"}


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    app = fresh_app(request, tmp_path, "marks")
    yield app
    dispose(app)


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    """The citizen disclosed under a live consent with an interview booked in two days, and the
    company's no: the interview stands, and the consultant may keep it (cause "declined")."""
    world = disclosed_world(app, make_user)
    with app.app_context():
        row = Interview(proposal_id=world["proposal"], starts_at=clock.utcnow() + timedelta(days=2),
                        duration_minutes=45, location="Kantinen", offered_by="company",
                        offered_by_id=world["company"].id, status="booked", uid="race@jobbro")
        db.session.add(row)
        db.session.get(Proposal, world["proposal"]).company_response = "declined"
        db.session.commit()
        world["interview"] = row.id
    return world


def keep_interview(app, world):
    """The consultant's »Behold samtalen«, as a request of its own: the cause it kept it for."""
    def step():
        with app.test_request_context():
            interview = db.session.get(Interview, world["interview"])
            return keeping.keep(interview, db.session.get(User, world["consultant"].id))
    return step


def erase_citizen(app, world, tmp_path):
    """An erasure of the citizen (the proposal goes with it), as a request of its own."""
    def step():
        with app.test_request_context():
            erasure.erase_citizen(db.session, world["citizen"], purpose="test")
            db.session.commit()
    return step


def _writes_or_locks_a_proposal(statement: str) -> bool:
    head = " ".join(statement.split()).upper()
    return head.startswith("UPDATE PROPOSAL ") or (" FOR UPDATE" in head and " FROM PROPOSAL " in head)


@contextmanager
def _the_other_request(app, step, when: str, statement_fits):
    """Run ``step`` as another request at this thread's first statement that ``statement_fits``
    (``when``: the engine event, before or after it runs); yields the list that then holds its
    :class:`Meanwhile`."""
    others: list[Meanwhile] = []
    me = threading.current_thread()

    def comes(_conn, _cursor, statement, *_args):
        if not others and threading.current_thread() is me and statement_fits(statement):
            others.append(Meanwhile(app, step))
            others[0].start()

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, when, comes)
    try:
        yield others
    finally:
        sa.event.remove(engine, when, comes)
    assert others, "the step never came to the statement"


@contextmanager
def before_the_first_proposal_write(app, step):
    """Run ``step`` as another request just before this thread's first statement that writes
    (or locks) a proposal row: it runs to its end (nothing of this step is locked yet)."""
    with _the_other_request(app, step, "before_cursor_execute", _writes_or_locks_a_proposal) as others:
        yield others
    assert not others[0].blocked


@contextmanager
def right_after_the_lock(app, step):
    """PostgreSQL: run ``step`` as another request right after this thread has locked the
    proposals' rows (``FOR UPDATE``): it waits for this step's commit."""
    def locks(statement: str) -> bool:
        return " FOR UPDATE" in " ".join(statement.split()).upper()

    with _the_other_request(app, step, "after_cursor_execute", locks) as others:
        yield others


def explanation(app, world) -> dict:
    with app.app_context():
        return db.session.scalar(sa.select(Proposal.explanation).where(Proposal.id == world["proposal"]))


def _kept(world) -> dict:
    return {"interview": world["interview"], "reason": "declined", "side": "jobcenter"}


def _raise_the_hours(world):
    """The opening's minimum hours raised above the citizen's 12.5 (committed); the profile before."""
    opening = db.session.get(Opening, world["opening"])
    before = opening_profile(opening)
    opening.hours_min = 15.0
    db.session.commit()
    return opening, before


# --- a change of the opening's requirements --------------------------------------------------------

def test_a_hold_marked_beside_an_interview_kept_meanwhile_keeps_both(app, world):
    with app.app_context():
        opening, before = _raise_the_hours(world)
        with before_the_first_proposal_write(app, keep_interview(app, world)) as others:
            marked = [p.id for p in requirements.remark(opening, ["hours_min"], TODAY, before)[0]]
            db.session.commit()
    assert others[0].result() == "declined"
    assert marked == [world["proposal"]]
    stored = explanation(app, world)
    assert {key: value for key, value in stored[keeping.KEPT].items() if key != "at"} == _kept(world)
    assert stored[MARK] == {"on": TODAY.isoformat(), "fields": ["hours_min"]}
    assert {key: stored[key] for key in DECIDED} == DECIDED  # the decision's facts as they were


@pytest.mark.postgres
@pytest.mark.parametrize("app", [DATABASES[1]], indirect=True)
def test_an_interview_kept_while_the_hold_is_written_waits_and_keeps_both(app, world):
    """The other order: the interview is kept once the change has locked its candidates. The
    keep waits for the change's commit (the lock lasts until then, not only for the read) and
    then reads the pair as it is: on hold now, so it keeps the interview for that, and adds
    its mark to the explanation with the hold in it."""
    with app.app_context():
        opening, before = _raise_the_hours(world)
        with right_after_the_lock(app, keep_interview(app, world)) as others:
            requirements.remark(opening, ["hours_min"], TODAY, before)
            db.session.commit()
    assert others[0].blocked
    assert others[0].result() == "on_hold"
    stored = explanation(app, world)
    assert stored[keeping.KEPT]["interview"] == world["interview"]
    assert stored[MARK]["fields"] == ["hours_min"]


@pytest.mark.postgres
@pytest.mark.parametrize("app", [DATABASES[1]], indirect=True)
def test_an_edit_of_the_opening_beside_an_interview_kept_meanwhile_keeps_both(app, world):
    """The company's edit (its form and its API: ``update_opening``). On PostgreSQL the edit's
    read of its candidates is not locked, so the kept interview commits between it and the
    mark's write. On SQLite the edit has written the opening before it reads the candidates,
    so it holds the database's write lock and no other step commits in between."""
    with app.app_context():
        opening = db.session.get(Opening, world["opening"])
        data = openings.OpeningData(**{name: getattr(opening, name) for name in openings.EDITABLE_FIELDS})
        with app.test_request_context(), before_the_first_proposal_write(app, keep_interview(app, world)) as others:
            saved = openings.update_opening(opening, SimpleNamespace(**{**vars(data), "hours_min": 15.0}))
    assert others[0].result() == "declined"
    assert saved.changed == ("hours_min",) and saved.left_behind == 1
    stored = explanation(app, world)
    assert stored[keeping.KEPT]["interview"] == world["interview"]
    assert stored[MARK]["fields"] == ["hours_min"]


# --- the demo's matcher facts ----------------------------------------------------------------------

@pytest.fixture
def seeded(app, world, monkeypatch):
    """The world's proposal as the demo seeds it (no score, the generator's facts), and the
    matcher a stub that scores every pair 0.8 with :data:`MATCHER`."""
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.explanation, proposal.score = dict(SEEDED), None
        db.session.commit()
    monkeypatch.setattr(facts.matching_runtime, "matching_service", lambda: None)
    monkeypatch.setattr(facts, "_facts", lambda _service, _profile, _proposal: SimpleNamespace(score=0.8))
    monkeypatch.setattr(facts, "_explanation_json", lambda _match: dict(MATCHER))
    return world


def test_the_matcher_facts_written_beside_an_interview_kept_meanwhile_keep_both(app, seeded):
    world = seeded
    with app.app_context(), before_the_first_proposal_write(app, keep_interview(app, world)) as others:
        counts = facts.record_matcher_facts(db.session)
    assert others[0].result() == "declined"
    assert (counts.scored, counts.unscored) == (1, 0)
    stored = explanation(app, world)
    assert stored[keeping.KEPT]["interview"] == world["interview"]
    assert stored == {keeping.KEPT: stored[keeping.KEPT], **MATCHER, "score": 0.8, "source": "demo"}


def test_a_seeded_proposal_erased_meanwhile_is_left_out(app, seeded, tmp_path):
    """The citizen erased while the batch was scored: the proposal is gone, and the batch
    writes the others' facts without failing on it."""
    world = seeded
    with app.app_context(), before_the_first_proposal_write(app, erase_citizen(app, world, tmp_path)) as others:
        counts = facts.record_matcher_facts(db.session)
    others[0].result()
    assert (counts.scored, counts.unscored) == (0, 1)
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]) is None
