"""/api/v1/citizens: the job centre's citizens by the case system's external id (consultants
and administrators only).

``PUT /citizens/<external_id>`` creates or updates a citizen with its jobmål through the bulk
import's upsert (:mod:`portal.imports.service`): the profile form's rules, the outbox row and
the audit events in one transaction. A new citizen without a VK goes on the ``team`` sent
(else the caller's own; none: a warning in the 201), and a consultant made VK is told
(``caseload_assigned``), as the import does (review AV 1, AV 6); a VK replaced is told too
(``caseload_removed``), and an adviser who stays who the new VK is, as on the web (review AZ 1). ``PUT /citizens/<external_id>/cv`` stores a CV file after
the web's content checks and text extraction (:func:`portal.citizens.uploads.accept_cv`).
Every read of a citizen is audited.

Items carry the case state (``case_status``, ``case_closed``) and ``restricted``. A citizen
whose processing is restricted (GDPR art. 18: stored, not processed) is shown with those and
its ids only; PUT and the CV upload answer 409 for them. An erased or anonymised citizen's
external id is refused with 410 on every route (:func:`portal.privacy.blocklist.was_erased`; anonymisation
drops the id from the row) until an administrator lifts the block with
``DELETE /citizens/<external_id>/erasure``. A CPR-like external id is refused with 422
(it would sit in URLs and logs; :func:`portal.citizens.service.looks_like_cpr`): the case
system sends its own internal key.
"""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_login import current_user
from flask_smorest.fields import Upload
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from store.models import Citizen, CvDocument, Team, User
from store.models.vocab import BENEFIT_GROUPS, READINESS_GROUPS

from .. import audit
from .. import files as file_store
from ..privacy import blocklist
from ..citizens import service as citizen_service
from ..citizens.forms import MAX_JOB_GOALS
from ..text import clean_line
from ..citizens import uploads
from ..extensions import db
from ..imports import lookalikes
from ..imports import service as imports
from ..imports.citizens import COLUMNS, RowError, validate_citizen
from . import common, guard, problems

bp = common.blueprint("api_citizens", "citizens", "Borgere efter fagsystemets id (kun jobcentret).")
# Staff only, checked before a body is read: a company gets 403 here, never a validation answer.
guard.restrict(bp, common.staff_only)

# No length in the route: a too long id is a 422 from the import's rules, not an unknown path (404).
# The path converter: case-system keys often hold "/" (SAG/2026/17), which the web form and the
# import store, and a client may send it raw or as %2F (the server sees both as "/"). Slashes are
# kept as sent (no merging of "//").
EXTERNAL_ID = "<path:external_id>"
ROUTE = {"merge_slashes": False, "parameters": [{"in": "path", "name": "external_id", "description": (
    "Sagssystemets id for borgeren, som det er gemt; det må indeholde /, sendt som det er eller som %2F.")}]}
KEY_BY_LABEL = {column.label: column.key for column in COLUMNS}


class TeamRef(ma.fields.Field):
    """A team by its name (any case) or its id, as the import's »Team for nye borgere uden
    virksomhedskonsulent« (review AV 1); resolved by :func:`_team_of_ref`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ma.ValidationError("Send teamets navn (tekst) eller id (heltal).")
        if isinstance(value, str):
            value = value.strip()
            if len(value) > 120:
                raise ma.ValidationError("Højst 120 tegn.")
        return value or None


TEAM_HELP = (
    "Teamet, en ny borger uden virksomhedskonsulent lægges på, så borgeren står på teamets liste (»Mit "
    "team«), som importens »Team for nye borgere uden virksomhedskonsulent«: teamets navn (store og små "
    "bogstaver er ligegyldige) eller id. Bruges kun, når borgeren oprettes: en borger med VK kommer på "
    "VK'ens team (så teamet følger VK'en, som i portalen), og en eksisterende borgers team ændres ikke her. "
    "Udeladt: VK'ens team, ellers nøglens brugers eget team (en integration har intet). Får en ny borger "
    "hverken VK eller team, står den ikke på nogen konsulents liste, og svaret (201) siger det i warnings. "
    "Et ukendt team giver 422.")

PRIOR_PLACEMENT_HELP = (
    "Sidste dag i borgerens seneste virksomhedspraktik eller løntilskud i fagsystemet, fx fra før Jobbro (højst i "
    "dag), som importens »Seneste virksomhedsrettede forløb (slutdato)«. Fokusmålet og prioriteringen bruger det "
    "seneste af den og forløbene i Jobbro. Udeladt: behold den gemte (en ny borger: ingen kendt); null: fjern den "
    "(fagsystemet kender intet forløb, fx efter en rettelse), som et GET-svar uden forløb sendt tilbage.")
# Optional fields an explicit null clears (omitted keeps them); review BJ 4.
NULL_CLEARS = ("prior_company_placement_end",)


class CitizenIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=120))
    benefit_group = ma.fields.String(required=True, validate=ma.validate.OneOf(list(BENEFIT_GROUPS)))
    hours_available = ma.fields.Float(required=True, allow_nan=False)
    postcode = ma.fields.String(required=True, validate=ma.validate.Length(max=4))
    driving_licences = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=5)), metadata={
        "description": "Kørekortkategorier. Udeladt: behold de gemte; [] fjerner dem."})
    languages = ma.fields.String(required=True, validate=ma.validate.Length(max=200))
    readiness_group = ma.fields.String(required=True, validate=ma.validate.OneOf(list(READINESS_GROUPS)))
    case_start = ma.fields.Date(required=True)
    job_goals = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=200)), required=True,
                               validate=ma.validate.Length(min=1, max=MAX_JOB_GOALS,
                                                           error=f"Send 1-{MAX_JOB_GOALS} jobmål."),
                               metadata={"description": f"Borgerens jobmål i prioriteret rækkefølge (1-{MAX_JOB_GOALS})."})
    vk = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=254), metadata={
        "description": "Virksomhedskonsulentens e-mail eller initialer. Tom: behold den nuværende."})
    external_id = ma.fields.String(load_default=None, allow_none=True, metadata={
        "description": "Valgfri (som GET giver det): skal være det eksterne id i adressen."})
    vk_id = common.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(1, 2**31 - 1), metadata={
        "description": "Virksomhedskonsulentens id, som GET giver det (i stedet for vk). Tom: behold den nuværende."})
    phone = ma.fields.String(validate=ma.validate.Length(max=30),
                             metadata={"description": "Udeladt: behold det gemte; \"\" fjerner det."})
    email = ma.fields.String(validate=ma.validate.Length(max=254),
                             metadata={"description": "Udeladt: behold den gemte; \"\" fjerner den."})
    max_commute_km = ma.fields.Float(allow_nan=False, metadata={"description": "Udeladt: behold den gemte."})
    prior_company_placement_end = ma.fields.Date(allow_none=True, metadata={"description": PRIOR_PLACEMENT_HELP})
    team = TeamRef(load_default=None, allow_none=True, metadata={
        "type": ["string", "integer"], "description": TEAM_HELP})

    @ma.pre_load
    def _drop_read_only(self, data, **_kwargs):
        """A GET answer can be sent back as it is: the fields only GET gives are ignored here
        (``external_id`` must then be the path's; it is checked by the route)."""
        if isinstance(data, dict):
            data = {key: value for key, value in data.items() if key not in READ_ONLY}
        return data

    def handle_error(self, error: ma.ValidationError, data, **_kwargs) -> None:
        """Add the later checks' problems (:func:`_check_fields`, on the fields that passed) to
        the schema's, so one 422 names every field; a field the schema refused keeps only the
        schema's message. marshmallow raises ``error`` itself after this."""
        external_id = (request.view_args or {}).get("external_id")
        if (not isinstance(data, dict) or not isinstance(error.messages, dict) or external_id is None
                or not isinstance(error.valid_data, dict)):
            return
        for key, messages in _check_fields(external_id, dict(error.valid_data)).errors.items():
            error.messages.setdefault(key, messages)


# What GET gives that PUT ignores (the case state and restriction change only in the portal).
READ_ONLY = ("id", "restricted", "case_status", "case_closed", "has_cv", "missing_for_matching", "version",
             "updated_at", "result", "warnings")
# A restricted citizen (art. 18) is shown with these only.
RESTRICTED_FIELDS = ("id", "external_id", "restricted", "case_status", "case_closed", "version", "updated_at")


class CitizenOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    external_id = ma.fields.String(allow_none=True)
    restricted = ma.fields.Boolean(required=True, metadata={"description": (
        "Behandlingen er begrænset (databeskyttelsesforordningens art. 18): borgeren må kun opbevares, "
        "ikke behandles. Så vises kun id, external_id, restricted, sagens status og version; borgeren er "
        "ikke med i matchingen og kan ikke ændres (PUT giver 409).")})
    case_status = ma.fields.Function(lambda c: "closed" if c.case_closed else "open", required=True,
                                     metadata={"type": "string", "enum": ["open", "closed"],
                                               "description": "open: sagen er åben; closed: sagen er afsluttet."})
    case_closed = ma.fields.Date(allow_none=True, required=True,
                                 metadata={"description": "Dagen, sagen blev afsluttet (null: åben)."})
    name = ma.fields.String(metadata={"description": "Udelades for en borger med begrænset behandling."})
    benefit_group = ma.fields.String(metadata={"enum": list(BENEFIT_GROUPS)})
    hours_available = ma.fields.Float()
    postcode = ma.fields.String()
    driving_licences = ma.fields.List(ma.fields.String())
    languages = ma.fields.String()
    readiness_group = ma.fields.String(metadata={"enum": list(READINESS_GROUPS)})
    case_start = ma.fields.Date()
    vk_id = ma.fields.Integer(allow_none=True, metadata={"description": "Kan sendes tilbage i PUT."})
    vk = ma.fields.Function(lambda c: c.vk.email if c.vk else None, metadata={
        "type": ["string", "null"], "description": "Virksomhedskonsulentens e-mail (som vk i PUT)."})
    phone = ma.fields.String()
    email = ma.fields.String()
    max_commute_km = ma.fields.Float()
    prior_company_placement_end = ma.fields.Date(allow_none=True, metadata={"description": (
        "Sidste dag i det seneste virksomhedsrettede forløb, fagsystemet kender (null: intet kendt). Kan sendes "
        "tilbage i PUT.")})
    job_goals = ma.fields.Function(lambda c: [g.title for g in c.job_goals],
                                   metadata={"type": "array", "items": {"type": "string"}})
    has_cv = ma.fields.Function(lambda c: c.current_cv is not None, metadata={"type": "boolean"})
    missing_for_matching = ma.fields.List(ma.fields.String())
    version = ma.fields.Integer()
    updated_at = ma.fields.AwareDateTime()

    @ma.post_dump
    def _restricted_shows_little(self, data, **_kwargs):
        if data.get("restricted"):
            return {key: value for key, value in data.items() if key in RESTRICTED_FIELDS + ("result",)}
        return data


class UpsertOut(CitizenOut):
    result = ma.fields.String(required=True, metadata={"enum": ["created", "updated", "unchanged"]})
    team = ma.fields.Function(lambda c: c.team.name if c.team else None, metadata={
        "type": ["string", "null"], "description": "Borgerens team (navn); null: intet team."})
    warnings = ma.fields.List(ma.fields.String(), required=True, metadata={"description": (
        "Advarsler til integratoren om det, der er gemt (som importens advarsler ved en række), fx at en ny "
        "borger hverken har virksomhedskonsulent eller team og derfor ikke står på nogen konsulents liste. "
        "Tom, når der ikke er noget.")})


LOOKALIKES_HELP = (
    "Kun når borgeren oprettes, og en borger i portalen har samme navn og samme e-mail eller telefon "
    "(som ved import): refuse (standard) opretter ikke og giver 409 med de borgere, den ligner "
    "(likely_duplicates); attach knytter det eksterne id til den ene borger, den ligner, når den "
    "ikke har et eksternt id (fx oprettet i hånden), og opdaterer den (200); create opretter "
    "alligevel en ny borger, fordi det er en anden person (logges).")
# Declared by hand: the operation's manual parameters (If-Match) replace those smorest derives.
LOOKALIKES_PARAMETER = {"in": "query", "name": "lookalikes", "required": False, "description": LOOKALIKES_HELP,
                        "schema": {"type": "string", "enum": list(lookalikes.LOOKALIKE_CHOICES), "default": "refuse"}}


class UpsertArgs(ma.Schema):
    lookalikes = ma.fields.String(load_default="refuse", validate=ma.validate.OneOf(lookalikes.LOOKALIKE_CHOICES),
                                  metadata={"description": LOOKALIKES_HELP})


class CitizenPage(common.PageSchema):
    items = ma.fields.List(ma.fields.Nested(CitizenOut), required=True)


class CitizenListArgs(common.ListArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(["open", "closed"]),
                              metadata={"description": "open (sagen er åben) eller closed."})


class CvIn(ma.Schema):
    file = Upload(required=True, metadata={"description": "CV som PDF, DOCX eller TXT (højst 5 MB)."})


class _Upserted:
    """A citizen with the upsert's result and warnings, for :class:`UpsertOut`."""

    def __init__(self, citizen: Citizen, result: str, warnings: list[str] | None = None) -> None:
        self._citizen, self.result, self.warnings = citizen, result, warnings or []

    def __getattr__(self, name: str):
        return getattr(self._citizen, name)


AMBIGUOUS_409 = ("Ingen borger har det eksterne id præcis, som det er sendt, og flere har det med andre store og "
                 "små bogstaver (id'er sammenlignes uden forskel på dem): send id'et præcis som hos den rette borger.")


_LIFT = " (DELETE /api/v1/citizens/{external_id}/erasure med en administrators nøgle.)"


# For the integrator: the web form's words (citizen_service.CPR_ID_MESSAGE) speak to a consultant.
CPR_ID_PROBLEM = ("Det eksterne id ligner et CPR-nummer (seks og fire cifre, også med datoen skrevet med "
                  "punktum eller bindestreg). Et CPR-nummer må ikke stå i adresser og logfiler, og det "
                  "eksterne id står i begge. Send fagsystemets egen interne "
                  "nøgle for borgeren (fx sags- eller person-id'et i fagsystemet), aldrig CPR-nummeret.")


def external_id_problems(external_id: str, sent: str | None) -> list[str]:
    """What is wrong with the path's id: surrounding or doubled spaces, a CPR-like id
    (:func:`portal.citizens.service.looks_like_cpr`), or a body id (a GET answer sent back)
    that is not the path's; empty when nothing is."""
    if clean_line(external_id) != external_id:
        return ["Det eksterne id må ikke begynde eller slutte med mellemrum eller have flere mellemrum i træk."]
    if citizen_service.looks_like_cpr(external_id):
        return [CPR_ID_PROBLEM]
    if sent is not None and sent != external_id:
        return ["Skal være det samme som det eksterne id i adressen."]
    return []


def check_external_id(external_id: str, sent: str | None) -> None:
    """:raise 422: (problem) at ``external_id`` for what :func:`external_id_problems` finds."""
    if found := external_id_problems(external_id, sent):
        problems.abort(422, errors={"external_id": found})


def _vk_by_id(vk_id: int, vk: str | None) -> tuple[str | None, str | None]:
    """The e-mail of the active consultant ``vk_id`` (what the import's VK column takes), or
    the problem: no such consultant, or a ``vk`` that names another one."""
    user = db.session.get(User, vk_id)
    if user is None or user.role != "consultant" or not user.active:
        return None, "Der findes ingen aktiv virksomhedskonsulent med dette id."
    if vk and vk.casefold() not in {user.email.casefold(), user.email.split("@", 1)[0].casefold()}:
        return None, "vk og vk_id peger på to forskellige konsulenter. Send kun den ene."
    return user.email, None


NO_SUCH_TEAM = "Der findes intet team med dette navn eller id. Teamene står under Administration i portalen."


def _team_of_ref(ref: int | str) -> Team | None:
    """The team ``ref`` names (None: no such team): an id, or a name in any case (Danish
    letters too, so compared in Python; a job centre has few teams); a name of digits only
    that no team has is read as an id."""
    if isinstance(ref, str):
        wanted = ref.casefold()
        team = next((t for t in db.session.scalars(sa.select(Team)) if t.name.strip().casefold() == wanted), None)
        if team is None and ref.isdigit() and int(ref) < 2**31:
            team = db.session.get(Team, int(ref))
        return team
    return db.session.get(Team, ref) if 0 < ref < 2**31 else None


class _Checked:
    """What :func:`_check_fields` found: the field problems, else the team, the validated
    record and the optional fields an explicit null clears."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.team: Team | None = None
        self.record = None
        self.cleared: tuple[str, ...] = ()

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


def _check_fields(external_id: str, body: dict) -> _Checked:
    """Every check of a PUT body after its schema, collected rather than stopping at the first
    (the path's id, team, vk_id, then the import's rules: postcode, vk, jobmål, ...), so an
    integrator gets every field's problem in one 422. Also run on the fields that passed the
    schema when others did not (:meth:`CitizenIn.handle_error`). ``body`` is consumed."""
    checked = _Checked()
    for message in external_id_problems(external_id, body.pop("external_id", None)):
        checked.add("external_id", message)
    if (team_ref := body.pop("team", None)) is not None:
        checked.team = _team_of_ref(team_ref)
        if checked.team is None:
            checked.add("team", NO_SUCH_TEAM)
    if (vk_id := body.pop("vk_id", None)) is not None:
        email, problem = _vk_by_id(vk_id, body.get("vk"))
        if problem:
            checked.add("vk_id", problem)
        else:
            body["vk"] = email
    checked.cleared = tuple(key for key in NULL_CLEARS if key in body and body[key] is None)  # omitted: kept
    values = {key: value for key, value in body.items() if value is not None}
    values["external_id"] = external_id
    try:
        checked.record = validate_citizen(values)
    except RowError as err:
        for label, message in err.problems:
            key = KEY_BY_LABEL.get(label, label)
            if key != "external_id" or "external_id" not in checked.errors:  # said once, in the API's words
                checked.add(key, message)
    return checked


# A citizen the PUT created without a VK and on no team (the import's row warning, review AV 1).
NO_TEAM_WARNING = ("Borgeren har hverken virksomhedskonsulent eller team og står derfor ikke på nogen konsulents "
                   "liste i portalen, kun under »Alle borgere«. Send team (navn eller id) med nye borgere uden "
                   "VK, eller send vk, så en konsulent har sagen.")


def _created_warnings(citizen: Citizen, team: Team | None) -> list[str]:
    """What the integrator should know about the citizen just created: on nobody's list, or
    the sent ``team`` not used because the citizen is on its VK's team."""
    if citizen.vk_id is None and citizen.team_id is None:
        return [NO_TEAM_WARNING]
    if team is not None and citizen.vk_id is not None and citizen.team_id != team.id:
        where = f"VK'ens team ({citizen.team.name})" if citizen.team is not None else "intet team (VK'en har intet)"
        return [f"team ({team.name}) er ikke brugt: en borger med virksomhedskonsulent lægges på {where}, så "
                "teamet følger VK'en som i portalen."]
    return []


ANONYMISED_PROBLEM = imports.ANONYMISED_MESSAGE


def _find(external_id: str) -> Citizen | None:
    """The citizen with this case-system id by the web's and the import's one rule (review AV 7:
    trimmed, without regard to upper or lower case; :func:`portal.imports.service.find_citizen`).

    :raise 409: (problem) when no citizen has the id exactly and several have it in other cases.
    """
    try:
        return imports.find_citizen(db.session, external_id)
    except imports.RecordRefused as err:
        problems.abort(409, err.message_da)


def by_external_id(external_id: str) -> Citizen:
    """The citizen with this case-system id (:func:`_find`: »av-9« is the citizen »AV-9«).

    :raise 410: (problem) for an erased or anonymised citizen (the id is kept as a keyed hash
        only; a row anonymised before anonymisation dropped the id is refused the same way).
    :raise 404: (problem) if there is none.
    """
    citizen = _find(external_id)
    if citizen is not None and citizen.anonymised_at is not None:
        problems.abort(410, ANONYMISED_PROBLEM + _LIFT)
    if citizen is None:
        reason = blocklist.block_reason(db.session, external_id)
        if reason == "anonymised":
            problems.abort(410, ANONYMISED_PROBLEM + _LIFT)
        if reason is not None:  # erased: the same answer as the PUT, so a sync stops sending the person
            problems.abort(410, imports.ERASED_MESSAGE + _LIFT)
        problems.abort(404, "Der findes ingen borger med det eksterne id.")
    return citizen


def _read(citizen: Citizen, purpose: str) -> Citizen:
    audit.record_now("citizen_viewed", citizen_id=citizen.id, purpose=f"api {purpose}")
    return citizen


def _read_current_cvs(citizens: list[Citizen]) -> None:
    """Load the current CV's text (``missing_for_matching`` asks whether it is blank) of every
    one of ``citizens`` in one statement; older CVs' texts are never read. The rows are already
    in the session without their text, so the query fills it in."""
    current = [c.current_cv.id for c in citizens if c.current_cv is not None]
    if current:
        db.session.scalars(sa.select(CvDocument).where(CvDocument.id.in_(current))).all()


@bp.get("/")
@bp.arguments(CitizenListArgs, **common.QUERY)
@bp.response(200, CitizenPage)
def list_citizens(args):
    """Borgere, ældste først, i sider (hvert opslag i listen logges)."""
    # has_cv and missing_for_matching read the citizen's CVs: their ids with the page (not one
    # statement per citizen), the text of the current one only (_read_current_cvs).
    query = sa.select(Citizen).where(Citizen.anonymised_at.is_(None)).options(
        selectinload(Citizen.vk), selectinload(Citizen.job_goals),
        selectinload(Citizen.cv_documents).load_only(CvDocument.id, CvDocument.citizen_id))
    if args.get("status") == "open":
        query = query.where(Citizen.case_closed.is_(None))
    elif args.get("status") == "closed":
        query = query.where(Citizen.case_closed.is_not(None))
    if since := common.since_moment(args.get("updated_since")):
        query = query.where(Citizen.updated_at >= since)
    items, links = common.page(query, Citizen.id, args)
    _read_current_cvs(items)
    # Each citizen in the page is a read of their record (name, phone, e-mail, jobmål): logged
    # one by one, all before the answer (fail-closed), so the access log's per-citizen view
    # shows it (review M 4). "citizen_list_viewed" was written instead before 5 December 2026.
    audit.record_many_now([{"action": "citizen_viewed", "citizen_id": citizen.id, "purpose": "api list"}
                           for citizen in items])
    return {"items": items, **links}


@bp.get(f"/{EXTERNAL_ID}", **ROUTE)
@bp.response(200, CitizenOut, headers=common.ETAG_HEADER)
@bp.alt_response(409, description=AMBIGUOUS_409)
@bp.alt_response(410, description="Borgeren med dette eksterne id er slettet (art. 17) eller anonymiseret (sagen "
                                   "afsluttet, opbevaringstiden udløbet); stop overførslen af borgeren.")
def get_citizen(external_id: str):
    """Én borger efter det eksterne id, med ETag (til If-Match ved PUT).

    Kun borgere med et eksternt id (oprettet af fagsystemet eller en import) kan hentes og
    ændres her; listen giver alle, også dem uden (external_id: null). En slettet eller anonymiseret
    borger giver 410 (som PUT): id'et er spærret, og borgeren kan ikke hentes med det. Id'et
    sammenlignes uden forskel på store og små bogstaver, som i portalen og ved import (av-9 finder AV-9).
    """
    citizen = _read(by_external_id(external_id), "read")
    return citizen, 200, {"ETag": common.etag_for(citizen.version)}


@bp.put(f"/{EXTERNAL_ID}", **ROUTE)
@bp.doc(parameters=[common.UPSERT_IF_MATCH, LOOKALIKES_PARAMETER])
@bp.arguments(UpsertArgs, **common.QUERY)
@bp.arguments(CitizenIn)
@bp.response(200, UpsertOut, headers=common.ETAG_HEADER)
@bp.alt_response(201, schema=UpsertOut, headers=common.ETAG_HEADER, description="Borgeren er oprettet.")
@bp.alt_response(409, description=(
    "Borgeren kan ikke ændres: behandlingen er begrænset (art. 18), eller VK-skiftet afvises. Eller: en ny "
    "borger ligner en borger i portalen (samme navn og samme e-mail eller telefon) og er ikke oprettet; "
    "problemet har da likely_duplicates: en liste af {id, external_id, same} (external_id null: oprettet i "
    "portalen uden id; same: email, phone), og detail siger, om lookalikes=attach kan bruges. Eller: "
    + AMBIGUOUS_409))
@bp.alt_response(410, description="En borger med dette eksterne id er slettet (art. 17) eller anonymiseret og "
                                   "oprettes ikke igen; en administrator kan fjerne spærringen (DELETE .../erasure).")
@bp.alt_response(412, description="If-Match er sendt, men borgeren er ændret siden (eller findes ikke); hent igen.")
def upsert_citizen(args, body, external_id: str):
    """Opret eller opdatér borgeren med dette eksterne id (profilens krævede felter og alle jobmål sendes).

    De valgfri felter (driving_licences, phone, email, max_commute_km, prior_company_placement_end, vk/vk_id),
    der udelades, beholder deres gemte værdi (en ny borger får ingen kørekort, telefon eller e-mail, 25 km og
    intet tidligere forløb);
    driving_licences: [] fjerner kørekortene, phone og email: "" fjerner dem, prior_company_placement_end:
    null fjerner datoen. Samme data to gange
    ændrer intet (result: unchanged). If-Match er valgfri: uden den overskrives borgeren uden versionskontrol; med borgerens ETag giver en ændring i portalen siden hentningen 412.
    Et svar fra GET kan sendes tilbage som det er: felterne, som kun kan læses (id, restricted,
    case_status, case_closed, has_cv, missing_for_matching, version, updated_at), ignoreres, og
    VK kan sendes som vk (e-mail eller initialer) eller vk_id. En borger med begrænset behandling
    giver 409. Er en borger med dette eksterne id slettet eller anonymiseret, giver det 410, og
    borgeren oprettes ikke igen, før en administrator fjerner spærringen. Et eksternt id,
    der ligner et CPR-nummer (seks og fire cifre, også med datoen skrevet med punktum eller bindestreg), giver 422: send fagsystemets egen interne nøgle.
    Et CPR-nummer i name, languages eller et jobmål giver også 422 ved feltet (jobmål vises for virksomheder).
    En case_start efter sagens afslutning (for en genåbnet sag: den første afslutning) giver 422 ved
    case_start, som i portalens profilformular, og intet gemmes.
    Et 422 nævner alle felter med fejl på én gang (errors pr. felt), også postnummer, vk og team.
    Det eksterne id sammenlignes uden forskel på store og små bogstaver, som i portalen og ved import: av-9
    opdaterer borgeren AV-9 (id'et forbliver, som det er gemt); har flere borgere id'et med forskellige
    bogstaver og ingen præcis det sendte, giver det 409.

    En ny borger med samme navn og samme e-mail eller telefon som en borger i portalen oprettes ikke
    (409 med likely_duplicates), så samme person ikke får to sager, som ved import og »Opret borger«:
    send igen med ?lookalikes=attach for at knytte id'et til den borger (når den er oprettet i portalen
    uden id), eller ?lookalikes=create, når det er en anden person.

    En ny borger kommer på et team, så den står på en konsulents liste, som ved import: med VK på VK'ens
    team, uden VK på det team, der sendes i team (navn eller id; udeladt: nøglens brugers eget team, en
    integration har intet). Får den hverken VK eller team, oprettes den alligevel (201), og warnings siger,
    at den ikke står på nogen konsulents liste. En konsulent, der bliver borgerens VK (ny borger eller skift
    af VK), får besked i portalen (»Du er sat som VK for borger nr. …«), som når VK'en sættes på siden; ved
    skift af VK får den hidtidige VK besked om, at borgeren ikke længere er deres, og en
    beskæftigelsesrådgiver, der bliver, om den nye VK.
    """
    checked = _check_fields(external_id, body)
    if checked.errors:
        problems.abort(422, errors=checked.errors)
    record, team, cleared = checked.record, checked.team, checked.cleared
    row = _find(external_id)  # the citizen the upsert updates, by the one rule (review AV 7)
    existing = row.version if row is not None else None
    if existing is None and blocklist.block_reason(db.session, external_id) == "anonymised":
        problems.abort(410, ANONYMISED_PROBLEM + _LIFT)
    common.check_if_match(existing)
    try:
        likely = lookalikes.likely(record) if existing is None else []
        if likely and args["lookalikes"] != "create":
            attached = _attachable_or_409(likely, args["lookalikes"])
            lookalikes.attach(attached, external_id, current_user)
        # A new citizen without a VK goes on the sent team (None: the caller's own), review AV 1.
        outcome = imports.upsert_citizen(db.session, record, actor=current_user,
                                         team_id=team.id if team is not None else None, clear=cleared)
        # The new VK, the one removed (caseload_removed) and an adviser who stays are told by the
        # upsert, in this commit, as on the web (review AV 6, AZ 1, BN 3).
        if args["lookalikes"] == "create":  # the caller's explicit override, as »Opret alligevel«
            citizen_service.record_created_anyway(outcome.entity_id, likely, actor=current_user,
                                                  action="citizen_imported")
        db.session.commit()
    except StaleDataError:  # saved by someone else between our read and this write
        db.session.rollback()
        problems.abort(412, "Borgeren er ændret, siden du hentede den. Hent den igen, og ret derefter.")
    except imports.ErasedRecord as err:
        db.session.rollback()
        problems.abort(410, err.message_da + _LIFT)
    except imports.CaseStartRefused as err:  # at its field, as the profile form (review AV 9)
        db.session.rollback()
        problems.abort(422, errors={"case_start": [err.message_da]})
    except imports.RecordRefused as err:
        db.session.rollback()
        problems.abort(409, err.message_da)
    citizen = db.session.get(Citizen, outcome.entity_id)
    headers = {"ETag": common.etag_for(citizen.version)}
    if outcome.status == "created":
        headers["Location"] = url_for("api_citizens.get_citizen", external_id=external_id)
        return _Upserted(citizen, outcome.status, _created_warnings(citizen, team)), 201, headers
    view = _Upserted(citizen, outcome.status)
    return view, 200, headers


# The likely duplicate's matching fields as the API names them (citizen_service.likely_duplicates' words).
SAME_FIELDS = {"e-mail": "email", "telefon": "phone", "id i fagsystemet": "external_id"}


def _attachable_or_409(likely: list, choice: str) -> Citizen:
    """The one citizen the new external id may be attached to (``choice`` "attach").

    :raise 409: (problem) with ``likely_duplicates`` (the citizens' ids and external ids, what a
        staff caller may read in the list anyway; never their names or contact details), when
        ``choice`` is "refuse" or the id cannot be attached (:func:`portal.imports.lookalikes.attachable`).
    """
    attached = lookalikes.attachable(likely)
    if choice == "attach" and attached is not None:
        return attached
    db.session.rollback()
    who = "; ".join(f"borger {d.citizen.id} "
                    + (f"med eksternt id {d.citizen.external_id}" if d.citizen.external_id
                       else "uden eksternt id (oprettet i portalen)")
                    + f" (samme navn og {' og '.join(d.same)})" for d in likely[:5])
    if attached is not None:
        then = ("Er det samme person, så send igen med ?lookalikes=attach: så knyttes id'et til borgeren, "
                "som opdateres. Er det en anden person, så send med ?lookalikes=create.")
    elif len(likely) > 1:
        then = ("Den ligner flere borgere, så id'et kan ikke knyttes til én af dem. Er det en anden person, "
                "så send med ?lookalikes=create.")
    elif likely[0].citizen.external_id:
        then = ("Borgeren har allerede et eksternt id, så dette id kan ikke knyttes til den; er det samme "
                "person, så brug det id. Er det en anden person, så send med ?lookalikes=create.")
    else:
        then = ("Borgeren er under begrænset behandling, så id'et kan ikke knyttes til den. Er det en anden "
                "person, så send med ?lookalikes=create.")
    problems.abort(409, f"Borgeren ligner {who} og er ikke oprettet, så samme person ikke får to sager. {then}",
                   members={"likely_duplicates": [
                       {"id": d.citizen.id, "external_id": d.citizen.external_id,
                        "same": [SAME_FIELDS.get(label, label) for label in d.same]} for d in likely[:5]]})


@bp.url_value_preprocessor
def _json_put_to_an_id_ending_in_cv(endpoint: str | None, values: dict | None) -> None:
    """``PUT /citizens/A/cv`` is the CV upload of "A" and the profile of a citizen whose id is
    "A/cv" alike (a %2F arrives as "/"): the body tells them apart. A JSON body is the profile,
    so it goes to :func:`upsert_citizen` before the guard checks the body against the endpoint."""
    if endpoint == "api_citizens.upload_cv" and values is not None and request.mimetype == "application/json":
        request.url_rule = next(current_app.url_map.iter_rules("api_citizens.upsert_citizen"))
        values["external_id"] += "/cv"


@bp.delete(f"/{EXTERNAL_ID}/erasure", **ROUTE)
@bp.response(204)
def lift_erasure_block(external_id: str):
    """Fjern spærringen af et slettet eksternt id, så borgeren kan oprettes igen (kun administratorer).

    Til en sletning, der var en fejl, eller en borger, der senere får en ny sag. De slettede data
    kommer ikke tilbage. Logges. 404, hvis ingen borger med id'et er slettet.
    """
    if current_user.role != "admin":
        audit.record_now("authorisation_denied", purpose="api lift erasure block", result="denied")
        problems.abort(403, "Kun en administrator kan fjerne spærringen af et slettet eksternt id.")
    if not blocklist.forget_erasure(db.session, external_id, user=current_user):
        problems.abort(404, "Der er ingen slettet borger med dette eksterne id.")
    db.session.commit()
    return "", 204


@bp.put(f"/{EXTERNAL_ID}/cv", **ROUTE)
@bp.arguments(CvIn, location="files")
@bp.response(200, CitizenOut, headers=common.ETAG_HEADER)
@bp.alt_response(409, description="Borgeren kan ikke ændres (begrænset behandling). Eller: " + AMBIGUOUS_409)
@bp.alt_response(410, description="Borgeren med dette eksterne id er slettet eller anonymiseret; stop overførslen.")
def upload_cv(files, external_id: str):
    """Gem et nyt CV (fil) for borgeren; filen kontrolleres som på siden, og teksten udtrækkes.

    Borgerens version stiger; svaret har den nye ETag til If-Match ved næste PUT."""
    citizen = by_external_id(external_id)
    upload = files["file"]
    try:
        citizen_service.ensure_editable(citizen)
        accepted = uploads.accept_cv(upload.read(), upload.filename)
    except citizen_service.CitizenChangeError as err:
        problems.abort(409, err.message_da)
    except uploads.ExtractionError as err:
        audit.record_now("upload_rejected", citizen_id=citizen.id, purpose=f"cv:{err.code}", result="rejected")
        problems.abort(422, err.message_da, errors={"file": [err.message_da]})
    store = file_store.current()
    stored_name = store.save(accepted.data, accepted.kind)
    try:
        citizen_service.add_cv_file(citizen, accepted, stored_name, current_user)
        db.session.commit()
    except Exception:
        db.session.rollback()
        store.discard(stored_name)  # no committed row names it
        raise
    return citizen, 200, {"ETag": common.etag_for(citizen.version)}
