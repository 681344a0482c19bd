"""Figures for the company, partner and administrator start pages (the consultant's: :mod:`.queue`)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.orm import joinedload

from .. import job_runs
from ..admin import mail_queue, postcodes
from ..admin.service import held_kinds, lacks_active_user, lacks_active_vk
from ..citizens.queries import without_active_vk
from ..extensions import db
from ..hotline import service as hotline_service
from ..mail import mail_configured
from ..openings import service as openings
from ..openings.interview_times import interviews_for_company
from ..placements import followup, monthly
from ..placements.service import active_clause, company_labels
from store import clock
from store.index_status import not_superseded
from store.models import (Citizen, Company, HotlineRequest, HoursLog, IndexerState, Opening,
                          OutboxEvent, Placement, Proposal, Team, User)


# How many waiting candidates the start page names one by one; the rest are counted per opening.
WAITING_SHOWN = 5
# Openings the company still works with on the start page; filled and closed ones are on /opslag/.
LIVE_OPENINGS = ("open", "draft")


@dataclass(frozen=True)
class WaitingElsewhere:
    """Waiting candidates beyond the first :data:`WAITING_SHOWN`, counted for one opening."""

    opening_id: int
    title: str
    count: int


@dataclass(frozen=True)
class HoursDue:
    """A month's placements without hours, as the monthly hours page lists them."""

    month: date
    count: int


def for_company(company_id: int) -> dict:
    """The company's start page: what waits for it (candidates to answer, interview times to
    choose, last month's hours), its upcoming interviews, its open and draft openings (open
    first; filled and closed ones are counted and left to /opslag/), its active placements (the
    ended ones are counted and left to /forloeb/) and its open hotline requests."""
    rows = openings.list_for_company(company_id)
    waiting = openings.waiting_candidates(company_id)
    today = clock.today()
    # Only the running and planned placements are read (as /forloeb counts them, active_clause):
    # the ended ones are /forloeb/'s, however long the company's history (review AB 12).
    active = db.session.scalars(
        sa.select(Placement).where(Placement.company_id == company_id, active_clause(today))
        .options(joinedload(Placement.opening).load_only(Opening.title))
        .order_by(Placement.start_date.desc(), Placement.id.desc())
    ).all()
    hours = dict(db.session.execute(
        sa.select(HoursLog.placement_id, sa.func.sum(HoursLog.hours))
        .where(HoursLog.placement_id.in_([p.id for p in active])).group_by(HoursLog.placement_id)
    ).all()) if active else {}
    placement_count, hours_total = db.session.execute(
        sa.select(sa.select(sa.func.count()).where(Placement.company_id == company_id).scalar_subquery(),
                  sa.select(sa.func.coalesce(sa.func.sum(HoursLog.hours), 0)).join(Placement)
                  .where(Placement.company_id == company_id).scalar_subquery())).one()
    requests = hotline_requests(company_id)
    to_choose, upcoming = interviews_for_company(company_id, clock.utcnow())
    return {
        "interviews_to_choose": to_choose,
        "interviews_upcoming": upcoming,
        "choose_by_opening": Counter(i.opening_id for i in to_choose),
        "booked_by_opening": Counter(i.opening_id for i in upcoming),
        "opening_rows": [row for row in rows if row.opening.status in LIVE_OPENINGS],
        "done_openings": sum(row.opening.status not in LIVE_OPENINGS for row in rows),
        "waiting": waiting[:WAITING_SHOWN],
        "waiting_total": len(waiting),
        "waiting_elsewhere": waiting_elsewhere(waiting[WAITING_SHOWN:]),
        "hours_due": hours_due(company_id, today),
        "placement_count": placement_count,  # every placement, ended and cancelled ones too
        "hours_total": hours_total,  # hours logged on every placement, the whole period
        "hours_by_placement": hours,  # of the active placements
        "active_placements": active,
        "placement_labels": company_labels(active, today, "company: start page"),
        **requests,
    }


def waiting_elsewhere(rest: list[openings.WaitingCandidate]) -> list[WaitingElsewhere]:
    """``rest`` counted per opening, in the order the openings first occur (longest waiting first)."""
    counts = Counter(item.opening_id for item in rest)
    titles = {item.opening_id: item.opening_title for item in rest}
    return [WaitingElsewhere(opening_id, titles[opening_id], count) for opening_id, count in counts.items()]


def hours_due(company_id: int, today: date) -> list[HoursDue]:
    """The months asked for (:func:`portal.placements.monthly.asked_months`: last month and the
    year before it) with placements of the company that have no hours logged for them, newest
    first: the rows each month's hours page leaves empty, as the hours reminder and the
    follow-up list count them (review AG 2); empty when none lacks hours."""
    missing = monthly.missing_by_month(monthly.asked_months(today), company_id)
    return [HoursDue(month, counts[company_id]) for month, counts in missing.items() if counts[company_id]]


def hotline_requests(company_id: int) -> dict:
    """The company's hotline requests that are not closed, as the start page names them.

    Hotline requests keep no per-reader "read" marker, so the page does not promise "unread":
    ``answered_requests`` are the requests whose last message is the job centre's (status
    "answered": the company's turn to read, reply or close), each named and linked;
    ``open_requests`` counts those waiting for the job centre, and ``overdue_requests`` are the
    ids of those past their answer deadline, a follow-up's own included
    (:func:`portal.hotline.service.rows`).
    """
    rows = db.session.scalars(
        sa.select(HotlineRequest).where(HotlineRequest.company_id == company_id,
                                        HotlineRequest.status.in_(("open", "answered")))
        .order_by(HotlineRequest.id)).all()
    waiting = [r for r in rows if r.status == "open"]
    return {
        "answered_requests": [r for r in rows if r.status == "answered"],
        "open_requests": len(waiting),
        "overdue_requests": [row.request.id for row in hotline_service.rows(waiting) if row.overdue],
    }


def for_admin(user: User, today) -> dict:
    """Counts of everything, the indexer backlog and the "Kom i gang" checklist (one statement:
    a count each, what deactivated consultants still hold included: :class:`InactiveHoldings`,
    None when nothing, and the open cases without an active VK, as
    :func:`portal.citizens.queries.without_active_vk` lists them), and the placements on the
    follow-up list (one more: the list's own)."""
    def count(model, *where):
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    # (label, count, the list of its rows: every figure leads to a list of exactly that many)
    figures = [
        ("Virksomheder", count(Company), url_for("admin.companies")),
        ("Code of Care-partnere", count(Company, Company.code_of_care.is_(True)),
         url_for("admin.companies", partnere=1)),
        ("Brugere", count(User, User.role != "integration"), url_for("admin.users")),
        ("Borgere med åben sag", count(Citizen, Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None)),
         url_for("citizens.index", scope="all")),
        ("Åbne opslag", count(Opening, Opening.status == "open"), url_for("candidates.index", alle=1)),
    ]
    backlog = [count(OutboxEvent, OutboxEvent.status == "pending"),
               # as /admin/indexer counts them: a failure put right by a later indexing is gone
               count(OutboxEvent, OutboxEvent.status == "failed", not_superseded())]
    setup = [count(Team), count(User, User.role == "consultant", User.active),
             count(Company, lacks_active_vk()),
             count(IndexerState, IndexerState.key.in_(("last_run", "last_rebuild"))),
             # companies never given a VK, and those no active user can log in for (lacks_active_user)
             count(Company, Company.consultant_id.is_(None)), count(Company, lacks_active_user()),
             # in use: a citizen has been proposed or placed (getting_started)
             sa.or_(sa.select(Proposal.id).exists(), sa.select(Placement.id).exists())]
    # What deactivated users still hold, as the users page lists it per user (admin.service.holdings).
    inactive = sa.select(User.id).where(User.active.is_(False))
    kinds = held_kinds()
    held = [count(kind.model, kind.holder.in_(inactive), *kind.where) for kind in kinds]
    mails = mail_queue.count_clauses(clock.utcnow())  # waiting for a retry, given up lately
    # Open cases without an active VK, the rows of /borgere/?scope=all&uden_vk=1, and how many of
    # them are on no team (an import or the API may leave one so: on no team's list).
    no_vk = without_active_vk(user)
    orphans = [sa.select(sa.func.count()).select_from(no_vk.subquery()).scalar_subquery(),
               sa.select(sa.func.count()).select_from(no_vk.where(Citizen.team_id.is_(None)).subquery())
               .scalar_subquery()]
    found = db.session.execute(sa.select(*(expr for _, expr, _ in figures), *backlog, *mails, *setup,
                                         *orphans, *held)).one()
    (*values, pending, failed, mails_retrying, mails_given_up, mails_only_logged, teams, consultants, without_vk,
     runs, never_vk, without_user, in_use, citizens_without_vk, citizens_without_vk_or_team) = found[:-len(held)]
    held_counts = tuple(found[-len(held):])
    shown = [(label, value, link) for (label, _, link), value in zip(figures, values)]
    companies, citizens = values[0], values[3]
    steps = getting_started(
        in_use=bool(in_use), teams=teams, consultants=consultants, companies=companies, without_vk=without_vk,
        never_vk=never_vk, without_user=without_user, citizens=citizens, indexed=bool(runs))
    # A gap of a portal in use is its own line; on a new portal the checklist names it (never both).
    if in_use and without_vk:
        shown.append(("Virksomheder uden aktiv virksomhedskonsulent", without_vk,
                      url_for("admin.companies", uden_vk=1)))
    if in_use and without_user:
        shown.append(("Virksomheder uden aktiv bruger", without_user, url_for("admin.companies", uden_brugere=1)))
    # No list holds every placement ever (ended ones are on each citizen's page), so the figure
    # is the follow-up list's: running and planned placements, and ended ones whose retention
    # check is due, counted in the database as the list reads them (not read to be counted).
    shown.append(("Forløb i gang eller til opfølgning", followup.count_followups(user, "all", today),
                  url_for("placements.followups", omfang="all")))
    outside_citizens, outside_openings = postcodes.counts()
    return {
        "figures": shown,
        "inactive_holdings": (InactiveHoldings(**{kind.name: value for kind, value in zip(kinds, held_counts)})
                              if any(held_counts) else None),
        "citizens_without_vk": citizens_without_vk,
        "citizens_without_vk_or_team": citizens_without_vk_or_team,
        "citizens_without_vk_link": url_for("citizens.index", scope="all", uden_vk=1),
        "outside_citizens": outside_citizens,
        "outside_openings": outside_openings,
        "outbox_pending": pending,
        "outbox_failed": failed,
        "mails_retrying": mails_retrying,
        "mails_given_up": mails_given_up,
        "mails_only_logged": mails_only_logged,
        "mail_configured": mail_configured(current_app.config),
        "scheduled_jobs": job_runs.overview(),  # the cron commands' last runs (review AN 13)
        "getting_started": steps,
    }


@dataclass(frozen=True)
class InactiveHoldings:
    """The open cases (as VK and as adviser), companies and hotline requests (not closed) whose
    consultant is deactivated, summed over those users, and apart the open cases under
    restricted processing (nobody can hand them over yet); the users page lists them per user,
    with links to where each is handed over (:func:`portal.admin.service.holdings`: the same
    kinds, :func:`portal.admin.service.held_kinds`)."""

    citizens: int
    advised: int
    companies: int
    requests: int
    restricted_citizens: int
    restricted_advised: int


@dataclass(frozen=True)
class Step:
    """A step of the "Kom i gang" checklist not done yet: what to do, where it is done, and
    how, when the page it leads to does not say (``how``, may be empty)."""

    label: str
    link: str
    how: str = ""


def getting_started(*, in_use: bool, teams: int, consultants: int, companies: int, without_vk: int,
                    never_vk: int, without_user: int, citizens: int, indexed: bool) -> list[Step]:
    """The "Kom i gang" checklist of a new portal: the steps not done yet, each linked to where
    it is done; empty once all are done, and on a portal in use (the start page then shows none).

    The rule: a portal is new until a citizen has been proposed for an opening or placed in a
    company (``in_use``: a proposal or a placement exists; placements stay when an anonymised
    case's proposals go). Matching has then happened, so »Det her mangler endnu, før
    konsulenterne kan matche …« is no longer true, whatever is missing later (review BK 2).

    While new, each step goes as soon as it is done, and the list stays while any is left,
    whatever order the administrator works in: citizens imported first (the import is IT's
    first task) leave the teams, consultants and companies on it (review BG 3). The steps are
    the set-up's: a team and an active consultant at all, companies at all, companies without
    an active VK (``without_vk``; »ingen« when none was ever given one, ``never_vk``),
    companies no active user can log in for (``without_user``: they cannot post openings),
    open cases, and the indexer run once (it builds the index at its first start; what comes
    later waits in the outbox).

    A gap of a portal in use is no step: a company without an active VK or an active user
    (a new company, a VK or contact person who left) is its own line among the figures
    (:func:`for_admin`, linked to the companies list filtered so), and a change waiting for the
    indexer or failed is the "Matchingindeks" paragraph's, never »Kom i gang« again (review L 6).
    """
    if in_use:
        return []

    def some(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    steps = [
        (teams > 0, Step("Opret teamene", url_for("admin.teams"))),
        (consultants > 0, Step("Opret konsulenterne", url_for("admin.new_user"), "brugere med rollen Konsulent")),
        (companies > 0, Step("Opret virksomhederne", url_for("admin.edit_company"))),
        (not without_vk, Step("Giv virksomhederne en virksomhedskonsulent", url_for("admin.companies", uden_vk=1),
                              f"{some(without_vk, 'virksomhed har', 'virksomheder har')} ingen"
                              f"{'' if never_vk == without_vk else ' aktiv'}")),
        (not without_user, Step("Giv virksomhederne en bruger", url_for("admin.companies", uden_brugere=1),
                                f"{some(without_user, 'virksomhed har', 'virksomheder har')} ingen bruger, der "
                                "kan logge ind og slå opslag op; listen har et link til at oprette "
                                f"{'brugeren' if without_user == 1 else 'brugerne'}")),
        (citizens > 0, Step("Importér borgerne", url_for("imports.index"))),
        (indexed, Step("Byg matchingindekset", url_for("admin.indexer"))),
    ]
    return [step for done, step in steps if not done]
