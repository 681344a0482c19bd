"""The matcher's own facts for the demo's seeded proposals, once the index is built.

The generator makes up the pipeline's history (who was proposed, who decided what, how the
company answered), never the match: a seeded proposal is loaded without a score or a band
(its explanation says ``"source": "demo"`` and holds only the jobmål, the distance and the
hard limits it was chosen by), so no page shows a band the matcher did not give. Once the
index exists (``python -m indexer drain`` after ``flask setup``), :func:`record_matcher_facts`
scores each seeded pair with the matcher and stores what a real decision stores
(``portal.candidates.service.record_decision``): the score and the explanation, with the band
the consultant is shown and the company then reads. The marks the portal may have set on the
proposal since the seeding (a kept interview, a hold after a change of the opening) stay
(:func:`merged`).

A pair is scored as the re-ranking's training scores a decision stored without facts
(``indexer.rerank_train.service_scorer``): the opening counts as open (it was when the
consultant decided; a filled or closed opening breaks no limit of the pair), and a citizen
who can no longer be matched (case closed) gets no facts. So training reads the same facts
whether it finds them stored or scores them itself, and the pages say nothing of a pair the
matcher cannot score.
"""
from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from matching.domain import Match
from store.models import Citizen, Proposal
from store.profiles import citizen_profiles, is_indexable_citizen, opening_profile

from .. import explanations, matching_runtime
# The explanation a decision stores (the hand-set facts, the learned adjustment beside them).
from ..candidates.service import _explanation_json
from .openings import SECTOR_GOALS

SOURCE = "demo"  # the seeded proposals' mark in ``Proposal.explanation``
# What the generator chose a seeded pair by (:func:`portal.demo.openings._explanation`): the facts
# the matcher's replace. Anything else in the explanation is a mark the portal set on the proposal
# since the seeding (a kept interview, ``interview_kept``; a hold after a change of the opening,
# ``opening_changed``; an end while on hold, ``ended_on_hold``) and is kept.
SEEDED_FACTS = frozenset({"source", "matched_goals", SECTOR_GOALS, "distance_km", "constraints"})


@dataclass(frozen=True)
class FactsCount:
    scored: int  # seeded proposals that now carry the matcher's facts
    unscored: int  # seeded proposals the matcher cannot score (the citizen's case closed, ...), or gone meanwhile


def unscored_seeded(session: Session) -> list[Proposal]:
    """The seeded proposals that carry no matcher facts yet (none after a run)."""
    rows = session.scalars(sa.select(Proposal).where(Proposal.score.is_(None)).order_by(Proposal.id))
    return [p for p in rows if _seeded_without_facts(p)]


def _seeded_without_facts(proposal: Proposal) -> bool:
    explanation = proposal.explanation or {}
    return proposal.score is None and explanation.get("source") == SOURCE and "relevance" not in explanation


def record_matcher_facts(session: Session, batch: int = 20) -> FactsCount:
    """Score every seeded proposal without facts with the matcher and store its facts.

    Needs the portal's matching (an app context, the index built): call it after the first
    indexing. Seeded proposals already scored are left alone, so a second run does nothing.

    The pairs are scored ``batch`` at a time, reading only, and each batch's facts are then
    written and committed at once. Written as they were scored, the first write began a
    transaction that lasted the whole run (minutes on the demo) and on SQLite held the
    database's one write lock: a login beside it waited, then failed with "database is
    locked" (the first ``make run``, which starts this step beside the portal).

    Raises:
        matching.encoders.EncoderUnavailable: the encoder is down (the batches already
            committed stay; a later run scores the rest).
    """
    pending = unscored_seeded(session)
    citizens = {c.id: c for c in session.scalars(
        sa.select(Citizen).where(Citizen.id.in_({p.citizen_id for p in pending}))
        .options(selectinload(Citizen.job_goals)))}
    profiles = citizen_profiles(session, [c for c in citizens.values() if is_indexable_citizen(c)])
    session.commit()  # the reads' transaction ends; no lock is held while scoring
    service = matching_runtime.matching_service()
    scored = 0
    for start in range(0, len(pending), batch):
        facts = [(proposal, _facts(service, profiles.get(proposal.citizen_id), proposal))
                 for proposal in pending[start:start + batch]]
        # The explanations as they stand now, read under the rows' lock until the batch is
        # committed (portal.explanations), not as read before the scoring: a mark the portal
        # (running beside this step) set meanwhile, or sets while the batch is written, is kept.
        present = explanations.lock(session, [proposal for proposal, match in facts if match is not None])
        for proposal, match in facts:
            if match is None or proposal.id not in present or not _seeded_without_facts(proposal):
                # Not scored, or no longer a seeded proposal without facts: deleted or blanked
                # (an anonymisation, an erasure), decided anew, or scored by another run meanwhile.
                continue
            proposal.score = match.score
            explanation = _explanation_json(match)
            # Unrounded (a decision keeps 4 decimals): the training then reads exactly the
            # score it would give the pair itself, and the demo's figures do not move by a
            # rounding.
            learned = getattr(match, "learned", None)
            explanation["score"] = match.score - (learned.delta if learned is not None else 0.0)
            proposal.explanation = merged(proposal.explanation, explanation)
            scored += 1
        session.commit()
    return FactsCount(scored, len(pending) - scored)


def merged(stored: dict | None, facts: dict) -> dict:
    """The explanation a seeded proposal keeps once scored: the matcher's ``facts`` in place of
    the generator's (:data:`SEEDED_FACTS`), marked ``"source": "demo"``, and every mark already
    stored on it (``interview_kept``, ``opening_changed``, ``ended_on_hold``, ...) as it was."""
    marks = {key: value for key, value in (stored or {}).items() if key not in SEEDED_FACTS}
    return {**marks, **facts, "source": SOURCE}


def _facts(service, profile, proposal: Proposal) -> Match | None:
    """The matcher's match for a seeded pair (the opening counted as open), or None when the
    matcher cannot score it."""
    if profile is None:
        return None
    opening = dataclasses.replace(opening_profile(proposal.opening), status="open")
    outcome = service.explain_pair(profile, opening)
    if not isinstance(outcome, Match):
        return None
    return matching_runtime.with_learned(outcome, opening)


def main() -> int:
    """``python -m portal.demo.facts``: after ``python -m indexer drain`` (``make setup``)."""
    from .. import create_app
    from ..extensions import db

    with create_app().app_context():
        if not unscored_seeded(db.session):  # done before, or no demo: nothing to do
            return 0
        pending = matching_runtime.pending_changes()
        if pending:  # the matcher would read a partial index
            print(f"demo facts: {pending} changes are not indexed yet; run python -m indexer drain first",
                  file=sys.stderr)
            return 1
        counts = record_matcher_facts(db.session)
    print(f"demo facts: {counts.scored} seeded proposals scored by the matcher, {counts.unscored} "
          "left without a score (the matcher cannot score the pair, e.g. the citizen's case has closed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
