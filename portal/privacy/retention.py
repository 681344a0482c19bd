"""Retention (GDPR art. 5(1)(e)): closed cases anonymised after ``RETENTION_DAYS`` (review AU 4).

``RETENTION_DAYS`` is at least :data:`portal.config.MIN_RETENTION_DAYS`: a case closed that long
ago is open in no month ``/maal`` can show, so the profile anonymisation drops (CV, jobmål) is
never missed there (review AW 2). What stays is what the policy goals, the savings and the Code
of Care report count, and nothing else (:data:`KEPT`): the benefit group, the case's month of
start and of closing and the closing reason, the team, each placement's company, kind, month of
start and of end, end reason and the answers at 3 and 6 months, the hours per month, and the
hotline requests about the placements without their text. Everything else goes: name, phone,
e-mail, the case system's id (blocked like an erased one, :mod:`.blocklist`, with the reason
"anonymised"), skånehensyn, every CV (text and file), the jobmål, languages, driving licences,
hours available, commute, postcode and readiness group (a column that needs a value gets the
same fixed one for every anonymised case), the wage hours the case system told of (only an open
case's focus goal counts them, and an anonymised case is open in no month ``/maal`` shows), what others wrote about the person
(:mod:`.scrubbing`), an interview's place, and the success stories about their placements
(withdrawn, as on erasure). Anonymisation also ends what was shared with companies: every
consent still in force is withdrawn and the profile shared on a proposal (contact details, the
CV's experience text) and its CV go, so no company page shows them beside »Anonymiseret borger«.
The days are coarsened later, once the case lies before the figures' reach (:mod:`.coarsening`).

A case is not anonymised while the job centre still follows one of its placements: one that runs
within its end day (planned or registered), or one without an end day whose company still reports
its hours (for this month or the two before), unless it is an ordinary job or a fleksjob, which
is employment once the case is closed (:func:`_running_placement`, review Extra B).
:func:`running_kept` counts them, held back until that is over.
A citizen whose processing is restricted (GDPR art. 18) is kept by retention
until the restriction is lifted: the restriction is how the portal keeps data that must outlive
the retention period (a legal claim, for one). Both take the clock as an argument.

The retention run also deletes what only serves the days after it was made (review AU 8,
:func:`prune_operational`): notifications older than ``NOTIFICATION_RETENTION_DAYS`` and mails sent
longer ago than ``MAIL_RETENTION_DAYS``. The access log's rows go after ``AUDIT_RETENTION_DAYS``
(:mod:`portal.audit_retention`; migration 0034 lets only that step delete them).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import audit
from .. import files as file_store
from ..dates import add_months
from store.models import (AuditEvent, Citizen, Consent, HoursLog, Interview, JobGoal, MailMessage, Notification,
                          Placement, PriorWageHours, Proposal)
from store.models.base import utcnow
from store.models.vocab import EMPLOYMENT_KINDS
from store.outbox import record_change
from .blocklist import block_external_id
from .coarsening import coarsen_out_of_reach
from .erasure import drop_first_cv_marker
from .scrubbing import (ANONYMOUS_NAME, blank_free_text, clear_queues, drop_idempotent_answers, naming_marks,
                        naming_requests, withdraw_stories)


# The readiness group needs a value (a NOT NULL column): every anonymised case gets this one, so
# it tells nothing about the person.
ANONYMOUS_READINESS = "i_gang"


# What an anonymised case keeps (the privacy notice and the README say the same).
KEPT = ("benefit_group", "case_start (month)", "case_closed (month)", "case_close_reason", "team_id",
        "placement: company, kind, start and end (month), end reason, weekly hours, employed_3m/6m",
        "hours per month", "hotline requests about the placements (text blanked)")


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
    from ..placements.service import active_clause  # placements imports much of the portal

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
        block_external_id(session, earlier, "anonymised")
    # Citizens anonymised before their shared profiles and consents were ended there: ended here.
    _end_sharing(session, sa.select(Citizen.id).where(Citizen.anonymised_at.is_not(None)), today)
    citizens = session.scalars(sa.select(Citizen).where(_expired(today, retention_days), Citizen.restricted.is_(False),
                                                        ~_running_placement(today)))
    count = 0
    for citizen in citizens:
        files = [cv.stored_name for cv in citizen.cv_documents if cv.stored_name]
        named = [r.id for r in naming_requests(session, citizen)]  # while the name is there to find
        marks = [m.id for m in naming_marks(session, citizen)]
        clear_queues(session, citizen.id, citizen.name)
        drop_idempotent_answers(session, citizen.id)
        _drop_profile(citizen)
        block_external_id(session, citizen, "anonymised")
        citizen.anonymised_at = utcnow()
        blank_free_text(session, citizen.id, named, marks)
        _blank_interview_places(session, citizen.id)
        withdraw_stories(session, citizen.id)
        _end_sharing(session, sa.select(Citizen.id).where(Citizen.id == citizen.id), today)
        record_change(session, "citizen", citizen.id, op="delete")
        audit.record("citizen_anonymised", citizen_id=citizen.id, purpose="retention")
        session.flush()
        file_store.current().delete_after_commit(session, files)  # after the caller's commit
        count += 1
    # Anonymised before the jobmål and the rest of the profile went (review AU 4): dropped here too.
    for earlier in session.scalars(sa.select(Citizen).where(Citizen.anonymised_at.is_not(None), sa.or_(
            Citizen.languages != "", Citizen.postcode != "", Citizen.hours_available != 0,
            sa.exists().where(JobGoal.citizen_id == Citizen.id),
            sa.exists().where(PriorWageHours.citizen_id == Citizen.id)))):
        _drop_profile(earlier)
        _blank_interview_places(session, earlier.id)
        withdraw_stories(session, earlier.id)
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
    citizen.prior_wage_hours.clear()  # only open cases' count (the focus goal); review BT 2
    drop_first_cv_marker(citizen)


def _blank_interview_places(session: Session, citizen_id: int) -> None:
    """An interview's place is free text from the company or the job centre: blanked."""
    proposals = sa.select(Proposal.id).where(Proposal.citizen_id == citizen_id)
    session.execute(sa.update(Interview).where(Interview.proposal_id.in_(proposals), Interview.location != "")
                    .values(location="").execution_options(synchronize_session="fetch"))


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
