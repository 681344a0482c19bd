"""The consultant's work queue: what waits for *this* consultant, each item with where to act.

One function per kind of work; :func:`for_consultant` puts them together for the start page.
Every list is complete (no cut-off), so the count a consultant sees is the number of rows
below it; only the placements to follow up show the first :data:`FOLLOWUPS_SHOWN` and link to
the follow-up page for the rest. The caller passes the user and "today", so tests control both.

- proposals waiting for assessment: status "proposed", the citizen's VK is the user;
- open openings of the user's companies (the user is their VK) that nobody has assessed a
  citizen for yet (:func:`unassessed_openings`), each linked to its ranking;
- company answers to act on, until the consultant has handled them (see :func:`company_answers`),
  on the user's citizens' proposals and the ones the user approved (:func:`_followed_by`; so are
  the lists of candidates on hold and of interviews);
- consents recorded whose name is not yet shared (:func:`consented_to_share`);
- proposals still waiting on an opening that is filled or closed, to end (:func:`on_done_openings`;
  they leave the lists of proposals to assess and names to share, where no step is left);
- candidates a change of the opening's requirements put on hold (:func:`on_hold`,
  :func:`portal.proposals_hold.is_held`), also on the openings of the companies the user is the
  consultant of (who is told of the hold): to talk to the company about, or to end; they leave
  the lists of answers, names to share, consents to renew and interviews (but for a time already
  booked, :func:`standing_interviews`), where every new step is
  refused while the hold lasts;
- hotline requests waiting for an answer: the user's own and unassigned ones, nearest target
  first (the same list as the hotline page's "Venter på svar");
- citizens who cannot be matched (the user is VK or adviser), with what is missing; and the
  open cases of the user's team without an active VK, counted and linked to exactly that list
  (:func:`team_without_vk`): no VK's queue has them;
- running placements of the user's citizens with a follow-up flag (see :mod:`..placements.followup`),
  those whose consent was withdrawn first (a decision on the placement waits);
- consents that run out within two weeks or ran out lately (:func:`consents_to_renew`);
- interviews to arrange or hold: disclosed proposals (live consent, no placement yet, no final
  company answer) with no booked interview, a booked one coming up, or one held whose outcome
  the company has not reported (see :mod:`..interviews.queries`); and every other interview
  booked and still ahead (on hold, the opening filled or closed, the company's no or hire, the
  name no longer shared), to cancel or keep (:func:`standing_interviews`; one kept, by the
  company when it answered or by the job centre, is listed as agreed, with who keeps it).

Every list holds open cases only: a citizen whose case is closed (or who was anonymised) has
nothing left to act on, nor one whose processing is restricted (art. 18) until it is lifted.
Each proposal is on one list at most: one still waiting on a filled or closed opening is on the
list of those to end, and one on hold on the list of those on hold, not on the lists of steps
towards sharing the name. The one exception is a booked interview still ahead: it stays on the
interview list beside the line on hold or to end, as it is in both calendars until somebody
cancels it (review AC 4). A line whose citizen is in a placement elsewhere (running now, or
agreed to start) stays, and names it (``ProposalLine.elsewhere``), so the consultant decides.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, defer, selectinload

from ..candidates import none_suitable
from ..candidates.situation import NOTHING, CurrentPlacement, situations
from ..citizens import danish_order
from ..citizens.queries import has_active_vk, incomplete_caseload, matching_facts, without_active_vk
from ..extensions import db
from ..hotline import service as hotline_service
from ..interviews.keeping import kept_by, standing_cause
from ..interviews.queries import booked_among, ends_at, interviews_by_proposal, offered_among
from ..placements import followup
from ..placements.service import not_cancelled_clause
from .. import proposals_hold
from ..consents import CONSENT_DUE_DAYS
from ..proposals import ENDABLE, OPENING_DONE, VISIBLE_TO_COMPANY, identity_released
from store.models import Citizen, Company, Consent, Interview, Opening, Placement, Proposal, User
from store.models.citizens import missing_items
from store import clock
from store.clock import LOCAL

DECLINED_RECENT_DAYS = 14
# The start page shows this many placements to follow up (all are counted; the follow-up page
# lists every one): a caseload can have a hundred, which would bury the other lists.
FOLLOWUPS_SHOWN = 10
# A consent shows on the start page from CONSENT_DUE_DAYS days before its last day ...
# ... until this many days after it (then it is the proposal page's matter alone).
CONSENT_LAPSED_DAYS = 30


@dataclass(frozen=True, slots=True)
class ProposalLine:
    """What the start page shows of a proposal: its columns with the citizen's, opening's and company's names."""

    id: int
    citizen_id: int
    opening_id: int
    status: str
    company_response: str | None
    company_responded_at: datetime | None
    created_at: datetime
    citizen_name: str
    opening_title: str
    company_name: str
    # The placement the citizen is in now (or agreed to start) other than this pair's, if any;
    # filled by for_consultant, in one statement for the start page.
    elsewhere: CurrentPlacement | None = None


_LINE_COLUMNS = (Proposal.id, Proposal.citizen_id, Proposal.opening_id, Proposal.status, Proposal.company_response,
                 Proposal.company_responded_at, Proposal.created_at, Citizen.name, Opening.title, Company.name)
# A placement exists for the proposal's (citizen, opening) pair; one cancelled before its start
# never ran and is none (as portal.proposals.placement_started).
_STARTED = sa.exists().where(Placement.citizen_id == Proposal.citizen_id, Placement.opening_id == Proposal.opening_id,
                             not_cancelled_clause())
# Any interview offered for the proposal: from then on the interview list follows it.
_INTERVIEWED = sa.exists().where(Interview.proposal_id == Proposal.id)
# The case is open: not closed, not anonymised, and its processing not restricted (art. 18:
# stored, not used; nothing may move until the restriction is lifted). Every queue line needs it.
_OPEN_CASE = sa.and_(Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None), Citizen.restricted.is_(False))
# The opening still takes candidates (not filled, not closed).
_OPENING_LIVE = Opening.status.not_in(OPENING_DONE)
# A hire on the pair: the company answered "hired", or a placement exists. Such a pair's
# consent and interviews stay the consultant's matter on a filled opening too.
_HIRE = sa.or_(Proposal.company_response == "hired", _STARTED)
_Other = aliased(Proposal)
# Another candidate was approved for the opening after the company's answer.
_OTHER_APPROVED_SINCE = sa.exists().where(
    _Other.opening_id == Proposal.opening_id, _Other.id != Proposal.id, _Other.decided_at.is_not(None),
    _Other.decided_at > Proposal.company_responded_at, _Other.status.in_(VISIBLE_TO_COMPANY))


def _followed_by(user: User) -> sa.ColumnElement[bool]:
    """The proposals that are ``user``'s to follow through the company's answer, a hold and the
    interviews: their citizens' (VK) and the ones they approved (``Proposal.decided_by_id``),
    who is told of the answer and the interviews as well (:func:`..interviews.notices.recipients`;
    review AC 3). Each proposal is still one line on each list, whoever looks."""
    return sa.or_(Citizen.vk_id == user.id, Proposal.decided_by_id == user.id)


def _lines(*where: sa.ColumnElement[bool], order_by: tuple) -> list[ProposalLine]:
    """Proposals of open cases matching ``where``, as lines, in one statement."""
    stmt = (sa.select(*_LINE_COLUMNS).join(Citizen, Proposal.citizen_id == Citizen.id)
            .join(Opening, Proposal.opening_id == Opening.id).join(Company, Opening.company_id == Company.id)
            .where(_OPEN_CASE, *where).order_by(*order_by))
    return [ProposalLine(*row) for row in db.session.execute(stmt)]


@dataclass(frozen=True)
class Answer:
    """A company's answer to a proposal and what the consultant does about it."""

    proposal: ProposalLine
    action: str  # Danish: the next thing to do
    endpoint: str  # where it is done
    args: dict


def consented_to_share(user: User, today: date) -> list[ProposalLine]:
    """Consents recorded on the user's citizens' proposals whose name is not yet shared: the
    profile to approve and the name to share ("consented", the consent in force, the company
    has not said no), oldest consent first. Sharing (or a withdrawal) removes the line. On a
    filled or closed opening only a hire's (the company answered "hired", or a placement of
    the pair: :func:`portal.proposals.sharing_refusal` lets it share): a new consent after a
    withdrawal, so the placement goes on, needs the name shared again."""
    in_force = sa.exists().where(Consent.proposal_id == Proposal.id, Consent.in_force_clause(today))
    return _lines(Citizen.vk_id == user.id, Proposal.status == "consented", in_force, sa.or_(_OPENING_LIVE, _HIRE),
                  sa.or_(Proposal.company_response.is_(None), Proposal.company_response != "declined"),
                  order_by=(Proposal.decided_at, Proposal.id))


def pending_proposals(user: User) -> list[ProposalLine]:
    """Proposals in status "proposed" for citizens whose VK is ``user``, on openings still
    taking candidates, oldest first."""
    return _lines(Citizen.vk_id == user.id, Proposal.status == "proposed", _OPENING_LIVE,
                  order_by=(Proposal.created_at, Proposal.id))


@dataclass(frozen=True, slots=True)
class UnassessedOpening:
    """An open opening of one of the user's companies with no candidate assessed for it yet."""

    id: int
    title: str
    company_name: str
    created_at: datetime


def unassessed_openings(user: User, now: datetime | None = None) -> list[UnassessedOpening]:
    """The open openings of the companies whose VK is ``user`` for which nobody has taken a
    decision on any citizen: no proposal at all, neither approved nor rejected nor waiting
    ("proposed", which is on its citizen's VK's list already), oldest first (review BG 8).

    The VK is told of a new opening (a notice) and finds it under »Opslag og kandidater«; this
    keeps it on the work queue until somebody has assessed a candidate on its ranking page. A
    decision by anyone (another consultant ranking it too) takes it off, and so does a mark
    »Ingen egnede kandidater lige nu« while it holds (:mod:`portal.candidates.none_suitable`,
    review BK 6): until it is undone, the opening is edited, or after 14 days."""
    rows = db.session.execute(
        sa.select(Opening.id, Opening.title, Company.name, Opening.created_at).join(Company)
        .where(Company.consultant_id == user.id, Opening.status == "open",
               ~sa.exists().where(Proposal.opening_id == Opening.id),
               ~none_suitable.in_force(now or clock.utcnow()))
        .order_by(Opening.created_at, Opening.id))
    return [UnassessedOpening(*row) for row in rows]


def team_without_vk(user: User) -> int | None:
    """How many open cases of the user's team have no active VK: exactly the rows of
    ``/borgere/?scope=team&uden_vk=1`` (the citizen list's rule,
    :func:`portal.citizens.queries.without_active_vk`, narrowed to the team as its »Mit team«
    is). No VK's queue holds them (an adviser's has its own), so each of the team's
    consultants is shown them (review BG 8). None for a user on no team (there is no team list)."""
    if not user.team_id:
        return None
    found = without_active_vk(user).where(Citizen.team_id == user.team_id)
    return db.session.scalar(sa.select(sa.func.count()).select_from(found.subquery()))


def on_done_openings(user: User) -> list[ProposalLine]:
    """Live proposals of the user's citizens on openings that are filled or closed, to end
    (:mod:`portal.candidates.opening_done`): not a hire, no placement for the pair. By opening,
    then oldest first; ending them removes the lines."""
    return _lines(Citizen.vk_id == user.id, Proposal.status.in_(ENDABLE), Opening.status.in_(OPENING_DONE),
                  sa.or_(Proposal.company_response.is_(None), Proposal.company_response != "hired"), ~_STARTED,
                  order_by=(Opening.title, Opening.id, Proposal.id))


def held_ids(user: User) -> set[int]:
    """The ids of the proposals on hold after a change of their opening's requirements
    (:func:`portal.proposals_hold.held`) that the user follows (:func:`_followed_by`) or that
    are on an opening of a company the user is the consultant of, who is told of the hold as
    the VK is (:func:`portal.openings.requirements.notify_consultants`) and talks to the company:
    shown to the company, on an open opening, no hire on the pair. Only the marked ones are
    read in full."""
    rows = db.session.execute(
        sa.select(Proposal.id, Proposal.explanation).join(Citizen, Proposal.citizen_id == Citizen.id)
        .join(Opening, Proposal.opening_id == Opening.id).join(Company, Opening.company_id == Company.id)
        .where(sa.or_(_followed_by(user), Company.consultant_id == user.id), _OPEN_CASE,
               Proposal.status.in_(VISIBLE_TO_COMPANY),
               Opening.status == "open", Proposal.company_response.is_distinct_from("hired"), ~_STARTED))
    marked = [proposal_id for proposal_id, explanation in rows if proposals_hold.MARK in (explanation or {})]
    if not marked:
        return set()
    return proposals_hold.held(db.session.scalars(sa.select(Proposal).where(Proposal.id.in_(marked))).all())


def on_hold(user: User, held: set[int] | None = None) -> list[ProposalLine]:
    """The proposals on hold after a change of their opening's requirements that are the user's
    (:func:`held_ids`, or ``held`` when the caller has them): the consultant talks to the
    company, or ends the proposal from its page. By opening, then oldest first."""
    held = held_ids(user) if held is None else held
    if not held:
        return []
    return _lines(Proposal.id.in_(sorted(held)), order_by=(Opening.title, Opening.id, Proposal.id))


def company_answers(user: User, today: date) -> list[Answer]:
    """Company answers that still need the consultant, on the proposals the user follows (their
    citizens' and the ones they approved: :func:`_followed_by`).

    Only answers on proposals the company still sees (not withdrawn) of open cases count.
    Each kind of answer leaves the list when it has been handled:

    - "hired": when a placement exists for the pair (the consultant started it);
    - "interested": when a placement exists for the pair, when an interview has been offered
      (the interview list, :func:`interviews_to_arrange`, follows it from then on), or when
      the opening is no longer open (filled or closed: there is nothing left to answer);
    - "declined" ("find another candidate"): after :data:`DECLINED_RECENT_DAYS` days (Danish
      dates), or sooner when another candidate has been approved for the opening since the
      answer, or the opening is no longer open.

    A citizen now in a placement elsewhere keeps the line, which names it: the consultant
    decides (withdraw the proposal, or go on). All of it is decided in the statement, so
    answers already handled are not read at all.
    """
    declined_since = datetime.combine(today - timedelta(days=DECLINED_RECENT_DAYS), time(0), LOCAL)
    still_open = Opening.status == "open"
    needs_me = sa.or_(
        sa.and_(Proposal.company_response == "declined", Proposal.company_responded_at >= declined_since,
                still_open, ~_OTHER_APPROVED_SINCE),
        sa.and_(Proposal.company_response == "hired", ~_STARTED),
        sa.and_(Proposal.company_response == "interested", ~_STARTED, ~_INTERVIEWED, still_open))
    lines = _lines(_followed_by(user), Proposal.company_response.is_not(None),
                   Proposal.status.in_(VISIBLE_TO_COMPANY), needs_me,
                   order_by=(Proposal.company_responded_at.desc(), Proposal.id.desc()))
    live = _live_consents([p.id for p in lines if p.status in ("consented", "disclosed")], today)
    answers = []
    for p in lines:
        if p.company_response == "declined":
            answers.append(Answer(p, "Find en anden kandidat til opslaget", "candidates.ranking",
                                  {"opening_id": p.opening_id}))
        else:
            action, anchor = _next_step(p, p.id in live)
            answers.append(Answer(p, action, "candidates.proposal",
                                  {"proposal_id": p.id, **({"_anchor": anchor} if anchor else {})}))
    return answers


# What the proposal page offers after a yes from the company, by status (the page's own rule:
# sharing the name, an interview and a start all need a live consent,
# :func:`portal.consents.active_consent`; without one the page offers a new consent).
EXPIRED_CONSENT = "Samtykket er udløbet: registrér et nyt samtykke"


def _next_step(p: ProposalLine, consent_live: bool) -> tuple[str, str | None]:
    """The action and the page's section for an "interested" or "hired" answer."""
    if p.status in ("consented", "disclosed") and not consent_live:
        return EXPIRED_CONSENT, "samtykke"
    if p.status == "disclosed":
        return ("Start forløbet" if p.company_response == "hired" else "Aftal samtale eller start forløb"), None
    if p.status == "consented":
        return "Godkend profilen og del navnet", "profil"
    return "Indhent samtykke og del navnet", "samtykke"


def _live_consents(proposal_ids: list[int], today: date) -> set[int]:
    """Which of the proposals have a live consent (not withdrawn, deadline not passed), in one statement."""
    if not proposal_ids:
        return set()
    return set(db.session.scalars(sa.select(Consent.proposal_id).where(
        Consent.proposal_id.in_(proposal_ids), Consent.in_force_clause(today))))


@dataclass(frozen=True)
class InterviewItem:
    """A disclosed proposal's interview state and the next thing to do (Danish)."""

    proposal: ProposalLine
    action: str
    when: datetime | None  # the booked time, if any
    note: str = ""  # said after the time, as information (a kept interview: who keeps it)


def interviews_to_arrange(user: User, now: datetime, held: set[int] | None = None) -> list[InterviewItem]:
    """Interviews to arrange, hold or report on the proposals the user follows (:func:`_followed_by`),
    then every other booked interview still ahead on them (:func:`standing_interviews`).

    Disclosed proposals whose next step is an interview come first. A company's "interested"
    with no interview yet is left to the answers list, which offers the same step ("Aftal
    samtale eller start forløb"): one task, one line (review L 8). A candidate on hold
    (:func:`held_ids`, or ``held`` when the caller has them) gets nothing new arranged: it is
    here only with a time already booked, as are the pairs on a filled or closed opening, the
    ones the company said no to or hired, and the ones whose name is no longer shared.
    """
    held = held_ids(user) if held is None else held
    found = db.session.execute(
        sa.select(Proposal, Citizen.name, Opening.title, Company.name)
        .join(Citizen, Proposal.citizen_id == Citizen.id).join(Opening, Proposal.opening_id == Opening.id)
        .join(Company, Opening.company_id == Company.id)
        .where(_followed_by(user), _OPEN_CASE, Proposal.status == "disclosed", _OPENING_LIVE,
               sa.or_(Proposal.company_response.is_(None),
                      Proposal.company_response.not_in(("hired", "declined"))), ~_STARTED,
               Proposal.id.not_in(sorted(held)))
        # identity_released reads the consents and the citizen's restriction; the JSON columns are not shown.
        .options(selectinload(Proposal.consents), selectinload(Proposal.citizen).load_only(Citizen.restricted),
                 defer(Proposal.explanation), defer(Proposal.shared_profile))
        .order_by(Proposal.id)).all()
    today = now.astimezone(LOCAL).date()
    released = [row for row in found if identity_released(row[0], today)]
    rows = interviews_by_proposal([row[0].id for row in released])
    lines = [_line(proposal, citizen_name, opening_title, company_name)
             for proposal, citizen_name, opening_title, company_name in released]
    items = []
    for p in lines:
        booked = booked_among(rows[p.id])
        offers = offered_among(rows[p.id])
        if booked is not None:
            over = ends_at(booked) <= now
            items.append(InterviewItem(p, "Samtalen er holdt: virksomheden mangler at melde udfald" if over
                                       else "Samtale aftalt", booked.starts_at))
        elif any(o.offered_by == "company" for o in offers):
            items.append(InterviewItem(p, "Vælg en af virksomhedens tider", None))
        elif offers:
            items.append(InterviewItem(p, "Venter på at virksomheden vælger en tid", None))
        elif p.company_response == "interested" and not rows[p.id]:
            continue  # on the answers list (:func:`company_answers`) until an interview is offered
        else:
            items.append(InterviewItem(p, "Aftal en samtale", None))
    listed = {item.proposal.id for item in items}
    return items + [item for item in standing_interviews(user, now, held) if item.proposal.id not in listed]


# Why a booked interview stands although nothing more is arranged for the pair, and the step
# (the start page puts the date after it: »… aflys eller behold samtalen den 10.12.2026«).
STANDING_HELD = "Kandidaten er i bero: aflys eller behold samtalen den"
STANDING_DONE = "Opslaget er {state}: aflys eller behold samtalen den"
STANDING_DECLINED = "Virksomheden har sagt nej: aflys eller behold samtalen den"
STANDING_HIRED = "Kandidaten er meldt ansat: aflys eller behold samtalen den"
STANDING_HIDDEN = "Navnet er ikke delt lige nu: aflys eller behold samtalen den"
# The question for each cause (portal.interviews.keeping.STANDING_CAUSES).
STANDING = {"on_hold": STANDING_HELD, "name_hidden": STANDING_HIDDEN, "hired": STANDING_HIRED,
            "declined": STANDING_DECLINED, "filled": STANDING_DONE.format(state="besat"),
            "closed": STANDING_DONE.format(state="lukket")}
# A standing interview kept (portal.interviews.keeping.kept_by; review AR 4): no question, only
# "Samtale aftalt <date>" and who keeps it.
KEPT_BY_COMPANY_HIRE = "virksomheden beholder den som første møde"
KEPT_BY_COMPANY = "virksomheden vil gerne mødes alligevel"
KEPT_BY_JOBCENTER = "jobcentret har valgt at beholde den"


def standing_interviews(user: User, now: datetime, held: set[int] | None = None) -> list[InterviewItem]:
    """Every interview booked and still ahead on a disclosed proposal the user follows, of an
    open case, with why it may no longer be wanted, soonest first (review AC 4).

    Putting a candidate on hold, closing or filling the opening, the company's no or hire, or a
    lapsed consent does not cancel a time already in both calendars; each stops new times, so
    the consultant decides: cancel it (the proposal page's »Aflys samtalen«, which tells the
    company and sends both calendars a cancellation) or keep it (»Behold samtalen«). A pair
    still on its way to an interview is listed by :func:`interviews_to_arrange` with its own
    step ("Samtale aftalt").

    The cause is :func:`portal.interviews.keeping.standing_cause`'s. An interview kept for its
    cause, by the company when it answered (»Behold samtalen« on its confirmation page) or by
    the job centre, asks nothing more: it reads "Samtale aftalt" with who keeps it (review AR 4).
    """
    held = held_ids(user) if held is None else held
    found = db.session.execute(
        sa.select(Proposal, Citizen.name, Opening.title, Company.name, Opening.status, Interview.starts_at,
                  Interview.id, _STARTED.label("started"))
        .join(Proposal, Interview.proposal_id == Proposal.id)
        .join(Citizen, Proposal.citizen_id == Citizen.id).join(Opening, Proposal.opening_id == Opening.id)
        .join(Company, Opening.company_id == Company.id)
        .where(_followed_by(user), _OPEN_CASE, Proposal.status == "disclosed", Interview.status == "booked",
               Interview.starts_at > now)
        # the explanation is read: it holds the mark of a kept interview (interviews.keeping.KEPT)
        .options(selectinload(Proposal.consents), selectinload(Proposal.citizen).load_only(Citizen.restricted),
                 defer(Proposal.shared_profile))
        .order_by(Interview.starts_at, Proposal.id)).all()
    today = now.astimezone(LOCAL).date()
    items = []
    for proposal, citizen_name, opening_title, company_name, opening_status, starts_at, interview_id, started \
            in found:
        cause = standing_cause(on_hold=proposal.id in held, released=identity_released(proposal, today),
                                          hire=proposal.company_response == "hired" or started,
                                          response=proposal.company_response, opening_status=opening_status)
        kept = kept_by(proposal, interview_id, cause)
        line = _line(proposal, citizen_name, opening_title, company_name)
        if cause is None or kept is not None:
            note = ("" if kept is None else KEPT_BY_JOBCENTER if kept == "jobcenter"
                    else KEPT_BY_COMPANY_HIRE if cause == "hired" else KEPT_BY_COMPANY)
            items.append(InterviewItem(line, "Samtale aftalt", starts_at, note))
        else:
            items.append(InterviewItem(line, STANDING[cause], starts_at))
    return items


def _line(proposal: Proposal, citizen_name: str, opening_title: str, company_name: str) -> ProposalLine:
    return ProposalLine(proposal.id, proposal.citizen_id, proposal.opening_id, proposal.status,
                        proposal.company_response, proposal.company_responded_at, proposal.created_at,
                        citizen_name, opening_title, company_name)


@dataclass(frozen=True)
class Unmatchable:
    """A citizen of the caseload who cannot be matched yet, and what is missing (Danish).

    ``restricted``: processing is restricted, so nothing may be added until it is lifted (the
    page says so instead of offering the fixes, as the citizen list does)."""

    id: int
    name: str
    missing_for_matching: list[str]
    restricted: bool = False


def unmatchable_citizens(user: User) -> list[Unmatchable]:
    """Open cases of the user (VK or adviser) that lack a CV, a jobmål or an active VK, by name.

    Exactly the rows of the citizen list's ``?incomplete=y`` ("Mine"), which the page links to:
    the same select (:func:`portal.citizens.queries.incomplete_caseload`), so the count is the
    list's. A restricted citizen is on both, marked (review AV 2). A VK who was deactivated
    counts as none (:func:`has_active_vk`): an adviser's citizen has another consultant as VK.

    One statement reads the names and what matchability needs, in the list's Danish order
    (:func:`portal.citizens.danish_order.citizen_name_order`: Æ, Ø, Å last).
    """
    found = db.session.execute(
        incomplete_caseload(user)
        .with_only_columns(Citizen.id, Citizen.name, Citizen.restricted, Citizen.vk_id, has_active_vk(),
                           *matching_facts())
        .order_by(*danish_order.citizen_name_order()))
    return [Unmatchable(cid, name, missing_items(vk_id, goal, cv, vk_active=bool(active)), bool(restricted))
            for cid, name, restricted, vk_id, active, goal, cv in found]


def placements_to_follow_up(user: User, today: date) -> list[followup.FollowUpRow]:
    """The user's citizens' running placements with at least one follow-up flag (the rows the
    follow-up page shows with ``?kraever=1``). The ones whose consent was withdrawn come first
    (:data:`.followup.CONSENT_WITHDRAWN`: a decision waits, and the company was told the job
    centre will call), so the first :data:`FOLLOWUPS_SHOWN` never hide them; then by start."""
    rows = [row for row in followup.list_followups(user, "mine", today) if followup.needs_follow_up(row)]
    return sorted(rows, key=lambda row: followup.CONSENT_WITHDRAWN not in row.flags)


@dataclass(frozen=True)
class ConsentDue:
    """A consent of the user's citizens that runs out soon, or ran out lately, and its last day."""

    proposal: ProposalLine
    deadline: date
    placed: bool  # a placement exists for the pair: the company loses the name when it lapses


def consents_to_renew(user: User, today: date) -> list[ConsentDue]:
    """Consents to renew: on the user's citizens' proposals whose name is on its way to the
    company or shared (consented, disclosed; the company has not said no), the consent in use
    (neither withdrawn nor replaced) ends within :data:`CONSENT_DUE_DAYS` days or ended at most
    :data:`CONSENT_LAPSED_DAYS` days ago. Soonest first; renewing it (or ending it) removes the line.
    """
    open_consent = sa.and_(Consent.proposal_id == Proposal.id, Consent.withdrawn_at.is_(None),
                           Consent.replaced_at.is_(None))
    last_day = sa.select(sa.func.max(Consent.deadline)).where(open_consent).scalar_subquery()
    pair = sa.and_(Placement.citizen_id == Proposal.citizen_id, Placement.opening_id == Proposal.opening_id)
    # A placement cancelled before its start never ran: it ends nothing (a new one may start).
    finished = sa.and_(sa.exists().where(pair, Placement.end_reason.is_not(None), not_cancelled_clause()),
                       ~sa.exists().where(pair, Placement.end_reason.is_(None)))
    lines = _lines(Citizen.vk_id == user.id, Proposal.status.in_(("consented", "disclosed")),
                   sa.or_(Proposal.company_response.is_(None), Proposal.company_response != "declined"),
                   ~finished,  # the pair's placement ended: nothing left to share the name for
                   sa.or_(_OPENING_LIVE, _HIRE),  # else the pair is to end (on_done_openings), not renew
                   last_day.between(today - timedelta(days=CONSENT_LAPSED_DAYS),
                                    today + timedelta(days=CONSENT_DUE_DAYS)),
                   order_by=(last_day, Proposal.id))
    if not lines:
        return []
    ids = [p.id for p in lines]
    deadlines = dict(db.session.execute(
        sa.select(Consent.proposal_id, sa.func.max(Consent.deadline))
        .where(Consent.proposal_id.in_(ids), Consent.withdrawn_at.is_(None), Consent.replaced_at.is_(None))
        .group_by(Consent.proposal_id)).all())
    placed = set(db.session.scalars(sa.select(Proposal.id).where(Proposal.id.in_(ids), _STARTED)))
    return [ConsentDue(p, deadlines[p.id], p.id in placed) for p in lines]


def for_consultant(user: User, today: date) -> dict:
    """Everything on the consultant's start page."""
    caseload = db.session.scalar(
        sa.select(sa.func.count(Citizen.id))
        .where(sa.or_(Citizen.vk_id == user.id, Citizen.adviser_id == user.id),
               Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None)))
    waiting = hotline_service.list_for_staff(user, False, "open")  # with their companies
    # On hold after a change of the opening's requirements: their own list, no other.
    held = held_ids(user)
    pending = pending_proposals(user)
    answers = [a for a in company_answers(user, today) if a.proposal.id not in held]
    # A consent with a company answer is the answer's line already ("Godkend profilen og del navnet").
    answered = {a.proposal.id for a in answers}
    to_share = [p for p in consented_to_share(user, today) if p.id not in answered and p.id not in held]
    now = clock.utcnow()
    talks = interviews_to_arrange(user, now, held)
    # Where each line's citizen is placed elsewhere: one statement for the three lists.
    found = situations({p.citizen_id for p in pending} | {a.proposal.citizen_id for a in answers}
                       | {i.proposal.citizen_id for i in talks} | {p.citizen_id for p in to_share}, today)

    def noted(p: ProposalLine) -> ProposalLine:
        return replace(p, elsewhere=found.get(p.citizen_id, NOTHING).elsewhere(p.opening_id))

    return {
        "today": today,
        "caseload": caseload,
        "pending_proposals": [noted(p) for p in pending],
        "unassessed_openings": unassessed_openings(user, now),
        # off that list while a mark »Ingen egnede kandidater lige nu« holds: named under it
        "none_suitable": none_suitable.marked_for(user, now),
        "team_without_vk": team_without_vk(user),
        "to_share": [noted(p) for p in to_share],
        "on_done_openings": on_done_openings(user),
        "on_hold": on_hold(user, held),
        "answers": [replace(a, proposal=noted(a.proposal)) for a in answers],
        "hotline_rows": hotline_service.rows(waiting, by_due=True),  # a follow-up's own target counts
        "incomplete": unmatchable_citizens(user),
        "followups": placements_to_follow_up(user, today),
        "followups_shown": FOLLOWUPS_SHOWN,
        "interviews": [replace(i, proposal=noted(i.proposal)) for i in talks],
        # A lapsed consent that a company answer already leads to (:data:`EXPIRED_CONSENT`) is
        # listed there only.
        "consents": [c for c in consents_to_renew(user, today) if c.proposal.id not in held
                     and not (c.deadline < today and c.proposal.id in {a.proposal.id for a in answers})],
    }
