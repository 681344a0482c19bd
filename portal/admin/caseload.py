"""Handing a user's caseload over to another consultant in one step (review N 11).

A consultant who leaves (or goes on leave) holds open cases as VK, companies as VK and hotline
requests not closed (:func:`.service.holdings`); :func:`hand_over` gives them all, or the kinds
chosen, to one active consultant in the caller's transaction, audited once, with the matching
index told about each citizen (outbox), as a single reassignment does.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from wtforms.fields.choices import SelectChoice

from .. import audit
from ..extensions import db
from .service import AccountRuleError
from store import clock
from store.models import Citizen, Company, HotlineRequest, Team, User
from store.outbox import record_change


def successor_choices(leaving_id: int) -> list[SelectChoice]:
    """Who can take over ``leaving_id``'s cases: the other active consultants, grouped by team,
    after a "choose" option (0, refused by the form, so nobody is picked by accident)."""
    rows = db.session.execute(
        sa.select(User.id, User.name, Team.name).outerjoin(Team, Team.id == User.team_id)
        .where(User.role == "consultant", User.active.is_(True), User.id != leaving_id)
        .order_by(Team.name.is_(None), Team.name, User.name, User.id)).all()
    return [SelectChoice(0, "Vælg konsulent …"),
            *(SelectChoice(uid, name, optgroup=team or "Uden team") for uid, name, team in rows)]


@dataclass(frozen=True)
class Handover:
    """What :func:`hand_over` moved, and the open cases it left (restricted processing)."""

    successor: str
    citizens: int
    companies: int
    requests: int
    restricted: int = 0

    def __bool__(self) -> bool:
        return bool(self.citizens or self.companies or self.requests)


def hand_over(user: User, successor: User, *, citizens: bool = True, companies: bool = True,
              requests: bool = True) -> Handover:
    """Give ``user``'s open cases (as VK), companies (as VK) and hotline requests not closed to
    ``successor``, in the caller's transaction (the caller commits); one audit event.

    As when one citizen is reassigned (``assign_caseworkers``), a citizen's team follows the
    new VK's when the VK has one; each moved citizen's version rises and the matching index is
    told (outbox). A citizen whose processing is restricted (GDPR art. 18) is read-only and
    stays, counted in ``restricted``. Works for an active user too (e.g. going on leave).

    Raises:
        AccountRuleError: ``successor`` is ``user``, or not an active consultant (``successor_id``).
    """
    if successor.id == user.id or successor.role != "consultant" or not successor.active:
        raise AccountRuleError("Vælg en aktiv konsulent at overdrage til.", "successor_id")
    moved_citizens = moved_companies = moved_requests = restricted = 0
    if citizens:
        now = clock.utcnow()
        open_cases = db.session.scalars(sa.select(Citizen).where(
            Citizen.vk_id == user.id, Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None))
            .order_by(Citizen.id)).all()
        for citizen in open_cases:
            if citizen.restricted:
                restricted += 1
                continue
            citizen.vk_id = successor.id
            if successor.team_id is not None:
                citizen.team_id = successor.team_id
            citizen.updated_at = now
            record_change(db.session, "citizen", citizen.id)
            # In the citizen's own history too, as a reassignment by hand is (an access
            # request searches the log by citizen): »Sagsbehandlere ændret« (review O 2).
            audit.record("citizen_assigned", citizen_id=citizen.id,
                         purpose=f"vk:{successor.id},adviser:{citizen.adviser_id or '-'},"
                                 f"team:{citizen.team_id or '-'}")
            moved_citizens += 1
    if companies:
        moved_companies = db.session.execute(
            sa.update(Company).where(Company.consultant_id == user.id).values(consultant_id=successor.id)
            .execution_options(synchronize_session="fetch")).rowcount
    if requests:
        moved_requests = db.session.execute(
            sa.update(HotlineRequest).where(HotlineRequest.assigned_to_id == user.id,
                                            HotlineRequest.status != "closed")
            .values(assigned_to_id=successor.id).execution_options(synchronize_session="fetch")).rowcount
    done = Handover(successor.name, moved_citizens, moved_companies, moved_requests, restricted)
    if done:
        audit.record("caseload_handed_over",
                     purpose=f"fra user:{user.id} til user:{successor.id} borgere:{moved_citizens} "
                             f"virksomheder:{moved_companies} henvendelser:{moved_requests}")
    return done
