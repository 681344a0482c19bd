"""The citizen's case: close and reopen it, restrict processing (GDPR art. 18), erase it.

Closing a case also ends the citizen's live proposals, in the same transaction
(:mod:`.case_endings`: consent withdrawn, future interviews cancelled, the company told the
candidate is no longer relevant). Reopening does not bring them back.

Each function changes the citizen in the caller's session and adds, in that same
transaction, an outbox row (the indexer reads the new state and removes closed and
restricted citizens from the matching index) and an audit event. The caller commits; on
a :class:`~portal.citizens.service.CitizenChangeError` it rolls back and nothing is written.

The closing reason is kept on the citizen (``case_close_reason``) and in the audit event's
purpose (``reason:<key>``, append-only). Reopening keeps the closing as a
:class:`~store.models.CaseClosure` row (closed on, reopened on, why), so the policy goals read the
case as closed in its gap and do not rewrite the months it was closed (review T 2).

Free text in the audit log. The log is append-only and outlives the citizen's erasure, and it
never holds CPR numbers or health details (SECURITY.md), nor names (the privacy page). The
closing reason is a key; a restriction's note, a reopening's reason and an erasure's purpose
are typed, so each goes into the log only when it passes
:func:`~portal.citizens.forms.audit_text_problem` (no CPR-like number, health word, e-mail
address, or the citizen's own name or phone); else the change is refused
(:class:`AuditTextError`, shown at the field) and nothing is written. Checking was chosen over
logging the ground code only and keeping the note in a table erased with the citizen: the
note is what the log keeps of why, and under which journal number, the citizen's rights were
handled (it must outlive an erasure as the log does), and a second store would be a schema
change for a text of a hundred characters. A word list cannot catch every health detail,
so the forms say the text is kept in the log, and the log's viewer redacts CPR-like numbers
and withholds such texts that hold a health word (:mod:`portal.admin.audit_view`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from .. import audit
from ..extensions import db
from ..i18n import format_date
from store.clock import today as local_today
from store.models import AuditEvent, CaseClosure, Citizen, Placement, User
from store.models.vocab import CASE_CLOSE_REASONS
from store.outbox import citizen_changed
from ..placements.service import active_clause
from ..privacy.erasure import erase_citizen
from . import case_endings, recipients
from ..text import clean_line
from .forms import audit_text_problem
from .service import CitizenChangeError, ensure_editable

# Why a case ends (store.models.vocab, where the columns' constraint reads it).
CLOSE_REASONS = CASE_CLOSE_REASONS

# The grounds for restriction in GDPR art. 18(1), as the consultant picks them.
RESTRICTION_GROUNDS = {
    "rigtighed": "Borgeren bestrider oplysningernes rigtighed (art. 18, stk. 1, litra a)",
    "ulovlig": "Behandlingen er ulovlig, men borgeren ønsker begrænsning frem for sletning (litra b)",
    "retskrav": "Borgeren skal bruge oplysningerne til et retskrav (litra c)",
    "indsigelse": "Borgeren har gjort indsigelse, og sagen afgøres (litra d)",
}


class ActivePlacementError(CitizenChangeError):
    """The case cannot close while a placement runs; ``placement_ids`` are the ones to end."""

    def __init__(self, placement_ids: list[int]) -> None:
        super().__init__("Sagen kan ikke afsluttes, mens borgeren har et aktivt forløb i en virksomhed. "
                         "Afslut forløbet først.")
        self.placement_ids = placement_ids


def active_placement_ids(citizen_id: int, on: date) -> list[int]:
    """Ids of the citizen's placements still running (or planned) on ``on``, by the portal's one
    rule (:func:`portal.placements.service.active_clause`, review BN 2): no end date, or a later
    one, or ``on`` is its last day with no end registered (»Slutter i dag«); a placement cancelled
    before its start never runs."""
    return list(db.session.scalars(
        sa.select(Placement.id).where(Placement.citizen_id == citizen_id, active_clause(on))
        .order_by(Placement.id)))


def running_placements(citizen_id: int, on: date) -> list[Placement]:
    """The citizen's placements still running on ``on`` (:func:`active_placement_ids`), as rows
    for the close form: the case cannot close until each one has ended."""
    ids = active_placement_ids(citizen_id, on)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Placement).where(Placement.id.in_(ids)).order_by(Placement.id)))


class AuditTextError(CitizenChangeError):
    """A typed text that may not go into the audit log; ``field`` is the form field it came from."""

    def __init__(self, message_da: str, field: str) -> None:
        super().__init__(message_da)
        self.field = field


def checked_for_audit(citizen: Citizen, text: str, field: str) -> str:
    """``text`` on one line, fit to be kept in the audit log about ``citizen`` ("" stays "").

    Raises:
        AuditTextError: it holds a CPR-like number, a health word, an e-mail address, or the
            citizen's name or phone (:func:`~portal.citizens.forms.audit_text_problem`).
    """
    text = clean_line(text)
    if text and (problem := audit_text_problem(text, name=citizen.name, phone=citizen.phone or "")):
        raise AuditTextError(problem, field)
    return text


def _case_changed(citizen: Citizen, action: str, purpose: str = "") -> None:
    citizen_changed(db.session, citizen)  # bumped, as every matching change (review BN 13)
    audit.record(action, citizen_id=citizen.id, purpose=purpose)


def close_case(citizen: Citizen, closed_on: date, reason: str, *, today: date, user: User) -> case_endings.EndingPreview:
    """Close the case on ``closed_on`` for ``reason`` (a key of :data:`CLOSE_REASONS`), and end
    the citizen's live proposals (:func:`.case_endings.end_live_proposals`, as ``user``).

    Returns:
        What was ended and which companies were told.

    Raises:
        CitizenChangeError: read-only citizen, already closed, unknown reason, or a date
            in the future or before the case started.
        ActivePlacementError: a placement is still running on ``closed_on``.
    """
    ensure_editable(citizen)
    if citizen.case_closed is not None:
        raise CitizenChangeError("Sagen er allerede afsluttet.")
    if reason not in CLOSE_REASONS:
        raise CitizenChangeError("Vælg en årsag fra listen.")
    if closed_on > today:
        raise CitizenChangeError("Afslutningsdatoen kan ikke ligge i fremtiden.")
    if closed_on < citizen.case_start:
        raise CitizenChangeError("Afslutningsdatoen kan ikke ligge før sagsstart.")
    reopened = max((c.reopened_on for c in citizen.case_closures), default=None)
    if reopened is not None and closed_on < reopened:
        raise CitizenChangeError(f"Afslutningsdatoen kan ikke ligge før {format_date(reopened)}, hvor sagen blev genåbnet.")
    running = active_placement_ids(citizen.id, closed_on)
    if running:
        raise ActivePlacementError(running)
    citizen.case_closed, citizen.case_close_reason = closed_on, reason
    ended = case_endings.end_live_proposals(citizen, user, closed_on)  # each one audited itself
    _case_changed(citizen, "case_closed", f"reason:{reason}")
    return ended


@dataclass(frozen=True)
class Closing:
    """Why and when a closed case was closed, as the citizen page shows it."""

    closed_on: date
    reason: str | None  # the Danish label; None when no reason was recorded (older closings)


def closing_of(citizen: Citizen) -> Closing | None:
    """The closing of ``citizen``'s case (date and reason from the citizen; for a case closed
    before 0024 without a stored reason, the newest "case_closed" audit event); None while the
    case is open."""
    if citizen.case_closed is None:
        return None
    if citizen.case_close_reason is not None:
        return Closing(citizen.case_closed, CLOSE_REASONS.get(citizen.case_close_reason))
    purpose = db.session.scalar(
        sa.select(AuditEvent.purpose).where(AuditEvent.citizen_id == citizen.id, AuditEvent.action == "case_closed")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1))
    key = (purpose or "").removeprefix("reason:")
    return Closing(citizen.case_closed, CLOSE_REASONS.get(key))


def reopen_case(citizen: Citizen, reason: str) -> int:
    """Reopen a closed case for ``reason`` (short free text, kept in the audit event once it
    passes :func:`checked_for_audit`):
    the citizen is back in the caseload list and in matching. Proposals that ended with the
    case stay ended; the consultant proposes the citizen again from the ranking.

    Returns:
        How many of the citizen's proposals ended with a closed case (they stay ended).

    Raises:
        CitizenChangeError: read-only citizen, the case is not closed, or no reason.
        AuditTextError: the reason may not go into the audit log.
    """
    ensure_editable(citizen)
    if citizen.case_closed is None:
        raise CitizenChangeError("Sagen er ikke afsluttet.")
    reason = checked_for_audit(citizen, reason, "reason")  # kept in the audit log
    if not reason:
        raise CitizenChangeError("Skriv kort, hvorfor sagen genåbnes.")
    # The closing is kept: the months the case was closed stay closed in the policy goals.
    citizen.case_closures.append(CaseClosure(closed_on=citizen.case_closed,
                                             reopened_on=max(local_today(), citizen.case_closed),
                                             reason=citizen.case_close_reason))
    citizen.case_closed, citizen.case_close_reason = None, None
    _case_changed(citizen, "case_reopened", f"reason: {reason}"[:200])
    return case_endings.ended_count(citizen.id)


def restrict(citizen: Citizen, ground: str, note: str = "") -> None:
    """Restrict processing (GDPR art. 18): read-only, out of matching, a banner on the page.

    The audit event keeps the ground's key and ``note`` (a journal number or a short remark).

    Raises:
        CitizenChangeError: anonymised, already restricted, or an unknown ground.
        AuditTextError: the note may not go into the audit log (:func:`checked_for_audit`).
    """
    if citizen.anonymised_at is not None:
        raise CitizenChangeError("Borgeren er anonymiseret og kan ikke ændres.")
    if citizen.restricted:
        raise CitizenChangeError("Behandlingen er allerede begrænset.")
    if ground not in RESTRICTION_GROUNDS:
        raise CitizenChangeError("Vælg en begrundelse fra listen.")
    note = checked_for_audit(citizen, note, "note")
    recipients.tell(citizen, "restricted")  # those who hold the name until now (art. 19)
    citizen.restricted = True
    _case_changed(citizen, "processing_restricted", f"{ground}: {note}" if note else ground)


def lift_restriction(citizen: Citizen, note: str = "") -> None:
    """Lift the restriction (the citizen must have been told first, art. 18(3)); the audit
    event keeps ``note``.

    Raises:
        CitizenChangeError: the processing is not restricted.
        AuditTextError: the note may not go into the audit log (:func:`checked_for_audit`).
    """
    if not citizen.restricted:
        raise CitizenChangeError("Behandlingen er ikke begrænset.")
    note = checked_for_audit(citizen, note, "note")
    citizen.restricted = False
    _case_changed(citizen, "restriction_lifted", note)
    recipients.tell(citizen, "lifted")  # those who see the name again


def names_match(typed: str, name: str) -> bool:
    """Whether the typed confirmation is the citizen's name (whitespace and case aside)."""
    return clean_line(typed).casefold() == clean_line(name).casefold()


def erase(citizen: Citizen, typed_name: str, purpose: str, user: User) -> None:
    """Erase the citizen everywhere (``portal.privacy.erasure.erase_citizen``, which also audits
    ``purpose``: the one text about the citizen that outlives the erasure).

    Raises:
        CitizenChangeError: the typed name is not the citizen's (nothing is deleted).
        AuditTextError: the purpose may not go into the audit log (nothing is deleted).
    """
    if not names_match(typed_name, citizen.name):
        raise CitizenChangeError("Navnet svarer ikke til borgerens navn. Intet er slettet.")
    purpose = checked_for_audit(citizen, purpose, "purpose")
    recipients.tell(citizen, "erased")  # art. 19, while the proposals still exist
    erase_citizen(db.session, citizen.id, purpose=purpose, user=user)  # the CV files go after the commit
