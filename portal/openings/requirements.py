"""Candidates an opening's changed requirements leave behind (review W1).

A company may change an opening's kind, driving licences, minimum hours or workplace after the
job centre has proposed candidates for it. The matching's hard limits (eligibility of the
benefit group, hours, licence, commute: :func:`matching.ranking.check_hard_constraints`) are
never broken, so a candidate the change puts outside them cannot take the opening, yet it was
still listed as waiting for an answer and the consultant heard nothing.

Now the change is checked against the candidates shown to the company (:func:`live_shown`):
the edit form says beforehand how many the change leaves behind (:func:`newly_unfit`, counts
only), and saving marks each of them (the proposal row is kept as it is, its decision and any
answer with it; the mark is ``Proposal.explanation[MARK]``: the day and the fields changed),
tells the consultants (:func:`notify_consultants`) and clears the marks of candidates the
opening fits again. A marked candidate the opening still does not fit is :func:`held`: the
company sees it as "ikke aktuel lige nu" (:data:`portal.proposals.ON_HOLD_TEXT`, never why:
the limit it breaks is the citizen's matter), cannot answer it, and it waits for no answer
(:func:`portal.openings.service.waiting_candidates`) until the job centre has decided on it or
the opening fits it again.
"""
from __future__ import annotations

import dataclasses
from datetime import date

import sqlalchemy as sa

from matching.domain import OpeningProfile
from store.models import Citizen, Company, Opening, Placement, Proposal, User
from store.profiles import coordinate_fields, load_rules, opening_profile
from .. import explanations
from ..extensions import db
from ..notifications.service import notify, path_for
from ..proposals import VISIBLE_TO_COMPANY
from ..proposals_hold import FIELD_WORDS, MARK, unfit
from ..proposals_hold import held as held, is_held as is_held, marked as marked

# The opening fields a hard limit reads.
REQUIREMENT_FIELDS = ("kind", "required_licences", "hours_min", "postcode")
# The mark, its field words and the reading of a hold live in portal.proposals_hold, which
# portal.candidates reads too (neither package imports the other for it); named here as before.


def requirements_changed(opening: Opening, data) -> list[str]:
    """The :data:`REQUIREMENT_FIELDS` whose value in ``data`` differs from ``opening``'s."""
    return [name for name in REQUIREMENT_FIELDS if getattr(opening, name) != getattr(data, name)]


def live_shown(opening_id: int) -> list[Proposal]:
    """The candidates on the opening the company was shown and a change can still concern: in a
    state it sees, not answered "hired" and no placement on the pair (both the placement's
    matter), the citizen's processing not restricted (already on hold)."""
    placed = sa.exists().where(Placement.citizen_id == Proposal.citizen_id, Placement.opening_id == Proposal.opening_id)
    return list(db.session.scalars(
        sa.select(Proposal).join(Citizen, Citizen.id == Proposal.citizen_id)
        .where(Proposal.opening_id == opening_id, Proposal.status.in_(VISIBLE_TO_COMPANY),
               Proposal.company_response.is_distinct_from("hired"), ~placed, Citizen.restricted.is_not(True))
        .order_by(Proposal.id)))


def _profile_with(opening: Opening, data) -> OpeningProfile:
    return dataclasses.replace(
        opening_profile(opening), kind=data.kind, hours_min=float(data.hours_min), hours_max=float(data.hours_max),
        postcode=data.postcode, **coordinate_fields(data.postcode),  # the new postcode's, not the old one's
        required_licences=frozenset(data.required_licences or ()))


@dataclasses.dataclass(frozen=True)
class Preview:
    """What saving ``data`` would do: ``leaves`` of the ``shown`` candidates would no longer fit."""

    shown: int
    leaves: int


def newly_unfit(opening: Opening, data) -> Preview:
    """How many of the candidates shown to the company the opening with ``data`` would no longer
    fit, that fit it as it stands (none when no requirement changes)."""
    if not requirements_changed(opening, data):
        return Preview(0, 0)
    shown = live_shown(opening.id)
    rules = load_rules(db.session)
    after = unfit(_profile_with(opening, data), shown, rules)
    before = unfit(opening_profile(opening), shown, rules)
    return Preview(len(shown), len(after - before))


def remark(opening: Opening, changed: list[str], today: date,
           before: OpeningProfile | None = None) -> tuple[list[Proposal], list[Proposal]]:
    """After a change of ``opening``'s requirements (already set on it): mark the candidates the
    change leaves behind, clear the mark of those it fits again (the caller commits;
    :func:`apply_change` also tells their consultants).

    ``before`` is the opening's profile before the change: a candidate who broke a hard limit
    already then (the citizen's hours lowered, a move) is not the change's doing and is not
    marked, so a change that eases the requirements marks nobody, as :func:`newly_unfit`
    previews (review Z 2). Without it, every candidate the opening does not fit is marked.

    Returns:
        (marked, lifted): the candidates marked now that were not marked before, and those
        whose mark it cleared.
    """
    fields = [name for name in changed if name in REQUIREMENT_FIELDS]
    if not fields:
        return [], []
    shown = live_shown(opening.id)
    rules = load_rules(db.session)
    broken = unfit(opening_profile(opening), shown, rules)
    already = unfit(before, shown, rules) if before is not None else set()
    # The marks are set and cleared on the explanations as they are now, under the rows' lock,
    # not as read above: a mark another step wrote since (a kept interview, an end on hold)
    # stays, and one this change would set is not set twice (portal.explanations).
    explanations.lock(db.session, shown)
    newly, lifted = [], []
    for proposal in shown:
        explanation = dict(proposal.explanation or {})
        if proposal.id in broken and proposal.id not in already and MARK not in explanation:
            explanation[MARK] = {"on": today.isoformat(), "fields": fields}
            newly.append(proposal)
        elif proposal.id not in broken and MARK in explanation:
            del explanation[MARK]
            lifted.append(proposal)
        else:
            continue
        proposal.explanation = explanation  # a new dict: the JSON column sees the change
    return newly, lifted


def notify_consultants(opening: Opening, marked: list[Proposal], fields: list[str], *,
                       by_company: bool = True) -> int:
    """Tell the company's consultant and each marked citizen's VK (once each) which candidates
    the change left behind (the caller commits); ``by_company`` False: the job centre's import
    made the change, not the company. Returns how many were told."""
    if not marked:
        return 0
    what = ", ".join(FIELD_WORDS[name] for name in fields if name in FIELD_WORDS)
    count = len(marked)
    return _tell(opening, marked, by_company, f" ({what}): {count} "
                 f"{'foreslået kandidat opfylder' if count == 1 else 'foreslåede kandidater opfylder'} dem ikke "
                 "længere. Virksomheden ser dem som »ikke aktuel lige nu«.",
                 "Se opslaget og dets kandidater her, og tal med virksomheden")


def notify_lifted(opening: Opening, lifted: list[Proposal], *, by_company: bool = True) -> int:
    """Tell the company's consultant and each citizen's VK (once each) that the candidates on
    hold fit the opening again (the caller commits); ``by_company`` as for
    :func:`notify_consultants`. Returns how many were told."""
    if not lifted:
        return 0
    count = len(lifted)
    return _tell(opening, lifted, by_company, f"{' igen' if by_company else ''}: {count} "
                 f"{'kandidat, der var sat i bero, opfylder' if count == 1 else 'kandidater, der var sat i bero, opfylder'} "
                 "dem nu og er aktuelle for virksomheden igen.", "Se opslaget og dets kandidater her")


def changed_by(company_name: str, title: str, by_company: bool) -> str:
    """Who changed the requirements of the opening ``title``, in the consultants' notice: the
    company (its form or its API), or the job centre's import (an administrator's file, or the
    command without a user), so a notice never blames the company for the job centre's file."""
    if by_company:
        return f"{company_name} har ændret kravene i opslaget »{title}«"
    return f"Jobcentret har ved en import ændret kravene i opslaget »{title}« fra {company_name}"


def _tell(opening: Opening, proposals: list[Proposal], by_company: bool, what: str, see: str) -> int:
    """Notify the company's consultant and the citizens' VKs (active, once each) that the
    requirements were changed (:func:`changed_by`), then ``what``; returns how many were told."""
    company = db.session.get(Company, opening.company_id)
    recipients: dict[int, User] = {}
    for user in [company.consultant if company else None, *(p.citizen.vk for p in proposals)]:
        if user is not None and user.active:
            recipients.setdefault(user.id, user)
    link = path_for("candidates.ranking", opening_id=opening.id)
    text = changed_by(company.name, opening.title, by_company) + what
    # No citizen is named: a notice outlives an erasure (portal.privacy.scrubbing.NAMING_KINDS), so the
    # consultant finds the candidates on the opening's page.
    for user in recipients.values():
        notify(user, "opening_changed", text, link, subject=f"Ændrede krav i opslaget »{opening.title}«",
               link_intro=see)
    return len(recipients)


def apply_change(opening: Opening, changed: list[str], today: date, before: OpeningProfile, *,
                 by_company: bool = True) -> list[Proposal]:
    """After an edit of ``opening`` (the form's or an import's, already set on it): mark the
    candidates the change leaves behind and tell their consultants, and tell them too of the
    candidates a change back lifts off hold (review Z 7: they had been told of the hold). The
    notices say who made the change: the company (``by_company``, the default: its form and its
    API), or the job centre's import (False). The caller commits.

    Returns:
        The candidates marked now (:func:`remark`).
    """
    left, lifted = remark(opening, changed, today, before)
    notify_consultants(opening, left, changed, by_company=by_company)
    notify_lifted(opening, lifted, by_company=by_company)
    return left
