"""How the job centre's search for an opening stands, as its company may be told (review W3).

An opening without a current candidate used to say only "not yet", also when it was closed
and when the job centre had assessed a dozen citizens and proposed none. :func:`search_state`
gives the page what is true of the opening instead: its status, since when it has been there,
how many citizens the job centre has assessed for it and how many it is still assessing, and
the opening's own requirements that narrow who can take it.

Counts only, never a person: not who was assessed, not why one of them was not proposed (the
consultant's reason is the citizen's), so nothing here is on a candidate's allow-list
(SECURITY.md "Access control and privacy").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from matching.domain import EligibilityRules

from ..extensions import db
from ..i18n import format_number
from store import clock
from store.models import Opening, Proposal
from store.models.vocab import BENEFIT_GROUPS, OPENING_KINDS
from store.profiles import load_rules

# The hours from which a weekly minimum is named as narrowing the field: many of the job
# centre's citizens can work only part of a week.
MANY_HOURS = 20.0


@dataclass(frozen=True)
class SearchState:
    """The job centre's search for one opening, in counts.

    ``assessed``: citizens a consultant has decided on for the opening (proposed to the company
    or not); ``not_proposed``: of those, the ones the consultant did not propose; ``in_review``:
    suggested for the opening and not decided yet; ``since``: the day the opening was created;
    ``weeks``: whole weeks since; ``limits``: the opening's own requirements that narrow who can
    take it (Danish phrases), for the company to weigh.
    """

    status: str
    since: date
    weeks: int
    assessed: int
    not_proposed: int
    in_review: int
    limits: tuple[str, ...]


def search_state(opening: Opening, today: date | None = None) -> SearchState:
    """The :class:`SearchState` of ``opening`` (the caller has checked it is the company's)."""
    today = today or clock.today()
    counts = dict(db.session.execute(
        sa.select(Proposal.status, sa.func.count(Proposal.id)).where(Proposal.opening_id == opening.id)
        .group_by(Proposal.status)).all())
    in_review = counts.pop("proposed", 0)
    since = opening.created_at.astimezone(clock.LOCAL).date() if opening.created_at else today
    return SearchState(status=opening.status, since=since, weeks=max((today - since).days // 7, 0),
                       assessed=sum(counts.values()), not_proposed=counts.get("rejected", 0),
                       in_review=in_review, limits=requirement_limits(opening, load_rules(db.session)))


def kind_limit(kind: str, rules: EligibilityRules) -> str | None:
    """Who may take an opening of ``kind`` under the eligibility table the administrator edits
    (the one matching filters on, :func:`store.profiles.load_rules`), as a Danish phrase; None
    when every benefit group may."""
    allowed = rules.groups_for(kind)
    if allowed >= set(BENEFIT_GROUPS):
        return None
    label = OPENING_KINDS[kind].lower()
    if not allowed:
        return f"{label} (ingen ydelsesgrupper må lige nu tage denne type forløb)"
    groups = [BENEFIT_GROUPS[group].lower() for group in BENEFIT_GROUPS if group in allowed]
    if len(groups) == 1:
        return f"{label} (kun for borgere i ydelsesgruppen {groups[0]})"
    return f"{label} (kun for borgere i ydelsesgrupperne {', '.join(groups[:-1])} eller {groups[-1]})"


def requirement_limits(opening: Opening, rules: EligibilityRules) -> tuple[str, ...]:
    """The opening's requirements that narrow who can take it: its kind when the eligibility
    table (``rules``) lets only some benefit groups take it, then what the company wrote."""
    limits = []
    if by_kind := kind_limit(opening.kind, rules):
        limits.append(by_kind)
    if opening.required_licences:
        limits.append("kørekort i kategori " + " eller ".join(opening.required_licences))
    if opening.hours_min >= MANY_HOURS:
        limits.append(f"mindst {format_number(opening.hours_min, 1, trim=True)} timer om ugen")
    if opening.required_languages:
        limits.append(f"sprogkrav ({opening.required_languages})")
    return tuple(limits)
