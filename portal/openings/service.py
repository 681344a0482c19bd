"""Openings as a company manages them: list, create, edit, close.

Every write changes the opening, adds an outbox row (:func:`store.outbox.record_change`)
and an audit event in one transaction, then commits: the matching index can never miss
a change that the database kept, nor see one it rolled back. Ownership is the caller's
argument (the route passes ``current_user.company_id``), never form data.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import audit
from ..extensions import db
from store import clock
from store.models import Citizen, Company, Opening, Placement, Proposal
from store.outbox import record_change
from store.profiles import opening_profile
from ..notifications.service import notify, path_for
from ..consents import active_consent
from ..proposals import ENDED, VISIBLE_TO_COMPANY, identity_released, identity_released_clause
from ..shared_goal import shown_goal
from ..placements.service import active_clause, is_active, is_cancelled, not_cancelled_clause, running_placement_start
from ..postcodes import town_of
from ..pseudonyms import pseudonym
from . import requirements

# Open first: that is what the company works with; closed ones sink to the bottom.
STATUS_ORDER = {"open": 0, "draft": 1, "filled": 2, "closed": 3}


class StaleOpening(Exception):
    """The opening changed since the form was loaded; the edit was not saved."""


@dataclass(frozen=True)
class OpeningData:
    """The company-editable fields of an opening, already validated (see ``OpeningForm``)."""

    kind: str
    title: str
    description: str
    requirements: str
    hours_min: float
    hours_max: float
    postcode: str
    start_date: date | None
    duration_weeks: int | None
    required_licences: list[str]
    required_languages: str
    accommodations: str
    capacity: int
    status: str


EDITABLE_FIELDS = tuple(f.name for f in fields(OpeningData))


@dataclass(frozen=True)
class CandidateCount:
    """An opening's candidates as the company sees them on the opening's page.

    ``proposed``: the current ones (every state in ``VISIBLE_TO_COMPANY``, unless the pair's
    placement has ended: :func:`finished_placement`); ``named``: of those, with the name shown (not on hold);
    ``waiting``: of those, with no answer from the company and no placement, whatever the
    opening's status (:func:`waiting_clause`); ``earlier``: the ones listed as no longer relevant.
    """

    proposed: int = 0
    named: int = 0
    waiting: int = 0
    earlier: int = 0


@dataclass(frozen=True)
class OpeningRow:
    """One line of the company's list: the opening, its town and its candidates."""

    opening: Opening
    town: str
    candidates: CandidateCount | None  # None: no proposal yet


# The town of an opening's postcode: the one rule of portal.postcodes (portal.api.openings calls it so).
town_for = town_of


def list_for_company(company_id: int) -> list[OpeningRow]:
    """The company's own openings, open first, newest first within a status."""
    order = sa.case(STATUS_ORDER, value=Opening.status, else_=len(STATUS_ORDER))
    openings = db.session.scalars(
        sa.select(Opening).where(Opening.company_id == company_id)
        .order_by(order, Opening.created_at.desc(), Opening.id.desc())
    ).all()
    counts = candidate_counts(company_id)
    return [OpeningRow(o, town_of(o.postcode), counts.get(o.id)) for o in openings]


def _pair_placement(*where: sa.ColumnElement[bool]) -> sa.Exists:
    return sa.exists().where(Placement.citizen_id == Proposal.citizen_id,
                             Placement.opening_id == Proposal.opening_id, *where)


def finished_placement(today: date) -> sa.ColumnElement[bool]:
    """The proposal's pair had a placement, and none of its placements is still active
    (:func:`portal.placements.service.is_active`): the company finds the candidate under
    "ikke længere aktuelle" with the day the placement ended (:attr:`SharedCandidate.placement_ended`).
    A placement cancelled before its start never ran: it is no placement of the pair here."""
    return sa.and_(_pair_placement(not_cancelled_clause()), ~_pair_placement(active_clause(today)))


def waiting_clause(today: date) -> sa.ColumnElement[bool]:
    """A candidate waiting for the company's answer: shown to it (``VISIBLE_TO_COMPANY``), not
    answered, no placement on the pair (a cancelled one is none), and the citizen's processing not
    restricted (the answer would be refused).

    Whatever the opening's status: a candidate on a closed or filled opening still waits, and may
    still be answered, until the job centre ends it (:mod:`portal.candidates.opening_done`), as the
    close page promises (review W5). Nothing the company was asked drops out of its list unsaid."""
    restricted = sa.select(Citizen.restricted).where(Citizen.id == Proposal.citizen_id).scalar_subquery()
    return sa.and_(Proposal.status.in_(VISIBLE_TO_COMPANY),
                   Proposal.company_response.is_(None), ~_pair_placement(not_cancelled_clause()),
                   restricted.is_not(True))


def candidate_counts(company_id: int) -> dict[int, CandidateCount]:
    """Per opening of the company that has any, its candidates (:class:`CandidateCount`), as the
    opening's page shows them (:func:`shared_candidates` split by :func:`finished_placement`, and
    :func:`ended_candidates`), in one statement.

    "Named" is what the company is shown a name for (``identity_released``): disclosed, backed
    by a live consent and the citizen's processing not restricted, and not on hold after a change
    of the opening's requirements (:func:`.requirements.held`, which the page shows without a
    name), so the count never promises a name the pages do not show."""
    today = clock.today()
    visible = Proposal.status.in_(VISIBLE_TO_COMPANY)
    current = sa.and_(visible, ~finished_placement(today))
    named = sa.and_(current, identity_released_clause(today))
    ended = sa.or_(Proposal.status == "withdrawn", Proposal.status.in_(ENDED) & Proposal.decided_at.is_not(None))

    def total(*where):
        return sa.func.sum(sa.case((sa.and_(*where), 1), else_=0))

    rows = db.session.execute(
        sa.select(Proposal.opening_id, total(current), total(named),
                  total(current, waiting_clause(today)), total(sa.or_(sa.and_(visible, ~current), ended)))
        .join(Opening, Opening.id == Proposal.opening_id)
        .where(Opening.company_id == company_id, sa.or_(visible, ended))
        .group_by(Proposal.opening_id))
    counts = {opening_id: [int(n or 0) for n in numbers] for opening_id, *numbers in rows}
    # On hold after a change of requirements: the page shows no name, and no answer is due.
    for proposal in _held_among(company_id, named):
        counts[proposal.opening_id][1] -= 1
    for proposal in held_waiting(company_id):
        counts[proposal.opening_id][2] -= 1
    return {opening_id: CandidateCount(*numbers) for opening_id, numbers in counts.items()}


def held_waiting(company_id: int) -> list[Proposal]:
    """The company's candidates :func:`waiting_clause` would list that a change of their
    opening's requirements put on hold (:func:`.requirements.held`): no answer is due from it."""
    return _held_among(company_id, waiting_clause(clock.today()))


def _held_among(company_id: int, where: sa.ColumnElement[bool]) -> list[Proposal]:
    """The company's proposals matching ``where`` that are on hold (:func:`.requirements.held`)."""
    rows = db.session.scalars(
        sa.select(Proposal).join(Opening, Opening.id == Proposal.opening_id)
        .where(Opening.company_id == company_id, where)).all()
    on_hold = requirements.held(rows)
    return [p for p in rows if p.id in on_hold]


@dataclass(frozen=True)
class WaitingCandidate:
    """A candidate waiting for the company's answer (:func:`waiting_clause`), by pseudonym."""

    proposal_id: int
    opening_id: int
    opening_title: str
    pseudonym: str
    proposed_on: date | None
    opening_status: str = "open"

    @property
    def opening_note(self) -> str:
        """What the list says of an opening that is no longer open ("" for an open one)."""
        return WAITING_ON.get(self.opening_status, "")


# A candidate still waiting on an opening that is no longer open is listed with this (review W5).
WAITING_ON = {"closed": "lukket opslag", "filled": "besat opslag", "draft": "kladde"}


def waiting_candidates(company_id: int) -> list[WaitingCandidate]:
    """The company's candidates waiting for its answer, longest waiting first (one statement);
    as many as :attr:`CandidateCount.waiting` adds up to."""
    rows = db.session.execute(
        sa.select(Proposal.id, Proposal.citizen_id, Proposal.opening_id, Opening.title, Proposal.decided_at,
                  Opening.status)
        .join(Opening, Opening.id == Proposal.opening_id)
        .where(Opening.company_id == company_id, waiting_clause(clock.today()))
        .order_by(Proposal.decided_at, Proposal.id))
    on_hold = {p.id for p in held_waiting(company_id)}
    rows = [row for row in rows if row[0] not in on_hold]
    return [WaitingCandidate(proposal_id, opening_id, title, pseudonym(citizen_id, opening_id),
                             decided_at.astimezone(clock.LOCAL).date() if decided_at else None, status)
            for proposal_id, citizen_id, opening_id, title, decided_at, status in rows]


@dataclass(frozen=True)
class SharedCandidate:
    """What a company may see of a proposed candidate: the allow-list, nothing more.

    ``name`` is set only once the identity is released (disclosed with a live consent).
    ``shared_goal`` is the jobmål the consultant chose for the company, one of the citizen's own
    as it stands now (:func:`portal.shared_goal.shown_goal`; "" = none: the company reads
    "Foreslået af jobcentret til dette opslag"); ``goal_matched``: the match found it ("Jobmål
    der matcher"), else it reads "Kandidatens jobmål". ``on_hold``: the citizen's processing is
    restricted (art. 18): the company is shown only that the candidate is not current now, no
    jobmål or band, and cannot answer; never why.
    """

    proposal_id: int
    pseudonym: str
    status: str
    similarity_band: str
    shared_goal: str
    hours_available: float
    name: str | None
    response: str | None
    response_note: str
    consent_lapsed: bool = False  # disclosed, but the consent has ended: the name is not shown
    # disclosed under a live consent, yet the name is not shown now (the citizen's processing is
    # restricted): the company is told it is withheld for now, never why
    name_withheld: bool = False
    placement_started: bool = False  # the job centre registered a placement: a hire stays a hire
    goal_matched: bool = False
    on_hold: bool = False
    # the pair's placement has ended (the last end date; none still active): no longer relevant,
    # listed with "Forløbet sluttede <dato>" (:func:`finished_placement`)
    placement_ended: date | None = None


def shared_candidates(opening: Opening) -> list[SharedCandidate]:
    """The candidates the job centre has proposed for ``opening``, newest decision last.

    Only proposals in :data:`portal.proposals.VISIBLE_TO_COMPANY` states; each as a
    per-opening pseudonym plus allow-listed facts (SECURITY.md). A candidate whose placement on
    the opening has ended carries its end date (``placement_ended``): the page lists it as no
    longer relevant. The caller must already have checked that the opening is the current company's.
    """
    rows = db.session.scalars(
        sa.select(Proposal)
        .where(Proposal.opening_id == opening.id, Proposal.status.in_(VISIBLE_TO_COMPANY))
        # The shown jobmål (shown_goal) reads each citizen's jobmål: with the page, not per candidate.
        .options(selectinload(Proposal.citizen).selectinload(Citizen.job_goals), selectinload(Proposal.consents))
        .order_by(Proposal.decided_at, Proposal.id)
    ).all()
    placements: dict[int, list[Placement]] = {}
    for placement in db.session.scalars(sa.select(Placement).where(Placement.opening_id == opening.id)):
        placements.setdefault(placement.citizen_id, []).append(placement)
    today = clock.today()
    on_hold = requirements.held(rows)
    shared = [shared_candidate(p, placements=placements.get(p.citizen_id, []), today=today, held=p.id in on_hold)
              for p in rows]
    # Who saw which citizen's identity is part of the access log; fail closed, one
    # transaction (one disk sync) for the page.
    audit.record_many_now([
        {"action": "identity_viewed", "citizen_id": proposal.citizen_id, "opening_id": opening.id,
         "purpose": "company: shared candidate"}
        for item, proposal in zip(shared, rows) if item.name is not None])
    return shared


# What the company reads as "ikke længere aktuel": the proposal ended (the citizen's case
# closed, the opening was filled or closed) or the citizen withdrew the consent. The company is
# never told which: the reason is the citizen's.
NO_LONGER_RELEVANT = ENDED | {"withdrawn"}


@dataclass(frozen=True)
class EndedCandidate:
    """A candidate the company was shown that is no longer relevant (:data:`NO_LONGER_RELEVANT`):
    the pseudonym only, never the name or the reason. ``placement_start`` is the start of a
    placement on the pair that still runs or is planned (the job centre contacts the company
    about it), else None."""

    proposal_id: int
    pseudonym: str
    placement_start: date | None = None


def ended_candidates(opening: Opening) -> list[EndedCandidate]:
    """The candidates of ``opening`` that are no longer relevant (:func:`portal.proposals.no_longer_current`),
    oldest decision first. The caller has checked the opening is the company's."""
    rows = db.session.scalars(
        sa.select(Proposal).where(Proposal.opening_id == opening.id, sa.or_(
            Proposal.status == "withdrawn", Proposal.status.in_(ENDED) & Proposal.decided_at.is_not(None)))
        .order_by(Proposal.decided_at, Proposal.id))
    return [EndedCandidate(p.id, pseudonym(p.citizen_id, p.opening_id), running_placement_start(p))
            for p in rows]


def _ended_on(placements: list[Placement], today: date) -> date | None:
    """The last end date of the pair's ``placements`` when all of them have ended, else None."""
    if not placements or any(is_active(p, today) for p in placements):
        return None
    return max(p.end_date for p in placements)


def shared_candidate(proposal: Proposal, *, placed: bool = False, placements: list[Placement] | None = None,
                     today: date | None = None, held: bool = False) -> SharedCandidate:
    """What a company may see of one of its candidates: the allow-list (SECURITY.md) that the
    opening's page, the candidate's page and the API all read, and the one place it is decided.

    Never the reason for a state, never a name before the citizen's consent is in force and
    released (:func:`portal.proposals.identity_released`), never a name while the citizen's
    processing is restricted or the candidate is on hold (``on_hold``); the rest is the
    pseudonym, the status, the band and jobmål the consultant approved, the hours available, the
    company's own answer and whether a placement started or ended.

    ``placed``: a placement exists on the pair; ``placements`` (with ``today``), when given, are
    the pair's placements, which also tell whether they have all ended. A placement cancelled
    before its start never ran: the company is not told it started nor that it ended on its
    planned start (it sees »Aflyst« under its placements). ``held``: a change of the opening's
    requirements left the candidate behind (:func:`.requirements.held`): shown on hold, as a
    restricted one is, never why; as in the API, no name (nor, on the page, interviews) while it
    lasts, also when the name was shared before the change."""
    placements = [p for p in placements or [] if not is_cancelled(p)]
    explanation = proposal.explanation or {}
    on_hold = proposal.citizen.restricted or held
    named = identity_released(proposal) and not held
    shown = None if on_hold else shown_goal(proposal)
    return SharedCandidate(
        proposal_id=proposal.id,
        pseudonym=pseudonym(proposal.citizen_id, proposal.opening_id),
        status=proposal.status,
        # The band the consultant was shown: with the learned adjustment when one was made.
        similarity_band="" if on_hold else str((explanation.get("learned") or {}).get("similarity_band")
                                               or explanation.get("similarity_band") or ""),
        shared_goal=shown.title if shown else "", goal_matched=bool(shown and shown.matched), on_hold=on_hold,
        hours_available=proposal.citizen.hours_available,
        name=proposal.citizen.name if named else None,
        consent_lapsed=proposal.status == "disclosed" and active_consent(proposal) is None,
        name_withheld=(proposal.status == "disclosed" and active_consent(proposal) is not None and not named),
        response=proposal.company_response,
        response_note=proposal.company_response_note or "",
        placement_started=placed or bool(placements),
        placement_ended=_ended_on(placements, today) if today is not None else None,
    )


@dataclass(frozen=True)
class Places:
    """How an opening's places stand: ``taken`` by placements not yet ended, and ``hired``
    answers ("Ansat / startet") for which the job centre has started no placement yet."""

    capacity: int
    taken: int
    hired_waiting: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken - self.hired_waiting, 0)


def places(opening: Opening) -> Places:
    """The opening's :class:`Places` today (the caller has checked the opening is the company's)."""
    today = clock.today()
    rows = list(db.session.scalars(sa.select(Placement).where(Placement.opening_id == opening.id,
                                                              not_cancelled_clause())))
    placed = {p.citizen_id for p in rows if is_active(p, today)}
    hired = set(db.session.scalars(sa.select(Proposal.citizen_id).where(
        Proposal.opening_id == opening.id, Proposal.company_response == "hired",
        Proposal.status.in_(VISIBLE_TO_COMPANY))))
    # A hire whose placement has already ended waits for nothing: only a hire without any
    # placement on the opening (a cancelled one is none: it never ran) is still to be started.
    return Places(opening.capacity, len(placed), len(hired - {p.citizen_id for p in rows}))


def awaiting_answer(opening: Opening) -> int:
    """How many candidates on ``opening`` wait for the company's answer (:func:`waiting_clause`,
    less the ones on hold after a change of requirements): the ones the start page lists."""
    rows = db.session.scalars(sa.select(Proposal).where(
        Proposal.opening_id == opening.id, waiting_clause(clock.today()))).all()
    return len(rows) - len(requirements.held(rows))


def create_opening(company_id: int, author_id: int | None, data: OpeningData) -> Opening:
    """Create an opening for ``company_id`` with its outbox row and audit event; commit.

    Returns:
        The committed opening.
    """
    opening = Opening(company_id=company_id, created_by_id=author_id,
                      **{name: getattr(data, name) for name in EDITABLE_FIELDS})
    db.session.add(opening)
    db.session.flush()  # the outbox row needs the new id
    record_change(db.session, "opening", opening.id)
    audit.record("opening_created", opening_id=opening.id, purpose=f"status:{opening.status}")
    if opening.status == "open":
        announce_published(opening)
    db.session.commit()
    return opening


@dataclass(frozen=True)
class Saved:
    """What :func:`update_opening` saved: ``changed``, the names of the changed fields (empty:
    nothing was written; the record is then false); ``opened``: "published" (a draft became
    open), "reopened" (a closed or filled one did) or ""; ``told``: the company's consultant was
    told so; ``left_behind``: candidates shown to the company that the changed requirements no
    longer fit, now marked and on hold (:mod:`.requirements`)."""

    changed: tuple[str, ...] = ()
    opened: str = ""
    told: bool = False
    left_behind: int = 0

    def __bool__(self) -> bool:
        return bool(self.changed)


def update_opening(opening: Opening, data: OpeningData, expected_version: int | None = None) -> Saved:
    """Apply ``data`` to ``opening``; with changes, write outbox and audit rows and commit.

    Args:
        opening: An opening already checked to belong to the caller's company.
        data: The validated new values.
        expected_version: The version the form was loaded with (lost-update guard).

    Returns:
        The names of the changed fields (empty: nothing was written), as :class:`Saved`.

    Raises:
        StaleOpening: someone saved the opening since ``expected_version`` (nothing written).
    """
    if expected_version is not None and expected_version != opening.version:
        raise StaleOpening(opening.id)
    changed = [name for name in EDITABLE_FIELDS if getattr(opening, name) != getattr(data, name)]
    if not changed:
        return Saved()
    before = opening.status
    profile_before = opening_profile(opening)  # what the candidates met
    for name in changed:
        setattr(opening, name, getattr(data, name))
    record_change(db.session, "opening", opening.id)
    audit.record("opening_updated", opening_id=opening.id, purpose="fields:" + ",".join(changed))
    # Candidates the new requirements leave behind are marked and their consultants told (review W1).
    left = requirements.apply_change(opening, changed, clock.today(), profile_before)
    opened, told = "", False
    if before != "open" and opening.status == "open":
        # Published, or reopened after it was closed (or filled): either way the job centre
        # looks for candidates again, so its consultant is told (review W7).
        opened = "published" if before == "draft" else "reopened"
        told = announce_published(opening, again=opened == "reopened")
    _commit_or_stale(opening.id)
    return Saved(tuple(changed), opened, told, len(left))


def announce_published(opening: Opening, *, again: bool = False) -> bool:
    """Tell the company's consultant that ``opening`` was published, or (``again``) reopened
    after it was closed or filled (the caller commits).

    Returns:
        False when the company has no active consultant to tell.
    """
    company = db.session.get(Company, opening.company_id)
    consultant = company.consultant if company is not None else None
    if consultant is None or not consultant.active:
        return False
    link = path_for("candidates.ranking", opening_id=opening.id)
    if again:
        text = f"{company.name} har åbnet opslaget igen: {opening.title}"
        subject = f"Opslag åbnet igen af {company.name}"
    else:
        text = f"{company.name} har slået et nyt opslag op: {opening.title}"
        subject = f"Nyt opslag fra {company.name}"
    notify(consultant, "opening_posted", text, link, subject=subject,
           link_intro="Se kandidaterne her")
    return True


def close_opening(opening: Opening) -> bool:
    """Set the opening's status to closed (outbox, audit, commit).

    Returns:
        False if it was already closed (nothing written), else True.

    Raises:
        StaleOpening: a concurrent save got there first (nothing written).
    """
    if opening.status == "closed":
        return False
    opening.status = "closed"
    record_change(db.session, "opening", opening.id)
    audit.record("opening_closed", opening_id=opening.id, purpose="status:closed")
    _commit_or_stale(opening.id)
    return True


def _commit_or_stale(opening_id: int) -> None:
    # The version column makes a concurrent UPDATE match no row; SQLAlchemy reports that
    # as StaleDataError. Roll back the whole unit (outbox and audit rows included).
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleOpening(opening_id) from None
