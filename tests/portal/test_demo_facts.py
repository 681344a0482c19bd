"""The demo's seeded proposals tell the truth about the match (review S, finding 3).

The generator drew each seeded proposal's score at random and stored its band as "the band
the consultant was shown": on the demo a company read "Match: meget høj" for a pair the
matcher scores "lav". Now a seeded proposal is loaded without a score or band, and once the
index is built (``portal.demo.facts``) it carries the matcher's own facts, as a real
approval stores them.
"""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest
import sqlalchemy as sa

from indexer.rebuild import rebuild
from indexer.rerank_train import _facts, service_scorer
from matching.domain import Match
from portal.demo.facts import record_matcher_facts, unscored_seeded
from portal.demo.generator import DEMO_LOGINS
from portal.demo.loader import load_demo
from portal.extensions import db
from portal.matching_runtime import _runtime, history_secret, matching_service
from portal.openings.service import shared_candidates
from portal.pseudonyms import pseudonym
from store.models import Opening, Proposal, User
from store.profiles import citizen_profiles, is_indexable_citizen, opening_profile

TODAY = date(2026, 11, 23)
BANDS = ("meget høj", "høj", "middel", "lav")


def _matcher(proposal: Proposal) -> Match | None:
    """The matcher's outcome for the pair, the opening counted as open (as it was decided)."""
    if not is_indexable_citizen(proposal.citizen):
        return None
    profile = citizen_profiles(db.session, [proposal.citizen])[proposal.citizen_id]
    opening = dataclasses.replace(opening_profile(proposal.opening), status="open")
    outcome = matching_service().explain_pair(profile, opening)
    return outcome if isinstance(outcome, Match) else None


@pytest.fixture
def seeded(app, password_hash):
    with app.app_context():
        load_demo(db.session, TODAY, citizen_count=150, password_hash=password_hash)
    return app


def _index() -> None:
    rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)


def test_a_seeded_proposal_carries_no_made_up_score_or_band(seeded):
    with seeded.app_context():
        proposals = db.session.scalars(sa.select(Proposal)).all()
        assert proposals
        for p in proposals:
            assert p.score is None, p.id
            assert p.explanation["source"] == "demo"
            assert not {"similarity_band", "relevance", "hours_fit", "score"} & set(p.explanation), p.id
        # The company reads no band rather than a random one.
        opening = db.session.get(Opening, proposals[0].opening_id)
        cards = shared_candidates(opening)
        assert cards and all(c.similarity_band == "" for c in cards)


def test_once_indexed_a_seeded_proposal_carries_the_matchers_own_band_and_score(seeded):
    with seeded.app_context():
        _index()
        counts = record_matcher_facts(db.session)
        assert counts.scored > 100 and counts.unscored > 0
        proposals = db.session.scalars(sa.select(Proposal).order_by(Proposal.id)).all()
        bands = set()
        for p in proposals:
            match = _matcher(p)
            if match is None:  # e.g. the citizen's case has closed: no band, none made up
                assert p.score is None and "similarity_band" not in p.explanation, p.id
                continue
            assert p.explanation["similarity_band"] == match.explanation.similarity_band, p.id
            assert p.explanation["relevance"] == pytest.approx(match.explanation.relevance)
            assert p.score == pytest.approx(match.score)
            assert p.explanation["source"] == "demo"
            bands.add(p.explanation["similarity_band"])
        assert len(bands) > 1  # the matcher's spread, not one value
        # What the company reads on its opening is the matcher's band.
        shown = [p for p in proposals if p.opening.status == "open" and p.score is not None
                 and p.status in ("approved", "consented", "disclosed")]
        assert shown
        cards = {c.proposal_id: c for c in shared_candidates(shown[0].opening)}
        assert cards[shown[0].id].similarity_band == shown[0].explanation["similarity_band"] in BANDS
        # A second run has nothing left to score.
        assert record_matcher_facts(db.session).scored == 0
        assert len(unscored_seeded(db.session)) == counts.unscored


def test_the_re_ranking_trains_on_the_same_facts_whether_stored_or_scored_again(seeded):
    """The learned model's training scores a decision stored without facts itself; the facts
    stored on the seeded proposals must be the ones it would score (docs/matching.md, "The
    demo: learned model against the hand-set weights")."""
    with seeded.app_context():
        _index()
        record_matcher_facts(db.session)
        runtime = _runtime()
        scorer = service_scorer(db.session, runtime.encoder, runtime.backend, runtime.concepts)
        secret = history_secret()
        compared = 0
        for p in db.session.scalars(sa.select(Proposal).where(Proposal.decided_at.is_not(None))):
            stored = _facts(p, None, secret)
            rescored = _facts(_without_facts(p), scorer, secret)
            if stored is None:
                assert rescored is None, p.id
                continue
            assert rescored is not None
            assert stored[0] == pytest.approx(rescored[0], nan_ok=True), p.id
            assert stored[1] == pytest.approx(rescored[1], rel=0, abs=1e-12)  # not rounded
            assert stored[2] == rescored[2]
            compared += 1
        assert compared > 100


def _without_facts(proposal: Proposal):
    """The proposal as the trainer met it before the facts were stored."""
    class Bare:
        explanation = {k: v for k, v in proposal.explanation.items()
                       if k in ("source", "matched_goals", "distance_km", "constraints")}

        def __getattr__(self, name):
            return getattr(proposal, name)
    return Bare()


def test_the_consultant_reads_the_matchers_band_on_the_demo_and_the_company_none(seeded, client, auth):
    """The consultant's band is the matcher's; the company is shown no band (review BG 5)."""
    with seeded.app_context():
        _index()
        record_matcher_facts(db.session)
        company = db.session.scalar(sa.select(User).filter_by(email=DEMO_LOGINS["company"]))
        p = db.session.scalars(sa.select(Proposal).join(Opening).where(
            Opening.company_id == company.company_id, Opening.status == "open",
            Proposal.status.in_(("approved", "consented", "disclosed")),
            Proposal.score.is_not(None))).first()
        assert p is not None
        band, score, opening_id = p.explanation["similarity_band"], p.score, p.opening_id
        alias = pseudonym(p.citizen_id, p.opening_id)
        assert band == _matcher(p).explanation.similarity_band
        proposal_id = p.id
    auth.login(DEMO_LOGINS["company"])
    html = client.get(f"/opslag/{opening_id}").get_data(as_text=True)
    card = html[html.index(alias):]
    assert "<strong>Match:</strong>" not in card and f">{band}<" not in card[:2000]
    auth.logout()
    auth.login(DEMO_LOGINS["consultant"])
    html = client.get(f"/kandidater/forslag/{proposal_id}").get_data(as_text=True)
    assert f'<span class="badge">{band}</span>' in html
    assert f"score {score:.2f}".replace(".", ",") in html


def test_scoring_the_seeded_pairs_holds_no_write_lock_beside_the_portal(seeded, monkeypatch):
    """``make run`` starts this step beside the portal: written as they were scored, the facts
    held SQLite's one write lock for the whole run and a login beside it failed with
    "database is locked". While a pair is scored, another writer must get the lock at once."""
    import sqlite3

    import portal.demo.facts as facts

    path = seeded.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    real = facts._facts
    writes = []

    def scored_beside_a_writer(*args):
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" while a writer holds it
            other.execute("ROLLBACK")
            writes.append(True)
        finally:
            other.close()
        return real(*args)

    monkeypatch.setattr(facts, "_facts", scored_beside_a_writer)
    with seeded.app_context():
        _index()
        counts = record_matcher_facts(db.session, batch=7)
    assert counts.scored > 100 and len(writes) == counts.scored + counts.unscored
