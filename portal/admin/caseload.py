"""Handing a user's caseload over to another consultant in one step (review N 11).

A consultant who leaves (or goes on leave) holds open cases as VK and as beskæftigelsesrådgiver,
companies as VK and hotline requests not closed (:func:`.service.holdings`); :func:`hand_over`
gives them all, or the kinds chosen, to one active consultant in the caller's transaction,
audited once, and each moved citizen also in their own history, with the matching index told
(outbox), as a single reassignment does.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from wtforms.fields.choices import SelectChoice

from .. import audit, name_order
from ..extensions import db
from ..notifications import assigned
from .service import AccountRuleError
from store import clock
from store.models import Citizen, Company, HotlineRequest, Team, User
from store.outbox import citizen_changed


def successor_choices(leaving_id: int) -> list[SelectChoice]:
    """Who can take over ``leaving_id``'s cases: the other active consultants, grouped by team,
    after a "choose" option (0, refused by the form, so nobody is picked by accident).

    The same people for every kind: a citizen's VK and adviser are both chosen among the
    active consultants (``portal.citizens.queries.consultants``, and ``assign_caseworkers``
    refuses anyone else), so one list serves the cases held as VK and as adviser alike."""
    rows = db.session.execute(
        sa.select(User.id, User.name, Team.name).outerjoin(Team, Team.id == User.team_id)
        .where(User.role == "consultant", User.active.is_(True), User.id != leaving_id)
        .order_by(Team.name.is_(None), *name_order.order_by(Team.name), *name_order.order_by(User.name, User.id))).all()
    return [SelectChoice(0, "Vælg konsulent …"),
            *(SelectChoice(uid, name, optgroup=team or "Uden team") for uid, name, team in rows)]


@dataclass(frozen=True)
class Handover:
    """What :func:`hand_over` moved, and the open cases it left (restricted processing):
    ``restricted`` citizens, held as VK, adviser or both (``restricted_roles``: "VK",
    "rådgiver")."""

    successor: str
    citizens: int
    companies: int
    requests: int
    restricted: int = 0
    advised: int = 0
    restricted_roles: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.citizens or self.advised or self.companies or self.requests)


def hand_over(user: User, successor: User, *, citizens: bool = True, advised: bool = True,
              companies: bool = True, requests: bool = True, by: User | None = None,
              tell_leaving: bool = True) -> Handover:
    """Give ``user``'s open cases as VK (``citizens``) and as adviser (``advised``), companies
    (as VK) and hotline requests not closed to ``successor``, in the caller's transaction (the
    caller commits); one summary audit event.

    As when one citizen is reassigned (``assign_caseworkers``), a citizen's team follows the
    new VK's when the VK has one (a new adviser leaves it); each moved citizen's version rises,
    the matching index is told (outbox) and the citizen's own history says »Sagsbehandlere
    ændret« (``citizen_assigned``), once per citizen even when both roles move. A citizen whose
    processing is restricted (GDPR art. 18) is read-only and stays, counted in ``restricted``.
    Works for an active user too (e.g. going on leave). ``successor`` gets one summary notice
    of the citizens they took over (:func:`portal.notifications.assigned.announce_handover`), and
    ``user``, while active, one of the citizens taken from them, by number
    (:func:`~portal.notifications.assigned.announce_handed_over`, ``caseload_removed``); not with
    ``tell_leaving`` False, when the caller deactivates ``user`` in the same step. A VK or adviser
    who stays on a moved citizen (another than ``user``, ``successor`` and ``by``) gets one summary
    of their citizens given a new VK or adviser
    (:func:`~portal.notifications.assigned.announce_handover_kept`, ``caseload_changed``).

    Raises:
        AccountRuleError: ``successor`` is ``user``, or not an active consultant (``successor_id``).
    """
    if successor.id == user.id or successor.role != "consultant" or not successor.active:
        raise AccountRuleError("Vælg en aktiv konsulent at overdrage til.", "successor_id")
    moved_companies = moved_requests = 0
    as_vk_ids: list[int] = []
    as_adviser_ids: list[int] = []
    restricted: set[int] = set()
    restricted_roles: set[str] = set()
    # A VK or adviser who stays: (citizens given a new VK, citizens given a new adviser), review BJ 7.
    kept: dict[int, tuple[list[int], list[int]]] = {}
    roles = [column for column, wanted in ((Citizen.vk_id, citizens), (Citizen.adviser_id, advised)) if wanted]
    if roles:
        now = clock.utcnow()
        open_cases = db.session.scalars(sa.select(Citizen).where(
            sa.or_(*(column == user.id for column in roles)),
            Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None)).order_by(Citizen.id)).all()
        for citizen in open_cases:
            as_vk, as_adviser = citizens and citizen.vk_id == user.id, advised and citizen.adviser_id == user.id
            if citizen.restricted:
                restricted.add(citizen.id)
                restricted_roles.update(role for role, held in (("VK", as_vk), ("rådgiver", as_adviser)) if held)
                continue
            if as_vk:
                citizen.vk_id = successor.id
                if successor.team_id is not None:
                    citizen.team_id = successor.team_id
                as_vk_ids.append(citizen.id)
            if as_adviser:
                citizen.adviser_id = successor.id
                as_adviser_ids.append(citizen.id)
            stays = citizen.adviser_id if not as_adviser else citizen.vk_id if not as_vk else None
            if stays is not None:
                kept.setdefault(stays, ([], []))[0 if as_vk else 1].append(citizen.id)
            citizen_changed(db.session, citizen, now=now)
            # In the citizen's own history too, as a reassignment by hand is (an access
            # request searches the log by citizen): »Sagsbehandlere ændret« (review O 2).
            audit.record("citizen_assigned", citizen_id=citizen.id,
                         purpose=f"vk:{citizen.vk_id or '-'},adviser:{citizen.adviser_id or '-'},"
                                 f"team:{citizen.team_id or '-'}")
    if companies:
        moved_companies = db.session.execute(
            sa.update(Company).where(Company.consultant_id == user.id).values(consultant_id=successor.id)
            .execution_options(synchronize_session="fetch")).rowcount
    if requests:
        moved_requests = db.session.execute(
            sa.update(HotlineRequest).where(HotlineRequest.assigned_to_id == user.id,
                                            HotlineRequest.status != "closed")
            .values(assigned_to_id=successor.id).execution_options(synchronize_session="fetch")).rowcount
    moved_citizens, moved_advised = len(as_vk_ids), len(as_adviser_ids)
    done = Handover(successor.name, moved_citizens, moved_companies, moved_requests, len(restricted),
                    moved_advised, tuple(role for role in ("VK", "rådgiver") if role in restricted_roles))
    # The successor is told, in one summary, which citizens are theirs now (review AV 6).
    assigned.announce_handover(successor, citizens=moved_citizens, advised=moved_advised, leaving=user,
                               by=by)
    if tell_leaving:  # the one they were taken from, while active (review: a removal is never silent)
        assigned.announce_handed_over(user, successor, citizens=as_vk_ids, advised=as_adviser_ids, by=by)
    # The VKs and advisers who stay on the moved citizens, one summary each (as an import's).
    assigned.announce_handover_kept(kept, successor=successor, leaving=user, by=by)
    if done:
        advised_part = f" raadgiver:{moved_advised}" if moved_advised else ""
        audit.record("caseload_handed_over",
                     purpose=f"fra user:{user.id} til user:{successor.id} borgere:{moved_citizens}{advised_part} "
                             f"virksomheder:{moved_companies} henvendelser:{moved_requests}")
    return done
