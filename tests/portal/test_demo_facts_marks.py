"""Giving the demo's seeded proposals the matcher's facts keeps the marks stored beside them.

``portal.demo.facts`` rewrote ``Proposal.explanation`` from scratch, so a mark the portal had
set on a seeded proposal before the facts came (``make run`` loads them in the background while
the portal is in use: a kept interview, a hold after a change of the opening, an end on hold)
was dropped. The matcher's facts now replace the generator's and nothing else.
"""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

import portal.demo.facts as facts
from portal.demo.generator import generate_demo
from portal.demo.openings import SECTOR_GOALS
from portal.extensions import db
from portal.interviews.keeping import KEPT
from portal.proposals_hold import ENDED_ON_HOLD, MARK
from store.models import Citizen, JobGoal, Opening, Proposal

SEEDED = {"source": "demo", "matched_goals": ["Lagermedarbejder"], SECTOR_GOALS: ["Chauffør"],
          "distance_km": 12.3, "constraints": [{"name": "hours", "passed": True, "detail": "10 h"}]}
MARKS = {KEPT: {"interview": 7, "reason": "on_hold", "side": "company"},
         MARK: {"on": "2026-11-20", "fields": ["hours_min"]}, ENDED_ON_HOLD: "2026-11-21"}
MATCHER = {"matched_goals": ["Lager"], "distance_km": 11.9, "constraints": [], "relevance": 0.71,
           "similarity_band": "høj", "hours_fit": 1.0}


def test_merged_keeps_the_marks_and_replaces_the_generators_facts():
    explanation = facts.merged({**SEEDED, **MARKS}, dict(MATCHER))
    assert explanation == {**MARKS, **MATCHER, "source": "demo"}
    assert SECTOR_GOALS not in explanation  # the generator's own key goes with its facts
    assert facts.merged(None, dict(MATCHER)) == {**MATCHER, "source": "demo"}
    assert facts.merged(dict(SEEDED), dict(MATCHER)) == {**MATCHER, "source": "demo"}


def test_every_key_the_generator_writes_is_a_seeded_fact():
    """Otherwise a generator's fact would be kept beside the matcher's as if it were a mark."""
    data = generate_demo(7, date(2026, 11, 23), citizen_count=60)
    written = {key for proposal in data.proposals for key in proposal.explanation}
    assert written and written <= facts.SEEDED_FACTS


@pytest.fixture
def seeded_pairs(app, make_user):
    """Three seeded proposals without facts: with every mark, with one, with none."""
    company = make_user("company")
    with app.app_context():
        citizen = Citizen(name="Sia Seedet", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=20)
        citizen.job_goals.append(JobGoal(title="Lagermedarbejder"))
        openings = [Opening(company_id=company.company_id, kind="smaajob", title=f"Lager {i}", hours_min=5, hours_max=10,
                            postcode="8722", status="open") for i in range(3)]
        db.session.add_all([citizen, *openings])
        db.session.flush()
        explanations = [{**SEEDED, **MARKS}, {**SEEDED, KEPT: MARKS[KEPT]}, dict(SEEDED)]
        proposals = [Proposal(citizen_id=citizen.id, opening_id=o.id, status="approved", explanation=e)
                     for o, e in zip(openings, explanations)]
        db.session.add_all(proposals)
        db.session.commit()
        return [p.id for p in proposals]


def _stub_matcher(monkeypatch, during=None):
    """The matcher as a stub (no index needed): every pair scores 0.8 with :data:`MATCHER`;
    ``during(proposal)`` runs while a pair is scored (the portal beside the step)."""
    def scored(_service, _profile, proposal):
        if during:
            during(proposal)
        return SimpleNamespace(score=0.8)

    monkeypatch.setattr(facts.matching_runtime, "matching_service", lambda: None)
    monkeypatch.setattr(facts, "_facts", scored)
    monkeypatch.setattr(facts, "_explanation_json", lambda _match: dict(MATCHER))


def test_recording_the_facts_keeps_each_proposals_marks(app, seeded_pairs, monkeypatch):
    _stub_matcher(monkeypatch)
    with app.app_context():
        assert {p.id for p in facts.unscored_seeded(db.session)} == set(seeded_pairs)
        counts = facts.record_matcher_facts(db.session)
        assert (counts.scored, counts.unscored) == (3, 0)
        db.session.expire_all()
        stored = [db.session.get(Proposal, pid) for pid in seeded_pairs]
        expected = [MARKS, {KEPT: MARKS[KEPT]}, {}]
        for proposal, marks in zip(stored, expected):
            assert proposal.score == 0.8
            assert proposal.explanation == {**marks, **MATCHER, "score": 0.8, "source": "demo"}
        assert facts.unscored_seeded(db.session) == []


def test_a_mark_set_while_the_pairs_are_scored_is_kept(app, seeded_pairs, monkeypatch):
    """``make run`` scores the seeded pairs beside the running portal: a mark written by another
    connection while a batch is scored is read again before the batch's facts are written."""
    def keep_interview(proposal):
        if proposal.id == seeded_pairs[2]:
            with db.engine.begin() as other:  # another connection: the portal's request
                other.execute(sa.update(Proposal).where(Proposal.id == seeded_pairs[2])
                              .values(explanation={**SEEDED, KEPT: {"interview": 9, "reason": "name_hidden"}}))

    _stub_matcher(monkeypatch, during=keep_interview)
    with app.app_context():
        facts.record_matcher_facts(db.session)
        db.session.expire_all()
        explanation = db.session.get(Proposal, seeded_pairs[2]).explanation
        assert explanation[KEPT] == {"interview": 9, "reason": "name_hidden"}
        assert explanation["similarity_band"] == "høj" and SECTOR_GOALS not in explanation
