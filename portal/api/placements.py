"""/api/v1/placements: a company's placements (list, read, log a month's hours); consultants
and administrators read every placement.

A company sees the label its placements page shows (the name only once released with a live
consent, logged before it is shown: :func:`portal.placements.service.company_labels`). Hours
go through the web's :class:`~portal.placements.forms.HoursForm` rules and
:func:`portal.placements.service.log_hours`. Another company's placement is 404.
"""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user

from store.models import Citizen, Placement, Proposal
from store.models.vocab import END_REASONS, OPENING_KINDS

from .. import audit
from ..extensions import db
from ..placements import service
from ..placements.forms import HoursForm, month_value
from . import common, forms, guard, problems

bp = common.blueprint("api_placements", "placements", "Forløb og timer.")
# A repeated POST (Idempotency-Key) shows the object as it is now, never a stored answer about the citizen.
guard.replay_by_reading(bp, "api_placements.get_placement", "placement_id")


class HoursOut(ma.Schema):
    month = ma.fields.String(required=True, metadata={"description": "ÅÅÅÅ-MM"})
    hours = ma.fields.Float(required=True)


class PlacementOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    label = ma.fields.String(required=True, metadata={
        "description": "Som på forløbssiden: navn og titel efter samtykke, ellers en neutral betegnelse."})
    opening_id = ma.fields.Integer(allow_none=True)
    company_id = ma.fields.Integer(required=True)
    kind = ma.fields.String(metadata={"enum": list(OPENING_KINDS)})
    start_date = ma.fields.Date(required=True)
    end_date = ma.fields.Date(allow_none=True)
    weekly_hours = ma.fields.Float()
    end_reason = ma.fields.String(allow_none=True, metadata={"enum": [*END_REASONS, None]})  # null: running
    active = ma.fields.Boolean(required=True, metadata={
        "description": "I gang eller planlagt: ingen slutdato, en slutdato efter i dag, eller slutdato i dag uden "
                       "registreret afslutning. Et forløb med slutårsag er afsluttet fra slutdatoen."})
    hours = ma.fields.List(ma.fields.Nested(HoursOut))
    loggable_months = ma.fields.List(ma.fields.String(), metadata={"description": "Måneder, der kan føres timer for."})
    citizen_id = ma.fields.Integer(metadata={"description": "Kun for jobcentret."})


class PlacementPage(common.PageSchema):
    items = ma.fields.List(ma.fields.Nested(PlacementOut), required=True)


class PlacementListArgs(common.ListArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(["active", "ended"]),
                              metadata={"description": "active (i gang) eller ended (afsluttet)."})


class HoursIn(ma.Schema):
    month = ma.fields.String(required=True, validate=ma.validate.Length(max=7), metadata={"example": "2026-10"})
    hours = ma.fields.Raw(required=True, metadata={"type": ["number", "string"],
                                                   "description": "Timer i måneden, fx 12.5 eller \"12,5\"."})


def _views(placements: list[Placement]) -> list[dict]:
    today = service.today_local()
    if current_user.role == "company":
        labels = service.company_labels(placements, today)
    else:
        labels = {p.id: service.placement_label(p) for p in placements}
        for p in placements:
            audit.record_now("placement_viewed", citizen_id=p.citizen_id, purpose=f"api forloeb:{p.id}")
    views = []
    for p in placements:
        view = {"id": p.id, "label": labels[p.id], "opening_id": p.opening_id, "company_id": p.company_id,
                "kind": p.kind, "start_date": p.start_date, "end_date": p.end_date,
                "weekly_hours": p.weekly_hours, "end_reason": p.end_reason,
                "active": service.is_active(p, today),
                "hours": [{"month": month_value(h.month), "hours": float(h.hours)}
                          for h in sorted(p.hours, key=lambda h: h.month)],
                "loggable_months": [month_value(m) for m in service.allowed_months(p, today)]}
        if current_user.role != "company":
            view["citizen_id"] = p.citizen_id
        views.append(view)
    return views


def load(placement_id: int) -> Placement:
    """:raise 404: (problem) if unknown or another company's."""
    placement = db.session.get(Placement, placement_id)
    if placement is None:
        problems.abort(404)
    if current_user.role == "company" and placement.company_id != current_user.company_id:
        common.not_found("Placement", placement_id)
    return placement


@bp.get("/")
@bp.arguments(PlacementListArgs, **common.QUERY)
@bp.response(200, PlacementPage)
def list_placements(args):
    """Forløb (virksomhed: egne; jobcentret: alle)."""
    query = sa.select(Placement)
    if current_user.role == "company":
        query = query.where(Placement.company_id == current_user.company_id)
    today = service.today_local()
    if args.get("status") == "active":  # as the items' ``active`` (service.is_active)
        query = query.where(service.active_clause(today))
    elif args.get("status") == "ended":
        query = query.where(sa.not_(service.active_clause(today)))
    if since := common.since_moment(args.get("updated_since")):
        # Hours and events touch the placement (store.models.touch); the label (the name, once
        # disclosed) follows the pair's proposal and its consents, and the citizen.
        pair_changed = sa.exists().where(Proposal.citizen_id == Placement.citizen_id,
                                         Proposal.opening_id == Placement.opening_id, Proposal.updated_at >= since)
        citizen_changed = sa.select(Citizen.updated_at).where(Citizen.id == Placement.citizen_id).scalar_subquery()
        query = query.where(sa.or_(Placement.updated_at >= since, pair_changed, citizen_changed >= since))
    items, links = common.page(query, Placement.id, args)
    return {"items": _views(items), **links}


@bp.get("/<int:placement_id>")
@bp.response(200, PlacementOut)
def get_placement(placement_id: int):
    """Ét forløb med månedernes timer."""
    return _views([load(placement_id)])[0]


@bp.put("/<int:placement_id>/hours")
@bp.arguments(HoursIn)
@bp.response(200, PlacementOut)
def log_hours(body, placement_id: int):
    """Før (eller ret) timerne for én måned i forløbet (kun virksomheden)."""
    placement = load(placement_id)
    months = service.allowed_months(placement, service.today_local())
    hours = body["hours"]
    if not isinstance(hours, (int, float, str)) or isinstance(hours, bool):
        problems.abort(422, errors={"hours": ["Angiv timer som et tal, fx 12,5."]})
    form = forms.validated(HoursForm, {"month": body["month"], "hours": str(hours)}, months=months)
    service.log_hours(placement, form.parsed_month, form.parsed_hours, current_user)
    db.session.refresh(placement)
    return _views([placement])[0]


# Company-only writes: the job centre's keys get 403 before the body is read.
guard.restrict_endpoints(bp, common.company_only, "log_hours")
