"""/api/v1/openings: a company's openings (list, create, read, update with If-Match, publish,
close); consultants and administrators read every company's.

Writes go through :mod:`portal.openings.service` (outbox and audit in one transaction) after
the web's :class:`~portal.openings.forms.OpeningForm` validated the body; ownership comes from
the token's user, never the body. Another company's opening is 404.
"""
from __future__ import annotations

from dataclasses import asdict, replace

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from store.models import Opening
from store.models.vocab import OPENING_KINDS, OPENING_STATUSES

from ..text import clean_line
from ..extensions import db
from ..imports import service as imports
from ..openings import service
from ..openings.forms import EDITABLE_STATUSES, OpeningForm
from . import common, forms, guard, problems

MAX_EXTERNAL_ID = 64

bp = common.blueprint("api_openings", "openings", "Opslag: virksomhedens egne (jobcentret kan læse alle).")


class OpeningIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(list(OPENING_KINDS)))
    title = ma.fields.String(required=True, validate=ma.validate.Length(max=200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    requirements = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    hours_min = ma.fields.Float(required=True, allow_nan=False)
    hours_max = ma.fields.Float(required=True, allow_nan=False)
    postcode = ma.fields.String(required=True, validate=ma.validate.Length(max=4))
    start_date = ma.fields.Date(load_default=None, allow_none=True)
    duration_weeks = common.Integer(load_default=None, allow_none=True)
    required_licences = ma.fields.List(ma.fields.String(), load_default=list)
    required_languages = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    accommodations = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    capacity = common.Integer(load_default=1)
    status = ma.fields.String(load_default="draft", validate=ma.validate.OneOf(list(EDITABLE_STATUSES)),
                              metadata={"description": "draft (kladde), open (slået op) eller closed."})


class OpeningUpdate(OpeningIn):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(EDITABLE_STATUSES)),
                              metadata={"description": "Udeladt: status er uændret."})


class OpeningUpsert(OpeningIn):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(EDITABLE_STATUSES)),
                              metadata={"description": "Udeladt: et eksisterende opslag beholder sin status; "
                                                       "et nyt bliver en kladde (draft)."})


class OpeningOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    company_id = ma.fields.Integer(required=True)
    external_id = ma.fields.String(allow_none=True)
    kind = ma.fields.String(required=True, metadata={"enum": list(OPENING_KINDS)})
    title = ma.fields.String(required=True)
    description = ma.fields.String()
    requirements = ma.fields.String()
    hours_min = ma.fields.Float()
    hours_max = ma.fields.Float()
    postcode = ma.fields.String()
    town = ma.fields.Function(lambda o: service.town_for(o.postcode), metadata={"type": "string"})
    start_date = ma.fields.Date(allow_none=True)
    duration_weeks = ma.fields.Integer(allow_none=True)
    required_licences = ma.fields.List(ma.fields.String())
    required_languages = ma.fields.String()
    accommodations = ma.fields.String()
    capacity = ma.fields.Integer()
    status = ma.fields.String(required=True, metadata={"enum": list(OPENING_STATUSES)})
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class OpeningPage(common.PageSchema):
    items = ma.fields.List(ma.fields.Nested(OpeningOut), required=True)


class OpeningListArgs(common.ListArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(OPENING_STATUSES)))


def load(opening_id: int) -> Opening:
    """The opening, if the token's user may see it (companies: their own only).

    :raise 404: (problem) if unknown or another company's.
    """
    opening = db.session.get(Opening, opening_id)
    if opening is None:
        problems.abort(404)
    if current_user.role == "company" and opening.company_id != current_user.company_id:
        common.not_found("Opening", opening_id)
    return opening


def _with_etag(opening: Opening, status: int = 200) -> Response:
    response = Response(OpeningOut().dumps(opening), status=status, mimetype="application/json")
    response.headers["ETag"] = common.etag_for(opening.version)
    return response


def _data(body: dict, opening: Opening | None = None) -> service.OpeningData:
    """``body`` validated by the web's form; for a saved ``opening`` also against the places
    taken on it (its capacity may not drop below them, as on the web).

    :raise 422: (problem) with the form's Danish messages per field.
    """
    form = forms.validated(OpeningForm, body, current_status=opening.status if opening else None,
                           stored_start=opening.start_date if opening else None,
                           places=service.places(opening) if opening else None)
    return form.to_data()


@bp.get("/")
@bp.arguments(OpeningListArgs, **common.QUERY)
@bp.response(200, OpeningPage)
def list_openings(args):
    """Opslag (virksomhed: egne; jobcentret: alle), ældste først, i sider."""
    query = sa.select(Opening)
    if current_user.role == "company":
        query = query.where(Opening.company_id == current_user.company_id)
    if args.get("status"):
        query = query.where(Opening.status == args["status"])
    if since := common.since_moment(args.get("updated_since")):
        query = query.where(Opening.updated_at >= since)
    items, links = common.page(query, Opening.id, args)
    return {"items": items, **links}


@bp.post("/")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.arguments(OpeningIn)
@bp.response(201, OpeningOut, headers=common.ETAG_HEADER)
def create_opening(body):
    """Opret et opslag for virksomheden (kun virksomhedsbrugere)."""
    opening = service.create_opening(current_user.company_id, current_user.id, _data(body))
    response = _with_etag(opening, 201)
    response.headers["Location"] = url_for("api_openings.get_opening", opening_id=opening.id)
    return response


@bp.get("/<int:opening_id>")
@bp.response(200, OpeningOut, headers=common.ETAG_HEADER)
def get_opening(opening_id: int):
    """Ét opslag med ETag (til If-Match ved ændring)."""
    return _with_etag(load(opening_id))


@bp.put("/<int:opening_id>")
@bp.doc(parameters=[dict(common.IF_MATCH, required=True)])
@bp.arguments(OpeningUpdate)
@bp.response(200, OpeningOut, headers=common.ETAG_HEADER)
@bp.alt_response(412, description="Opslaget er ændret siden; hent det igen.")
@bp.alt_response(428, description="If-Match mangler.")
def update_opening(body, opening_id: int):
    """Ret et opslag (hele opslaget sendes). Kræver If-Match med opslagets ETag."""
    opening = load(opening_id)
    version = common.expected_version(opening.version)
    data = _data(dict(body, status=body.get("status") or opening.status), opening)
    try:
        service.update_opening(opening, data, version)
    except service.StaleOpening:
        problems.abort(412, "Opslaget er ændret, siden du hentede det. Hent det igen, og ret derefter.")
    return _with_etag(opening)


# The path converter: an ATS key may hold "/" (sent raw or as %2F; the server sees "/" either way).
@bp.put("/by-external-id/<path:external_id>", merge_slashes=False, parameters=[{
    "in": "path", "name": "external_id", "description": (
        "Jeres eget id for opslaget (højst 64 synlige tegn, uden mellemrum først og sidst); det må "
        "indeholde /, sendt som det er eller som %2F.")}])
@bp.doc(parameters=[common.UPSERT_IF_MATCH])
@bp.arguments(OpeningUpsert)
@bp.response(200, OpeningOut, headers=common.ETAG_HEADER)
@bp.alt_response(201, schema=OpeningOut, headers=common.ETAG_HEADER, description="Opslaget er oprettet.")
@bp.alt_response(412, description="If-Match er sendt, men opslaget er ændret siden (eller findes ikke); hent det igen.")
def upsert_opening(body, external_id: str):
    """Opret eller opdatér virksomhedens opslag med jeres eget id (fx fra jeres rekrutteringssystem).

    Samme data to gange ændrer intet. Uden status beholder et eksisterende opslag sin status (et nyt
    bliver en kladde), så et opslag, der er slået op (POST .../publish), ikke går tilbage til kladde,
    når de samme felter sendes igen. Et besat opslag beholder sin status. If-Match er valgfri:
    uden den overskrives opslaget uden versionskontrol; med opslagets ETag giver en forældet version 412,
    som ved PUT /openings/{id}.
    """
    # Never trimmed: " ATS-1" is not "ATS-1" (it would overwrite that opening), as for citizens.
    if clean_line(external_id) != external_id:
        problems.abort(422, errors={"external_id": [
            "Det eksterne id må ikke begynde eller slutte med mellemrum eller have flere mellemrum i træk."]})
    if not external_id or not external_id.isprintable() or len(external_id) > MAX_EXTERNAL_ID:
        problems.abort(422, errors={"external_id": [
            f"Skriv et eksternt id med synlige tegn (højst {MAX_EXTERNAL_ID} tegn)."]})
    existing = db.session.scalar(sa.select(Opening).where(Opening.company_id == current_user.company_id,
                                                          Opening.external_id == external_id))
    common.check_if_match(existing.version if existing is not None else None)
    status = body.get("status") or (existing.status if existing is not None else "draft")
    record = imports.OpeningRecord(company_id=current_user.company_id, external_id=external_id,
                                   data=_data(dict(body, status=status), existing))
    outcome = imports.upsert_opening(db.session, record, actor=current_user)
    try:
        db.session.commit()
    except StaleDataError:  # saved by someone else between our read and this write
        db.session.rollback()
        problems.abort(412, "Opslaget er ændret, siden du hentede det. Hent det igen, og ret derefter.")
    opening = db.session.get(Opening, outcome.entity_id)
    response = _with_etag(opening, 201 if outcome.status == "created" else 200)
    if outcome.status == "created":
        response.headers["Location"] = url_for("api_openings.get_opening", opening_id=opening.id)
    return response


def _set_status(opening_id: int, status: str) -> Response:
    opening = load(opening_id)
    version = common.expected_version(opening.version, required=False)
    try:
        if status == "closed":
            if version is not None and version != opening.version:
                raise service.StaleOpening(opening.id)
            service.close_opening(opening)
        else:
            current = service.OpeningData(**{name: getattr(opening, name) for name in service.EDITABLE_FIELDS})
            values = asdict(replace(current, status=status))
            values["required_licences"] = list(opening.required_licences or [])
            service.update_opening(opening, _data(values, opening), version)
    except service.StaleOpening:
        problems.abort(412, "Opslaget er ændret, siden du hentede det. Hent det igen.")
    return _with_etag(opening)


@bp.post("/<int:opening_id>/publish")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY, common.IF_MATCH])
@bp.response(200, OpeningOut, headers=common.ETAG_HEADER)
@bp.alt_response(422, description="Opslaget kan ikke slås op med sine nuværende data (fx en startdato i fortiden), "
                                   "eller Idempotency-Key er brugt til en anden forespørgsel.")
@bp.alt_response(412, description="If-Match er sendt, men opslaget er ændret siden; hent det igen.")
def publish_opening(opening_id: int):
    """Slå et opslag op (status open), så det bliver matchet. If-Match er valgfri."""
    return _set_status(opening_id, "open")


@bp.post("/<int:opening_id>/close")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY, common.IF_MATCH])
@bp.response(200, OpeningOut, headers=common.ETAG_HEADER)
@bp.alt_response(422, description="Idempotency-Key er brugt til en anden forespørgsel.")
@bp.alt_response(412, description="If-Match er sendt, men opslaget er ændret siden; hent det igen.")
def close_opening(opening_id: int):
    """Luk et opslag. If-Match er valgfri."""
    return _set_status(opening_id, "closed")


# Company-only writes: the job centre's keys get 403 before the body is read.
guard.restrict_endpoints(bp, common.company_only, "create_opening", "update_opening", "upsert_opening",
                         "publish_opening", "close_opening")
