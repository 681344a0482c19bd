"""Whether a proposal is on hold after a change of its opening's requirements (review W1).

The neutral home of the hold's reading, below both :mod:`portal.openings` (which marks the
candidates a change leaves behind: :mod:`portal.openings.requirements`) and
:mod:`portal.candidates` (the consultant's side of it), so neither package imports the other
for it. It reads only the proposal's mark (``Proposal.explanation[MARK]``), the citizen's facts
and the opening as it stands, with the matching's hard limits
(:func:`matching.ranking.check_hard_constraints`).
"""
from __future__ import annotations

from collections.abc import Iterable

from matching.domain import CitizenProfile, OpeningProfile
from matching.ranking import check_hard_constraints
from store.models import Citizen, Opening, Proposal
from store.profiles import limits_profile, load_rules, opening_profile
from .extensions import db

# The key of the mark in Proposal.explanation: {"on": the day (ISO), "fields": the fields changed}.
MARK = "opening_changed"
# The opening fields a hard limit reads, in the words the consultants read.
FIELD_WORDS = {"kind": "type", "required_licences": "kørekort", "hours_min": "timer", "postcode": "arbejdssted"}
# The key in Proposal.explanation of a proposal ended while its opening was open, because the
# change had put it on hold: the day it ended (set by portal.candidates.opening_done). A new
# decision on the pair (portal.proposals.renew) replaces the explanation, and the key with it.
ENDED_ON_HOLD = "ended_on_hold"
# The hard limits a requirement change can break; "status" is the opening's, not a requirement.
_LIMITS = frozenset({"eligibility", "hours", "driving_licence", "commute"})


def _citizen(citizen: Citizen) -> CitizenProfile | None:
    """The citizen's facts the hard limits read (``store.profiles.limits_profile``, the
    ranking's own mapping), or None for a value matching does not know: no verdict, never a
    guess."""
    try:
        return limits_profile(citizen)
    except ValueError:
        return None


def unfit(profile: OpeningProfile, proposals: Iterable[Proposal], rules=None) -> set[int]:
    """The ids of ``proposals`` whose citizen breaks a hard limit of ``profile``."""
    rules = rules if rules is not None else load_rules(db.session)
    found = set()
    for proposal in proposals:
        citizen = _citizen(proposal.citizen)
        if citizen is None:
            continue
        checks, _km = check_hard_constraints(citizen, profile, rules)
        if any(not c.passed for c in checks if c.name in _LIMITS):
            found.add(proposal.id)
    return found


def marked(proposal: Proposal) -> bool:
    """Whether ``proposal`` carries the mark (held or not: the opening may fit it again)."""
    return MARK in (proposal.explanation or {})


def held(proposals: Iterable[Proposal]) -> set[int]:
    """The ids of ``proposals`` that are marked and whose opening still does not fit them."""
    rows = [p for p in proposals if marked(p)]
    if not rows:
        return set()
    rules = load_rules(db.session)
    found: set[int] = set()
    by_opening: dict[int, list[Proposal]] = {}
    for proposal in rows:
        by_opening.setdefault(proposal.opening_id, []).append(proposal)
    for opening_id, group in by_opening.items():
        found |= unfit(opening_profile(db.session.get(Opening, opening_id)), group, rules)
    return found


def is_held(proposal: Proposal) -> bool:
    """:func:`held` for one proposal."""
    return proposal.id in held([proposal])
