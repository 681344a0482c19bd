"""Organisations and the people who log in: Team, Company, User."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from ..db import db
from .base import UTCDateTime, enum_of, utcnow
from .citizens import external_id_key as folded
from .vocab import ROLES

# Integrations' names are unique among the active ones (the database's rule of the admin check
# ``portal.admin.integrations``): a partial unique index on the folded name.
ACTIVE_INTEGRATION = "role = 'integration' AND active"


def _insert_default(compute):
    """A column default for Core inserts that leave the folded name out: ``compute`` of the
    row's parameters (the ORM sets the column itself, through the validators below)."""
    def default(context):
        return compute(context.get_current_parameters())
    return default


class Team(db.Model):
    """A job-centre team: VKs and advisers working in pairs (makkerskab)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # ``name`` folded (:func:`store.models.citizens.external_id_key`, the portal's one fold: case,
    # Unicode form, spaces), unique (migration 0043): »Team Ø« and »team ø« are one team in the
    # database too, not only in the admin check, so two administrators creating them at once
    # cannot both succeed. Set with ``name`` by the validator below (and by the default on a
    # Core insert without it); a Core UPDATE of ``name`` must set it too. A unique index, not a
    # constraint: SQLite adds it without copying the table. Text: folding may lengthen a name.
    name_key: Mapped[Optional[str]] = mapped_column(
        sa.Text, unique=True, index=True, default=_insert_default(lambda row: folded(row.get("name"))))

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.name_key = folded(name)
        return name


class Company(db.Model):
    """A company (virksomhed) that posts openings and receives proposals."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    cvr: Mapped[str] = mapped_column(sa.String(8), unique=True)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    postcode: Mapped[str] = mapped_column(sa.String(4))
    code_of_care: Mapped[bool] = mapped_column(default=False)
    standing_seats: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    consultant_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    consultant: Mapped[Optional["User"]] = relationship(foreign_keys=[consultant_id])

    __table_args__ = (
        sa.CheckConstraint("standing_seats >= 0", name="seats_nonneg"),
    )


class User(UserMixin, db.Model):
    """Anyone who logs in.

    Sessions are the user's rows, one per device (:class:`~store.models.sessions.UserSession`,
    ``portal.auth.devices``): deleting a row ends its session.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[Optional[str]] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(enum_of(ROLES, "user_role"))
    # A work phone shown to companies as their contact (consultants); "" = none given.
    phone: Mapped[str] = mapped_column(sa.String(30), default="", server_default="")
    # Notification kinds this user gets no mail for (still listed in the portal).
    mail_opt_out: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    company_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("company.id"))
    team_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("team.id"))
    # active_history: the flush hook below must know a user made active was inactive.
    active: Mapped[bool] = mapped_column(default=True, active_history=True)
    # When ``active`` last became False (None while active). Set and cleared by a flush hook
    # (below) on every path that changes ``active``. The dashboard reads it as of a month: a VK
    # deactivated after the month's end still counted then. None on an inactive user means
    # "when is unknown" (deactivated before 0020 without an audit event), read as long ago.
    deactivated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    set_password_token_hash: Mapped[Optional[str]] = mapped_column(sa.String(64))
    set_password_expires: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    company: Mapped[Optional[Company]] = relationship(foreign_keys=[company_id])
    team: Mapped[Optional[Team]] = relationship()
    # Earlier deactivations that were undone, oldest first: the user was inactive then.
    deactivations: Mapped[list["UserDeactivation"]] = relationship(
        cascade="all, delete-orphan", order_by="(UserDeactivation.reactivated_at, UserDeactivation.id)"
    )
    # An integration's ``name`` folded (as ``Team.name_key``); None for people (their names are
    # not unique and need no copy). Unique among the active integrations (the partial index
    # below, migration 0043). Set by the validator below whenever ``name`` or ``role`` is set,
    # and by the default on a Core insert without it.
    integration_name_key: Mapped[Optional[str]] = mapped_column(
        sa.Text, default=_insert_default(lambda row: _integration_name_key(row.get("name"), row.get("role"))))

    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'company') = (company_id IS NOT NULL)", name="company_role_has_company"
        ),
        sa.Index("uq_user_integration_name_key", "integration_name_key", unique=True,
                 sqlite_where=sa.text(ACTIVE_INTEGRATION), postgresql_where=sa.text(ACTIVE_INTEGRATION)),
    )

    @validates("name", "role")
    def _fold_integration_name(self, key: str, value: str) -> str:
        name, role = (value, self.role) if key == "name" else (self.name, value)
        self.integration_name_key = _integration_name_key(name, role)
        return value

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    @property
    def is_code_of_care(self) -> bool:
        return self.role == "company" and self.company is not None and self.company.code_of_care


def _integration_name_key(name: str | None, role: str | None) -> str | None:
    return folded(name) if role == "integration" and name is not None else None


class UserDeactivation(db.Model):
    """An earlier deactivation of a user that was undone (review T 2): inactive from
    ``deactivated_at`` (None: when is unknown, read as long ago, as ``User.deactivated_at``)
    until ``reactivated_at``. The current deactivation, if any, stays on the user. The
    dashboard reads a VK as active on a day when no deactivation covers it (by their days in
    Copenhagen): a VK activated again today still counts as none in the months it was away."""

    __tablename__ = "user_deactivation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    deactivated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    reactivated_at: Mapped[datetime] = mapped_column(UTCDateTime())


@event.listens_for(Session, "before_flush")
def _stamp_deactivation(session: Session, _context, _instances) -> None:
    """Keep ``User.deactivated_at`` with ``User.active``: stamped when a user becomes (or is
    created) inactive, cleared when made active again. One hook for every code path (admin
    page, CLI, API, jobs), as :mod:`.touch` does for ``updated_at``. Made active again, the
    deactivation it ends is kept as a :class:`UserDeactivation`."""
    for user in session.new:
        if isinstance(user, User) and user.active is False and user.deactivated_at is None:
            user.deactivated_at = utcnow()
    for user in list(session.dirty):
        if not isinstance(user, User) or not inspect(user).attrs.active.history.has_changes():
            continue
        if user.active:
            if False in inspect(user).attrs.active.history.deleted:
                session.add(UserDeactivation(user_id=user.id, deactivated_at=user.deactivated_at,
                                             reactivated_at=utcnow()))
            user.deactivated_at = None
        elif user.deactivated_at is None:
            user.deactivated_at = utcnow()
