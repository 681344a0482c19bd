"""Erasure and retention (GDPR art. 17 and 5(1)(e); SECURITY.md "Access control and privacy").

Erasure removes a citizen from the database, the search index (through the outbox: the
indexer removes the documents and sweeps their cached embeddings) and the file store.
Retention anonymises closed cases after ``RETENTION_DAYS`` (review AU 4), which is at least
:data:`portal.config.MIN_RETENTION_DAYS`: a case closed that long ago is open in no month ``/maal``
can show, so the profile anonymisation drops (CV, jobmål) is never missed there (review AW 2). What stays is what
the policy goals, the savings and the Code of Care report count, and nothing else (:data:`KEPT`):
the benefit group, the case's month of start and of closing and the closing reason, the team, each
placement's company, kind, month of start and of end, end reason and the answers at 3 and 6
months, the hours per month, and the hotline requests about the placements without their text.
Everything else goes: name, phone, e-mail, the case system's id (blocked like an erased one,
below, with the reason "anonymised"), skånehensyn, every CV (text and file), the jobmål, languages,
driving licences, hours available, commute, postcode and readiness group (a column that needs a
value gets the same fixed one for every anonymised case), what others wrote about the person
(below), an interview's place, and the success stories about their placements (withdrawn, as
on erasure).

The goals read the case's and the placements' days, the VKs and adviser, the proposals
(contact with a company) and the reopened closings for the months they count, which reach
:data:`FIGURES_REACH_MONTHS` back (``/maal`` shows 12 months, each with a 12-month trend, and a
goal counts 12 months back from its day). So those are kept as they were while any of the case
lies inside that reach, and the figures of every month ``/maal`` can show stay the same; once
the whole case (its closing and every placement's end) lies before it, a later run (the same run
with the default five years) coarsens the days to the first of their month, drops the VK and
adviser, the proposals with their consents, answers, disclosures and interviews, the follow-up
notes' rows, the VK history and the reopened closings (:func:`coarsen_out_of_reach`). The
access log keeps its rows with the citizen's number (it is append-only). What remains is counted
in statistics only: no page shows an anonymised citizen, and the staff's lists behind the figures
(``/maal/grundlag``) name the case »Anonymiseret borger«.

A case is not anonymised while the job centre still follows one of its placements: one that runs
within its end day (planned or registered), or one without an end day whose company still reports
its hours (for this month or the two before), unless it is an ordinary job or a fleksjob, which
is employment once the case is closed (:func:`_running_placement`, review Extra B).
:func:`running_kept` counts them, held back until that is over.
A citizen whose processing is restricted (GDPR art. 18) is kept by retention
until the restriction is lifted: the restriction is how the portal keeps data that must outlive
the retention period (a legal claim, for one). Both take the clock as an argument.

Free text written *about* the person elsewhere goes too: the subject and messages of hotline
requests about their placements and of those without a placement, from a company that had the
person, that name them (:func:`naming_requests`, review AU 5), consultants' decision reasons, companies' response notes and
the match explanations (matched words from the CV) and consultants' placement notes.
Anonymisation also ends what was shared with companies: every consent still in force is
withdrawn and the profile shared on a proposal (contact details, the CV's experience text) and
its CV go, so no company page shows them beside »Anonymiseret borger«.
Erasure also withdraws success stories about the citizen's placements (their consent ends). Stored files are deleted only after the
caller's commit succeeds, so a failed erasure never leaves rows that point at lost files.

What the portal said about the person goes as well: the notifications (and their mails still
queued) that link to the person's proposals or placements, since a company's answer names the
citizen to the consultants; a sent mail keeps its subject for the audit trail, with the name
replaced. The job centre's closing note on a hotline request about the person's placement is
taken out of the company's notices and queued mails of the closing. Webhook deliveries not yet
sent (or given up, which could be sent again) that concern the person, their proposals,
placements or hotline requests are deleted, or for a hotline event scrubbed (the request stays),
whichever endpoint they are for, so the worker never sends them; how many is audited
(``erasure_queues_cleared``), in the same transaction. The
API's stored idempotent answers about the person's proposals, placements and hotline requests
are deleted, so a repeated request can no longer replay text written before the erasure.

Before the erasure the companies that hold the name are told
(:func:`portal.citizens.recipients.tell`, GDPR art. 19), and which companies were told is kept
in the audit log (``erasure_recipients_told``: company ids beside the citizen's id), since the
proposals that recorded it go with the citizen. Retention tells them the same way before it
deletes an anonymised case's proposals (reason ``anonymised``, ``anonymisation_recipients_told``).

The retention run also deletes what only serves the days after it was made (review AU 8,
:func:`prune_operational`): notifications older than ``NOTIFICATION_RETENTION_DAYS`` and mails sent
longer ago than ``MAIL_RETENTION_DAYS``. The access log's rows go after ``AUDIT_RETENTION_DAYS``
(:mod:`portal.audit_retention`; migration 0034 lets only that step delete them).

An erased citizen's case-system id is remembered as a keyed hash only
(:class:`store.models.citizens.ErasedExternalId`), so the next sync or import sending the same
id is refused (:func:`was_erased`) instead of bringing the person back; the same id by the one
rule (case, spaces and Unicode form aside: »av-9« after »AV-9«) too, as the block is the hash of
the folded id (:func:`block_hashes`). When the erasure was a
mistake, or the person later gets a new case, an administrator lifts the block
(:func:`forget_erasure`, ``DELETE /api/v1/citizens/{external_id}/erasure``); the data erased
stays gone. The hash key is derived from ``PSEUDONYM_KEY``: a new key forgets the blocks.
Ids themselves are never reused (AUTOINCREMENT on SQLite, migration 0015).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date, datetime, time, timedelta, timezone
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import audit
from . import files as file_store
from .auth import held
from .formutil import clean_line
from .dates import add_months
from store.models import (AuditEvent, CaseClosure, Citizen, Consent, HotlineMessage, HotlineRequest, HoursLog,
                          Interview, JobGoal, MailMessage, Notification, Opening, Placement, PlacementEvent, Proposal,
                          ProposalAnswer, ProposalDisclosure, SuccessStory, VkChange, WebhookDelivery)
from store.models.api import IdempotencyRecord
from store.models.citizens import ErasedExternalId, external_id_key
from store.models.base import utcnow
from store.models.vocab import EMPLOYMENT_KINDS
from store.outbox import record_change

ANONYMOUS_NAME = "Anonymiseret borger"
# The readiness group needs a value (a NOT NULL column): every anonymised case gets this one, so
# it tells nothing about the person.
ANONYMOUS_READINESS = "i_gang"
# How far back (whole months before the first of today's month) any figure reads a case's days:
# /maal offers this month and the 11 before it (dashboard.forms.MONTHS_BACK), each with a trend of
# 12 months, and a goal counts the 12 months before its day, so the oldest day read lies 34 months
# back; one month more for the margin, and one for a day in the oldest month (tested).
FIGURES_REACH_MONTHS = 36
# What an anonymised case keeps (the privacy notice and the README say the same).
KEPT = ("benefit_group", "case_start (month)", "case_closed (month)", "case_close_reason", "team_id",
        "placement: company, kind, start and end (month), end reason, weekly hours, employed_3m/6m",
        "hours per month", "hotline requests about the placements (text blanked)")
ERASED_TEXT = "[slettet af hensyn til borgerens data]"
# The notification kinds whose text (and so the mail subject) names the citizen.
NAMING_KINDS = ("company_answered",)
# API paths of the objects about a citizen that a POST can be sent to.
_API_OBJECT = re.compile(r"^/api/v1/(proposals|placements|hotline)/(\d+)(?:/|$)")
# The closing note quoted at the end of a ``hotline_closed`` notice (``portal.hotline.notify``).
_QUOTED_NOTE = re.compile(r": ».*«\Z", re.S)


def erase_citizen(session: Session, citizen_id: int, *, purpose: str, user=None) -> bool:
    """Delete the citizen and everything hanging off it; False if there was no such citizen.

    The caller commits. Stored CV files are deleted by the app's file store once that commit
    succeeds (:meth:`portal.files.FileStore.delete_after_commit`); a rollback keeps them (no data
    is lost on a failed erasure).
    """
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        return False
    files = [cv.stored_name for cv in citizen.cv_documents if cv.stored_name]
    named = [r.id for r in naming_requests(session, citizen)]  # while the name is there to find
    _block_external_id(session, citizen, "erased")
    _clear_queues(session, citizen_id, citizen.name, user=user)  # before the closing notes are blanked
    _drop_idempotent_answers(session, citizen_id)
    _blank_free_text(session, citizen_id, named)  # the hotline rows outlive the placement link
    if named:
        audit.record("erasure_hotline_blanked", citizen_id=citizen_id,
                     purpose="henvendelser " + ", ".join(map(str, named)), user=user)
    _withdraw_stories(session, citizen_id)
    held.drop_all(session)  # a form held across a log-in may be about them (portal.auth.held)
    _drop_first_cv_marker(citizen)
    session.delete(citizen)
    record_change(session, "citizen", citizen_id, op="delete")
    audit.record("citizen_erased", citizen_id=citizen_id, purpose=purpose, user=user)
    session.flush()
    file_store.current().delete_after_commit(session, files)
    return True


def external_id_hash(external_id: str, key: str | None = None) -> str:
    """HMAC-SHA256 (hex) of a case-system id under a key of its own derived from ``PSEUDONYM_KEY``.

    Of the string exactly as given: a block is written as the hash of the folded id
    (:func:`block_hashes`); blocks written before that hold the hash of the id as stored."""
    secret = hmac.new((key or current_app.config["PSEUDONYM_KEY"]).encode(), b"jobbro erased external id",
                      hashlib.sha256).digest()
    return hmac.new(secret, external_id.encode(), hashlib.sha256).hexdigest()


def block_hashes(external_id: str) -> list[str]:
    """The hashes a block on this case-system id may be kept under, the one written today first.

    A block is written as the hash of the id folded by the one rule for the same id
    (:func:`store.models.citizens.external_id_key` after :func:`~portal.formutil.clean_line`), so
    after »AV-9« is erased, »av-9« and » AV-9 « are refused too. Blocks written before that
    (before migration 0035) hold the hash of the id exactly as it was stored, which cannot be
    folded afterwards: they are found by the id as sent, trimmed, and in upper and in lower
    case, so an old block on »AV-9« still refuses »AV-9«, »av-9« and » AV-9 «. Only a spelling
    of an old block in mixed case other than the stored one (»Av-9« after »AV-9«) is not found:
    the old hash cannot tell it.
    """
    line = clean_line(external_id)
    candidates = (external_id_key(line), external_id, line, line.upper(), line.lower())
    return list(dict.fromkeys(external_id_hash(c) for c in candidates if c))


def _block_rows(session: Session, external_id: str) -> list[ErasedExternalId]:
    hashes = block_hashes(external_id)
    rows = session.scalars(sa.select(ErasedExternalId).where(ErasedExternalId.key_hash.in_(hashes))).all()
    return sorted(rows, key=lambda row: hashes.index(row.key_hash))


def was_erased(session: Session, external_id: str) -> bool:
    """True when a citizen with this case-system id (by the one rule: case, spaces and Unicode
    form aside, :func:`block_hashes`) was erased or anonymised and no administrator lifted the
    block."""
    return bool(_block_rows(session, external_id))


def block_reason(session: Session, external_id: str) -> str | None:
    """Why this case-system id is blocked: "erased", "anonymised", or None (not blocked). Of
    several blocks (today's and an old one on the same id), today's."""
    rows = _block_rows(session, external_id)
    return rows[0].reason if rows else None


def _block_external_id(session: Session, citizen: Citizen, reason: str) -> None:
    """Keep the citizen's case-system id as a keyed hash of its folded form only
    (:func:`block_hashes`), and drop it from the row (the model hook clears its key too)."""
    if not citizen.external_id:
        return
    line = clean_line(citizen.external_id)
    folded = external_id_hash(external_id_key(line) or line)
    # A query, not session.get: it also finds a block added and not yet flushed, so two citizens
    # stored before the one rule with the id in another case (»AV-9«, »av-9«) get one block.
    if session.scalar(sa.select(ErasedExternalId.key_hash).where(ErasedExternalId.key_hash == folded)) is None:
        session.add(ErasedExternalId(key_hash=folded, reason=reason))
    citizen.external_id = None


def forget_erasure(session: Session, external_id: str, *, user=None) -> bool:
    """Lift the block on an erased case-system id, so it can be created again; False if none.

    Lifts every block the id is refused by (:func:`block_hashes`: today's and one written before
    the folding), so what was refused can be created after. For an erasure made by mistake, or
    a person who comes back with a new case. Audited ("erasure_block_lifted", without the id);
    the caller commits.
    """
    rows = _block_rows(session, external_id)
    if not rows:
        return False
    for row in rows:
        session.delete(row)
    audit.record("erasure_block_lifted", purpose="external id", user=user)
    return True


def days_text(days: int) -> str:
    """A retention period as a Dane would say it: whole years as years ("5 år"), else days.
    The privacy notice (:mod:`portal.main.about`) and the art. 15 export both state periods so."""
    if days > 0 and days % 365 == 0:
        return f"{days // 365} år"
    return "1 dag" if days == 1 else f"{days} dage"


def anonymised_on(case_closed: date, retention_days: int) -> date:
    """The day retention anonymises a case closed on ``case_closed``: the day after the
    ``retention_days`` after the closing have passed (a case is kept that many whole days).
    :func:`anonymise_expired` and the art. 15 export's »Anonymiseres« both use it (review BN 5)."""
    return case_closed + timedelta(days=retention_days + 1)


def _expired(today: date, retention_days: int) -> sa.ColumnElement[bool]:
    """Closed, due for anonymisation on ``today`` (:func:`anonymised_on` is ``today`` or before)
    and not yet anonymised."""
    last_closed = today - (anonymised_on(today, retention_days) - today)  # the latest closing day due
    return sa.and_(Citizen.case_closed.is_not(None), Citizen.case_closed <= last_closed,
                   Citizen.anonymised_at.is_(None))


# An ordinary job or a fleksjob with no end day is employment, not a measure the job centre runs:
# once the case is closed it holds nothing back (review Extra B): store.models.vocab.EMPLOYMENT_KINDS.
# An open-ended placement of another kind holds the case back while the company still reports its
# hours: hours for this month or one of the HOURS_MONTHS_BACK months before it.
HOURS_MONTHS_BACK = 2


def _running_placement(today: date) -> sa.ColumnElement[bool]:
    """The citizen (``Citizen.id``) has a placement the job centre still follows on ``today``:

    - one with an end day (planned or registered) that has not ended, :func:`portal.placements.
      service.active_clause` (the one rule of every page): it runs within its period;
    - one without an end day, not an ordinary job or fleksjob (:data:`EMPLOYMENT_KINDS`), whose
      company has reported hours for this month or the :data:`HOURS_MONTHS_BACK` months before.

    So an ordinary job or a fleksjob the citizen was hired into, or a placement left open whose
    company stopped reporting hours, no longer keeps a closed case from anonymisation (review
    Extra B: on the demo 70 of 98 expired cases were held back for good that way)."""
    from .placements.service import active_clause  # placements imports much of the portal

    recent = add_months(today.replace(day=1), -HOURS_MONTHS_BACK)
    open_ended_followed = sa.and_(
        Placement.end_date.is_(None), Placement.kind.not_in(EMPLOYMENT_KINDS),
        sa.exists().where(HoursLog.placement_id == Placement.id, HoursLog.month >= recent))
    return sa.exists().where(Placement.citizen_id == Citizen.id, sa.or_(
        sa.and_(Placement.end_date.is_not(None), active_clause(today)), open_ended_followed))


def anonymise_expired(session: Session, *, today: date, retention_days: int) -> int:
    """Anonymise every case closed more than ``retention_days`` before ``today``, except the
    ones whose processing is restricted (GDPR art. 18) and the ones with a placement still running.

    A restriction means the data must be kept (for a legal claim, while its accuracy or an
    objection is settled, or because the citizen chose it over erasure), so retention leaves
    such a citizen as it is until the restriction is lifted; :func:`restricted_kept` counts them.
    A placement the job centre still follows (within its end day, or open-ended with hours still
    reported and not an ordinary job or fleksjob: :func:`_running_placement`) holds the case back
    until that is over (:func:`running_kept` counts them).

    Returns the number of citizens anonymised. The caller commits. A citizen anonymised before
    the case-system id was dropped on anonymisation loses it here too (not counted). Then the
    anonymised cases that lie wholly before the figures' reach are coarsened
    (:func:`coarsen_out_of_reach`).
    """
    for earlier in session.scalars(sa.select(Citizen).where(Citizen.anonymised_at.is_not(None),
                                                            Citizen.external_id.is_not(None))):
        _block_external_id(session, earlier, "anonymised")
    # Citizens anonymised before their shared profiles and consents were ended there: ended here.
    _end_sharing(session, sa.select(Citizen.id).where(Citizen.anonymised_at.is_not(None)), today)
    citizens = session.scalars(sa.select(Citizen).where(_expired(today, retention_days), Citizen.restricted.is_(False),
                                                        ~_running_placement(today)))
    count = 0
    for citizen in citizens:
        files = [cv.stored_name for cv in citizen.cv_documents if cv.stored_name]
        named = [r.id for r in naming_requests(session, citizen)]
        _clear_queues(session, citizen.id, citizen.name)
        _drop_idempotent_answers(session, citizen.id)
        _drop_profile(citizen)
        _block_external_id(session, citizen, "anonymised")
        citizen.anonymised_at = utcnow()
        _blank_free_text(session, citizen.id, named)
        _blank_interview_places(session, citizen.id)
        _withdraw_stories(session, citizen.id)
        _end_sharing(session, sa.select(Citizen.id).where(Citizen.id == citizen.id), today)
        record_change(session, "citizen", citizen.id, op="delete")
        audit.record("citizen_anonymised", citizen_id=citizen.id, purpose="retention")
        session.flush()
        file_store.current().delete_after_commit(session, files)  # after the caller's commit
        count += 1
    # Anonymised before the jobmål and the rest of the profile went (review AU 4): dropped here too.
    for earlier in session.scalars(sa.select(Citizen).where(Citizen.anonymised_at.is_not(None), sa.or_(
            Citizen.languages != "", Citizen.postcode != "", Citizen.hours_available != 0,
            sa.exists().where(JobGoal.citizen_id == Citizen.id)))):
        _drop_profile(earlier)
        _blank_interview_places(session, earlier.id)
        _withdraw_stories(session, earlier.id)
    session.flush()
    coarsen_out_of_reach(session, today=today)
    return count


def _drop_profile(citizen: Citizen) -> None:
    """Everything of the citizen's own row that statistics do not count (module docstring)."""
    citizen.name, citizen.phone, citizen.email = ANONYMOUS_NAME, "", ""
    citizen.limitations_text, citizen.limitation_flags = "", []
    citizen.languages, citizen.driving_licences, citizen.postcode = "", [], ""
    citizen.hours_available, citizen.max_commute_km = 0.0, 0.0
    citizen.readiness_group = ANONYMOUS_READINESS
    citizen.cv_documents.clear()
    citizen.job_goals.clear()
    _drop_first_cv_marker(citizen)


def _drop_first_cv_marker(citizen: Citizen) -> None:
    """The first CV's marker (``CV_FIRST_SAVED``, not in ``cv_documents``: review AW 1) goes too."""
    from sqlalchemy.orm import object_session

    from store.models import CvDocument
    from store.models.citizens import CV_FIRST_SAVED

    object_session(citizen).execute(sa.delete(CvDocument).where(
        CvDocument.citizen_id == citizen.id, CvDocument.content_type == CV_FIRST_SAVED)
        .execution_options(synchronize_session=False))


def _blank_interview_places(session: Session, citizen_id: int) -> None:
    """An interview's place is free text from the company or the job centre: blanked."""
    proposals = sa.select(Proposal.id).where(Proposal.citizen_id == citizen_id)
    session.execute(sa.update(Interview).where(Interview.proposal_id.in_(proposals), Interview.location != "")
                    .values(location="").execution_options(synchronize_session="fetch"))


def reach_start(today: date) -> date:
    """The first day any figure may read (:data:`FIGURES_REACH_MONTHS` before today's month)."""
    return add_months(today.replace(day=1), -FIGURES_REACH_MONTHS)


def _first_of_month(day: date | None) -> date | None:
    return day.replace(day=1) if day is not None else None


def _not_first(column) -> sa.ColumnElement[bool]:
    return sa.and_(column.is_not(None), sa.extract("day", column) != 1)


def coarsen_out_of_reach(session: Session, *, today: date) -> int:
    """Coarsen the anonymised cases that lie wholly before the figures' reach (:func:`reach_start`):
    the case's, the placements' and the case system's last placement's days to the first of their
    month, the VK and adviser dropped,
    and the proposals (with consents, answers, disclosures and interviews), the placements'
    follow-up rows, the VK history and the reopened closings deleted. Returns how many cases.

    Before the reach no figure reads a day, a VK or a contact with a company, and a month's
    first day keeps every month count (the Code of Care report's started, running and ended per
    month), so the figures of every month stay as they were. Idempotent: a coarsened case is
    not selected again. The caller commits.

    The proposals go as on an erasure, so the companies are told first, as an erasure tells them
    (:func:`_tell_companies`, :func:`portal.citizens.recipients.tell` with ``anonymised``): the
    ones given the name a notice and ``proposal.withdrawn``, the ones shown the candidate only by
    pseudonym the event, since the API has no tombstone for a deleted proposal.
    """
    reach = reach_start(today)
    to_do = sa.or_(Citizen.vk_id.is_not(None), Citizen.adviser_id.is_not(None),
                   _not_first(Citizen.case_start), _not_first(Citizen.case_closed),
                   _not_first(Citizen.prior_company_placement_end),
                   sa.exists().where(Proposal.citizen_id == Citizen.id),
                   sa.exists().where(VkChange.citizen_id == Citizen.id),
                   sa.exists().where(CaseClosure.citizen_id == Citizen.id),
                   sa.exists().where(PlacementEvent.placement_id == Placement.id, Placement.citizen_id == Citizen.id),
                   sa.exists().where(Placement.citizen_id == Citizen.id,
                                     sa.or_(_not_first(Placement.start_date), _not_first(Placement.end_date))))
    in_reach = sa.exists().where(Placement.citizen_id == Citizen.id,
                                 sa.or_(Placement.end_date.is_(None), Placement.end_date >= reach))
    rows = session.execute(sa.select(Citizen.id, Citizen.case_start, Citizen.case_closed,
                                     Citizen.prior_company_placement_end, Citizen.version).where(
        Citizen.anonymised_at.is_not(None), Citizen.case_closed < reach, ~in_reach, to_do)).all()
    for citizen_id, start, closed, prior, version in rows:
        if session.scalar(sa.select(sa.exists().where(Proposal.citizen_id == citizen_id))):
            _tell_companies(session.get(Citizen, citizen_id))  # before the proposals go, as an erasure
        start, closed, prior = _first_of_month(start), _first_of_month(closed), _first_of_month(prior)
        # On the version read: a second run coarsening the same case at the same moment fails here
        # (and rolls back what it told), so the companies are told once.
        done = session.execute(sa.update(Citizen).where(Citizen.id == citizen_id, Citizen.version == version).values(
            case_start=start, case_closed=closed, prior_company_placement_end=prior, vk_id=None, adviser_id=None, version=version + 1,
            created_at=datetime.combine(start, time(), tzinfo=timezone.utc))
            .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise StaleDataError(f"citizen {citizen_id} was coarsened by another run meanwhile")
        proposal_ids = sa.select(Proposal.id).where(Proposal.citizen_id == citizen_id)
        for child in (Consent, ProposalAnswer, ProposalDisclosure, Interview):
            session.execute(sa.delete(child).where(child.proposal_id.in_(proposal_ids))
                            .execution_options(synchronize_session=False))
        session.execute(sa.delete(Proposal).where(Proposal.citizen_id == citizen_id)
                        .execution_options(synchronize_session=False))
        for table in (VkChange, CaseClosure):
            session.execute(sa.delete(table).where(table.citizen_id == citizen_id)
                            .execution_options(synchronize_session=False))
        placement_ids = sa.select(Placement.id).where(Placement.citizen_id == citizen_id)
        session.execute(sa.delete(PlacementEvent).where(PlacementEvent.placement_id.in_(placement_ids))
                        .execution_options(synchronize_session=False))
        for placement_id, p_start, p_end in session.execute(sa.select(
                Placement.id, Placement.start_date, Placement.end_date).where(Placement.citizen_id == citizen_id)).all():
            session.execute(sa.update(Placement).where(Placement.id == placement_id).values(
                start_date=_first_of_month(p_start), end_date=_first_of_month(p_end),
                created_at=datetime.combine(_first_of_month(p_start), time(), tzinfo=timezone.utc))
                .execution_options(synchronize_session=False))
    if rows:
        session.expire_all()
    return len(rows)


# The app's hold of portal.citizens.recipients.tell (the one rule that tells the companies
# shown a candidate, the erasure's): the citizens area imports this module, so the app factory
# hands it over (portal.create_app) instead of this module importing it back.
TELL_RECIPIENTS = "jobbro.privacy.tell_recipients"


def _tell_companies(citizen: Citizen) -> None:
    """Tell the companies shown the citizen's candidacy that its proposals go (``anonymised``):
    each company given the name gets the notice and ``proposal.withdrawn``, each shown it only
    by pseudonym the event (review AX 3), as for an erasure. A KeyError when the app has not
    registered :data:`TELL_RECIPIENTS`: never deleted untold."""
    current_app.extensions[TELL_RECIPIENTS](citizen, "anonymised")


def restricted_kept(session: Session, *, today: date, retention_days: int) -> int:
    """How many cases past the retention period :func:`anonymise_expired` keeps because their
    processing is restricted (held back until the restriction is lifted)."""
    return session.scalar(sa.select(sa.func.count(Citizen.id)).where(
        _expired(today, retention_days), Citizen.restricted.is_(True))) or 0


def running_kept(session: Session, *, today: date, retention_days: int) -> int:
    """How many cases past the retention period :func:`anonymise_expired` keeps because one of
    their placements still runs (not restricted ones: :func:`restricted_kept` counts those)."""
    return session.scalar(sa.select(sa.func.count(Citizen.id)).where(
        _expired(today, retention_days), Citizen.restricted.is_(False), _running_placement(today))) or 0


def prune_operational(session: Session, *, now: datetime, notification_days: int, mail_days: int) -> tuple[int, int]:
    """Delete the notifications created more than ``notification_days`` before ``now`` (read or
    not) and the mails sent more than ``mail_days`` before it (review AU 8): a notice's text and a
    sent mail's subject can name a citizen, and both only serve the days after they were made.
    A mail given up (``failed``) goes once it was made more than ``mail_days`` before ``now``
    (review AW 6): the administrator's mail queue lists the given-up ones for 30 days only, and
    its subject and body may name a citizen. Mails still waiting stay (the mail worker sends them).
    Returns (notifications, mails) deleted; the caller commits."""
    notices = session.execute(sa.delete(Notification).where(
        Notification.created_at < now - timedelta(days=notification_days))
        .execution_options(synchronize_session=False)).rowcount or 0
    mail_cutoff = now - timedelta(days=mail_days)
    mails = session.execute(sa.delete(MailMessage).where(sa.or_(
        sa.and_(MailMessage.status == "sent", MailMessage.sent_at.is_not(None), MailMessage.sent_at < mail_cutoff),
        sa.and_(MailMessage.status == "failed", MailMessage.created_at < mail_cutoff)))
        .execution_options(synchronize_session=False)).rowcount or 0
    return notices, mails


def restriction_ground(session: Session, citizen_id: int) -> str | None:
    """The ground (a key of ``portal.citizens.case.RESTRICTION_GROUNDS``) of the citizen's
    restriction in force, or None when processing is not restricted.

    The ground is kept in the restriction's audit event (``"<ground>: <note>"``), the newest
    of which is the one in force; None too when that event is missing (restricted elsewhere).
    """
    citizen = session.get(Citizen, citizen_id)
    if citizen is None or not citizen.restricted:
        return None
    purpose = session.scalar(sa.select(AuditEvent.purpose).where(
        AuditEvent.citizen_id == citizen_id, AuditEvent.action == "processing_restricted")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1))
    if not purpose:
        return None
    return purpose.split(":", 1)[0].strip() or None


def _end_sharing(session: Session, citizen_ids: sa.Select, today: date) -> None:
    """End what the citizens' proposals share with companies: withdraw every consent in force
    (as ending a proposal does) and drop the shared profile and CV. Only proposals that still
    share something are loaded, so the sweep over earlier anonymisations costs little."""
    in_force = sa.select(Consent.proposal_id).where(Consent.in_force_clause(today))
    shares = sa.or_(Proposal.share_cv.is_(True), Proposal.id.in_(in_force),
                    sa.cast(Proposal.shared_profile, sa.Text).not_in(("{}", "null")))
    now = utcnow()
    for proposal in session.scalars(sa.select(Proposal).where(Proposal.citizen_id.in_(citizen_ids), shares)):
        for consent in proposal.consents:
            if consent.withdrawn_at is None and consent.replaced_at is None:
                consent.withdrawn_at, consent.ended_with_proposal = now, True
        proposal.shared_profile, proposal.share_cv = {}, False


def naming_requests(session: Session, citizen: Citizen) -> list[HotlineRequest]:
    """The hotline requests without a placement, from the companies that had the citizen (a
    proposal to one of their openings, or a placement), whose subject or messages hold the
    citizen's name, phone number or e-mail (review AU 5): the check a text shared with a company
    gets for the citizen's own details (:func:`portal.private_details.find`, kind »identity«:
    the whole name, two of its parts or a given name, the phone's digits however spaced, the
    e-mail). Oldest first. A request tied to a placement is the placed citizen's: erasing that
    citizen blanks it (:func:`_blank_free_text`), erasing another leaves it.

    Listed on the erasure page and blanked by erasure and anonymisation, as the requests about
    the citizen's placements are.
    """
    from .private_details import find

    companies = sa.union(
        sa.select(Placement.company_id).where(Placement.citizen_id == citizen.id),
        sa.select(Opening.company_id).join(Proposal, Proposal.opening_id == Opening.id)
        .where(Proposal.citizen_id == citizen.id))
    requests = session.scalars(sa.select(HotlineRequest).where(
        HotlineRequest.placement_id.is_(None), HotlineRequest.company_id.in_(companies),
        HotlineRequest.subject != ERASED_TEXT).order_by(HotlineRequest.id)).all()

    def names(text: str) -> bool:
        return any(detail.kind == "identity" for detail in find(text, citizen))

    return [r for r in requests if names(r.subject) or any(names(m.body) for m in r.messages)]


def _blank_free_text(session: Session, citizen_id: int, named: list[int] = ()) -> None:
    """Blank what staff and companies wrote about the citizen; keep the rows for statistics.
    ``named``: the requests without a placement that name the citizen (:func:`naming_requests`)."""
    placement_ids = sa.select(Placement.id).where(Placement.citizen_id == citizen_id)
    request_ids = sa.select(HotlineRequest.id).where(sa.or_(HotlineRequest.placement_id.in_(placement_ids),
                                                            HotlineRequest.id.in_(list(named))))
    session.execute(sa.update(HotlineMessage).where(HotlineMessage.request_id.in_(request_ids))
                    .values(body=ERASED_TEXT).execution_options(synchronize_session="fetch"))
    session.execute(sa.update(HotlineRequest).where(HotlineRequest.id.in_(request_ids))
                    .values(subject=ERASED_TEXT).execution_options(synchronize_session="fetch"))
    session.execute(sa.update(PlacementEvent).where(PlacementEvent.placement_id.in_(placement_ids))
                    .values(note="").execution_options(synchronize_session="fetch"))
    session.execute(sa.update(Proposal).where(Proposal.citizen_id == citizen_id)
                    .values(decision_reason="", company_response_note="", explanation={}, shared_goal="")
                    .execution_options(synchronize_session="fetch"))


def _owned(session: Session, citizen_id: int) -> dict[str, set[int]]:
    """The ids of the citizen's proposals, placements and the hotline requests about those placements
    or naming the citizen without one (:func:`naming_requests`)."""
    placement_ids = set(session.scalars(sa.select(Placement.id).where(Placement.citizen_id == citizen_id)))
    citizen = session.get(Citizen, citizen_id)
    named = {r.id for r in naming_requests(session, citizen)} if citizen is not None else set()
    return {
        "proposals": set(session.scalars(sa.select(Proposal.id).where(Proposal.citizen_id == citizen_id))),
        "placements": placement_ids,
        "hotline": (set(session.scalars(sa.select(HotlineRequest.id).where(
            HotlineRequest.placement_id.in_(placement_ids)))) if placement_ids else set()) | named,
    }


def _clear_queues(session: Session, citizen_id: int, name: str, *, user=None) -> None:
    """Take the citizen out of everything still waiting to be said: notifications and queued
    mails (:func:`_forget_messages`) and webhook deliveries (:func:`_clear_webhook_deliveries`).

    In the caller's transaction, before :func:`_blank_free_text` (a hotline closing note is
    found by its text). Audited as ``erasure_queues_cleared`` (how many deliveries and mails were
    removed or scrubbed, never what they said) when anything was.
    """
    owned = _owned(session, citizen_id)
    mails = _forget_messages(session, citizen_id, name, owned)
    webhooks = _clear_webhook_deliveries(session, citizen_id, owned)
    if mails or webhooks:
        audit.record("erasure_queues_cleared", citizen_id=citizen_id, purpose=f"webhook:{webhooks} mail:{mails}",
                     user=user)


def _proposal_paths(session: Session, citizen_id: int) -> list[str]:
    """The portal paths where the citizen's proposals are handled (the links notifications carry)."""
    from .notifications.service import path_for  # the notifications package imports much of the portal

    paths = []
    for proposal_id, opening_id in session.execute(
            sa.select(Proposal.id, Proposal.opening_id).where(Proposal.citizen_id == citizen_id)):
        for endpoint, values in (("candidates.proposal", {}), ("openings.candidate", {"opening_id": opening_id}),
                                 ("placements.start", {})):
            paths.append(path_for(endpoint, proposal_id=proposal_id, **values))
    return paths


def _placement_paths(placement_ids: set[int]) -> list[str]:
    """The portal pages of the citizen's placements (the company's and the job centre's)."""
    from .notifications.service import path_for

    return [path_for(endpoint, placement_id=placement_id) for placement_id in sorted(placement_ids)
            for endpoint in ("placements.detail", "placements.consultant_detail")]


def _links_to(column, path: str) -> sa.ColumnElement[bool]:
    """A notification's link that is ``path`` or a page under it."""
    return sa.or_(column == path, *(column.like(path + tail + "%") for tail in "/?#"))


def _mail_links_to(path: str) -> sa.ColumnElement[bool]:
    """A mail whose body carries a link to ``path`` (or a page under it)."""
    return sa.or_(MailMessage.body.like(f"%{path}"), MailMessage.body.like(f"%{path}\n%"),
                  *(MailMessage.body.like(f"%{path}{tail}%") for tail in "/?#"))


def _forget_messages(session: Session, citizen_id: int, name: str, owned: dict[str, set[int]]) -> int:
    """Delete the notifications and queued mails about the citizen; unname the sent mails.
    Returns how many queued mails were deleted or scrubbed.

    A notification or mail is about the citizen when it links to one of their proposals (every
    notification about a candidate does) or placements. A sent mail's body is already blanked, but
    its subject can still name the person (``NAMING_KINDS``); the name is replaced there. The
    hotline requests about the placements stay (statistics), and so do their notices, which hold
    nothing of the person; only the closing note the job centre wrote to the company is taken out
    of them (:func:`_scrub_closing_notes`).
    """
    mails = 0
    for path in _proposal_paths(session, citizen_id) + _placement_paths(owned["placements"]):
        session.execute(sa.delete(Notification).where(_links_to(Notification.link, path))
                        .execution_options(synchronize_session="fetch"))
        mails += session.execute(sa.delete(MailMessage).where(MailMessage.status == "pending", _mail_links_to(path))
                                 .execution_options(synchronize_session="fetch")).rowcount or 0
    mails += _scrub_closing_notes(session, owned["hotline"])
    if name and name != ANONYMOUS_NAME:
        session.execute(sa.update(MailMessage)
                        .where(MailMessage.kind.in_(NAMING_KINDS), MailMessage.subject.contains(name, autoescape=True))
                        .values(subject=sa.func.replace(MailMessage.subject, name, ANONYMOUS_NAME))
                        .execution_options(synchronize_session="fetch"))
    return mails


def _scrub_closing_notes(session: Session, request_ids: set[int]) -> int:
    """Take the job centre's closing note out of the ``hotline_closed`` notices and queued mails
    of the requests (``portal.hotline.notify.announce_closed`` puts it in both); returns how many
    queued mails were scrubbed (the note replaced by :data:`ERASED_TEXT`) or, when the note is
    not found as written, deleted. The notice keeps its first sentence, without the note.
    """
    from .notifications.service import path_for

    if not request_ids:
        return 0
    notes = session.execute(sa.select(HotlineMessage.request_id, HotlineMessage.body).where(
        HotlineMessage.request_id.in_(request_ids), HotlineMessage.kind == "closing_note")).all()
    mails = 0
    for request_id, note in notes:
        if not note or note == ERASED_TEXT:
            continue
        path = path_for("hotline.detail", request_id=request_id)
        for notice in session.scalars(sa.select(Notification).where(
                Notification.kind == "hotline_closed", _links_to(Notification.link, path))):
            notice.text = _QUOTED_NOTE.sub("", notice.text, count=1)
        for mail in session.scalars(sa.select(MailMessage).where(
                MailMessage.status == "pending", MailMessage.kind == "hotline_closed", _mail_links_to(path))):
            scrubbed = mail.body.replace(f":\n{note}\n", f":\n{ERASED_TEXT}\n", 1)
            if scrubbed == mail.body:
                session.delete(mail)
            else:
                mail.body = scrubbed
            mails += 1
    return mails


def _drop_idempotent_answers(session: Session, citizen_id: int) -> None:
    """Delete the API's stored answers about the citizen's proposals, placements and hotline requests.

    An answer is about the citizen when its POST went to one of those objects, or when the
    answer itself is one (its ``object_id``, or ``id``/``placement_id``/``citizen_id`` in a
    stored body). A repeat of the request after this runs again, and finds nothing of the person.
    Since the API stores only the id of such an answer (``portal.api.guard.replay_by_reading``)
    a repeat would no longer bring text back; this also stops it from reaching the object again.
    """
    owned = _owned(session, citizen_id)
    doomed = []
    for record_id, path, body, object_id in session.execute(
            sa.select(IdempotencyRecord.id, IdempotencyRecord.path, IdempotencyRecord.response_body,
                      IdempotencyRecord.object_id)):
        if _about(path, body, owned, citizen_id, object_id):
            doomed.append(record_id)
    if doomed:
        session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(doomed))
                        .execution_options(synchronize_session="fetch"))


def _about(path: str, body: str, owned: dict[str, set[int]], citizen_id: int, object_id: int | None = None) -> bool:
    match = _API_OBJECT.match(path or "")
    if match and int(match.group(2)) in owned[match.group(1)]:
        return True
    area = (path or "").removeprefix("/api/v1/").split("/", 1)[0]
    if object_id is not None and area in owned and object_id in owned[area]:
        return True
    try:
        data = json.loads(body or "{}")
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    return (data.get("citizen_id") == citizen_id or data.get("placement_id") in owned["placements"]
            or (area in owned and data.get("id") in owned[area]))


# What a hotline event's payload may say of a citizen (portal.webhooks.events._hotline): set to null.
_HOTLINE_CITIZEN_FIELDS = ("placement_id", "closing_note", "citizen_id", "citizen_external_id")


def _clear_webhook_deliveries(session: Session, citizen_id: int, owned: dict[str, set[int]]) -> int:
    """Remove the citizen from the unsent webhook deliveries, every endpoint's (the companies'
    and the job centre's); returns how many were deleted or scrubbed.

    A delivery is about the citizen when its ``data`` names the citizen's id (the job centre's
    payloads), or one of their proposals (``proposal_id``: proposals and interviews), placements
    (``placement_id``) or the hotline requests about those placements (``request_id``).
    ``proposal.withdrawn`` is kept (it tells the company to delete what it has, GDPR art. 17 and
    19), with the citizen's ids null in the job centre's. A hotline
    event is scrubbed (its request stays, so the receiver still learns it was answered or closed,
    with ``placement_id``, the closing note and the citizen's ids null); any other is deleted,
    since what it reports goes with the citizen. A sent delivery's body is already blanked, so
    this finds the pending and given-up (resendable) ones; the worker never sends what was here.
    """
    rows = session.execute(sa.select(WebhookDelivery.id, WebhookDelivery.event, WebhookDelivery.payload)
                           .where(WebhookDelivery.payload != "")).all()
    doomed, scrubbed = [], {}
    for delivery_id, event_name, payload in rows:
        try:
            body = json.loads(payload)
            data = body.get("data") or {}
        except (ValueError, AttributeError):
            continue
        if not isinstance(data, dict) or not (
                data.get("citizen_id") == citizen_id or data.get("proposal_id") in owned["proposals"]
                or data.get("placement_id") in owned["placements"] or data.get("request_id") in owned["hotline"]):
            continue
        if event_name == "proposal.withdrawn":  # what tells the company to delete: kept, without the citizen
            if data.get("citizen_id") is None and data.get("citizen_external_id") is None:
                continue
            body["data"] = {**data, "citizen_id": None, "citizen_external_id": None}
            scrubbed[delivery_id] = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
        elif event_name.startswith("hotline."):
            body["data"] = {**data, **{key: None for key in _HOTLINE_CITIZEN_FIELDS if key in data}}
            scrubbed[delivery_id] = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
        else:
            doomed.append(delivery_id)
    if doomed:
        session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.id.in_(doomed))
                        .execution_options(synchronize_session="fetch"))
    for delivery_id, payload in scrubbed.items():
        session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                        .values(payload=payload).execution_options(synchronize_session="fetch"))
    return len(doomed) + len(scrubbed)


def _withdraw_stories(session: Session, citizen_id: int) -> None:
    """Erasure ends the consent a success story about the citizen was published on."""
    placement_ids = sa.select(Placement.id).where(Placement.citizen_id == citizen_id)
    session.execute(sa.update(SuccessStory).where(SuccessStory.placement_id.in_(placement_ids))
                    .values(status="withdrawn").execution_options(synchronize_session="fetch"))


def init_app(app) -> None:
    """The erasure page lists the requests :func:`naming_requests` finds (``erasure_naming_requests``
    in its template)."""
    from .extensions import db

    app.jinja_env.globals["erasure_naming_requests"] = lambda citizen: naming_requests(db.session, citizen)

