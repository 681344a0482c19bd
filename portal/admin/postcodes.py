"""/admin/postnumre: citizens and openings whose postcode the matching's table does not hold.

Matching measures commutes between postcodes of its table (:data:`matching.geo.POSTCODES`,
the built-in one or the job centre's own, ``MATCHING_POSTCODES``). The forms refuse any other
postcode, but a record saved before the table changed (or imported before) may hold one: its
distance cannot be computed, so the commute limit excludes it from every ranking. This page lists those
records, each with where it is put right: a citizen's profile (the consultant's form), an
opening by its company (the job centre cannot edit a company's opening; the company's VK is
named). The admin start page counts them.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload

from matching import geo
from store.models import Citizen, Company, Opening

from .. import name_order
from ..access import admin_required
from ..extensions import db
from . import bp

# Openings still in play: a filled or closed one is not matched again.
LIVE_OPENINGS = ("draft", "open")


def _outside(column: sa.ColumnElement) -> sa.ColumnElement[bool]:
    return column.not_in(list(geo.POSTCODES))


def _live_citizen() -> sa.ColumnElement[bool]:
    return sa.and_(Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None))


@dataclass(frozen=True)
class Outside:
    """The records outside the table: open cases' citizens and live openings, by name."""

    citizens: list[Citizen]
    openings: list[Opening]


def counts() -> tuple[int, int]:
    """How many open cases and live openings hold a postcode the table lacks (one statement)."""
    citizens = sa.select(sa.func.count(Citizen.id)).where(_live_citizen(), _outside(Citizen.postcode))
    openings = sa.select(sa.func.count(Opening.id)).where(Opening.status.in_(LIVE_OPENINGS),
                                                          _outside(Opening.postcode))
    return tuple(db.session.execute(sa.select(citizens.scalar_subquery(), openings.scalar_subquery())).one())


def outside() -> Outside:
    """Every such record, with what the page shows of it loaded."""
    citizens = db.session.scalars(
        sa.select(Citizen).where(_live_citizen(), _outside(Citizen.postcode))
        .options(joinedload(Citizen.vk)).order_by(*name_order.order_by(Citizen.name, Citizen.id))).all()
    openings = db.session.scalars(
        sa.select(Opening).where(Opening.status.in_(LIVE_OPENINGS), _outside(Opening.postcode))
        .options(joinedload(Opening.company).joinedload(Company.consultant))
        .order_by(Opening.title, Opening.id)).all()
    return Outside(list(citizens), list(openings))


@bp.get("/postnumre")
@admin_required
def postcodes():
    """The records whose postcode the matching's table lacks, each linked to where it is fixed."""
    return render_template("admin/postcodes.html", found=outside(), builtin=geo.is_builtin(),
                           table_size=len(geo.POSTCODES))
