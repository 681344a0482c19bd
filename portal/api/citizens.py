"""/api/v1/citizens: the job centre's citizens by the case system's external id (consultants
and administrators only).

``PUT /citizens/<external_id>`` creates or updates a citizen with its jobmål through the bulk
import's upsert (:mod:`portal.imports.service`): the profile form's rules, the outbox row and
the audit events in one transaction. ``PUT /citizens/<external_id>/cv`` stores a CV file after
the web's content checks and text extraction (:func:`portal.citizens.uploads.accept_cv`).
Every read of a citizen is audited.
"""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, url_for
from flask_login import current_user
from flask_smorest.fields import Upload
from sqlalchemy.orm.exc import StaleDataError

from store.models import Citizen
from store.models.vocab import BENEFIT_GROUPS, READINESS_GROUPS

from .. import audit
from ..citizens import service as citizen_service
from ..citizens import uploads
from ..extensions import db
from ..imports import service as imports
from ..imports.citizens import COLUMNS, RowError, validate_citizen
from . import common, guard, problems

bp = common.blueprint("api_citizens", "citizens", "Borgere efter sagssystemets id (kun jobcentret).")
# Staff only, checked before a body is read: a company gets 403 here, never a validation answer.
guard.restrict(bp, common.staff_only)

# No length in the route: a too long id is a 422 from the import's rules, not an unknown path (404).
EXTERNAL_ID = "<string:external_id>"
KEY_BY_LABEL = {column.label: column.key for column in COLUMNS}


class CitizenIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=120))
    benefit_group = ma.fields.String(required=True, validate=ma.validate.OneOf(list(BENEFIT_GROUPS)))
    hours_available = ma.fields.Float(required=True, allow_nan=False)
    postcode = ma.fields.String(required=True, validate=ma.validate.Length(max=4))
    driving_licences = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=5)), load_default=list)
    languages = ma.fields.String(required=True, validate=ma.validate.Length(max=200))
    readiness_group = ma.fields.String(required=True, validate=ma.validate.OneOf(list(READINESS_GROUPS)))
    case_start = ma.fields.Date(required=True)
    job_goals = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=200)), required=True,
                               validate=ma.validate.Length(min=1, max=20))
    vk = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=254), metadata={
        "description": "Virksomhedskonsulentens e-mail eller initialer. Tom: behold den nuværende."})
    phone = ma.fields.String(validate=ma.validate.Length(max=30))
    email = ma.fields.String(validate=ma.validate.Length(max=254))
    max_commute_km = ma.fields.Float(allow_nan=False)


class CitizenOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    external_id = ma.fields.String(allow_none=True)
    name = ma.fields.String(required=True)
    benefit_group = ma.fields.String(metadata={"enum": list(BENEFIT_GROUPS)})
    hours_available = ma.fields.Float()
    postcode = ma.fields.String()
    driving_licences = ma.fields.List(ma.fields.String())
    languages = ma.fields.String()
    readiness_group = ma.fields.String(metadata={"enum": list(READINESS_GROUPS)})
    case_start = ma.fields.Date()
    vk_id = ma.fields.Integer(allow_none=True)
    phone = ma.fields.String()
    email = ma.fields.String()
    max_commute_km = ma.fields.Float()
    job_goals = ma.fields.Function(lambda c: [g.title for g in c.job_goals],
                                   metadata={"type": "array", "items": {"type": "string"}})
    has_cv = ma.fields.Function(lambda c: c.current_cv is not None, metadata={"type": "boolean"})
    missing_for_matching = ma.fields.List(ma.fields.String())
    version = ma.fields.Integer()
    updated_at = ma.fields.AwareDateTime()


class UpsertOut(CitizenOut):
    result = ma.fields.String(required=True, metadata={"enum": ["created", "updated", "unchanged"]})


class CitizenPage(common.PageSchema):
    items = ma.fields.List(ma.fields.Nested(CitizenOut), required=True)


class CitizenListArgs(common.ListArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(["open", "closed"]),
                              metadata={"description": "open (sagen er åben) eller closed."})


class CvIn(ma.Schema):
    file = Upload(required=True, metadata={"description": "CV som PDF, DOCX eller TXT (højst 5 MB)."})


class _Upserted:
    """A citizen with the upsert's result, for :class:`UpsertOut`."""

    def __init__(self, citizen: Citizen, result: str) -> None:
        self._citizen, self.result = citizen, result

    def __getattr__(self, name: str):
        return getattr(self._citizen, name)


def _by_external_id(external_id: str) -> Citizen:
    citizen = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == external_id))
    if citizen is None:
        problems.abort(404, "Der findes ingen borger med det eksterne id.")
    return citizen


def _read(citizen: Citizen, purpose: str) -> Citizen:
    audit.record_now("citizen_viewed", citizen_id=citizen.id, purpose=f"api {purpose}")
    return citizen


@bp.get("/")
@bp.arguments(CitizenListArgs, location="query")
@bp.response(200, CitizenPage)
def list_citizens(args):
    """Borgere, ældste først, i sider (hvert opslag i listen logges)."""
    query = sa.select(Citizen).where(Citizen.anonymised_at.is_(None))
    if args.get("status") == "open":
        query = query.where(Citizen.case_closed.is_(None))
    elif args.get("status") == "closed":
        query = query.where(Citizen.case_closed.is_not(None))
    if since := common.since_moment(args.get("updated_since")):
        query = query.where(Citizen.updated_at >= since)
    items, links = common.page(query, Citizen.id, args)
    audit.record_now("citizen_list_viewed", purpose=f"api citizens: {len(items)}")
    return {"items": items, **links}


@bp.get(f"/{EXTERNAL_ID}")
@bp.response(200, CitizenOut, headers=common.ETAG_HEADER)
def get_citizen(external_id: str):
    """Én borger efter det eksterne id, med ETag (til If-Match ved PUT)."""
    citizen = _read(_by_external_id(external_id), "read")
    return citizen, 200, {"ETag": common.etag_for(citizen.version)}


@bp.put(f"/{EXTERNAL_ID}")
@bp.doc(parameters=[common.UPSERT_IF_MATCH])
@bp.arguments(CitizenIn)
@bp.response(200, UpsertOut, headers=common.ETAG_HEADER)
@bp.alt_response(201, schema=UpsertOut, headers=common.ETAG_HEADER, description="Borgeren er oprettet.")
@bp.alt_response(412, description="If-Match er sendt, men borgeren er ændret siden (eller findes ikke); hent igen.")
def upsert_citizen(body, external_id: str):
    """Opret eller opdatér borgeren med dette eksterne id (hele profilen og alle jobmål sendes).

    Samme data to gange ændrer intet (result: unchanged). If-Match er valgfri: uden den overskrives
    borgeren uden versionskontrol; med borgerens ETag giver en ændring i portalen siden hentningen 412.
    """
    values = {key: value for key, value in body.items() if value is not None}
    values["external_id"] = external_id
    existing = db.session.scalar(sa.select(Citizen.version).where(Citizen.external_id == external_id))
    common.check_if_match(existing)
    try:
        record = validate_citizen(values)
        outcome = imports.upsert_citizen(db.session, record, actor=current_user)
        db.session.commit()
    except StaleDataError:  # saved by someone else between our read and this write
        db.session.rollback()
        problems.abort(412, "Borgeren er ændret, siden du hentede den. Hent den igen, og ret derefter.")
    except RowError as err:
        db.session.rollback()
        errors: dict[str, list[str]] = {}
        for label, message in err.problems:
            errors.setdefault(KEY_BY_LABEL.get(label, label), []).append(message)
        problems.abort(422, errors=errors)
    except imports.RecordRefused as err:
        db.session.rollback()
        problems.abort(409, err.message_da)
    citizen = db.session.get(Citizen, outcome.entity_id)
    view = _Upserted(citizen, outcome.status)
    headers = {"ETag": common.etag_for(citizen.version)}
    if outcome.status == "created":
        headers["Location"] = url_for("api_citizens.get_citizen", external_id=external_id)
        return view, 201, headers
    return view, 200, headers


@bp.put(f"/{EXTERNAL_ID}/cv")
@bp.arguments(CvIn, location="files")
@bp.response(200, CitizenOut)
def upload_cv(files, external_id: str):
    """Gem et nyt CV (fil) for borgeren; filen kontrolleres som på siden, og teksten udtrækkes."""
    citizen = _by_external_id(external_id)
    upload = files["file"]
    try:
        citizen_service.ensure_editable(citizen)
        accepted = uploads.accept_cv(upload.read(), upload.filename)
    except citizen_service.CitizenChangeError as err:
        problems.abort(409, err.message_da)
    except uploads.ExtractionError as err:
        audit.record_now("upload_rejected", citizen_id=citizen.id, purpose=f"cv:{err.code}", result="rejected")
        problems.abort(422, err.message_da, errors={"file": [err.message_da]})
    folder = current_app.config["UPLOAD_FOLDER"]
    stored_name = uploads.store_file(folder, accepted.data, accepted.kind)
    try:
        citizen_service.add_cv_file(citizen, accepted, stored_name, current_user)
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.delete_stored(folder, stored_name)
        raise
    return citizen
