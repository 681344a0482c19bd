"""Insert the generated demo municipality into an empty database through the ORM models.

One transaction: either everything is there afterwards, or nothing (the session is rolled
back on any error). Rows are added table by table with a flush in between, so foreign keys
can be filled from the ids the database just assigned.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.models import (Citizen, Company, Consent, CvDocument, EligibilityRule, HotlineMessage,
                      HotlineRequest, HoursLog, JobGoal, Notification, Opening, Placement, PlacementEvent,
                      Proposal, SuccessStory, Team, User)
from ..notifications.service import path_for
from ..shared_goal import suggest_shared_goal
from .generator import generate_demo
from .handoff import add_handoff
from .openings import SECTOR_GOALS
from .records import (DemoCitizen, DemoData, DemoHotlineRequest, DemoOpening, DemoPlacement,
                      DemoProposal, DemoUser)

# Tables that must be empty; the eligibility table may already hold seeded defaults.
GUARDED_MODELS = (User, Team, Company, Citizen, Opening, Proposal, Placement, HotlineRequest)


class DemoDataError(RuntimeError):
    """The database is not empty, so demo data would mix with real data."""


def load_demo(session: Session, today: date, seed: int = 7, password_hash: str | None = None,
              citizen_count: int | None = None) -> dict[str, int]:
    """Generate the demo data for ``seed`` and ``today`` and insert it, then commit.

    Args:
        session: an ORM session on the target database (e.g. ``db.session``).
        today: the day the 14-month history ends (the generator's only clock).
        seed: the generator seed; the same seed and day load the same data.
        password_hash: the hash set on every demo user (hash once, e.g. of
            ``Jobbro-demo-2026``); None leaves users without a password.
        citizen_count: fewer citizens for quick tests; None means the full set.

    Returns:
        Row counts per kind, e.g. ``{"companies": 40, "citizens": 800, ...}``.

    Raises:
        DemoDataError: if any user, team, company, citizen or other case data exists.
    """
    _ensure_empty(session)
    kwargs = {} if citizen_count is None else {"citizen_count": citizen_count}
    data = generate_demo(seed, today, password_hash=password_hash, **kwargs)
    try:
        counts = _insert(session, data, today)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return counts


def _ensure_empty(session: Session) -> None:
    for model in GUARDED_MODELS:
        if session.scalar(sa.select(sa.func.count()).select_from(model)):
            raise DemoDataError(
                f"refusing to load demo data: table {model.__tablename__!r} is not empty "
                "(demo data is only loaded into an empty database)")


def _insert(session: Session, data: DemoData, today: date) -> dict[str, int]:
    teams = _add(session, [Team(name=t.name) for t in data.teams])
    users = _add(session, [_user(u, teams, company=None) for u in data.users
                           if u.company is None])
    staff = {i: users[n] for n, i in enumerate(i for i, u in enumerate(data.users)
                                                 if u.company is None)}
    companies = _add(session, [Company(
        name=c.name, cvr=c.cvr, address=c.address, postcode=c.postcode,
        code_of_care=c.code_of_care, standing_seats=c.standing_seats, active=True,
        consultant_id=staff[c.consultant].id, created_at=c.created_at) for c in data.companies])
    company_users = _add(session, [_user(u, teams, companies[u.company]) for u in data.users
                                   if u.company is not None])
    user_ids = {i: u.id for i, u in staff.items()}
    user_ids.update(zip((i for i, u in enumerate(data.users) if u.company is not None),
                        (u.id for u in company_users)))
    citizens = _add(session, [_citizen(c, teams, user_ids) for c in data.citizens])
    openings = _add(session, [_opening(o, companies, user_ids) for o in data.openings])
    proposals = _add(session, [_proposal(p, citizens, openings, user_ids)
                               for p in data.proposals])
    _add(session, add_handoff(proposals, today))
    placements = _add(session, [_placement(p, citizens, openings, companies, user_ids)
                                for p in data.placements])
    hotline = _add(session, [_hotline(h, companies, placements, user_ids) for h in data.hotline])
    notices = _add(session, [notice for h, request in zip(data.hotline, hotline)
                             for notice in _hotline_answer_notices(h, request, data.users, user_ids)])
    stories = _add(session, [SuccessStory(
        title=s.title, text=s.text, company_id=companies[s.company].id,
        placement_id=placements[s.placement].id, kind=s.kind, outcome=s.outcome, status="published",
        author_id=user_ids[s.author], consent_confirmed=True, created_at=s.created_at,
        published_at=s.published_at) for s in data.stories])
    rules = _add_rules(session, data.eligibility)
    return {
        "teams": len(teams), "users": len(users) + len(company_users),
        "companies": len(companies), "citizens": len(citizens), "openings": len(openings),
        "proposals": len(proposals), "placements": len(placements),
        "hotline_requests": len(hotline), "notifications": len(notices), "stories": len(stories),
        "eligibility_rules": rules,
    }


def _add(session: Session, rows: list) -> list:
    session.add_all(rows)
    session.flush()
    return rows


def _user(u: DemoUser, teams: list[Team], company: Company | None) -> User:
    return User(email=u.email, name=u.name, password_hash=u.password_hash, role=u.role, phone=u.phone,
                company_id=company.id if company is not None else None,
                team_id=teams[u.team].id if u.team is not None else None, active=True, created_at=u.created_at)


def _citizen(c: DemoCitizen, teams: list[Team], user_ids: dict[int, int]) -> Citizen:
    citizen = Citizen(
        external_id=c.external_id or None, name=c.name, phone=c.phone, email=c.email, postcode=c.postcode,
        max_commute_km=c.max_commute_km, benefit_group=c.benefit_group,
        hours_available=c.hours_available, driving_licences=list(c.driving_licences),
        languages=c.languages, limitation_flags=list(c.limitation_flags),
        limitations_text=c.limitations_text, readiness_group=c.readiness_group,
        vk_id=user_ids[c.vk] if c.vk is not None else None,
        adviser_id=user_ids[c.adviser] if c.adviser is not None else None,
        team_id=teams[c.team].id, case_start=c.case_start, case_closed=c.case_closed,
        created_at=c.created_at)
    citizen.job_goals = [JobGoal(title=title, position=n) for n, title in enumerate(c.job_goals)]
    if c.cv_text:
        citizen.cv_documents = [CvDocument(
            text=c.cv_text, content_type="txt", original_filename="cv.txt",
            uploaded_by_id=user_ids.get(c.adviser), created_at=c.created_at)]
    return citizen


def _opening(o: DemoOpening, companies: list[Company], user_ids: dict[int, int]) -> Opening:
    return Opening(
        company_id=companies[o.company].id, kind=o.kind, title=o.title,
        description=o.description, requirements=o.requirements, hours_min=o.hours_min,
        hours_max=o.hours_max, postcode=o.postcode, start_date=o.start_date,
        duration_weeks=o.duration_weeks, required_licences=list(o.required_licences),
        required_languages=o.required_languages, accommodations=o.accommodations,
        capacity=o.capacity, status=o.status, created_by_id=user_ids[o.created_by],
        created_at=o.created_at)


def _proposal(p: DemoProposal, citizens: list[Citizen], openings: list[Opening],
              user_ids: dict[int, int]) -> Proposal:
    # No score and no band: the generator makes up the decisions, not the match. The matcher's
    # own facts are stored once the index is built (portal.demo.facts, as a real approval stores
    # them); until then no page shows a band. The jobmål suggested for the company is the
    # consultant's choice (portal.candidates.service.record_decision), so it is made here.
    explanation = dict(p.explanation)
    # A jobmål of the same sector only (none of the opening's occupation) is shared as the
    # candidate's own, not as a match: the company reads "Kandidatens jobmål" (review AT 9).
    related = explanation.pop(SECTOR_GOALS, None) or ()
    shared = (suggest_shared_goal(explanation.get("matched_goals") or related)
              if p.status not in ("proposed", "rejected") and p.decided_at is not None else "")
    proposal = Proposal(
        citizen_id=citizens[p.citizen].id, opening_id=openings[p.opening].id, status=p.status,
        score=None, explanation=explanation, shared_goal=shared,
        decided_by_id=user_ids[p.decided_by] if p.decided_by is not None else None,
        decided_at=p.decided_at, decision_reason=p.decision_reason,
        company_response=p.company_response, company_response_note=p.company_response_note,
        company_responded_at=p.company_responded_at, disclosed_at=p.disclosed_at, created_at=p.created_at,
        ended_on=p.ended_on)
    if p.consent is not None:
        proposal.consents = [Consent(
            text_version=c.text_version, channel=c.channel, given_at=c.given_at,
            deadline=c.deadline, recorded_by_id=user_ids[c.recorded_by], withdrawn_at=c.withdrawn_at,
            ended_with_proposal=c.ended_with_proposal)
            for c in (p.consent, p.renewal) if c is not None]
        if p.renewal is not None:  # a renewal replaces the consent before it, as record_consent does
            proposal.consents[0].replaced_at = p.renewal.given_at
    return proposal


def _placement(p: DemoPlacement, citizens: list[Citizen], openings: list[Opening], companies: list[Company],
               user_ids: dict[int, int]) -> Placement:
    placement = Placement(
        citizen_id=citizens[p.citizen].id,
        opening_id=openings[p.opening].id if p.opening is not None else None,
        company_id=companies[p.company].id, kind=p.kind, start_date=p.start_date,
        end_date=p.end_date, weekly_hours=p.weekly_hours, end_reason=p.end_reason,
        created_at=p.created_at)
    placement.hours = [HoursLog(month=h.month, hours=h.hours, logged_by_id=user_ids[h.logged_by],
                                created_at=h.created_at) for h in p.hours]
    placement.events = [PlacementEvent(kind=e.kind, note=e.note, at=e.at,
                                       user_id=user_ids[e.user] if e.user is not None else None)
                        for e in p.events]
    return placement


def _hotline(h: DemoHotlineRequest, companies: list[Company], placements: list[Placement],
             user_ids: dict[int, int]) -> HotlineRequest:
    request = HotlineRequest(
        company_id=companies[h.company].id,
        placement_id=placements[h.placement].id if h.placement is not None else None,
        category=h.category, urgency=h.urgency, subject=h.subject, status=h.status,
        assigned_to_id=user_ids[h.assigned_to], created_by_id=user_ids[h.created_by],
        created_at=h.created_at, due_at=h.due_at, first_response_at=h.first_response_at,
        closed_at=h.closed_at)
    request.messages = [HotlineMessage(author_id=user_ids[m.author], body=m.body,
                                       created_at=m.created_at) for m in h.messages]
    return request


def _hotline_answer_notices(h: DemoHotlineRequest, request: HotlineRequest, users: list[DemoUser],
                            user_ids: dict[int, int]) -> list[Notification]:
    """The notices the job centre's answer gave: each company user who had written in the
    thread gets »Jobcentret har svaret …«, as a real answer does
    (``portal.hotline.notify.announce_answer``; no mail: the demo sends none). It is read when
    that user wrote in the thread again afterwards (they had opened the request), else it waits
    unread, so the start page's answered requests are under Beskeder too (review AT 9)."""
    if h.first_response_at is None:
        return []
    writers = dict.fromkeys([h.created_by, *(m.author for m in h.messages if m.created_at < h.first_response_at)])
    link = path_for("hotline.detail", request_id=request.id)
    notices = []
    for writer in writers:
        if users[writer].company is None:
            continue
        later = [m.created_at for m in h.messages if m.author == writer and m.created_at > h.first_response_at]
        notices.append(Notification(
            user_id=user_ids[writer], kind="hotline_answered", link=link, created_at=h.first_response_at,
            text=f"Jobcentret har svaret på jeres henvendelse #{request.id} til hotline",
            read_at=min(later) if later else None))
    return notices


def _add_rules(session: Session, eligibility: dict[tuple[str, str], bool]) -> int:
    """Seed the eligibility table unless an earlier step (a migration) already did."""
    if session.scalar(sa.select(sa.func.count()).select_from(EligibilityRule)):
        return 0
    rules = [EligibilityRule(benefit_group=g, opening_kind=k, allowed=allowed)
             for (g, k), allowed in sorted(eligibility.items())]
    _add(session, rules)
    return len(rules)
