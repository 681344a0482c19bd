"""/api/v1/proposals: candidates the job centre shared with a company (list, read, answer, book
an offered interview, cancel an interview); consultants and administrators read every proposal.
Offering times, moving an interview and the outcome after it are in :mod:`.interviews`.

A company sees exactly what its opening page shows (:func:`portal.openings.service` 's
allow-list: a per-opening pseudonym, the approved jobmål, hours; the name only once released
with a live consent, audited as on the web). No match band, as on the page (review BG 5): the
band is the consultant's ranking aid, so only the job centre's keys get ``similarity_band``.
Access is the web's own check (:func:`portal.interviews.access.load_proposal`, through
:func:`shown_proposal` for the read and every write): another company's proposal, or one not
shared, is 404 and logged; the company's own candidate that is no longer current is 410 and not
logged (review BK 1).
"""
from __future__ import annotations

from datetime import datetime

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from flask_login import current_user

from store.models import Citizen, Interview, Opening, Proposal
from store.models.vocab import COMPANY_RESPONSES, INTERVIEW_STATUSES, PROPOSAL_STATUSES

from .. import audit
from .. import consents
from .. import proposals as rules
from ..extensions import db
from ..interviews import answers, booking, queries
from ..interviews.common import InterviewError, SIDES, spoken_time
from ..interviews.access import NoLongerCurrent, load_proposal
from .. import proposals_hold
from ..openings import service as openings
from ..openings.responses import ResponseForm
from ..pseudonyms import pseudonym
from . import common, disclosure, forms, guard, problems

bp = common.blueprint("api_proposals", "proposals", "Kandidater, jobcentret har delt med virksomheden.")
# A repeated POST (Idempotency-Key) shows the object as it is now, never a stored answer about the citizen.
guard.replay_by_reading(bp, "api_proposals.get_proposal", "proposal_id")


STATUS_HELP = ("Forslagets trin: proposed (foreslået, kun jobcentret), approved (godkendt af konsulenten), "
               "consented (borgerens samtykke), disclosed (navnet delt), withdrawn (samtykket trukket "
               "tilbage), rejected (fravalgt af konsulenten), ended (afsluttet af jobcentret: kandidaten er "
               "ikke længere aktuel; intet trin fører videre), opening_done (afsluttet, fordi opslaget er besat "
               "eller lukket; intet trin fører videre). En virksomhed ser kun approved, consented og "
               "disclosed: et afsluttet forslag forsvinder fra listen, og virksomhedens brugere får besked; i "
               "listen med updated_since kommer det med som status ended uden oplysninger om kandidaten "
               "(se updated_at), uanset årsagen (samtykket trukket tilbage, afsluttet af jobcentret, opslaget "
               "besat eller lukket), som GET giver 410. "
               "Kun for virksomheder: on_hold (kandidaten er ikke aktuel lige nu – jobcentret kontakter jer): "
               "i stedet for trinnet, så længe jobcentret har sat behandlingen af borgerens oplysninger i bero, "
               "eller så længe kandidaten ikke opfylder opslagets krav, efter at I har ændret dem (type, kørekort, "
               "timetal eller arbejdssted); navn, jobmål og timer vises ikke, der kan ikke svares eller "
               "aftales samtaler, og årsagen oplyses ikke. Bagefter vises trinnet igen, eller kandidaten er ikke "
               "længere aktuel.")
DISCLOSED_UNTIL_HELP = (
    "Hvornår navnet holder op med at blive vist: det første tidspunkt efter samtykkets sidste dag (dansk tid), "
    "medmindre samtykket fornyes. Det kan ende før, hvis samtykket trækkes tilbage, eller forslaget afsluttes. "
    "null, når virksomheden ikke ser navnet. Når tidspunktet er passeret, kommer kandidaten med i listen "
    "med updated_since igen, uden navn.")
# What a company's list with updated_since gives for a candidate it was shown that is no longer
# relevant (review AS 1: it just vanished from the delta, where an integrated system must learn to
# delete what it holds): one neutral status whatever the reason, as the web's »Ikke længere
# aktuelle« and the GET's 410 give none.
TOMBSTONE_STATUS = "ended"
TOMBSTONE_HELP = (
    "Kun for virksomheder, i listen med updated_since: en kandidat, I har fået vist, som ikke længere er aktuel "
    "(samtykket trukket tilbage, afsluttet af jobcentret, opslaget besat eller lukket; årsagen oplyses ikke), "
    "kommer med som status ended med id, opening_id, pseudonym og updated_at (hvornår den holdt op med at være "
    "aktuel) og intet andet om kandidaten, som GET /proposals/{id} giver 410: slet det, I har fået om kandidaten "
    "(navn, kontaktoplysninger, CV). En fuld hentning uden updated_since giver kun de aktuelle kandidater. En "
    "kandidat, hvis behandling jobcentret har begrænset, kommer med som on_hold uden navn. En slettet borgers "
    "forslag findes ikke længere (GET giver 404) og kommer ikke med: virksomhedens webhooks får proposal.withdrawn "
    "med reason erased for hver kandidat, I har fået vist, og brugere, der har fået navnet, får besked i portalen. "
    "Det samme gælder, når jobcentret sletter forslagene i en anonymiseret sag, der blev afsluttet for længe "
    "siden (reason anonymised).")
# The band is the consultant's statement about a ranking (review BG 5): a company read »lav« on the
# job centre's own pick as a verdict, so neither its pages, its export nor its keys get it.
SIMILARITY_BAND_HELP = (
    "Kun for jobcentret: matchniveauet, konsulenten så i rangeringen (med den lærte models justering, "
    "når der var en; \"\" = ikke beregnet). Virksomheders nøgler får ikke feltet (fra december 2026; før "
    "kom det med for virksomheder også), som virksomhedens sider og eksport heller ikke viser det: det er "
    "konsulentens hjælp til at rangere, ikke en vurdering af kandidaten.")
# The status a company reads instead of the proposal's while the citizen's processing is
# restricted (art. 18), or while a change of the opening's requirements leaves the candidate
# behind (portal.proposals_hold.is_held): one neutral state, as on the web
# (portal.proposals.ON_HOLD_TEXT).
ON_HOLD = "on_hold"


class InterviewOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    duration_minutes = ma.fields.Integer()
    location = ma.fields.String()
    offered_by = ma.fields.String(metadata={"enum": list(SIDES)})
    status = ma.fields.String(metadata={"enum": list(INTERVIEW_STATUSES)})


class ProposalOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    opening_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"enum": [*PROPOSAL_STATUSES, ON_HOLD],
                                                       "description": STATUS_HELP})
    pseudonym = ma.fields.String(required=True, metadata={"description": "Kandidatens pseudonym for dette opslag."})
    name = ma.fields.String(allow_none=True, metadata={
        "description": "Navnet, først når borgeren har givet samtykke, og jobcentret har delt det."})
    disclosed_until = ma.fields.AwareDateTime(allow_none=True, metadata={"description": DISCLOSED_UNTIL_HELP})
    similarity_band = ma.fields.String(metadata={"description": SIMILARITY_BAND_HELP})
    shared_goal = ma.fields.String(metadata={"description": (
        "Et af kandidatens egne jobmål, som konsulenten har valgt at vise jer (\"\" = intet: "
        "foreslået af jobcentret til dette opslag).")})
    hours_available = ma.fields.Float(allow_none=True, metadata={"description": "null ved on_hold."})
    response = ma.fields.String(allow_none=True, metadata={"enum": [*COMPANY_RESPONSES, None]})
    response_note = ma.fields.String()
    interviews = ma.fields.List(ma.fields.Nested(InterviewOut))
    citizen_id = ma.fields.Integer(metadata={"description": "Kun for jobcentret."})
    score = ma.fields.Float(allow_none=True, metadata={"description": "Kun for jobcentret."})
    created_at = ma.fields.AwareDateTime(metadata={"description": "Kun for jobcentret."})
    decided_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "Kun for jobcentret."})
    updated_at = ma.fields.AwareDateTime(metadata={"description": TOMBSTONE_HELP})


class ProposalPage(common.PageSchema):
    items = ma.fields.List(ma.fields.Nested(ProposalOut), required=True)


class ProposalListArgs(common.ListArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([*PROPOSAL_STATUSES, ON_HOLD]),
                              metadata={"description": STATUS_HELP})
    opening_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(1, 2**31 - 1))


BOOKED_INTERVIEW_HELP = (
    "Kun når svaret er hired eller declined (et nyt svar), og der er aftalt en samtale, som endnu ikke er "
    "holdt: cancel aflyser samtalen (begge parter får en aflysning til kalenderen, og jobcentret får besked), "
    "keep lader den stå. Som på portalen, der spørger om det samme. Mangler valget, gemmes svaret ikke (409). "
    "Uden en samtale forude bruges feltet ikke.")


class AnswerIn(ma.Schema):
    response = ma.fields.String(required=True, validate=ma.validate.OneOf(list(COMPANY_RESPONSES)))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=rules.MAX_NOTE_LENGTH))
    booked_interview = ma.fields.String(load_default=None, allow_none=True,
                                        validate=ma.validate.OneOf(answers.BOOKING_CHOICES),
                                        metadata={"description": BOOKED_INTERVIEW_HELP})


def _disclosed_until(proposal: Proposal) -> datetime | None:
    """When the consent behind the shown name stops counting by its date (None: none in force)."""
    consent = consents.active_consent(proposal)
    return disclosure.ends_at(consent.deadline) if consent is not None else None


def company_view(proposal: Proposal, shared=None, rows: list[Interview] | None = None) -> dict:
    """The allow-listed view a company gets (audited when it holds the name).

    ``shared`` and ``rows``: the candidate's allow-list and interviews, read for a whole page
    and audited there (:func:`_page_views`); without them, read and audited here."""
    if shared is None:
        # One candidate as the opening page shows it (openings.service builds that allow-list).
        shared = openings.shared_candidate(proposal, held=proposals_hold.is_held(proposal))
        if shared.name is not None:
            audit.record_now("identity_viewed", citizen_id=proposal.citizen_id,
                             opening_id=proposal.opening_id, purpose="api: shared candidate")
    if shared.name is None:
        items = []
    else:
        items = rows if rows is not None else queries.interviews(proposal)
    return {"id": proposal.id, "opening_id": proposal.opening_id,
            "status": ON_HOLD if shared.on_hold else shared.status,
            "pseudonym": shared.pseudonym, "name": shared.name,  # no band (SIMILARITY_BAND_HELP)
            "shared_goal": shared.shared_goal, "hours_available": None if shared.on_hold else shared.hours_available,
            "response": shared.response, "response_note": shared.response_note,
            "disclosed_until": _disclosed_until(proposal) if shared.name is not None else None,
            "interviews": items}


def _view(proposal: Proposal, rows: list[Interview] | None = None, audited: bool = False) -> dict:
    """One proposal as the caller may see it; ``rows`` and ``audited``: its interviews read and
    its read audited for a whole page (:func:`_page_views`)."""
    if current_user.role == "company":
        return company_view(proposal)
    if not audited:
        audit.record_now("proposal_viewed", citizen_id=proposal.citizen_id, opening_id=proposal.opening_id,
                         purpose="api")
    return {"id": proposal.id, "opening_id": proposal.opening_id, "status": proposal.status,
            "pseudonym": pseudonym(proposal.citizen_id, proposal.opening_id), "name": proposal.citizen.name,
            "citizen_id": proposal.citizen_id, "score": proposal.score, "similarity_band": _band(proposal),
            "created_at": proposal.created_at,
            "decided_at": proposal.decided_at, "response": proposal.company_response,
            "response_note": proposal.company_response_note or "",
            "shared_goal": proposal.shared_goal or "", "hours_available": proposal.citizen.hours_available,
            "disclosed_until": _disclosed_until(proposal) if rules.identity_released(proposal) else None,
            "interviews": rows if rows is not None else queries.interviews(proposal)}


def _band(proposal: Proposal) -> str:
    """The band the consultant was shown (with the learned adjustment when one was made; "" when
    none was computed): the job centre's field only (:data:`SIMILARITY_BAND_HELP`)."""
    explanation = proposal.explanation or {}
    return str((explanation.get("learned") or {}).get("similarity_band") or explanation.get("similarity_band") or "")


def proposal_view(proposal: Proposal) -> dict:
    """One proposal as the caller may see it, its read audited (what ``GET /proposals/{id}`` gives)."""
    return _view(proposal)


def tombstone(proposal: Proposal) -> dict:
    """A company's item for a candidate it was shown that is no longer relevant
    (:func:`portal.proposals.no_longer_current`): the ids, the neutral status, when, and
    nothing about the citizen (no read to audit)."""
    return {"id": proposal.id, "opening_id": proposal.opening_id, "status": TOMBSTONE_STATUS,
            "pseudonym": pseudonym(proposal.citizen_id, proposal.opening_id), "name": None,
            "disclosed_until": None, "interviews": [], "updated_at": proposal.updated_at}


def _page_views(items: list[Proposal]) -> list[dict]:
    """The views of a page of proposals: their interviews in one statement and their reads
    audited in one write (before anything is shown: no log, no data), not per item."""
    if current_user.role == "company":
        gone = {p.id for p in items if p.status not in rules.VISIBLE_TO_COMPANY}  # only in a delta
        live = [p for p in items if p.id not in gone]
        rows = queries.interviews_by_proposal([p.id for p in live])
        on_hold = proposals_hold.held(live)
        shared = {p.id: openings.shared_candidate(p, held=p.id in on_hold) for p in live}
        audit.record_many_now([{"action": "identity_viewed", "citizen_id": p.citizen_id,
                                "opening_id": p.opening_id, "purpose": "api: shared candidate"}
                               for p in live if shared[p.id].name is not None])
        return [tombstone(p) if p.id in gone else company_view(p, shared[p.id], rows[p.id]) for p in items]
    rows = queries.interviews_by_proposal([p.id for p in items])
    audit.record_many_now([{"action": "proposal_viewed", "citizen_id": p.citizen_id,
                            "opening_id": p.opening_id, "purpose": "api"} for p in items])
    return [_view(p, rows[p.id], audited=True) for p in items]


@bp.get("/")
@bp.arguments(ProposalListArgs, **common.QUERY)
@bp.response(200, ProposalPage)
def list_proposals(args):
    """Forslag: virksomheden ser de delte kandidater på egne opslag; jobcentret alle forslag.

    Med updated_since får en virksomhed også de kandidater, den har fået vist, som siden er holdt op
    med at være aktuelle: som status ended uden oplysninger om kandidaten (slet det, I har fået;
    GET giver 410)."""
    # Each item reads its citizen and, when disclosed, its consents (the name, disclosed_until):
    # loaded with the page, not one statement per item.
    query = sa.select(Proposal).options(selectinload(Proposal.consents), joinedload(Proposal.citizen))
    status = args.get("status")
    company = current_user.role == "company"
    since = common.since_moment(args.get("updated_since"))
    live = Proposal.status.in_(rules.VISIBLE_TO_COMPANY)
    # A candidate the company was shown and that is no longer relevant (proposals.no_longer_current:
    # the GET's 410): in a company's delta as a tombstone, so an integrated system learns to delete.
    gone = sa.or_(Proposal.status == "withdrawn",
                  sa.and_(Proposal.status.in_(rules.ENDED), Proposal.decided_at.is_not(None)))
    if company:
        # A company's item shows a jobmål (openings' shown_goal reads the citizen's jobmål): with the page too.
        query = query.options(joinedload(Proposal.citizen).selectinload(Citizen.job_goals))
        query = query.join(Opening, Opening.id == Proposal.opening_id).where(
            Opening.company_id == current_user.company_id, sa.or_(live, gone) if since else live)
    # on_hold is the status a company reads for a restricted citizen, or (companies only) for a
    # candidate left behind by a change of the opening's requirements (company_view), not a step
    restricted = sa.select(Citizen.restricted).where(Citizen.id == Proposal.citizen_id).scalar_subquery()
    held = _held_ids(current_user.company_id) if company and status else set()
    if status == ON_HOLD:
        query = query.where(sa.or_(restricted.is_(True), Proposal.id.in_(held)), live)
    elif company and status == TOMBSTONE_STATUS:
        query = query.where(gone)  # the tombstones (only with updated_since; else none, as before)
    elif company and status and status not in rules.VISIBLE_TO_COMPANY:
        query = query.where(sa.false())  # a step a company never reads
    elif status:
        query = query.where(Proposal.status == status,
                            *([restricted.is_not(True), Proposal.id.not_in(held)] if company else []))
    if args.get("opening_id"):
        query = query.where(Proposal.opening_id == args["opening_id"])
    if since:
        # The proposal or a consent or interview of it (store.models.touch), or the citizen: a
        # restriction turns a company's view to on_hold, and the name and hours come from there;
        # or a consent that ran out by its date in the meantime (no write: disclosure.lapsed_since).
        # A tombstone only by its own change: nothing about the citizen reaches the company after.
        citizen_changed = sa.select(Citizen.updated_at).where(Citizen.id == Proposal.citizen_id).scalar_subquery()
        changed = sa.or_(Proposal.updated_at >= since, citizen_changed >= since, disclosure.lapsed_since(since))
        query = query.where(sa.or_(sa.and_(live, changed), sa.and_(gone, Proposal.updated_at >= since))
                            if company else changed)
    items, links = common.page(query, Proposal.id, args)
    return {"items": _page_views(items), **links}


def _held_ids(company_id: int) -> set[int]:
    """The ids of the company's shown candidates a change of their opening's requirements put on
    hold (:func:`portal.proposals_hold.held`): only the marked ones are read in full."""
    rows = db.session.execute(
        sa.select(Proposal.id, Proposal.explanation).join(Opening, Opening.id == Proposal.opening_id)
        .where(Opening.company_id == company_id, Proposal.status.in_(rules.VISIBLE_TO_COMPANY))).all()
    marked = [proposal_id for proposal_id, explanation in rows if proposals_hold.MARK in (explanation or {})]
    if not marked:
        return set()
    return proposals_hold.held(db.session.scalars(sa.select(Proposal).where(Proposal.id.in_(marked))).all())


NO_LONGER_RELEVANT = ("Kandidaten er ikke længere aktuel. Slet det, I har fået om kandidaten "
                      "(navn, kontaktoplysninger, CV), hvis I har fået det.")
# The 410 every company-side endpoint on one proposal documents (GET and the writes).
GONE_HELP = ("Kandidaten var delt med virksomheden, men er ikke længere aktuel (som på kandidatens side i "
             "portalen; årsagen gives ikke).")
GONE_WRITE_HELP = ("Kandidaten var delt med virksomheden, men er ikke længere aktuel, fx fordi det ændrede sig, "
                   "mens I skrev (årsagen gives ikke). Intet er gemt. Samme svar som GET /proposals/{id}.")


def shown_proposal(proposal_id: int) -> Proposal:
    """The proposal, if the caller may act on it (:func:`portal.interviews.access.load_proposal`),
    for every API endpoint on one proposal, the read and the writes alike.

    A company's own candidate it was shown that is no longer current (the web's rule,
    :func:`portal.proposals.no_longer_current`: consent withdrawn, or ended or the opening
    done after the approval) is an ordinary moment, not an authorisation failure: 410 with
    :data:`NO_LONGER_RELEVANT`, no audit row, nothing written (review BK 1, as the web's BH 4).

    :raise 410: (problem) as above.
    :raise 404: (problem, logged ``authorisation_denied``) unknown, another company's, or never shown.
    """
    try:
        return load_proposal(proposal_id, left=True)
    except NoLongerCurrent:
        problems.abort(410, NO_LONGER_RELEVANT)


@bp.get("/<int:proposal_id>")
@bp.response(200, ProposalOut)
@bp.alt_response(410, description=GONE_HELP)
def get_proposal(proposal_id: int):
    """Én kandidat (virksomhed: pseudonym og det tilladte; navn først efter samtykke).

    En kandidat, virksomheden har fået vist, men som ikke længere er aktuel, giver 410 (ikke 404),
    så et fagsystem kan skelne den fra en, der aldrig er delt."""
    return _view(shown_proposal(proposal_id))


@bp.post("/<int:proposal_id>/answer")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.arguments(AnswerIn)
@bp.response(200, ProposalOut)
@bp.alt_response(409, description="Svaret kan ikke gives nu: kandidaten er ikke aktuel lige nu (on_hold), "
                                   "forløbet er allerede startet, eller der er aftalt en samtale forude, og "
                                   "booked_interview (cancel eller keep) mangler.")
@bp.alt_response(422, description="Ugyldige data: se 'errors' pr. felt. Blandt andet: declined efter en holdt "
                                   "samtale uden en note (note: hvorfor kandidaten ikke blev ansat).")
@bp.alt_response(410, description=GONE_WRITE_HELP)
def answer_proposal(body, proposal_id: int):
    """Virksomhedens svar: interested, declined eller hired, med en kort note.

    Som på portalen: et nyt svar hired eller declined, mens en aftalt samtale endnu ikke er
    holdt, kræver booked_interview (cancel aflyser samtalen, keep lader den stå). Er den aftalte
    samtale holdt, er declined udfaldet »Ikke ansat« og kræver en note om hvorfor (422 ved note),
    som udfaldet på portalen og POST /proposals/{id}/outcome."""
    proposal = shown_proposal(proposal_id)
    # The web form's rules for the note (hidden characters, length) as a 422 at "note", before
    # anything is asked about an interview ahead; the service refuses the same (review AO 1).
    forms.validated(ResponseForm, {"response": body["response"], "note": body.get("note") or ""})
    try:
        answers.answer(proposal, current_user, body["response"], body.get("note") or "",
                          booked_interview=body.get("booked_interview"))
    except answers.BookingChoiceNeeded as err:
        db.session.rollback()
        problems.abort(409, _choice_missing(err.interview))
    except answers.ReasonNeeded as err:  # "declined" after the held interview: the outcome's reason
        db.session.rollback()
        problems.abort(422, str(err), errors={"note": [str(err)]})
    except (rules.TransitionError, InterviewError) as err:
        db.session.rollback()
        problems.abort(409, str(err))
    return company_view(proposal)


def _choice_missing(interview: Interview) -> str:
    """The 409's detail when an answer would end a booking and no choice was sent."""
    return (f"Der er aftalt en samtale {spoken_time(interview.starts_at)} (id {interview.id}). "
            "Send booked_interview: \"cancel\" for at aflyse den eller \"keep\" for at lade den stå. "
            "Svaret er ikke gemt.")


@bp.post("/<int:proposal_id>/interviews/<int:interview_id>/book")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.response(200, ProposalOut)
@bp.alt_response(409, description="Tiden kan ikke vælges: allerede valgt, afvist eller aflyst, foreslået af jer "
                                   "selv, eller overskredet.")
@bp.alt_response(410, description=GONE_WRITE_HELP)
def book_interview(proposal_id: int, interview_id: int):
    """Vælg en af de tider, jobcentret har foreslået (de andre bliver afvist)."""
    proposal = shown_proposal(proposal_id)
    _step(booking.book, interview_of(proposal, interview_id))
    return company_view(proposal)


@bp.post("/<int:proposal_id>/interviews/<int:interview_id>/cancel")
@bp.doc(parameters=[common.IDEMPOTENCY_KEY])
@bp.response(200, ProposalOut)
@bp.alt_response(409, description="Tiden kan ikke aflyses: den er allerede aflyst eller afvist, samtalen er "
                                   "holdt, en foreslået tid er overskredet, tiden er foreslået af jobcentret, "
                                   "eller navnet er ikke delt med jer (lige nu).")
@bp.alt_response(410, description=GONE_WRITE_HELP)
def cancel_interview(proposal_id: int, interview_id: int):
    """Aflys en aftalt samtale eller en foreslået tid, som endnu ikke er overstået.

    Som »Aflys samtalen« på portalen: en aftalt samtale aflyses med det samme, begge parter får en
    aflysning til kalenderen (METHOD:CANCEL), jobcentrets konsulenter får besked, og webhooken
    interview.cancelled sendes. En tid, I selv har foreslået, trækkes tilbage uden kalender; en tid,
    jobcentret har foreslået, kan kun vælges (eller besvares med andre tider), ikke trækkes tilbage
    (409). Det kan ikke fortrydes: skal I mødes alligevel, så foreslå nye tider
    (POST /proposals/{id}/interviews)."""
    proposal = shown_proposal(proposal_id)
    _step(booking.cancel, interview_of(proposal, interview_id))
    return company_view(proposal)


def interview_of(proposal: Proposal, interview_id: int) -> Interview:
    """The proposal's interview ``interview_id``. :raise 404: (problem) unknown or another proposal's."""
    interview = db.session.get(Interview, interview_id)
    if interview is None or interview.proposal_id != proposal.id:
        common.not_found("Interview", interview_id)
    return interview


def _step(action, interview: Interview) -> None:
    """Run the web's own step on ``interview`` as the caller (it commits). :raise 409: (problem,
    the service's Danish reason) when the step is refused; nothing is written."""
    try:
        action(interview, current_user)
    except InterviewError as err:
        db.session.rollback()
        problems.abort(409, str(err))


# Company-only writes: the job centre's keys get 403 before the body is read.
guard.restrict_endpoints(bp, common.company_only, "answer_proposal", "book_interview", "cancel_interview")
