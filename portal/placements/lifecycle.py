"""A consultant starts, follows up and ends placements (the trail after "ansat").

Every function checks the rules against the database, changes the rows, adds an audit
event and commits: one transaction each. Changes matching depends on (the citizen's time
since the last company-based placement, an opening becoming "filled") bump the row's
version and add an outbox row in that same transaction. Broken rules raise
:class:`LifecycleError` with a Danish message and write nothing. Free-text notes are
stored on :class:`~.models.PlacementEvent` only, never in the audit log. A start, an end (or
its correction) and a cancellation are sent as webhooks and told to the company's users in
the same transaction (:mod:`.news`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from .. import audit, proposals, proposals_hold
from ..eligibility import current_table
from ..extensions import db
from ..rules import RuleError, raise_all
from ..i18n import format_date, format_hours_count, format_month, format_number
from . import news as placement_news
from ..webhooks import events as webhook_events
from store.models import Citizen, HoursLog, Opening, Placement, PlacementEvent, Proposal, User
from store.models.vocab import BENEFIT_GROUPS, CANCELLED, COMPANY_RESPONSES, ENDING_REASONS, OPENING_KINDS
from store import clock
from store.outbox import citizen_changed, record_change
from .service import followed_up, is_active, is_cancelled

MAX_START_OFFSET = timedelta(days=365)  # start at most a year back or ahead
MAX_END_AHEAD = timedelta(days=31)  # an end may be registered up to a month ahead
MAX_WEEKLY_HOURS = 80.0
CANCEL_REASON_LENGTH = 300  # a short reason: "Borgeren mødte ikke op", "Virksomheden aflyste"


class LifecycleError(RuleError):
    """A placement rule is broken (see :class:`portal.rules.RuleError`)."""


@dataclass(frozen=True)
class StartData:
    """What the consultant chose in the start form (already shape-validated)."""

    kind: str
    start_date: date
    weekly_hours: float
    planned_end: date | None = None
    mark_filled: bool = False
    # The consultant confirmed a kind other than the opening's (:func:`kind_error`).
    other_kind_confirmed: bool = False


@dataclass(frozen=True)
class StartResult:
    placement: Placement
    filled: bool
    warnings: list[str] = field(default_factory=list)


def active_on_opening(opening_id: int, today: date) -> list[Placement]:
    """The opening's placements not ended by ``today`` (planned ones included)."""
    rows = db.session.scalars(sa.select(Placement).where(Placement.opening_id == opening_id))
    return [p for p in rows if is_active(p, today)]


def fills_opening(opening: Opening, today: date) -> bool:
    """Would one more placement make the opening's active placements reach its capacity?"""
    return opening.status == "open" and len(active_on_opening(opening.id, today)) + 1 >= opening.capacity


def other_live_proposals(opening: Opening, except_proposal_id: int | None,
                         today: date | None = None) -> list[Proposal]:
    """The opening's other proposals still waiting for a seat, oldest first.

    Waiting: the company sees the proposal and may answer it (approved, consented or
    disclosed: :data:`portal.proposals.VISIBLE_TO_COMPANY`), the company has not said no,
    the citizen is not anonymised and holds no active placement on the opening (that one has
    a seat already). When a start fills the opening these are left without a seat, and no
    one tells them by itself: the start form and the proposal page name them.

    Args:
        opening: the opening whose seats are counted.
        except_proposal_id: the proposal being started (None: every waiting proposal).
        today: the day placements are active on (default: today in Danish local time).
    """
    today = today or clock.today()
    placed = {p.citizen_id for p in active_on_opening(opening.id, today)}
    rows = db.session.scalars(
        sa.select(Proposal).join(Citizen, Citizen.id == Proposal.citizen_id)
        .where(Proposal.opening_id == opening.id, Proposal.status.in_(proposals.VISIBLE_TO_COMPANY),
               Citizen.anonymised_at.is_(None))
        .order_by(Proposal.created_at, Proposal.id))
    return [p for p in rows if p.id != except_proposal_id and p.citizen_id not in placed
            and not proposals.company_declined(p)]


def start_refusal(proposal: Proposal, today: date | None = None) -> str | None:
    """Why no placement may start from ``proposal`` now, in Danish with what to do, or None.

    The one rule of a start: :func:`check_startable` (the start form and :func:`start_placement`)
    refuses with this message, and the proposal page offers »Start forløb« and words its next
    step by it, so the page never offers a start the form would refuse. Refused, in this order:

    - the proposal has ended (:data:`portal.proposals.ENDED`: the case closed, the opening was
      filled or closed, or its requirements changed), said as the proposal page says it;
    - nothing may be shared with the company now (:func:`portal.proposals.sharing_refusal`):
      the citizen's processing is restricted, a change of the opening's requirements put the
      candidate on hold (the company no longer sees the name), or the opening is filled or
      closed and the pair is no hire (the company has not answered "hired", no placement);
    - the name is not released (:func:`portal.proposals.identity_released`: disclosed under a
      live consent).

    Before all of these: the pair already has an active placement on the opening
    (:func:`pair_placement`), said with its number whatever else is true (an old »start
    forløbet« notice opened after the start and a withdrawn consent must lead to the placement,
    not to a refusal about the name; the start form goes there).
    """
    today = today or clock.today()
    if (placed := pair_placement(proposal, today)) is not None:
        return (f"Borgeren har allerede et forløb på dette opslag: forløb nr. {placed.id} fra "
                f"{format_date(placed.start_date)}.")
    if proposal.status in proposals.ENDED:
        return _ended(proposal)
    if proposals.sharing_refusal(proposal) is not None:
        return _sharing_refused(proposal)
    if not proposals.identity_released(proposal, today):
        return ("Et forløb kan kun startes, når borgerens identitet er delt med virksomheden (med et "
                "gyldigt samtykke).")
    return None


def pair_placement(proposal: Proposal, today: date | None = None) -> Placement | None:
    """The active placement (running or planned, :func:`active_on_opening`) of the proposal's
    citizen on its opening, if any: where a start from the proposal leads instead."""
    today = today or clock.today()
    return next((p for p in active_on_opening(proposal.opening_id, today) if p.citizen_id == proposal.citizen_id),
                None)


def _ended(proposal: Proposal) -> str:
    """:func:`start_refusal`'s words for an ended proposal: why it ended, as its page says, and
    whether the pair may be decided anew (:func:`portal.proposals.renewable`)."""
    if proposal.status == "ended":
        why, then = "borgerens sag blev lukket", "Sagen er genåbnet"
    elif proposals.ended_on_hold(proposal):
        why, then = "opslagets krav blev ændret", "Passer opslaget borgeren igen"
    else:
        why, then = "opslaget var besat eller lukket", "Opslaget er åbent igen"
    again = f" {then}, så borgeren kan foreslås på ny fra kandidatlisten." if proposals.renewable(proposal) else ""
    return f"Forslaget er afsluttet, fordi {why}, så der startes ikke forløb fra det.{again}"


def _sharing_refused(proposal: Proposal) -> str:
    """:func:`start_refusal`'s words when :func:`portal.proposals.sharing_refusal` is set: the
    state of the name as the company sees it now, and the consultant's next step.

    On a filled or closed opening the company is asked to answer »Ansat / startet« only while
    it sees the name (:func:`portal.proposals.identity_released`): before that it may not
    answer so, and the name is no longer shared there, so nothing more can be done on it."""
    if proposal.citizen.restricted:
        return f"Der startes ikke forløb. {proposals.RESTRICTED_MESSAGE}"
    state = "besat" if proposal.opening.status == "filled" else "lukket"
    if proposals_hold.is_held(proposal):
        name = ("Navnet var delt, men virksomheden ser det ikke, mens kandidaten er i bero"
                if proposal.status == "disclosed" else "Kandidaten er i bero, og navnet deles ikke")
        then = (f"Opslaget er også {state}: fortæl borgeren det, og afslut forslaget."
                if proposal.opening.status in proposals.OPENING_DONE
                else "Tal med virksomheden om kravene, eller afslut forslaget og fortæl borgeren det.")
        return (f"Opslagets krav er ændret, og borgeren opfylder dem ikke længere. {name}, og der startes "
                f"ikke forløb. {then}")
    if proposals.identity_released(proposal):  # the company sees the name: it may still answer "hired"
        return (f"Opslaget er {state}, og virksomheden har ikke svaret »{COMPANY_RESPONSES['hired']}« på "
                "kandidaten, så der startes ikke forløb, og der deles ikke mere med virksomheden. Har "
                f"virksomheden ansat borgeren, så bed den svare »{COMPANY_RESPONSES['hired']}« på kandidaten; "
                "ellers fortæl borgeren det, og afslut forslaget.")
    # The company may not answer "hired" before it sees the name, and on a done opening no name
    # is shared nor consent recorded: neither side can do anything more here.
    if proposal.status == "disclosed":
        name = "Samtykket gælder ikke længere, så virksomheden ser ikke navnet, og et nyt samtykke indhentes ikke"
    elif proposal.status == "withdrawn":
        name = "Borgeren har trukket samtykket tilbage, og et nyt samtykke indhentes ikke"
    else:
        name = "Navnet er ikke delt med virksomheden, og det deles ikke"
    return (f"Opslaget er {state}. {name} på et {state} opslag, så virksomheden kan ikke melde kandidaten "
            "ansat, og der startes ikke forløb. Der er ikke mere at gøre på dette opslag: fortæl borgeren "
            "det, og afslut forslaget. Er borgeren stadig aktuel for virksomheden, så foreslå borgeren til "
            "et andet af dens opslag.")


def check_startable(proposal: Proposal, today: date) -> None:
    """The proposal allows a start (:func:`start_refusal` is None).

    Raises:
        LifecycleError: if not, with :func:`start_refusal`'s message.
    """
    if (refused := start_refusal(proposal, today)) is not None:
        raise LifecycleError(refused)


def hours_warning(opening: Opening, weekly_hours: float) -> str | None:
    """A Danish warning when the hours lie outside the opening's min..max (not an error)."""
    if opening.hours_min <= weekly_hours <= opening.hours_max:
        return None
    return (f"Bemærk: {format_hours_count(weekly_hours)} om ugen ligger uden for opslagets "
            f"{_num(opening.hours_min)}–{_num(opening.hours_max)} timer.")


def start_placement(proposal: Proposal, data: StartData, user: User, today: date) -> StartResult:
    """Create the placement for a disclosed proposal (citizen, opening, company of the opening).

    Also records the "started" event, audits, bumps the citizen's version with an outbox
    row, and, when asked and the capacity is reached, marks the opening "filled" (outbox
    row for the opening too). Commits.

    Raises:
        LifecycleError: no start allowed for the proposal now (:func:`start_refusal`: nothing
            may be shared, identity not released, an active placement for the pair already), a kind the citizen's benefit group may not take, a kind other than the
            opening's without ``other_kind_confirmed``, more hours than the citizen has, or
            dates out of range.
    """
    _lock_opening(proposal.opening_id)  # two starts at once: the second waits, then sees the first
    check_startable(proposal, today)
    citizen, opening = proposal.citizen, proposal.opening
    _check_start(citizen, opening, data, today)
    offer_filled = fills_opening(opening, today)
    placement = Placement(citizen_id=citizen.id, opening_id=opening.id, company_id=opening.company_id,
                          kind=data.kind, start_date=data.start_date, end_date=data.planned_end,
                          weekly_hours=data.weekly_hours)
    db.session.add(placement)
    db.session.flush()
    db.session.add(PlacementEvent(placement_id=placement.id, kind="started", user_id=user.id))
    webhook_events.placement_started(db.session, placement)
    placement_news.announce_started(placement)
    audit.record("placement_started", citizen_id=citizen.id, opening_id=opening.id, user=user,
                 purpose=f"forloeb:{placement.id} {data.kind} {data.start_date:%Y-%m-%d}")
    _matching_changed(citizen)
    filled = bool(data.mark_filled and offer_filled)
    if filled:
        opening.status = "filled"
        audit.record("opening_filled", opening_id=opening.id, user=user, purpose=f"forloeb:{placement.id}")
        record_change(db.session, "opening", opening.id)
    db.session.commit()
    warning = hours_warning(opening, data.weekly_hours)
    return StartResult(placement, filled, [warning] if warning else [])


def _lock_opening(opening_id: int) -> None:
    """Take the opening's row lock (PostgreSQL) or the write lock (SQLite) until the commit.

    A no-op write rather than SELECT ... FOR UPDATE, which SQLite ignores: both databases
    then serialise concurrent starts on the same opening, so the duplicate and capacity
    checks that follow see every committed start.
    """
    table = Opening.__table__
    db.session.execute(sa.update(table).where(table.c.id == opening_id).values(status=table.c.status))


def kind_error(opening: Opening, kind: str | None, confirmed: bool) -> LifecycleError | None:
    """A kind other than the opening's, not confirmed: refused until the consultant confirms it.

    The opening's kind is what the company offered (a fleksjob's terms are not a småjob's), so
    the placement follows it unless the consultant chooses otherwise on purpose. The domain
    allows another kind (the eligibility table decides who may take it), so it is a
    confirmation, not a ban.
    """
    if kind not in OPENING_KINDS or kind == opening.kind or confirmed:
        return None
    return LifecycleError(
        f"Opslaget gælder {OPENING_KINDS.get(opening.kind, opening.kind).lower()}, men du har valgt "
        f"{OPENING_KINDS[kind].lower()}. Vælg opslagets type, eller bekræft nedenfor, at forløbet skal "
        "være en anden type end opslaget.", "kind")


def start_rule_errors(citizen: Citizen, kind: str | None, weekly_hours: float | None,
                      opening: Opening | None = None, other_kind_confirmed: bool = False) -> list[RuleError]:
    """The start rules that need the database (the eligibility table, the citizen's hours, the
    opening's kind when ``opening`` is given) for the values given; None skips a check. The
    start form runs them even when it has errors of its own, so the consultant sees every
    problem in one round. A kind the citizen may not take is not also asked to be confirmed."""
    errors: list[RuleError] = []
    if kind in OPENING_KINDS and not current_table(db.session).get((citizen.benefit_group, kind), False):
        group = BENEFIT_GROUPS.get(citizen.benefit_group, citizen.benefit_group)
        errors.append(LifecycleError(f"Borgere på {group.lower()} kan ikke tage {OPENING_KINDS[kind].lower()} "
                                     "efter reglerne for ydelsesgrupper. Vælg en anden type.", "kind"))
    elif opening is not None and (mismatch := kind_error(opening, kind, other_kind_confirmed)):
        errors.append(mismatch)
    if weekly_hours is not None and 0 <= weekly_hours <= MAX_WEEKLY_HOURS and weekly_hours > citizen.hours_available:
        errors.append(LifecycleError(f"Borgeren har kun {format_hours_count(citizen.hours_available)} om ugen til "
                                     "rådighed. Sæt timetallet ned, eller ret borgerens profil først.",
                                     "weekly_hours"))
    return errors


def _check_start(citizen: Citizen, opening: Opening, data: StartData, today: date) -> None:
    """Every broken rule of the start at once (:func:`~portal.rules.raise_all`)."""
    errors: list[RuleError] = []
    if data.kind not in OPENING_KINDS:
        errors.append(LifecycleError("Vælg en type forløb fra listen.", "kind"))
    if abs(data.start_date - today) > MAX_START_OFFSET:
        errors.append(LifecycleError("Startdatoen skal ligge højst ét år før eller efter i dag.", "start_date"))
    if not 0 <= data.weekly_hours <= MAX_WEEKLY_HOURS:
        errors.append(LifecycleError("Timer pr. uge skal være mellem 0 og 80.", "weekly_hours"))
    if data.planned_end is not None and data.planned_end < data.start_date:
        errors.append(LifecycleError("Den planlagte slutdato kan ikke ligge før startdatoen.", "planned_end"))
    errors += start_rule_errors(citizen, data.kind, data.weekly_hours, opening, data.other_kind_confirmed)
    raise_all(errors)


def end_placement(placement: Placement, end_date: date, reason: str, note: str, user: User,
                  today: date) -> bool:
    """End a placement, or correct the end of an ended one (never a delete). Commits.

    "aflyst" is not an end: a placement that never started is cancelled with
    :func:`cancel_placement`, and a cancelled one is not ended or corrected afterwards.

    Returns:
        True if this was a correction of an earlier end.

    Raises:
        LifecycleError: a cancelled placement, end before the start, more than 31 days ahead,
            or an unknown reason ("aflyst" included).
    """
    if is_cancelled(placement):
        raise LifecycleError("Forløbet er aflyst før start og kan ikke afsluttes eller rettes. Skal borgeren "
                             "alligevel i forløb, så start et nyt fra forslaget.", None)
    errors: list[RuleError] = []
    if reason not in ENDING_REASONS:
        errors.append(LifecycleError("Vælg en årsag til afslutningen fra listen.", "end_reason"))
    if end_date < placement.start_date:
        errors.append(LifecycleError("Slutdatoen kan ikke ligge før forløbets start "
                                     f"({format_date(placement.start_date)}).", "end_date"))
    elif end_date > today + MAX_END_AHEAD:
        errors.append(LifecycleError("Slutdatoen kan højst ligge 31 dage frem.", "end_date"))
    raise_all(errors)
    corrected = placement.end_reason is not None
    before = f"{placement.end_date:%Y-%m-%d}/{placement.end_reason}" if corrected else "aktiv"
    placement.end_date, placement.end_reason = end_date, reason
    db.session.add(PlacementEvent(placement_id=placement.id, kind="corrected" if corrected else "ended",
                                  note=note, user_id=user.id))
    webhook_events.placement_ended(db.session, placement, corrected=corrected)
    placement_news.announce_ended(placement, corrected=corrected, today=today)
    audit.record("placement_end_corrected" if corrected else "placement_ended", user=user,
                 citizen_id=placement.citizen_id, opening_id=placement.opening_id,
                 purpose=f"forloeb:{placement.id} {before}->{end_date:%Y-%m-%d}/{reason}")
    _matching_changed(placement.citizen)
    db.session.commit()
    return corrected


def cancel_refusal(placement: Placement, today: date) -> str | None:
    """Why the placement cannot be cancelled (Danish), or None when it can.

    The rule: a placement can be cancelled only while nothing of it has happened, that is
    its start date lies after ``today`` (today in Copenhagen: a placement starting today
    has started) and no follow-up is registered (one needs the start: :func:`check_followup`).
    An end registered ahead for a placement that then never started may be cancelled too. A
    cancelled one stays cancelled.

    Hours do not block it (review AR 1): since no month is offered before the start day
    (:func:`.service.allowed_months`) none can be logged on a placement that has not started,
    so any found were typed before the start for days no one could have worked (data from
    before that rule). They are named on the confirmation and removed with the cancellation
    (:func:`pre_start_hours`, :func:`cancel_placement`).
    """
    if is_cancelled(placement):
        return "Forløbet er allerede aflyst."
    if placement.start_date <= today:
        return (f"Forløbet startede {format_date(placement.start_date)} og kan ikke aflyses. Afslut det i stedet "
                "under »Afslut forløb« med den rigtige slutdato og årsag (fx »Afbrudt«).")
    if any(event.kind == "followup" for event in placement.events):
        return "Der er registreret opfølgning på forløbet, så det kan ikke aflyses. Afslut det i stedet."
    return None


def pre_start_hours(placement: Placement) -> list[HoursLog]:
    """The hours logged on the placement, oldest month first, read from the database. On a
    placement that has not started these were typed before its start day (:func:`cancel_refusal`)."""
    return list(db.session.scalars(sa.select(HoursLog).where(HoursLog.placement_id == placement.id)
                                   .order_by(HoursLog.month).execution_options(populate_existing=True)))


def hours_text(rows: list[HoursLog]) -> str:
    """"december 2026: 6 timer, januar 2027: 1 time" for a confirmation."""
    return ", ".join(f"{format_month(row.month)}: {format_hours_count(row.hours)}" for row in rows)


def hours_token(rows: list[HoursLog]) -> str:
    """What the cancel confirmation carries for the hours it named ("2026-12=6.00"; "" for none):
    other hours than those confirmed are not removed."""
    return ";".join(f"{row.month:%Y-%m}={row.hours:.2f}" for row in rows)


def cancel_placement(placement: Placement, reason: str, user: User, today: date,
                     hours_confirmed: str | None = None) -> None:
    """Cancel a placement that never started (:func:`cancel_refusal`). Commits.

    Hours logged before the start (:func:`pre_start_hours`) are removed with it, once the
    consultant has confirmed exactly them (``hours_confirmed``, :func:`hours_token` of the
    rows the confirmation named); each removed month is audited (``hours_removed``, the
    figure removed) in the same transaction. A cancelled placement has no hours: no one
    worked a day of it.

    Never a delete: the row stays with end reason "aflyst" and its end date set to the
    planned start (the database requires an end on or after the start), and a "cancelled"
    event keeps the consultant's reason. It is audited as an end ("placement_ended", purpose
    ``…->start/aflyst``), and integrators are told as of an end (``placement.ended`` with
    ``end_reason`` "aflyst"). A cancelled placement is in no goal, figure, outcome, hours
    page or payroll file, and is not active: a new placement on the pair may be started.

    Raises:
        LifecycleError: the placement may not be cancelled, the reason is empty or too long, or
            hours are logged on it that the consultant did not confirm.
    """
    if refusal := cancel_refusal(placement, today):
        raise LifecycleError(refusal, None)
    if not reason:
        raise LifecycleError("Skriv kort, hvorfor forløbet aflyses, fx »Borgeren mødte ikke op«.", "reason")
    if len(reason) > CANCEL_REASON_LENGTH:
        raise LifecycleError(f"Begrundelsen må højst være {CANCEL_REASON_LENGTH} tegn.", "reason")
    hours = pre_start_hours(placement)
    if hours and hours_confirmed != hours_token(hours):
        raise LifecycleError(f"Virksomheden har registreret timer på forløbet før startdagen ({hours_text(hours)}), "
                             "og de er ikke dem, du bekræftede. Se dem, og bekræft aflysningen igen.", None)
    for row in hours:
        audit.record("hours_removed", citizen_id=placement.citizen_id, opening_id=placement.opening_id,
                     purpose=f"forloeb:{placement.id} {row.month:%Y-%m} {row.hours:.2f}->removed")
        db.session.delete(row)
    if hours:
        db.session.flush()
        db.session.expire(placement, ["hours"])
    before = (f"{placement.end_date:%Y-%m-%d}/{placement.end_reason}" if placement.end_reason is not None
              else "aktiv")
    placement.end_date, placement.end_reason = placement.start_date, CANCELLED
    db.session.add(PlacementEvent(placement_id=placement.id, kind="cancelled", note=reason, user_id=user.id))
    webhook_events.placement_ended(db.session, placement)
    placement_news.announce_ended(placement)
    audit.record("placement_ended", user=user, citizen_id=placement.citizen_id, opening_id=placement.opening_id,
                 purpose=f"forloeb:{placement.id} {before}->{placement.start_date:%Y-%m-%d}/{CANCELLED}")
    _matching_changed(placement.citizen)
    db.session.commit()


def followup_refusal(placement: Placement, today: date) -> str | None:
    """Why no follow-up is taken on the placement any more (Danish), or None while it is
    followed up as running (:func:`.service.followed_up`, the rule of the form and the list's
    flags): an end registered ahead takes follow-ups until that day."""
    if followed_up(placement, today):
        return None
    if is_cancelled(placement):
        return "Forløbet er aflyst før start, så der registreres ikke opfølgning."
    return (f"Forløbet sluttede {format_date(placement.end_date)}, så der registreres ikke opfølgning. "
            "Ret afslutningen, hvis den er forkert.")


def check_followup(placement: Placement, note: str, today: date) -> None:
    """A follow-up may be registered: the placement is followed up as running
    (:func:`followup_refusal`), has started, and the note says what happened.

    Before the start there is no placement to follow up (a follow-up then would also hide the
    first month's "Ingen opfølgning" flag). An empty follow-up records nothing anyone can use.

    Raises:
        LifecycleError: every broken rule at once (an ended placement alone).
    """
    if refusal := followup_refusal(placement, today):
        raise LifecycleError(refusal, None)
    errors: list[RuleError] = []
    if placement.start_date > today:
        errors.append(LifecycleError(
            f"Forløbet starter først {format_date(placement.start_date)}. Opfølgning kan registreres fra "
            "startdatoen; skriv en aftale før start i borgerens sag.", None))
    if not note:
        errors.append(LifecycleError("Skriv kort, hvad opfølgningen handlede om, fx »Talt med lederen, "
                                     "det går godt«.", "followup_note"))
    raise_all(errors)


def record_followup(placement: Placement, note: str, user: User, today: date) -> PlacementEvent:
    """Register a follow-up with the citizen or the company (monthly is the policy goal). Commits.

    Raises:
        LifecycleError: the placement has ended, has not started, or the note is empty (:func:`check_followup`).
    """
    check_followup(placement, note, today)
    event = PlacementEvent(placement_id=placement.id, kind="followup", note=note, user_id=user.id)
    db.session.add(event)
    audit.record("placement_followup", citizen_id=placement.citizen_id, opening_id=placement.opening_id,
                 purpose=f"forloeb:{placement.id}", user=user)
    db.session.commit()
    return event


def events_of(placement_id: int) -> list[PlacementEvent]:
    """The placement's trail, newest first."""
    return list(db.session.scalars(sa.select(PlacementEvent).where(PlacementEvent.placement_id == placement_id)
                                   .order_by(PlacementEvent.at.desc(), PlacementEvent.id.desc())))


def _matching_changed(citizen: Citizen) -> None:
    # Time since the last company-based placement is a ranking factor.
    citizen_changed(db.session, citizen)


def _num(value: float) -> str:
    return format_number(value, 2, trim=True)
