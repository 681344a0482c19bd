"""/api/v1/placements: a company's placements (list, read, log a month's hours); consultants
and administrators read every placement.

A company sees the label its placements page shows (the name only once released with a live
consent, logged before it is shown: :func:`portal.placements.service.company_labels`). Hours
go through the web's :class:`~portal.placements.forms.HoursForm` rules and
:func:`portal.placements.service.log_hours`. Another company's placement is 404.
"""
from __future__ import annotations

from datetime import date, datetime

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from store.models import Citizen, Consent, Placement, Proposal
from store.models.vocab import END_REASONS, OPENING_KINDS
from store import clock

from .. import audit
from ..extensions import db
from ..proposals import identity_released_clause
from ..placements import service
from ..placements.forms import HoursForm, month_value
from . import common, disclosure, forms, guard, problems

bp = common.blueprint("api_placements", "placements", "Forløb og timer.")
# A repeated POST (Idempotency-Key) shows the object as it is now, never a stored answer about the citizen.
guard.replay_by_reading(bp, "api_placements.get_placement", "placement_id")


# A placement's ``status``: active as service.is_active, cancelled as service.is_cancelled, else ended.
STATUSES = ("active", "ended", "cancelled")


def status_of(placement: Placement, today: date) -> str:
    """One of :data:`STATUSES` (a cancelled placement is never active nor ended)."""
    if service.is_cancelled(placement):
        return "cancelled"
    return "active" if service.is_active(placement, today) else "ended"


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
    end_reason = ma.fields.String(allow_none=True, metadata={  # null: running
        "enum": [*END_REASONS, None],
        "description": "null: ikke afsluttet. \"aflyst\": aflyst før start (forløbet blev aldrig til noget; "
                       "end_date er den planlagte startdato)."})
    active = ma.fields.Boolean(required=True, metadata={
        "description": "I gang eller planlagt: ingen slutdato, en slutdato efter i dag, eller slutdato i dag uden "
                       "registreret afslutning. Et forløb med slutårsag er afsluttet fra slutdatoen. Et aflyst "
                       "forløb er aldrig aktivt."})
    status = ma.fields.String(required=True, metadata={
        "enum": list(STATUSES),
        "description": "active (i gang eller planlagt, som active), ended (afsluttet) eller cancelled (aflyst før "
                       "start, end_reason \"aflyst\": ingen timer, tæller ikke som et afsluttet forløb)."})
    hours = ma.fields.List(ma.fields.Nested(HoursOut))
    loggable_months = ma.fields.List(ma.fields.String(), metadata={"description": (
        "Måneder, der kan føres timer for. Tom, mens behandlingen af borgerens oplysninger er begrænset "
        "(PUT .../hours giver så 409).")})
    disclosed_until = ma.fields.AwareDateTime(allow_none=True, metadata={"description": (
        "Hvornår virksomhedens label holder op med at vise navnet: det første tidspunkt efter samtykkets sidste dag "
        "(dansk tid), medmindre samtykket fornyes. Det kan ende før, hvis samtykket trækkes tilbage. null, når "
        "virksomheden ikke ser navnet. Når tidspunktet er passeret, kommer forløbet med i listen med "
        "updated_since igen, med den neutrale betegnelse.")})
    citizen_id = ma.fields.Integer(metadata={"description": "Kun for jobcentret."})


class PlacementPage(common.PageSchema):
    items = ma.fields.List(ma.fields.Nested(PlacementOut), required=True)


class PlacementListArgs(common.ListArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(STATUSES)),
                              metadata={"description": "active (i gang), ended (afsluttet) eller cancelled (aflyst "
                                                       "før start)."})


class HoursIn(ma.Schema):
    month = ma.fields.String(required=True, validate=ma.validate.Length(max=7), metadata={"example": "2026-10"})
    hours = ma.fields.Raw(required=True, metadata={"type": ["number", "string"],
                                                   "description": "Timer i måneden, fx 12.5 eller \"12,5\"."})


def label_changed(since: datetime) -> sa.ColumnElement[bool]:
    """Correlated on ``Placement``: what the company's label (the name, once disclosed) is made
    of changed from ``since``: the pair's proposal (its consents touch it), a consent of it that
    ran out by its date (:func:`.disclosure.lapsed_since`: no write), or the citizen."""
    pair_changed = sa.exists().where(Proposal.citizen_id == Placement.citizen_id,
                                     Proposal.opening_id == Placement.opening_id,
                                     sa.or_(Proposal.updated_at >= since, disclosure.lapsed_since(since)))
    citizen_changed = sa.select(Citizen.updated_at).where(Citizen.id == Placement.citizen_id).scalar_subquery()
    return sa.or_(pair_changed, citizen_changed >= since)


def disclosed_until(placements: list[Placement], today: date) -> dict[int, datetime]:
    """Placement id → when the name in its label stops being shown by the consent's date
    (:func:`.disclosure.ends_at`), for placements whose pair has the identity released (the rule
    of the label: :func:`portal.proposals.identity_released`, as SQL), in one statement."""
    pairs = {(p.citizen_id, p.opening_id): p.id for p in placements if p.opening_id is not None}
    if not pairs:
        return {}
    # A proposal has at most one consent in force (store.models.Consent); max() only makes it one row.
    deadline = sa.select(sa.func.max(Consent.deadline)).where(
        Consent.proposal_id == Proposal.id, Consent.in_force_clause(today)).scalar_subquery()
    rows = db.session.execute(
        sa.select(Proposal.citizen_id, Proposal.opening_id, deadline)
        .where(Proposal.citizen_id.in_({c for c, _o in pairs}), Proposal.opening_id.in_({o for _c, o in pairs}),
               identity_released_clause(today)))
    return {pairs[(c, o)]: disclosure.ends_at(deadline) for c, o, deadline in rows if (c, o) in pairs}


def _views(placements: list[Placement]) -> list[dict]:
    today = clock.today()
    until = disclosed_until(placements, today)
    if current_user.role == "company":
        labels = service.company_labels(placements, today, "api: company placements")
    else:
        labels = {p.id: service.placement_label(p) for p in placements}
        # Every placement read is logged before the answer (fail closed), the page's in one
        # transaction (one disk sync), not one per placement.
        audit.record_many_now([{"action": "placement_viewed", "citizen_id": p.citizen_id,
                                "purpose": f"api forloeb:{p.id}"} for p in placements])
    views = []
    for p in placements:
        view = {"id": p.id, "label": labels[p.id], "opening_id": p.opening_id, "company_id": p.company_id,
                "kind": p.kind, "start_date": p.start_date, "end_date": p.end_date,
                "weekly_hours": p.weekly_hours, "end_reason": p.end_reason,
                "active": service.is_active(p, today), "status": status_of(p, today),
                "hours": [{"month": month_value(h.month), "hours": float(h.hours)}
                          for h in sorted(p.hours, key=lambda h: h.month)],
                "loggable_months": [month_value(m) for m in service.allowed_months(p, today)],
                "disclosed_until": until.get(p.id)}
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
    # Each item shows its hours, its opening's title (the label) and its loggable months (none for
    # an anonymised or restricted citizen's, service.allowed_months): with the page, not per item.
    query = sa.select(Placement).options(selectinload(Placement.hours), joinedload(Placement.opening),
                                         selectinload(Placement.citizen).load_only(Citizen.anonymised_at, Citizen.restricted))
    if current_user.role == "company":
        query = query.where(Placement.company_id == current_user.company_id)
    today = clock.today()
    if args.get("status") == "active":  # as the items' ``active`` (service.is_active)
        query = query.where(service.active_clause(today))
    elif args.get("status") == "ended":
        query = query.where(sa.not_(service.active_clause(today)), service.not_cancelled_clause())
    elif args.get("status") == "cancelled":
        query = query.where(sa.not_(service.not_cancelled_clause()))
    if since := common.since_moment(args.get("updated_since")):
        # Hours and events touch the placement (store.models.touch); the label follows label_changed.
        query = query.where(sa.or_(Placement.updated_at >= since, label_changed(since)))
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
@bp.alt_response(409, description="Behandlingen af borgerens oplysninger er begrænset (art. 18): der registreres "
                                  "ikke timer for forløbet, mens begrænsningen gælder (loggable_months er tom).")
def log_hours(body, placement_id: int):
    """Før (eller ret) timerne for én måned i forløbet (kun virksomheden)."""
    placement = load(placement_id)
    if service.hours_paused(placement):  # art. 18: before the body is judged, as service.log_hours refuses
        problems.abort(409, service.HOURS_NOT_SAVED)
    months = service.allowed_months(placement, clock.today())
    hours = body["hours"]
    if not isinstance(hours, (int, float, str)) or isinstance(hours, bool):
        problems.abort(422, errors={"hours": ["Angiv timer som et tal, fx 12,5."]})
    form = forms.validated(HoursForm, {"month": body["month"], "hours": str(hours)}, months=months)
    try:
        service.log_hours(placement, form.parsed_month, form.parsed_hours, current_user)
    except service.HoursPaused:  # restricted since the check above
        db.session.rollback()
        problems.abort(409, service.HOURS_NOT_SAVED)
    db.session.refresh(placement)
    return _views([placement])[0]


# Company-only writes: the job centre's keys get 403 before the body is read.
guard.restrict_endpoints(bp, common.company_only, "log_hours")
