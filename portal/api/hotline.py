"""/api/v1/hotline: a company files requests, reads its threads and replies; the job centre's
tokens list every request and read, answer, close and take over (``POST …/take-over``, the web's
»Overtag henvendelsen«) those their user may read without a purpose.

Access is the web's (:func:`portal.hotline.access.load_request`: another company's request is 404),
need-to-know included (:mod:`portal.hotline.need_to_know`): a request about a placement outside
the token user's case is listed with ``subject`` null, and its thread is refused (403, both to
read and to answer), since the purpose the web asks first has no place in an API; an
integration's key belongs to no case, so it is refused every request about a placement (by
design: the rule is the job centre's, and an integration never logs in to give a purpose); it reads
a request about no placement, and never writes in a thread, closes or takes one over (403: a reply,
a closing or an assignee is an employee). A
company's key reads and answers all its own requests, those about its placements included, as
its users do on the web; need-to-know does not apply to the company that wrote the request. The rules and notifications are
:mod:`portal.hotline.service`'s; the body is validated by the web's forms. A placement's label
follows the placements page (name only once released).
"""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import request, url_for
from flask_login import current_user

from store.models import HotlineRequest, Placement, User
from store.models.vocab import HOTLINE_CATEGORIES, HOTLINE_MESSAGE_KINDS, HOTLINE_STATUSES, HOTLINE_URGENCIES

from .. import audit
from ..extensions import db
from ..hotline import need_to_know, service, sla
from ..hotline.forms import CloseForm, MessageForm, RequestForm
from ..hotline.access import load_request
from . import common, forms, guard, placements, problems

UNKNOWN_PLACEMENT = ("Ukendt forløb for jeres virksomhed. Brug id'et på et af jeres igangværende forløb "
                     "(GET /api/v1/placements/), eller udelad placement_id.")

bp = common.blueprint("api_hotline", "hotline", "Hotline: hurtig hjælp, når noget er ved at gå galt.")
# A repeated POST (Idempotency-Key) shows the object as it is now, never a stored answer about the citizen.
guard.replay_by_reading(bp, "api_hotline.get_request", "request_id")


class MessageOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    author = ma.fields.String(required=True)
    from_jobcenter = ma.fields.Boolean(required=True)
    body = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": list(HOTLINE_MESSAGE_KINDS), "description": (
        "»message«: en besked i tråden. »closing_note«: jobcentrets begrundelse til virksomheden, skrevet da "
        "henvendelsen blev lukket (»Begrundelse for lukning« i portalen).")})
    created_at = ma.fields.AwareDateTime(required=True)


class RequestOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    company_id = ma.fields.Integer(required=True)
    placement_id = ma.fields.Integer(allow_none=True)
    placement_label = ma.fields.String(allow_none=True)
    category = ma.fields.String(required=True, metadata={"enum": list(HOTLINE_CATEGORIES)})
    urgency = ma.fields.String(required=True, metadata={"enum": list(HOTLINE_URGENCIES)})
    subject = ma.fields.String(required=True, allow_none=True, metadata={"description": (
        "Virksomhedens emne. null i jobcentrets liste, når henvendelsen handler om et forløb uden for "
        "nøglens brugers sager (emnet kan rumme helbredsoplysninger om borgeren): category siger, hvad "
        "den drejer sig om, og selve henvendelsen giver 403 over API'et. Den læses i portalen efter en "
        "begrundelse. En integrationsnøgle hører ikke til nogen sag. En virksomhed får altid sit emne.")})
    status = ma.fields.String(required=True, metadata={"enum": list(HOTLINE_STATUSES)})
    created_at = ma.fields.AwareDateTime(required=True)
    due_at = ma.fields.AwareDateTime(required=True, metadata={"description": (
        "Svarfristen for jobcentrets første svar; den ændres ikke. Den frist, henvendelsen venter på nu, "
        "står i current_due_at.")})
    current_due_at = ma.fields.AwareDateTime(required=True, metadata={"description": (
        "Den svarfrist, der gælder nu: due_at, eller, når virksomheden har sat en besvaret henvendelse "
        "tilbage til »venter på svar«, en ny frist regnet fra den besked (waiting_since).")})
    overdue = ma.fields.Boolean(required=True, metadata={"description": (
        "Sand, mens henvendelsen venter på svar, og current_due_at er passeret.")})
    waiting_since = ma.fields.AwareDateTime(allow_none=True, metadata={"description": (
        "Hvornår virksomheden satte en besvaret henvendelse tilbage til »venter på svar«; null, når "
        "den venter på sit første svar eller ikke venter.")})
    first_response_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    messages = ma.fields.List(ma.fields.Nested(MessageOut))


class RequestPage(common.PageSchema):
    items = ma.fields.List(ma.fields.Nested(RequestOut), required=True)


class RequestListArgs(common.ListArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(HOTLINE_STATUSES)))


class RequestIn(ma.Schema):
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(list(HOTLINE_CATEGORIES)))
    urgency = ma.fields.String(required=True, validate=ma.validate.OneOf(list(HOTLINE_URGENCIES)))
    placement_id = common.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(1, 2**31 - 1))
    subject = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=200))
    message = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))


class MessageIn(ma.Schema):
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))
    awaits_answer = ma.fields.Boolean(load_default=True, metadata={"description": (
        "Kun virksomheden: venter I på svar? true (standard) sætter en besvaret henvendelse tilbage til "
        "»venter på svar« med en ny svarfrist; false er til orientering. Konsulenten får besked i begge tilfælde.")})


def _view(found: HotlineRequest, with_messages: bool = True, labels: dict[int, str | None] | None = None,
          row: service.RequestRow | None = None, hide_subject: bool = False) -> dict:
    """``labels``: the placement labels of a whole list, read and audited there
    (:func:`portal.hotline.service.placement_labels`); without them, read and audited here.
    ``row``: the request's current target and overdue flag (:func:`portal.hotline.service.rows`),
    worked out for a whole list; without it, here. ``hide_subject``: outside the reader's case
    (:func:`portal.hotline.need_to_know.hidden_subjects`), ``subject`` is null."""
    if labels is None:
        company_reads = current_user.role == "company"
        today = sla.to_local(sla.utc_now()).date()
        label = service.placement_label(found.placement, today, company_reads) if found.placement else None
    else:
        label = labels[found.id]
    view = {"id": found.id, "company_id": found.company_id, "placement_id": found.placement_id,
            "placement_label": label, "category": found.category, "urgency": found.urgency,
            "subject": None if hide_subject else found.subject, "status": found.status, "created_at": found.created_at,
            "due_at": found.due_at, "first_response_at": found.first_response_at,
            "closed_at": found.closed_at}
    row = row or service.rows([found])[0]
    view.update(current_due_at=row.due, overdue=row.overdue,
                waiting_since=found.waiting_since if row.follow_up else None)
    if with_messages:
        ids = {m.author_id for m in found.messages}
        authors = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}
        view["messages"] = [{"id": m.id, "author": authors[m.author_id].name if m.author_id in authors else "",
                             "from_jobcenter": getattr(authors.get(m.author_id), "company_id", None) is None,
                             "body": m.body, "kind": m.kind, "created_at": m.created_at} for m in found.messages]
    return view


OUTSIDE_CASE = (
    "Henvendelsen handler om et forløb uden for dine sager, og dens emne og tråd kan rumme "
    "helbredsoplysninger om borgeren. Uden begrundelse læses og besvares den kun af den ansvarlige "
    "konsulent, borgerens VK, beskæftigelsesrådgiver og team, og af en konsulent, mens den er åben "
    "og uden ansvarlig. API'et kan ikke tage imod en begrundelse: åbn henvendelsen i portalen ({url}), "
    "og skriv dér, hvorfor du skal læse den.")
OUTSIDE_CASE_INTEGRATION = (
    "Henvendelsen handler om et forløb, og dens emne og tråd kan rumme helbredsoplysninger om borgeren. "
    "En integrationsnøgle hører ikke til nogen borgers sag og kan derfor ikke læse eller besvare den. "
    "En medarbejder kan åbne den i portalen ({url}): den ansvarlige konsulent, borgerens VK, "
    "beskæftigelsesrådgiver og team direkte, andre efter en begrundelse.")


def _refuse_outside_case(found: HotlineRequest) -> None:
    """:raise 403: (problem, logged) for a job-centre token whose user must give a purpose to
    read ``found`` (:func:`portal.hotline.need_to_know.may_read`): the API cannot take one."""
    if current_user.role == "company" or found.placement is None or need_to_know.may_read(current_user, found):
        return  # a request about no placement names no citizen: every job-centre key reads it
    audit.record_now("authorisation_denied", citizen_id=found.placement.citizen_id,
                     purpose=f"api hotline:{found.id} outside_case", result="denied")
    text = OUTSIDE_CASE_INTEGRATION if current_user.role == "integration" else OUTSIDE_CASE
    problems.abort(403, text.format(url=url_for("hotline.detail", request_id=found.id)))


INTEGRATION_WRITE = ("En integrationsnøgle kan ikke skrive i en henvendelse: et svar fra jobcentret står i en "
                     "medarbejders navn og gør den til den ansvarlige. Brug en medarbejders personlige nøgle, "
                     "eller svar i portalen.")


def _thread_check() -> None:
    """The need-to-know check of a job-centre reply (``guard.restrict_endpoints``): refused before
    its body is read. A company's reply is checked by the view, as before. An integration's key
    never writes in a thread (403): the service knows a reply only from a person."""
    if current_user.role == "integration":
        problems.abort(403, INTEGRATION_WRITE)
    if current_user.role != "company":
        _refuse_outside_case(load_request(request.view_args["request_id"]))


def _read(request_id: int) -> HotlineRequest:
    found = load_request(request_id)
    _refuse_outside_case(found)
    if current_user.role != "company" and found.placement is not None:
        # The thread may hold health details: log the read first (fail-closed), as the web does.
        audit.record_now("hotline_viewed", citizen_id=found.placement.citizen_id, purpose=f"api hotline:{found.id}")
    return found


@bp.get("/")
@bp.arguments(RequestListArgs, **common.QUERY)
@bp.response(200, RequestPage)
def list_requests(args):
    """Henvendelser (virksomhed: egne; jobcentret: alle), uden beskedtråden. For jobcentret er subject
    null, når henvendelsen handler om et forløb uden for nøglens brugers sager."""
    query = sa.select(HotlineRequest).options(service.WITH_PLACEMENT)
    if current_user.role == "company":
        query = query.where(HotlineRequest.company_id == current_user.company_id)
    if args.get("status"):
        query = query.where(HotlineRequest.status == args["status"])
    if since := common.since_moment(args.get("updated_since")):
        # Messages touch it (store.models.touch); its placement's label (the name, once disclosed)
        # changes with what the placements list watches (placements.label_changed).
        label = sa.exists().where(Placement.id == HotlineRequest.placement_id, placements.label_changed(since))
        query = query.where(sa.or_(HotlineRequest.updated_at >= since, label))
    items, links = common.page(query, HotlineRequest.id, args)
    # The page's labels in one read, and a company's names in one audit write, not per request.
    labels = service.placement_labels(items, sla.to_local(sla.utc_now()).date(), current_user.role == "company")
    rows = service.rows(items)
    hidden = need_to_know.hidden_subjects(current_user, items) if current_user.role != "company" else set()
    return {"items": [_view(r, with_messages=False, labels=labels, row=row, hide_subject=r.id in hidden)
                      for r, row in zip(items, rows)], **links}


@bp.post("/")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.arguments(RequestIn)
@bp.response(201, RequestOut)
def create_request(body):
    """Send en ny henvendelse; jobcentret får besked med det samme (den ansvarlige konsulent, eller er ingen
    ledig, konsulenterne i det nærmeste team)."""
    today = sla.to_local(sla.utc_now()).date()
    options = service.placement_options(current_user.company_id, today)
    values = dict(body, placement=body.get("placement_id") or "")
    values.pop("placement_id", None)
    form = forms.validated(RequestForm, values, placement_options=options, api_names={"placement": "placement_id"},
                           api_messages={"placement": UNKNOWN_PLACEMENT})
    try:
        created = service.create_request(current_user, form.to_data())
    except LookupError:
        problems.abort(422, errors={"placement_id": [UNKNOWN_PLACEMENT]})
    return _view(created), 201, {"Location": url_for("api_hotline.get_request", request_id=created.id)}


THREAD_REFUSED = ("Henvendelsen handler om et forløb uden for nøglens brugers sager (se subject i listen), "
                  "eller nøglens rolle eller omfang giver ikke lov. Tråden læses da i portalen efter en "
                  "begrundelse; API'et kan ikke tage imod en.")


@bp.get("/<int:request_id>")
@bp.response(200, RequestOut)
@bp.alt_response(403, description=THREAD_REFUSED)
def get_request(request_id: int):
    """Én henvendelse med hele beskedtråden (jobcentret: kun inden for nøglens brugers sager, se 403).

    Virksomheden læser altid sine egne henvendelser, også dem om et af sine forløb, med sin nøgle som i
    portalen. Reglen om arbejdsbetinget behov gælder jobcentret: en henvendelse om et forløb nævner den
    placerede borger, og emne og tråd kan rumme helbredsoplysninger med virksomhedens egne ord. Den læses
    uden begrundelse af den ansvarlige konsulent, borgerens VK, beskæftigelsesrådgiver og team, og af en
    konsulent, mens den er åben og uden ansvarlig; andre skriver i portalen en begrundelse, som logges.
    API'et kan ikke tage imod en begrundelse, så de får 403. En integrationsnøgle (jobcentrets egne
    systemer) hører ikke til nogen borgers sag og får derfor altid 403 på en henvendelse om et forløb;
    henvendelser uden forløb læser den som alle i jobcentret.
    """
    return _view(_read(request_id))


@bp.post("/<int:request_id>/messages")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.arguments(MessageIn)
@bp.response(201, RequestOut)
@bp.alt_response(403, description=THREAD_REFUSED + " En integrationsnøgle skriver ikke i henvendelser.")
@bp.alt_response(409, description="Henvendelsen er lukket; opret en ny.")
def add_message(body, request_id: int):
    """Svar i tråden (jobcentret) eller følg op (virksomheden).

    Som i portalen: et svar fra jobcentret på en henvendelse uden aktiv ansvarlig gør nøglens bruger
    ansvarlig, og det gør et svar på en eskaleret henvendelse, der stadig venter på svar (over
    svarfristen), også: den, der træder til, overtager den, og den hidtil ansvarlige får besked.
    Virksomhedens næste besked går så til den nye ansvarlige."""
    found = _read(request_id)
    form = forms.validated(MessageForm, {"body": body["body"]})
    try:
        service.add_message(found, current_user, form.body.data, awaits_answer=body["awaits_answer"])
    except service.ClosedRequest:
        problems.abort(409, "Henvendelsen er lukket. Opret en ny, hvis der er brug for mere hjælp.")
    return _view(found), 201


class CloseIn(ma.Schema):
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000), metadata={"description": (
        "Kun jobcentret: begrundelsen til virksomheden (»Begrundelse for lukning« i portalen). Skal udfyldes, "
        "mens henvendelsen venter på svar (status open); valgfri, når den er besvaret. Den sendes også som mail "
        "til virksomheden og må ikke nævne borgerens navn, helbred, ydelse, CPR-nummer eller straffeforhold. "
        "Virksomheden sender ingen begrundelse (feltet skal udelades eller være tomt).")})


CLOSED_ALREADY = "Henvendelsen er allerede lukket."
COMPANY_NO_NOTE = "Kun jobcentret skriver en begrundelse, når en henvendelse lukkes. Udelad feltet note."
INTEGRATION_CLOSE = ("En integrationsnøgle kan ikke lukke henvendelser: lukningen og begrundelsen til virksomheden "
                     "står i en medarbejders navn. Brug en medarbejders personlige nøgle, eller luk den i portalen.")


@bp.post("/<int:request_id>/close")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.arguments(CloseIn)
@bp.response(200, RequestOut)
@bp.alt_response(403, description=THREAD_REFUSED + " En integrationsnøgle kan ikke lukke henvendelser.")
@bp.alt_response(409, description=CLOSED_ALREADY)
def close_request(body, request_id: int):
    """Luk en henvendelse, som »Luk henvendelsen« i portalen (review AS 3).

    Virksomheden lukker sine egne henvendelser uden begrundelse (jobcentrets webhooks får ``hotline.closed``
    med ``closed_by: company``).
    Jobcentret (en medarbejders nøgle, inden for sine sager som ved svar) skriver en begrundelse til
    virksomheden i ``note``: påkrævet, mens henvendelsen venter på svar, og kontrolleret som i portalen;
    virksomhedens brugere får besked, og virksomhedens webhooks får ``hotline.closed`` med begrundelsen.
    En lukket henvendelse kan ikke genåbnes: opret en ny."""
    found = _read(request_id)
    staff = current_user.role != "company"
    if not staff and body["note"]:
        problems.abort(422, errors={"note": [COMPANY_NO_NOTE]})
    citizen = found.placement.citizen if staff and found.placement is not None else None
    form = forms.validated(CloseForm, {"note": body["note"]} if staff else {}, with_note=staff,
                           note_required=staff and found.status == "open", citizen=citizen)
    if not service.close_request(found, by=current_user, note=form.note.data if staff else ""):
        problems.abort(409, CLOSED_ALREADY)
    return _view(found)


TAKEN_OVER_ALREADY = "Du er allerede ansvarlig for henvendelsen."
CLOSED_NO_TAKE_OVER = "Henvendelsen er lukket og kan ikke overtages."
INTEGRATION_TAKE_OVER = ("En integrationsnøgle kan ikke overtage henvendelser: den ansvarlige er en medarbejder, som "
                         "virksomheden ser som sin kontakt. Brug en medarbejders personlige nøgle, eller overtag den "
                         "i portalen.")


@bp.post("/<int:request_id>/take-over")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.response(200, RequestOut)
@bp.alt_response(403, description=THREAD_REFUSED + " Kun jobcentrets medarbejdere overtager henvendelser; "
                 "en integrationsnøgle kan ikke.")
@bp.alt_response(409, description=f"{CLOSED_NO_TAKE_OVER} Eller: {TAKEN_OVER_ALREADY}")
def take_over(request_id: int):
    """Overtag en henvendelse, som »Overtag henvendelsen« i portalen (jobcentret).

    Nøglens bruger bliver ansvarlig konsulent: virksomheden ser vedkommende som sin kontakt, og dens
    nye beskeder og påmindelser om svarfristen går dertil. Den hidtil ansvarlige får besked, og
    overtagelsen logges. Status, svarfrister og eskalering ændres ikke. Kroppen er tom.

    Reglen om arbejdsbetinget behov er den samme som ved svar: kun inden for nøglens brugers sager
    (den ansvarlige, borgerens VK, beskæftigelsesrådgiver og team, en konsulent, mens henvendelsen er
    åben og uden ansvarlig, og dem, en eskalering bad træde til); uden for dem giver den 403, og
    henvendelsen overtages i portalen efter en begrundelse. En henvendelse uden forløb kan alle i
    jobcentret overtage. 409, når henvendelsen er lukket, eller nøglens bruger allerede er ansvarlig."""
    found = _read(request_id)
    try:
        service.take_over(found, current_user)  # inside the case: no purpose to log (the web's "")
    except service.ClosedRequest:
        problems.abort(409, CLOSED_NO_TAKE_OVER)
    except service.AlreadyAssignee:
        problems.abort(409, TAKEN_OVER_ALREADY)
    return _view(found)


def _take_over_check() -> None:
    """Before anything is read: only the job centre's people take a request over (a company's key
    403, an integration's key 403: the assignee is a person); outside the token user's case, 403
    as a reply (:func:`_thread_check`)."""
    if current_user.role == "integration":
        problems.abort(403, INTEGRATION_TAKE_OVER)
    common.require_role(*service.STAFF_ROLES)
    _thread_check()


def _close_check() -> None:
    """Before the body is read: an integration's key never closes (403); a job-centre key outside its
    user's case neither (as a reply)."""
    if current_user.role == "integration":
        problems.abort(403, INTEGRATION_CLOSE)
    _thread_check()


# Company-only writes: the job centre's keys get 403 before the body is read.
guard.restrict_endpoints(bp, common.company_only, "create_request")
# A reply outside the token user's case: 403 before the body is read, as the web sends nothing.
guard.restrict_endpoints(bp, _thread_check, "add_message")
guard.restrict_endpoints(bp, _close_check, "close_request")
guard.restrict_endpoints(bp, _take_over_check, "take_over")
