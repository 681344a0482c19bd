"""Teams (VKs and advisers working in pairs): the work behind /admin/teams.

Every change is audit-logged and committed here. A team is deleted only while nobody
belongs to it: its users (active or not) and citizens hold a reference to it, and a
citizen's team decides who sees the citizen under "Mit team".
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from .. import audit, name_order
from ..extensions import db
from ..text import clean_line
from .service import AccountRuleError, name_taken_as
from store.models import Citizen, Team, User
from store.models.citizens import external_id_key as folded

TAKEN = "Der findes allerede et team med det navn."


@dataclass(frozen=True)
class TeamRow:
    """One team as the list shows it."""

    id: int
    name: str
    members: int  # users on the team, active or not
    active_members: int
    citizens: int  # citizens whose team it is, open or closed cases

    @property
    def deletable(self) -> bool:
        return not self.members and not self.citizens


def team_rows() -> list[TeamRow]:
    """Every team by name with its member and citizen counts (one statement)."""
    def count(model, *where):
        return (sa.select(sa.func.count()).select_from(model).where(model.team_id == Team.id, *where)
                .correlate(Team).scalar_subquery())

    stmt = sa.select(Team.id, Team.name, count(User), count(User, User.active), count(Citizen)) \
        .order_by(*name_order.order_by(Team.name, Team.id))
    return [TeamRow(*row) for row in db.session.execute(stmt)]


def team_row(team_id: int) -> TeamRow | None:
    """The list's row for one team, or None if there is no such team."""
    return next((row for row in team_rows() if row.id == team_id), None)


def members(team_id: int) -> list[User]:
    """The team's users by name (the page links each to the user's edit page)."""
    return list(db.session.scalars(sa.select(User).where(User.team_id == team_id).order_by(*name_order.order_by(User.name, User.id))))


def _clean(name: str) -> str:
    """The name as stored and compared: :func:`portal.text.clean_line` (runs of spaces made
    one, NFC: a decomposed »Å« typed or pasted is stored as the one letter and sorts as Å, not
    as A; review BK 5)."""
    return clean_line(name)


def team_named(name: str | None, *, but: int | None = None) -> int | None:
    """The id of the team called ``name`` whatever its case, Unicode form or spaces (»team
    østjylland« is »Team Østjylland«), other than team ``but``; None if there is none.

    By the stored folded name (``Team.name_key``: :func:`store.models.citizens.external_id_key`,
    the portal's one fold; SQLite's ``lower()`` folds ASCII only, review BH 3), which a unique
    index also holds (migration 0043).
    """
    key = folded(name or "")
    if not key:
        return None
    return db.session.scalar(sa.select(Team.id).where(Team.name_key == key, Team.id != (but or 0)))


def _refuse_taken(name: str, team_id: int | None) -> None:
    if team_named(name, but=team_id) is not None:
        raise AccountRuleError(TAKEN, "name")


def create_team(name: str) -> Team:
    """A new team named ``name`` (:func:`_clean`: runs of spaces made one, NFC); audited, committed.

    Raises:
        AccountRuleError: another team has the name, whatever its case (``name``), also when
            it was created meanwhile.
    """
    name = _clean(name)
    _refuse_taken(name, None)
    team = Team(name=name)
    db.session.add(team)
    with name_taken_as(TAKEN):  # created meanwhile by another administrator
        db.session.flush()
    audit.record("team_created", purpose=f"team:{team.id}")
    with name_taken_as(TAKEN):
        db.session.commit()
    return team


def rename_team(team: Team, name: str) -> bool:
    """Give ``team`` a new name; audited and committed when it changed. True if it changed.

    Raises:
        AccountRuleError: another team has the name, whatever its case (``name``), also when
            it was given meanwhile (nothing is saved).
    """
    name = _clean(name)
    if name == team.name:
        return False
    _refuse_taken(name, team.id)
    team.name = name
    audit.record("team_renamed", purpose=f"team:{team.id}")
    with name_taken_as(TAKEN):
        db.session.commit()
    return True


def delete_team(team: Team) -> None:
    """Delete an empty team; audited, committed.

    Raises:
        AccountRuleError: users or citizens belong to the team (the message says how many),
            or came to belong to it while deleting.
    """
    row = team_row(team.id)
    if row is not None and not row.deletable:
        raise AccountRuleError(why_not_deletable(row))
    team_id = team.id
    db.session.delete(team)
    audit.record("team_deleted", purpose=f"team:{team_id}")
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # someone was put on the team meanwhile (the foreign keys say so)
        db.session.rollback()
        raise AccountRuleError("Teamet kan ikke slettes, fordi nogen lige er sat på det. Se listen igen.") from None


def why_not_deletable(row: TeamRow) -> str:
    """Why ``row``'s team cannot be deleted ("" if it can), in Danish."""
    parts = []
    if row.members:
        parts.append(f"{row.members} bruger{'e' if row.members != 1 else ''}")
    if row.citizens:
        parts.append(f"{row.citizens} borger{'e' if row.citizens != 1 else ''}")
    if not parts:
        return ""
    return f"{row.name} kan ikke slettes, fordi {' og '.join(parts)} hører til teamet."
