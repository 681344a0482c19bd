"""Tell a user about an event: an in-portal notification and, unless they opted out, a mail.

:func:`notify` adds rows to the caller's session and never commits: the notification and its
queued mail are written in the same transaction as the change they report, so an event is
never announced without having happened, nor lost after it happened. The mail worker sends
the queued :class:`~store.models.MailMessage` rows afterwards (retried, sent at most once).

Callers pass texts that say no more about a citizen than the recipient may see in the
portal (a company sees a name only after disclosure with a live consent).

Every mail has the same frame, composed here and nowhere else (review AD 6): »Goddag <name>«,
the caller's text, the link, and a sign-off from the job centre (``ORGANISATION_NAME``) saying
the mail was sent automatically. Callers give a short subject and the text only.
"""
from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from flask import current_app, g, has_request_context, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map

from store import clock
from store.models import Interview, MailMessage, Notification, Placement, Proposal, User

from ..extensions import db

# Kinds a user can be told about, with the Danish label used on the preferences page.
TEXT_MAX = 300  # Notification.text
SUBJECT_MAX = 200  # MailMessage.subject

NOTIFICATION_KINDS = {
    # company users
    "candidate_proposed": "Jobcentret har foreslået en kandidat",
    "candidate_shared": "En kandidat er delt med jer",
    "candidate_ended": "En kandidat er ikke længere aktuel",
    "candidate_data": "En kandidats oplysninger skal slettes eller må ikke bruges for nu",
    "interview_offered": "Forslag til samtaletider",
    "interview_booked": "Samtale aftalt, flyttet eller aflyst",
    "hotline_answered": "Svar fra hotline",
    "hotline_closed": "Jobcentret har lukket en henvendelse til hotline",
    "hours_missing": "Påmindelse om timer for sidste måned",
    "placement_started": "Jobcentret har startet et forløb",
    "placement_ended": "Jobcentret har afsluttet eller aflyst et forløb",
    # consultants
    "company_answered": "Virksomheden har svaret på en kandidat",
    "opening_posted": "Nyt opslag fra en virksomhed",
    "opening_changed": "Et opslags krav er ændret",
    "hotline_new": "Ny henvendelse til hotline",
    "hotline_message": "Ny besked fra en virksomhed på en henvendelse til hotline",
    "hotline_duty": "Du er sat på eller taget af vagten for hotline",
    "hotline_taken_over": "En kollega har overtaget en af dine henvendelser til hotline",
    "caseload_assigned": "Du har fået en eller flere borgere som VK eller beskæftigelsesrådgiver",
    "caseload_removed": "Du er ikke længere VK eller beskæftigelsesrådgiver for en eller flere borgere",
    "caseload_changed": "Der er skiftet VK eller beskæftigelsesrådgiver for en borger, du også er sagsbehandler for",
    "placement_consent_withdrawn": "En borger i forløb har trukket samtykket tilbage",
}


# The kinds each role can receive (and choose mails for on the preferences page).
COMPANY_KINDS = ("candidate_proposed", "candidate_shared", "candidate_ended", "candidate_data",
                 "interview_offered", "interview_booked", "hotline_answered", "hotline_closed", "hours_missing",
                 "placement_started", "placement_ended")
STAFF_KINDS = ("company_answered", "interview_offered", "interview_booked", "opening_posted",
               "opening_changed", "hotline_new", "hotline_message", "hotline_duty", "hotline_taken_over",
               "caseload_assigned", "caseload_removed", "caseload_changed", "placement_consent_withdrawn")
# Only a consultant is on duty or a citizen's VK or adviser.
CONSULTANT_ONLY = ("hotline_duty", "caseload_assigned", "caseload_removed", "caseload_changed",
                   "placement_consent_withdrawn")
KINDS_BY_ROLE = {"company": COMPANY_KINDS, "consultant": STAFF_KINDS,
                 "admin": tuple(kind for kind in STAFF_KINDS if kind not in CONSULTANT_ONLY)}


def mail_off(user: User, kind: str) -> bool:
    """Whether ``user`` turned off the mails of ``kind`` (``user.mail_opt_out`` lists it).

    A plain membership test: when ``caseload_removed`` and ``caseload_changed`` were split off
    ``caseload_assigned``, migration 0040 copied each user's opt-out of the parent to them once.
    """
    return kind in (user.mail_opt_out or [])


class UnknownKind(ValueError):
    """A notification kind that is not in NOTIFICATION_KINDS (a programming error)."""


AUTOMATIC = "(Mailen er sendt automatisk fra Jobbro og kan ikke besvares.)"
LINK_INTRO = "Se det i Jobbro"


def mail_body(user: User, content: str, link: str, link_intro: str = LINK_INTRO) -> str:
    """A mail's body in the one frame every mail has: greeting, ``content``, link, sign-off
    (``content`` never holds the link itself). Needs an app context (the job centre's name).
    """
    parts = [f"Goddag {user.name}".rstrip(), content.strip()]
    if link:
        parts.append(f"{link_intro}: {link}")
    sender = current_app.config.get("ORGANISATION_NAME") or "Jobcentret"
    parts += [f"Venlig hilsen\n{sender}", AUTOMATIC]
    return "\n\n".join(parts) + "\n"


def notify(user: User, kind: str, text: str, link: str, *, subject: str | None = None,
           body: str | None = None, link_intro: str = LINK_INTRO, ics: str | None = None,
           dedupe_key: str | None = None, read: bool = False) -> Notification | None:
    """Add a notification for ``user`` and queue its mail; the caller commits.

    Args:
        user: the recipient. Inactive users get nothing.
        kind: a key of :data:`NOTIFICATION_KINDS`.
        text: one line for the in-portal list (≤ 300 characters).
        link: the portal path where the item is handled (e.g. ``url_for(...)``).
        subject: the mail's subject, short (»Forløb nr. 301 er afsluttet«); defaults to ``text``.
        body: what the mail says, without greeting, link or sign-off (:func:`mail_body` adds
            them); defaults to ``text``. The mail worker makes the link absolute on
            ``PORTAL_URL`` when it is a path.
        link_intro: the words before the link (»Læs og svar her«); default »Se det i Jobbro«.
        ics: an iCalendar document to attach (interview invitations).
        dedupe_key: makes a repeated job notify once; a second call with the same key adds
            nothing and returns None.
        read: add it as already read (the user's own step: the calendar invitation still
            comes by mail, but nothing new waits in the list).

    Returns:
        The notification, or None when nothing was added (inactive user or duplicate key).

    Raises:
        UnknownKind: if ``kind`` is not a known kind.
    """
    if kind not in NOTIFICATION_KINDS:
        raise UnknownKind(kind)
    if not user.active:
        return None
    if dedupe_key and db.session.query(Notification.id).filter_by(dedupe_key=dedupe_key).first():
        return None
    note = Notification(user_id=user.id, kind=kind, text=shorten(text, TEXT_MAX), link=link[:300],
                        dedupe_key=dedupe_key, read_at=clock.utcnow() if read else None)
    db.session.add(note)
    forget_unread()
    if user.email and not mail_off(user, kind):
        db.session.add(MailMessage(
            user_id=user.id, to_address=user.email, kind=kind, subject=shorten(subject or text, SUBJECT_MAX),
            body=mail_body(user, body if body is not None else text, link, link_intro), ics=ics,
            dedupe_key=dedupe_key))
        if has_request_context():
            g.mail_queued = True  # the request's after-hook kicks the mail worker
    return note


def shorten(text: str, limit: int) -> str:
    """``text`` when it fits in ``limit`` characters; else cut at a word, ending in "…".

    A last resort: a caller that knows its parts shortens the least important one itself
    (a title rather than the interview times).
    """
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.:;–-") + "…"


def path_for(endpoint: str, **values) -> str:
    """The portal path of ``endpoint`` for a notification's link, also outside a request (cron)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def kinds_for(user: User) -> list[tuple[str, str]]:
    """(kind, Danish label) of the notifications ``user``'s role can get."""
    return [(kind, NOTIFICATION_KINDS[kind]) for kind in KINDS_BY_ROLE.get(user.role, ())]


def set_mail_choices(user: User, wanted: list[str]) -> None:
    """Store which of their role's kinds ``user`` gets mails for; commit.

    Kinds outside the role are left as they were (never switched on by a crafted form).
    """
    own = {kind for kind, _ in kinds_for(user)}
    kept = [kind for kind in (user.mail_opt_out or []) if kind not in own]
    user.mail_opt_out = kept + sorted(own - set(wanted))
    db.session.commit()


def unread_count(user_id: int) -> int:
    """The user's unread notifications (one COUNT on the (user_id, read_at) index)."""
    return db.session.scalar(sa.select(unread_of(sa.literal(user_id)))) or 0


def unread_of(user_id: sa.ColumnElement[int]) -> sa.ScalarSelect[int]:
    """The unread count of ``user_id`` as a scalar subquery, so a query that reads the user
    anyway (the log-in's user loader) counts in the same statement."""
    return (sa.select(sa.func.count(Notification.id))
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .scalar_subquery())


def remember_unread(count: int) -> None:
    """Keep the current user's unread count, read with the user, for this request's pages."""
    g.unread_notifications = count


def forget_unread() -> None:
    """Drop the kept count: this request changed notifications, so the header recounts."""
    if has_request_context():
        g.pop("unread_notifications", None)


def unread_badge() -> int:
    """The header's unread count for the logged-in user (0 for a visitor).

    Usually the count read with the user (:func:`remember_unread`); counted here only when
    the request logged in just now or dropped it (:func:`forget_unread`).
    """
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        try:
            g.unread_notifications = unread_count(current_user.id)
        except SQLAlchemyError:  # an error page while the database is down still renders
            g.unread_notifications = 0
    return g.unread_notifications


PER_PAGE = 50
MAX_PAGE = 10**6  # far beyond any list; a larger ``?side=`` would overflow the database's OFFSET


def page_of(user_id: int, page: int = 1):
    """One page (``PER_PAGE``) of the user's notifications, newest first: every one can be
    reached, however many there are (a page past the end, however far, is the last one)."""
    query = (sa.select(Notification).where(Notification.user_id == user_id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    page = min(max(page, 1), MAX_PAGE)
    found = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    if not found.items and found.pages and page > found.pages:
        found = db.paginate(query, page=found.pages, per_page=PER_PAGE, error_out=False)
    return found


def open_item(user_id: int, notification_id: int) -> Notification | None:
    """Mark the user's notification read (once) and commit; None if it is not theirs."""
    note = db.session.scalar(sa.select(Notification).where(Notification.id == notification_id,
                                                           Notification.user_id == user_id))
    if note is not None and note.read_at is None:
        note.read_at = clock.utcnow()
        db.session.commit()
        forget_unread()
    return note


# Notices that ask something of their reader, and the proposal state in which it is done (by
# the reader or a colleague): an answer given; no interview time left to choose; a placement
# started for the pair (a company's »Ansat / startet«, whose notice links to the start form:
# »… har ansat … : start forløbet«; the company's other answers link to the proposal).
ASKING_KINDS = ("candidate_proposed", "interview_offered", "company_answered")
START_ENDPOINT = "placements.start"


def mark_seen(user_id: int, paths: Collection[str], url_map: Map) -> int:
    """Mark read the user's unread notices that are seen or done; commit. Returns how many.

    Seen: its link (less a ``#fragment``) is one of ``paths``, the page the user opens now
    (review W 8: answering a candidate and reading its page left "…Svar om I er interesserede"
    unread). Done: it asks something of the company or the job centre (:data:`ASKING_KINDS`)
    that is done now, by its reader or a colleague: the candidate it links to has been answered,
    no interview time offered on it is left to choose, or the placement a company's hire asks
    for has been started (a placement of the pair, not cancelled before its start, created
    after the notice: a placement that ended before a second hire does not do it). Each user has their own copy of a
    notice; a colleague's is read at their next page, as its badge counts. Reads only the
    user's unread notices (the (user_id, read_at) index); writes only when one is found.
    """
    rows = db.session.execute(sa.select(Notification.id, Notification.kind, Notification.link,
                                        Notification.created_at)
                              .where(Notification.user_id == user_id, Notification.read_at.is_(None))).all()
    done = {note_id for note_id, _kind, link, _sent in rows if link.split("#", 1)[0] in paths}
    asking = {}
    for note_id, kind, link, _sent in rows:
        if kind in ASKING_KINDS and note_id not in done:
            endpoint, proposal_id = _target(link, url_map)
            # of a company's answers, only the hire's »start forløbet« asks something here
            if proposal_id is not None and (kind != "company_answered" or endpoint == START_ENDPOINT):
                asking[note_id] = proposal_id
    if asking:
        kinds = {note_id: kind for note_id, kind, _link, _sent in rows}
        sent = {note_id: created for note_id, _kind, _link, created in rows}
        wanted = set(asking.values())
        answered = set(db.session.scalars(sa.select(Proposal.id).where(
            Proposal.id.in_(wanted), Proposal.company_response.is_not(None))))
        choosing = set(db.session.scalars(sa.select(Interview.proposal_id).where(
            Interview.proposal_id.in_(wanted), Interview.status == "offered")))
        # the newest start of each pair (a placement not cancelled before its start): a hire's
        # notice is done by a placement started after it, not by one that ended before (review BV 1)
        started = dict(db.session.execute(sa.select(Proposal.id, sa.func.max(Placement.created_at)).where(
            Proposal.id.in_(wanted), Placement.citizen_id == Proposal.citizen_id,
            Placement.opening_id == Proposal.opening_id, Placement.not_cancelled()).group_by(Proposal.id)).all())
        handled = {"candidate_proposed": lambda pid, _note: pid in answered,
                   "company_answered": lambda pid, note: pid in started and started[pid] >= sent[note],
                   "interview_offered": lambda pid, _note: pid not in choosing}
        done |= {note_id for note_id, proposal_id in asking.items()
                 if handled[kinds[note_id]](proposal_id, note_id)}
    if not done:
        return 0
    db.session.execute(sa.update(Notification).where(Notification.id.in_(done), Notification.read_at.is_(None))
                       .values(read_at=clock.utcnow()))
    db.session.commit()
    forget_unread()
    return len(done)


def _target(link: str, url_map: Map) -> tuple[str | None, int | None]:
    """The endpoint a notice's link goes to and the proposal it is about (a candidate's page
    for the company, the proposal's or its start form for the job centre), or None."""
    try:
        endpoint, values = url_map.bind("localhost").match(link.split("#", 1)[0].split("?", 1)[0], method="GET")
    except HTTPException:
        return None, None
    proposal_id = values.get("proposal_id")
    return endpoint, proposal_id if isinstance(proposal_id, int) else None


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the user read; commit. Returns how many."""
    done = db.session.execute(sa.update(Notification)
                              .where(Notification.user_id == user_id, Notification.read_at.is_(None))
                              .values(read_at=clock.utcnow()))
    db.session.commit()
    forget_unread()
    return done.rowcount
