"""The identity-release state machine per (citizen, opening) (SECURITY.md "Access control").

proposed → approved (consultant) → consented (citizen, recorded by the consultant) →
disclosed. No step can be skipped; withdrawing consent hides the identity again, and a
new consent may follow a withdrawal. A consent may also be renewed while consented or
disclosed (:func:`renews_consent`): the new one replaces it, and the status stays. ``rejected`` ends a proposal. Once the company has
answered no, nothing moves towards sharing the name (:func:`allowed_next`).

``ended`` ends a live proposal (:data:`ENDABLE`, not hired) when the citizen's case is closed
(:func:`end`, called by :func:`portal.citizens.case.close_case`): any consent is withdrawn as
by :func:`withdraw`, and nothing leads out of it, not even reopening the case. It is no
judgement of the match, and the company is told only that the candidate is no longer relevant.
``opening_done`` is the same end for another reason: the opening was filled or closed, or a
change of its requirements left the candidate on hold, and the consultant ended the candidates
still waiting on it (:func:`end_with_opening`, called by :mod:`portal.candidates.opening_done`). Both are :data:`ENDED`; a new decision on the pair
(:func:`renew`) is possible once the case and the opening are open again (:func:`renewable`).

The steps :func:`approve`, :func:`reject`, :func:`record_consent`, :func:`disclose` and
:func:`withdraw` validate the transition against :data:`TRANSITIONS`, change the proposal, add an
audit event and commit, all in one transaction; :func:`respond` and
:func:`portal.shared_goal.set_shared_goal` change the proposal without moving its status, and commit
the same way (:func:`commit_step`). :func:`end`,
:func:`end_with_opening` and :func:`renew` check their own rule (:func:`is_endable`,
:func:`renewable`), change the proposal and add an audit event but do **not** commit: each is one
part of a larger change (closing the case, ending an opening's candidates, a new decision on the
pair) that its caller commits as one transaction. Illegal moves raise :class:`TransitionError` (a
Danish message the page can show) and write nothing.

What the company reads as the candidate's jobmål before consent (``Proposal.shared_goal``,
chosen by the consultant from the citizen's own jobmål) is :mod:`portal.shared_goal`.

What a consent is, what it lets the company have and which contact details the company was
given is :mod:`portal.consents`; recording one (:func:`record_consent`, a renewal included) and
clearing the citizen's choices when it is withdrawn or ends are steps here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

import sqlalchemy as sa

from . import audit
from .extensions import db
from .rules import RuleError, raise_all
from .text import HIDDEN_MESSAGE, clean_text, hidden_characters_in
from . import proposals_hold
from .webhooks import events as webhook_events
from store.models import Citizen, Consent, Placement, Proposal, User
from store.models.base import utcnow
from store.models.vocab import COMPANY_RESPONSES, CONSENT_CHANNELS, PROPOSAL_STATUSES
from store import clock
from .consents import (CONSENT_TEXT_VERSION, CONTACT_KEYS, MAX_CONSENT_DAYS, SCOPE_WORDS, active_consent,
                       has_cv_text, keep_contacts_given, scope_of)

MAX_NOTE_LENGTH = 500

# Allowed moves, by current status. Anything missing is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"approved", "rejected"}),
    "approved": frozenset({"consented"}),
    "consented": frozenset({"disclosed", "withdrawn"}),
    "disclosed": frozenset({"withdrawn"}),
    "withdrawn": frozenset({"consented"}),
    "rejected": frozenset(),
    "ended": frozenset(),
    "opening_done": frozenset(),
}
# The ends of a live proposal that are no judgement of the match: the case closed (``ended``),
# the opening was filled or closed (``opening_done``).
ENDED = frozenset({"ended", "opening_done"})
# The opening statuses that leave nothing to propose for.
OPENING_DONE = frozenset({"filled", "closed"})
# The statuses a closed case ends (:func:`end`): every one still open to a next step.
ENDABLE = frozenset(status for status, moves in TRANSITIONS.items() if moves)
# The company sees a proposal (by pseudonym) and may answer it only in these states.
VISIBLE_TO_COMPANY = frozenset({"approved", "consented", "disclosed"})


class TransitionError(RuleError):
    """The requested step is not allowed from the proposal's current state (nothing written).

    ``field`` names the form field to blame when the refusal is about one input (the
    consent's deadline, a contact detail the citizen lacks), else None.
    """


# A new consent may be recorded in these states too: it renews the one given before (a later
# deadline, other choices) and keeps the status, so a lapsed consent is renewed in one step.
RENEWABLE = frozenset({"consented", "disclosed"})
# Steps that lead to sharing the name: pointless, and unwanted, once the company said no.
_TOWARDS_DISCLOSURE = frozenset({"consented", "disclosed"})
DECLINED_MESSAGE = ("Virksomheden har sagt nej til kandidaten, så der indhentes ikke samtykke, og navnet "
                    "deles ikke. Find en anden kandidat til opslaget.")


def allowed_next(proposal: Proposal) -> frozenset[str]:
    """The statuses the proposal may move to from its current status.

    After the company declined (``company_response == "declined"``) no step leads towards
    sharing the name (no consent, no disclosure); withdrawing a consent is still allowed. A
    company that changes its answer opens them again. Nor while :func:`sharing_refusal` says
    why nothing may be shared now.
    """
    allowed = TRANSITIONS.get(proposal.status, frozenset())
    return allowed - _TOWARDS_DISCLOSURE if company_declined(proposal) or sharing_refusal(proposal) else allowed


# What a company is told of a candidate whose citizen's processing is restricted (art. 18):
# the page, the list, the API (status ``on_hold``) and a refused answer say the same, never why.
ON_HOLD_TEXT = "Kandidaten er ikke aktuel lige nu – jobcentret kontakter jer"
RESTRICTED_MESSAGE = ("Behandlingen af borgerens oplysninger er begrænset (art. 18), så der deles intet med "
                      "virksomheden, og forslaget står stille, til begrænsningen er ophævet på borgerens side.")


# Why nothing is shared for a candidate on hold (sharing_refusal): the consultant's words, never the company's.
HELD_MESSAGE = ("Opslagets krav er ændret, og borgeren opfylder dem ikke længere, så der indhentes ikke "
                "samtykke, og navnet deles ikke. Tal med virksomheden, eller afslut forslaget og fortæl borgeren det.")


def sharing_refusal(proposal: Proposal) -> str | None:
    """Why nothing may be shared with the company now (no consent recorded or renewed, no
    profile approved, no name shared), or None:

    - the citizen's processing is restricted (art. 18): the data is stored, not used;
    - the opening is filled or closed and the pair is no hire (the company has not answered
      "hired", no placement): there is nothing left to share for (:data:`OPENING_DONE`);
    - a change of the opening's requirements put the candidate on hold
      (:func:`portal.proposals_hold.is_held`): the company cannot take it as things stand.

    A hire on a filled opening keeps its consent renewable: its placement needs the name.
    """
    if proposal.citizen.restricted:
        return RESTRICTED_MESSAGE
    if proposal.opening.status in OPENING_DONE and proposal.company_response != "hired" \
            and not placement_started(proposal):
        state = "besat" if proposal.opening.status == "filled" else "lukket"
        return (f"Opslaget er {state}, så der indhentes ikke samtykke, og navnet deles ikke. "
                "Fortæl borgeren det, og afslut forslaget.")
    if proposals_hold.is_held(proposal):
        return HELD_MESSAGE
    return None


# A proposal's state in words where a change of its opening's requirements concerns it (status_labels).
ON_HOLD_LABEL = "I bero – opslagets krav er ændret"
ENDED_ON_HOLD_LABEL = "Afsluttet – opslagets krav er ændret"


def ended_on_hold(proposal: Proposal) -> bool:
    """Whether ``proposal`` was ended (``opening_done``) because a change of its opening's
    requirements had put it on hold (:data:`portal.proposals_hold.ENDED_ON_HOLD`), not because
    the opening was filled or closed."""
    return proposal.status == "opening_done" and proposals_hold.ENDED_ON_HOLD in (proposal.explanation or {})


def status_labels(items: Iterable[Proposal]) -> dict[int, str]:
    """The state in words of each of ``items``, by id: its status label, or, where a change
    of the opening's requirements concerns it, :data:`ON_HOLD_LABEL` (live and on hold:
    :func:`portal.proposals_hold.held`) or :data:`ENDED_ON_HOLD_LABEL` (:func:`ended_on_hold`).
    Only the marked ones are checked against their opening."""
    rows = list(items)
    on_hold = proposals_hold.held(p for p in rows if p.status in ENDABLE)
    return {p.id: ON_HOLD_LABEL if p.id in on_hold else ENDED_ON_HOLD_LABEL if ended_on_hold(p)
            else PROPOSAL_STATUSES.get(p.status, p.status) for p in rows}


def placement_started(proposal: Proposal) -> bool:
    """Whether the job centre has registered a placement for the proposal's citizen on its opening.

    A placement cancelled before its start (end reason "aflyst") never ran and is none: the pair
    stands as before it was registered (a new one may be started, a hire answer changed).
    """
    return db.session.scalar(sa.select(sa.exists().where(
        Placement.citizen_id == proposal.citizen_id, Placement.opening_id == proposal.opening_id,
        Placement.not_cancelled()))) is True


def company_declined(proposal: Proposal) -> bool:
    """The company answered no to the candidate (and has not changed its answer)."""
    return proposal.company_response == "declined"


def renews_consent(proposal: Proposal) -> bool:
    """Whether a consent recorded now would renew one (:func:`record_consent`): the name is on
    its way or shared (consented, disclosed), the company has not said no, and nothing stops
    sharing (:func:`sharing_refusal`)."""
    return proposal.status in RENEWABLE and not company_declined(proposal) and not sharing_refusal(proposal)


def identity_released(proposal: Proposal, today: date | None = None) -> bool:
    """True only when the proposal is disclosed *and* backed by a live consent, and the
    citizen's processing is not restricted.

    The second check is defence in depth: an expired consent hides the name even if
    nobody has withdrawn the proposal yet. A restriction (art. 18) hides it from the company
    at once, for as long as it lasts, without touching the consent.
    """
    return (proposal.status == "disclosed" and not proposal.citizen.restricted
            and active_consent(proposal, today) is not None)


def identity_released_clause(today: date) -> sa.ColumnElement[bool]:
    """:func:`identity_released` as SQL, for counts that must agree with the pages (a
    correlated test on ``Proposal``)."""
    restricted = sa.select(Citizen.restricted).where(Citizen.id == Proposal.citizen_id).scalar_subquery()
    live = sa.exists().where(Consent.proposal_id == Proposal.id, Consent.in_force_clause(today))
    return sa.and_(Proposal.status == "disclosed", restricted.is_not(True), live)


def approve(proposal: Proposal, user: User, reason: str = "") -> None:
    """proposed → approved: the consultant's logged decision.

    Raises:
        TransitionError: if the proposal is not ``proposed``.
    """
    _decide(proposal, user, "approved", reason, "approve")


def reject(proposal: Proposal, user: User, reason: str = "") -> None:
    """proposed → rejected: the consultant's logged decision not to propose the citizen.

    Raises:
        TransitionError: if the proposal is not ``proposed``.
    """
    _decide(proposal, user, "rejected", reason, "reject")


def _decide(proposal: Proposal, user: User, status: str, reason: str, verb: str) -> None:
    """The consultant's logged decision on a proposed candidate (approve or reject)."""
    _check(proposal, status)
    proposal.status = status
    proposal.decided_by_id, proposal.decided_at = user.id, utcnow()
    proposal.decision_reason = reason[:500]
    if status == "approved":  # the company sees the candidate from now on
        webhook_events.proposal_approved(db.session, proposal)
    commit_step(proposal, f"proposal_{status}", f"identity release: {verb}", user)


def record_consent(proposal: Proposal, user: User, *, channel: str, deadline: date,
                   text_version: str = CONSENT_TEXT_VERSION, today: date | None = None,
                   share_phone: bool = False, share_email: bool = False,
                   share_cv: bool = False,
                   before_commit: Callable[[Proposal], None] | None = None) -> Consent:
    """approved/withdrawn → consented: record the citizen's consent as told to the consultant.

    In a :data:`RENEWABLE` state the consent renews the one before it (:func:`renews_consent`):
    the earlier consents still open are marked replaced, the status stays (a disclosed name
    is shown again under the new consent), and the new choices replace the old ones.

    Args:
        proposal: The proposal the consent is for.
        user: The consultant recording it.
        channel, deadline, text_version, today, share_phone, share_email, share_cv: As
            :func:`check_consent`.
        before_commit: Called with the proposal once the consent is in force, in the same
            transaction (the company's notice when a renewal shows a shared name again).

    Returns:
        The new consent row.

    Raises:
        TransitionError: as :func:`check_consent`.
    """
    contacts = check_consent(proposal, channel=channel, deadline=deadline, text_version=text_version,
                             today=today, share_phone=share_phone, share_email=share_email,
                             share_cv=share_cv)
    renewal = renews_consent(proposal)
    _lock_consents(proposal, share_phone=share_phone, share_email=share_email, share_cv=share_cv)
    now = utcnow()
    if renewal:
        for earlier in proposal.consents:
            if earlier.withdrawn_at is None and earlier.replaced_at is None:
                earlier.replaced_at = now
    consent = Consent(proposal=proposal, text_version=text_version, channel=channel,
                      deadline=deadline, recorded_by_id=user.id, given_at=now)
    db.session.add(consent)
    if not renewal:
        proposal.status = "consented"
    _set_contacts(proposal, contacts, share_cv)
    if proposal.status == "disclosed":
        keep_contacts_given(proposal)  # a renewal shows its choices to the company at once
    if before_commit is not None:
        db.session.flush()  # the new consent has its id (the notices' dedupe key)
        before_commit(proposal)
    shared = ",".join(key for key, value in contacts.items() if value) + (",cv" if share_cv else "")
    commit_step(proposal, "consent_renewed" if renewal else "consent_recorded",
            f"channel:{channel};text:{text_version};share:{shared.strip(',') or 'name'}", user)
    return consent


def _lock_consents(proposal: Proposal, *, share_phone: bool, share_email: bool, share_cv: bool) -> None:
    """Hold the proposal's row until the commit, and refuse if its status or its consents moved
    since they were read (review BH 5): two consultants recording a consent at once each saw the
    same consents, so both stayed in force and the first one's choices were dropped while they
    were told it was registered. As :func:`lock`, a no-op write conditioned on what was read
    (the status and the newest consent's id); the one committing second matches nothing.

    Raises:
        TransitionError: the proposal moved meanwhile (rolled back, nothing written): naming the
            consent just recorded and by whom, and what this one would have shared, to be
            recorded again if it is to replace it.
    """
    table, consent = Proposal.__table__, Consent.__table__
    newest_read = max((c.id for c in proposal.consents if c.id is not None), default=0)
    newest = sa.select(sa.func.coalesce(sa.func.max(consent.c.id), 0)).where(
        consent.c.proposal_id == table.c.id).scalar_subquery()
    status_read = proposal.status
    condition = sa.and_(table.c.id == proposal.id, table.c.status == status_read, newest == newest_read)
    if db.session.execute(sa.update(table).where(condition).values(status=table.c.status)).rowcount == 1:
        return
    db.session.rollback()  # nothing of this consent stays
    chosen = [SCOPE_WORDS[key] for key, on in (("phone", share_phone), ("email", share_email), ("cv", share_cv)) if on]
    yours = (f"Dit samtykke (navn og {', '.join(chosen)}) er ikke registreret." if chosen
             else "Dit samtykke (navn) er ikke registreret.")
    status = db.session.scalar(sa.select(table.c.status).where(table.c.id == proposal.id))
    latest = db.session.scalar(sa.select(Consent).where(Consent.proposal_id == proposal.id)
                               .order_by(Consent.id.desc()).limit(1))
    # a consent recorded meanwhile: one newer than read, or the status moved into a consent's
    if latest is not None and (latest.id != newest_read or (status_read not in RENEWABLE and status in RENEWABLE)):
        who = db.session.get(User, latest.recorded_by_id)
        by = f" af {who.name}" if who is not None else ""
        raise TransitionError(f"Et samtykke er netop registreret{by}, mens du registrerede dit. {yours} Se det "
                              "registrerede samtykke, og registrér igen, hvis det skal erstattes.")
    now = PROPOSAL_STATUSES.get(status, "slettet") if status else "slettet"
    raise TransitionError(f"En anden har netop ændret forslaget, så det nu står som »{now}«. {yours}")


def check_consent(proposal: Proposal, *, channel: str, deadline: date,
                  text_version: str = CONSENT_TEXT_VERSION, today: date | None = None,
                  share_phone: bool = False, share_email: bool = False,
                  share_cv: bool = False) -> dict[str, str]:
    """Check a consent before it is recorded (writes nothing); the page checks it before it
    asks for a password, so a refusal is shown at its field with what was typed.

    Args:
        proposal: The proposal the consent is for.
        channel: A key of ``CONSENT_CHANNELS``.
        deadline: Last day the consent holds; after today and at most a year ahead.
        text_version: The consent text the citizen heard; must be the current one.
        today: Injected for tests; defaults to the real date.
        share_phone, share_email: The citizen agreed that the company may have this contact
            detail (copied from the citizen into the shared profile; refused when missing).
        share_cv: The citizen agreed that the company may have the CV, as checked text (never the
            file: :mod:`portal.citizens.cv_sharing`); a typed CV as well as an uploaded one.

    Returns:
        The contact details to share, by key of :data:`portal.consents.CONTACT_KEYS` ("" for one not shared).

    Raises:
        TransitionError: illegal from the current state (no field), or a bad channel
            (``channel``), text version (no field), deadline (``deadline``) or a contact
            detail or a CV the citizen lacks (``share_phone``, ``share_email``, ``share_cv``).
    """
    today = today or clock.today()
    if proposal.status in RENEWABLE:
        if company_declined(proposal):
            raise TransitionError(DECLINED_MESSAGE)
        if refused := sharing_refusal(proposal):
            raise TransitionError(refused)
    else:
        _check(proposal, "consented")
    errors: list[RuleError] = []  # every answer's problem at once (portal.rules.raise_all)
    if channel not in CONSENT_CHANNELS:
        errors.append(TransitionError("Vælg hvordan borgeren gav samtykke (telefon, møde, brev eller "
                                      "Digital Post).", "channel"))
    if text_version != CONSENT_TEXT_VERSION:
        errors.append(TransitionError(f"Samtykketeksten skal være den gældende version ({CONSENT_TEXT_VERSION})."))
    if not isinstance(deadline, date) or deadline <= today:
        errors.append(TransitionError("Samtykkets udløbsdato skal ligge efter i dag.", "deadline"))
    elif deadline > today + timedelta(days=MAX_CONSENT_DAYS):
        errors.append(TransitionError("Et samtykke kan højst gælde ét år frem.", "deadline"))
    citizen = proposal.citizen
    contacts = {"phone": (citizen.phone or "").strip() if share_phone else "",
                "email": (citizen.email or "").strip() if share_email else ""}
    if share_phone and not contacts["phone"]:
        errors.append(TransitionError("Borgeren har intet telefonnummer registreret, så det kan ikke deles.",
                                      "share_phone"))
    if share_email and not contacts["email"]:
        errors.append(TransitionError("Borgeren har ingen e-mail registreret, så den kan ikke deles.",
                                      "share_email"))
    if share_cv and not has_cv_text(citizen):
        errors.append(TransitionError("Borgeren har intet CV, så der er intet CV at dele.", "share_cv"))
    scope = scope_of(text_version)
    for name, part, chosen in (("share_phone", "contacts", share_phone), ("share_email", "contacts", share_email),
                               ("share_cv", "cv", share_cv)):
        if chosen and part not in scope:
            errors.append(TransitionError("Samtykketeksten dækker ikke det, så det kan ikke deles.", name))
    raise_all(errors)
    return contacts


def _set_contacts(proposal: Proposal, contacts: dict[str, str], share_cv: bool) -> None:
    """Keep exactly the contact details the citizen agreed to in the shared profile."""
    profile = {k: v for k, v in (proposal.shared_profile or {}).items() if k not in CONTACT_KEYS}
    profile.update({k: v for k, v in contacts.items() if v})
    proposal.shared_profile = profile  # a new dict, so the JSON column is marked changed
    proposal.share_cv = share_cv


# What a step refused by :func:`lock` did not do, after "the proposal changed meanwhile".
DISCLOSE_NOT_DONE = "Navnet er ikke delt, og virksomheden har ikke fået besked."
WITHDRAW_NOT_DONE = ("Samtykket er ikke trukket tilbage endnu: se forslaget igen, og træk det tilbage herfra, "
                     "hvis borgeren stadig ønsker det; så får virksomheden besked.")
# ... and what to say instead when the other step already did what this one was for (the
# same step twice, by two consultants or a double click; a consent stopped as the proposal ended).
_ALREADY = {"disclosed": (frozenset({"disclosed"}), "Navnet er allerede delt, og virksomheden har fået besked."),
            "withdrawn": (frozenset({"withdrawn", *ENDED}),
                          "Samtykket gælder ikke længere, så der er intet at trække tilbage.")}
_NOT_DONE = {"disclosed": DISCLOSE_NOT_DONE, "withdrawn": WITHDRAW_NOT_DONE}
_CONSENT_GONE = "Samtykket er udløbet eller trukket tilbage; identiteten kan ikke deles."


def lock(proposal: Proposal, target: str, *, consent_in_force: date | None = None) -> None:
    """Hold the proposal's row until the commit, and refuse if its status moved since it was read.

    Disclosing and withdrawing check the status as read, then write: two consultants doing
    both at once would each pass the check, and the name would be shared (and the company
    told) after the citizen withdrew. So each takes this lock first, as a no-op write
    conditioned on the status read (``UPDATE proposal SET status = status WHERE id = … AND
    status = …``), not SELECT ... FOR UPDATE, which SQLite ignores: PostgreSQL takes the row
    lock (a concurrent step waits, then re-reads the row and matches nothing), SQLite the
    database's write lock. The step that commits second finds nothing to update and is refused.
    Taking it again in the same transaction is a no-op.

    Args:
        proposal: The proposal, as the step read it.
        target: The step's status, ``"disclosed"`` or ``"withdrawn"``: what the refusal says.
        consent_in_force: Also refuse unless a consent is in force on this day (disclosure).

    Raises:
        TransitionError: the status changed meanwhile (or no consent is in force): the session
            is rolled back, so nothing of the step is written and no notice is queued. The
            message says what the proposal is now, and what this step did not do, or that the
            other step already did what it was for.
    """
    table = Proposal.__table__
    condition = sa.and_(table.c.id == proposal.id, table.c.status == proposal.status)
    if consent_in_force is not None:
        condition = sa.and_(condition, sa.exists().where(Consent.proposal_id == table.c.id,
                                                         Consent.in_force_clause(consent_in_force)))
    status_read = proposal.status
    if db.session.execute(sa.update(table).where(condition).values(status=table.c.status)).rowcount == 1:
        return
    db.session.rollback()  # nothing of the step stays; the proposal is read again as it is now
    status = db.session.scalar(sa.select(table.c.status).where(table.c.id == proposal.id))
    if status == status_read:
        raise TransitionError(_CONSENT_GONE)
    now = PROPOSAL_STATUSES.get(status, "slettet") if status else "slettet"
    served, already = _ALREADY[target]
    raise TransitionError(f"En anden har netop ændret forslaget, så det nu står som »{now}«. "
                          f"{already if status in served else _NOT_DONE[target]}")


def disclose(proposal: Proposal, user: User, today: date | None = None, *,
             before_change: Callable[[Proposal], None] | None = None) -> None:
    """consented → disclosed: share the citizen's name with the company.

    Args:
        before_change: Called with the proposal once its row is held (:func:`lock`) and before
            the step changes it, in the same transaction: what must see the proposal as it is
            and go with the step or not at all (the company's notices). The one lock of the
            step: a caller takes none of its own (review BN 9).

    Raises:
        TransitionError: if the proposal is not ``consented`` or its consent expired, or
            either changed since the proposal was read (:func:`lock`).
    """
    _check(proposal, "disclosed")
    today = today or clock.today()
    if active_consent(proposal, today) is None:
        raise TransitionError(_CONSENT_GONE)
    lock(proposal, "disclosed", consent_in_force=today)
    if before_change is not None:
        before_change(proposal)
    proposal.status = "disclosed"
    proposal.disclosed_at = clock.utcnow()  # the company's contact with the citizen (the active share)
    keep_contacts_given(proposal)  # the contact details the consent shares go to the company now
    commit_step(proposal, "identity_disclosed", "identity release: disclose", user)


def withdraw(proposal: Proposal, user: User, *,
             before_change: Callable[[Proposal], None] | None = None) -> None:
    """consented/disclosed → withdrawn: the citizen took back consent; hide the identity.

    Args:
        before_change: As for :func:`disclose`: called once the row is held, before the step
            changes the proposal (who has the name is read then, and told).

    Raises:
        TransitionError: if there is no consent to withdraw, or the status changed since the
            proposal was read (:func:`lock`).
    """
    _check(proposal, "withdrawn")
    lock(proposal, "withdrawn")
    if before_change is not None:
        before_change(proposal)
    now = utcnow()
    for consent in proposal.consents:
        if consent.withdrawn_at is None and consent.replaced_at is None:
            consent.withdrawn_at = now
    keep_contacts_given(proposal)  # the company keeps what it got; the choices go with the consent
    proposal.status = "withdrawn"
    _set_contacts(proposal, {}, False)
    commit_step(proposal, "consent_withdrawn", "identity release: withdraw", user)


def is_endable(proposal: Proposal) -> bool:
    """Whether closing the citizen's case ends the proposal: live, and not a hire."""
    return proposal.status in ENDABLE and proposal.company_response != "hired"


def end(proposal: Proposal, user: User, ended_on: date) -> None:
    """live → ended, because the citizen's case closed on ``ended_on``; the caller commits.

    Unlike the other steps this one does not commit: it is part of closing the case, which
    writes everything (the case, the proposals, the cancelled interviews, the notices) in one
    transaction. Any consent is withdrawn and the shared contact details and CV go with it,
    as in :func:`withdraw` (which details the company got stays in ``shared_contacts``); the
    consultant's decision and the company's answer are kept.

    Raises:
        TransitionError: the proposal is not live, or the company hired the citizen.
    """
    _end(proposal, user, "ended", ended_on, f"case closed {ended_on.isoformat()}")


def end_with_opening(proposal: Proposal, user: User, ended_on: date, *, held: bool = False) -> None:
    """live → opening_done: the opening was filled or closed, or (``held``) a change of its
    requirements left the candidate on hold (:func:`portal.openings.requirements.is_held`, which
    the caller checked), and the consultant ends the proposal on ``ended_on``; the caller
    commits. Consents and shared details go as in :func:`end`.

    Raises:
        TransitionError: the opening is still open (or a draft) and the candidate not held, the
            proposal is not live, or the company hired the citizen.
    """
    if proposal.opening.status in OPENING_DONE:
        purpose = f"opening {proposal.opening.status} {ended_on.isoformat()}"
    elif held:
        purpose = f"opening requirements changed {ended_on.isoformat()}"
    else:
        raise TransitionError("Opslaget er stadig åbent, så forslaget afsluttes ikke af den grund.")
    _end(proposal, user, "opening_done", ended_on, purpose)


def _end(proposal: Proposal, user: User, status: str, ended_on: date, purpose: str) -> None:
    if not is_endable(proposal):
        current = PROPOSAL_STATUSES.get(proposal.status, proposal.status)
        raise TransitionError(f"Forslaget kan ikke afsluttes fra »{current}«.")
    now = utcnow()
    for consent in proposal.consents:
        if consent.withdrawn_at is None and consent.replaced_at is None:
            consent.withdrawn_at, consent.ended_with_proposal = now, True
    keep_contacts_given(proposal)  # kept: the company still has what it got
    _set_contacts(proposal, {}, False)
    proposal.status, proposal.ended_on = status, ended_on
    audit.record("proposal_ended", citizen_id=proposal.citizen_id, opening_id=proposal.opening_id,
                 purpose=purpose, user=user)


def ended_now(count: int) -> str:
    """What ending ``count`` (>= 1) proposals did, for a flash: "Et forslag er afsluttet" /
    "3 forslag er afsluttet"."""
    return "Et forslag er afsluttet" if count == 1 else f"{count} forslag er afsluttet"


def renewable(proposal: Proposal) -> bool:
    """Whether a new decision may be made on the pair: the proposal ended (:data:`ENDED`), the
    citizen's case is open (reopened, so the citizen is in matching again) and so is the opening
    (an opening reopened after it was filled or closed)."""
    return (proposal.status in ENDED and proposal.citizen.case_closed is None
            and proposal.opening.status == "open")


def renew(proposal: Proposal, user: User, *, approve: bool, reason: str, score: float | None,
          explanation: dict, shared_goal: str) -> None:
    """ended or opening_done → approved or rejected: the consultant's new decision on the pair
    after the case (or the opening) was reopened. The caller commits.

    The row is reused (one proposal per citizen and opening): what belonged to the ended
    proposal (the old decision, the company's answer, the profile approved for it) is
    cleared, so the company meets the candidate afresh and nothing of the old round is shown
    as if it were about this one; the audit log keeps the history, and the old consents and
    cancelled interviews stay on the row as records.

    Raises:
        TransitionError: the proposal did not end, or the case or the opening is still closed.
    """
    if not renewable(proposal):
        raise TransitionError("Der er allerede truffet en beslutning for denne borger og dette opslag.")
    proposal.status = "approved" if approve else "rejected"
    proposal.score, proposal.explanation = score, explanation
    proposal.decided_by_id, proposal.decided_at, proposal.decision_reason = user.id, utcnow(), reason
    proposal.shared_goal = shared_goal
    proposal.company_response, proposal.company_response_note, proposal.company_responded_at = None, "", None
    # ``shared_contacts`` stays: the company still has the contact details the old round gave it.
    proposal.shared_profile, proposal.share_cv = {}, False
    proposal.profile_approved_by_id = proposal.profile_approved_at = None
    proposal.ended_on = None
    audit.record("proposal_renewed", citizen_id=proposal.citizen_id, opening_id=proposal.opening_id,
                 purpose=f"new decision after the case was reopened: {proposal.status}", user=user)
    # the caller tells the company of an approval, notice and ``proposal.approved`` at once
    # (portal.candidates.service.record_decision, review AX 1)


def shown_to_company(proposal: Proposal) -> bool:
    """Whether the company sees the proposal: live in :data:`VISIBLE_TO_COMPANY`, or ended
    (:data:`ENDED`) after the consultant had approved it (the company is shown that it is no
    longer relevant).

    An ended proposal with no consultant decision was never shown to the company.
    """
    return proposal.status in VISIBLE_TO_COMPANY or (
        proposal.status in ENDED and proposal.decided_at is not None)


def no_longer_current(proposal: Proposal) -> bool:
    """The company was shown the candidate, and it is no longer current (the company is told it
    is no longer relevant, never why): its consent withdrawn (given after the approval), or the
    proposal ended after the consultant approved it (:func:`shown_to_company`). The one rule of
    the opening's page (:func:`portal.openings.service.ended_candidates`) and of a company's
    answer or interview step sent for such a candidate (review BN 5)."""
    return proposal.status == "withdrawn" or (proposal.status in ENDED and shown_to_company(proposal))


def respond(proposal: Proposal, user: User, response: str, note: str = "") -> None:
    """Store the company's answer to a proposal it can see (status unchanged).

    The note is cleaned as a form field is (:func:`portal.text.clean_text`) and refused
    when it holds control, zero-width or bidi characters (the rule of every free-text field,
    :func:`portal.text.hidden_characters_in`): the web form and the API both end here, and
    the note is shown to the job centre and written to the company's XLSX (review AO 1).

    Raises:
        TransitionError: if the company cannot see the proposal in its state, or the
            response or note is invalid (``field`` "note" for the note).
    """
    if proposal.status not in VISIBLE_TO_COMPANY:
        raise TransitionError("Kandidaten er ikke længere foreslået til jer og kan ikke besvares.")
    if proposal.citizen.restricted:  # no reason given: the citizen's private matter
        raise TransitionError(f"{ON_HOLD_TEXT}. Svaret er ikke gemt.")
    if response not in COMPANY_RESPONSES:
        raise TransitionError("Vælg et svar: interesseret, ikke interesseret eller ansat.")
    note = clean_text(note)
    if len(note) > MAX_NOTE_LENGTH:
        raise TransitionError(f"Noten må højst være {MAX_NOTE_LENGTH} tegn.", "note")
    if hidden_characters_in(note):
        raise TransitionError(HIDDEN_MESSAGE, "note")
    proposal.company_response, proposal.company_response_note = response, note
    proposal.company_responded_at = utcnow()
    commit_step(proposal, "company_response", f"response:{response}", user)


def _check(proposal: Proposal, target: str) -> None:
    if target in _TOWARDS_DISCLOSURE and company_declined(proposal):
        raise TransitionError(DECLINED_MESSAGE)
    if target in _TOWARDS_DISCLOSURE and (refused := sharing_refusal(proposal)):
        raise TransitionError(refused)
    if target in _ALREADY and proposal.status in _ALREADY[target][0]:
        # the same step again after the first committed (a double click, a page opened before
        # a colleague's step): say it is done, not that the state machine refuses (review AH 6)
        raise TransitionError(_ALREADY[target][1])
    if target not in allowed_next(proposal):
        current = PROPOSAL_STATUSES.get(proposal.status, proposal.status)
        wanted = PROPOSAL_STATUSES[target]
        raise TransitionError(f"Forslaget kan ikke gå fra »{current}« til »{wanted}«.")


def commit_step(proposal: Proposal, action: str, purpose: str, user: User) -> None:
    """The end of a step that commits: its audit event (``action``, ``purpose``), then the commit."""
    audit.record(action, citizen_id=proposal.citizen_id, opening_id=proposal.opening_id,
                 purpose=purpose, user=user)
    db.session.commit()
