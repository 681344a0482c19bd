"""Anonymised cases coarsened once they lie wholly before the figures' reach.

The goals read the case's and the placements' days, the VKs and adviser, the proposals
(contact with a company) and the reopened closings for the months they count, which reach
:data:`FIGURES_REACH_MONTHS` back (``/maal`` shows 12 months, each with a 12-month trend, and a
goal counts 12 months back from its day). So those are kept as they were while any of the case
lies inside that reach, and the figures of every month ``/maal`` can show stay the same; once
the whole case (its closing and every placement's end) lies before it, a later retention run
coarsens the days to the first of their month, drops the VK and adviser, the proposals with
their consents, answers, disclosures and interviews, the follow-up notes' rows, the VK history
and the reopened closings (:func:`coarsen_out_of_reach`). The access log keeps its rows with the
citizen's number (it is append-only). What remains is counted in statistics only: no page shows
an anonymised citizen, and the staff's lists behind the figures (``/maal/grundlag``) name the
case »Anonymiseret borger«.

Before the proposals go the companies shown the candidate are told, as on an erasure (reason
``anonymised``, ``anonymisation_recipients_told``).
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..dates import add_months
from store.models import (CaseClosure, Citizen, Consent, Interview, Placement, PlacementEvent, Proposal,
                          ProposalAnswer, ProposalDisclosure, VkChange)


# How far back (whole months before the first of today's month) any figure reads a case's days:
# /maal offers this month and the 11 before it (dashboard.forms.MONTHS_BACK), each with a trend of
# 12 months, and a goal counts the 12 months before its day, so the oldest day read lies 34 months
# back; one month more for the margin, and one for a day in the oldest month (tested).
FIGURES_REACH_MONTHS = 36


def reach_start(today: date) -> date:
    """The first day any figure may read (:data:`FIGURES_REACH_MONTHS` before today's month)."""
    return add_months(today.replace(day=1), -FIGURES_REACH_MONTHS)


def _first_of_month(day: date | None) -> date | None:
    return day.replace(day=1) if day is not None else None


def _not_first(column) -> sa.ColumnElement[bool]:
    return sa.and_(column.is_not(None), sa.extract("day", column) != 1)


def coarsen_out_of_reach(session: Session, *, today: date) -> int:
    """Coarsen the anonymised cases that lie wholly before the figures' reach (:func:`reach_start`):
    the case's, the placements' and the case system's last placement's days to the first of their
    month, the VK and adviser dropped,
    and the proposals (with consents, answers, disclosures and interviews), the placements'
    follow-up rows, the VK history and the reopened closings deleted. Returns how many cases.

    Before the reach no figure reads a day, a VK or a contact with a company, and a month's
    first day keeps every month count (the Code of Care report's started, running and ended per
    month), so the figures of every month stay as they were. Idempotent: a coarsened case is
    not selected again. The caller commits.

    The proposals go as on an erasure, so the companies are told first, as an erasure tells them
    (:func:`_tell_companies`, :func:`portal.citizens.recipients.tell` with ``anonymised``): the
    ones given the name a notice and ``proposal.withdrawn``, the ones shown the candidate only by
    pseudonym the event, since the API has no tombstone for a deleted proposal.
    """
    reach = reach_start(today)
    to_do = sa.or_(Citizen.vk_id.is_not(None), Citizen.adviser_id.is_not(None),
                   _not_first(Citizen.case_start), _not_first(Citizen.case_closed),
                   _not_first(Citizen.prior_company_placement_end),
                   sa.exists().where(Proposal.citizen_id == Citizen.id),
                   sa.exists().where(VkChange.citizen_id == Citizen.id),
                   sa.exists().where(CaseClosure.citizen_id == Citizen.id),
                   sa.exists().where(PlacementEvent.placement_id == Placement.id, Placement.citizen_id == Citizen.id),
                   sa.exists().where(Placement.citizen_id == Citizen.id,
                                     sa.or_(_not_first(Placement.start_date), _not_first(Placement.end_date))))
    in_reach = sa.exists().where(Placement.citizen_id == Citizen.id,
                                 sa.or_(Placement.end_date.is_(None), Placement.end_date >= reach))
    rows = session.execute(sa.select(Citizen.id, Citizen.case_start, Citizen.case_closed,
                                     Citizen.prior_company_placement_end, Citizen.version).where(
        Citizen.anonymised_at.is_not(None), Citizen.case_closed < reach, ~in_reach, to_do)).all()
    for citizen_id, start, closed, prior, version in rows:
        if session.scalar(sa.select(sa.exists().where(Proposal.citizen_id == citizen_id))):
            _tell_companies(session.get(Citizen, citizen_id))  # before the proposals go, as an erasure
        start, closed, prior = _first_of_month(start), _first_of_month(closed), _first_of_month(prior)
        # On the version read: a second run coarsening the same case at the same moment fails here
        # (and rolls back what it told), so the companies are told once.
        done = session.execute(sa.update(Citizen).where(Citizen.id == citizen_id, Citizen.version == version).values(
            case_start=start, case_closed=closed, prior_company_placement_end=prior, vk_id=None, adviser_id=None, version=version + 1,
            created_at=datetime.combine(start, time(), tzinfo=timezone.utc))
            .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise StaleDataError(f"citizen {citizen_id} was coarsened by another run meanwhile")
        proposal_ids = sa.select(Proposal.id).where(Proposal.citizen_id == citizen_id)
        for child in (Consent, ProposalAnswer, ProposalDisclosure, Interview):
            session.execute(sa.delete(child).where(child.proposal_id.in_(proposal_ids))
                            .execution_options(synchronize_session=False))
        session.execute(sa.delete(Proposal).where(Proposal.citizen_id == citizen_id)
                        .execution_options(synchronize_session=False))
        for table in (VkChange, CaseClosure):
            session.execute(sa.delete(table).where(table.citizen_id == citizen_id)
                            .execution_options(synchronize_session=False))
        placement_ids = sa.select(Placement.id).where(Placement.citizen_id == citizen_id)
        session.execute(sa.delete(PlacementEvent).where(PlacementEvent.placement_id.in_(placement_ids))
                        .execution_options(synchronize_session=False))
        for placement_id, p_start, p_end in session.execute(sa.select(
                Placement.id, Placement.start_date, Placement.end_date).where(Placement.citizen_id == citizen_id)).all():
            session.execute(sa.update(Placement).where(Placement.id == placement_id).values(
                start_date=_first_of_month(p_start), end_date=_first_of_month(p_end),
                created_at=datetime.combine(_first_of_month(p_start), time(), tzinfo=timezone.utc))
                .execution_options(synchronize_session=False))
    if rows:
        session.expire_all()
    return len(rows)


# The app's hold of portal.citizens.recipients.tell (the one rule that tells the companies
# shown a candidate, the erasure's): the citizens area imports this module, so the app factory
# hands it over (portal.create_app) instead of this module importing it back.
TELL_RECIPIENTS = "jobbro.privacy.tell_recipients"


def _tell_companies(citizen: Citizen) -> None:
    """Tell the companies shown the citizen's candidacy that its proposals go (``anonymised``):
    each company given the name gets the notice and ``proposal.withdrawn``, each shown it only
    by pseudonym the event (review AX 3), as for an erasure. A KeyError when the app has not
    registered :data:`TELL_RECIPIENTS`: never deleted untold."""
    current_app.extensions[TELL_RECIPIENTS](citizen, "anonymised")
