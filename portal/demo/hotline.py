"""Hotline requests on placements: messages, service targets and response times.

Service targets follow the urgency vocabulary: akut the same working day, høj within one
working day, normal within three. About one in eight answers is late, so the response-time
measure shows misses as well as hits.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from ..hotline.sla import due_at
from . import texts
from .people import at
from .records import DemoCompany, DemoHotlineRequest, DemoMessage, DemoPlacement

REQUEST_P = 0.2
DEMO_COMPANY_REQUEST_P = 0.6  # the demo log-ins should find something in their hotline
LATE_P = 0.12
# How long a VK usually takes to answer (minutes), per urgency.
ANSWER_MINUTES = {"akut": (10, 150), "hoej": (30, 420), "normal": (60, 1800)}
CATEGORY_WEIGHTS = {"fravaer": 35, "konflikt": 15, "opgaver": 25, "helbred": 15, "andet": 10}
URGENCY_WEIGHTS = {"akut": 20, "hoej": 35, "normal": 45}
WINDOW_DAYS = 425
RECENT_DAYS = 4
RECENT_P = 0.08  # ongoing placements with a request from the last few days
HOTLINE_KINDS = ("virksomhedspraktik", "loentilskud", "smaajob", "fleksjob")


def add_working_days(moment: datetime, days: int) -> datetime:
    """``moment`` plus ``days`` working days (Monday-Friday), same time of day."""
    while days > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def _weekday(day: date) -> date:
    """Requests are made on working days: move a weekend day back to Friday."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def make_request(rng: random.Random, today: date, placement: DemoPlacement, pi: int,
                 company: DemoCompany, author: int, recent: bool = False
                 ) -> DemoHotlineRequest | None:
    """One request during the placement's active period, or None if none fits the window.

    ``recent`` places it in the last few days, where it is often still unanswered.
    """
    first = max(placement.start_date, today - timedelta(days=RECENT_DAYS if recent else WINDOW_DAYS))
    last = min(placement.end_date or today, today - timedelta(days=1))
    if last < first:
        return None
    day = _weekday(first + timedelta(days=rng.randint(0, (last - first).days)))
    created = at(day, rng.randint(7, 14), rng.randint(0, 59))
    cutoff = at(today, 0)
    if created >= cutoff:
        return None
    category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
    urgency = rng.choices(list(URGENCY_WEIGHTS), list(URGENCY_WEIGHTS.values()))[0]
    subject, body = texts.hotline_text(rng, category)
    due = due_at(created, urgency)  # the portal's own service-target rule
    request = DemoHotlineRequest(
        company=placement.company, placement=pi, category=category, urgency=urgency,
        subject=subject, status="open", assigned_to=company.consultant, created_by=author,
        created_at=created, due_at=due, first_response_at=None, closed_at=None,
        messages=[DemoMessage(author, body, created)])
    if not recent or rng.random() < 0.4:
        _respond(rng, request, cutoff)
    return request


def _working_hours(rng: random.Random, moment: datetime) -> datetime:
    """Move a moment outside 07-16 on a working day to the next working morning."""
    if moment.weekday() < 5 and 7 <= moment.hour < 16:
        return moment
    if moment.hour >= 16 or moment.weekday() >= 5:
        moment = add_working_days(moment, 1)
    return moment.replace(hour=rng.randint(7, 9), minute=rng.randint(0, 59))


def _respond(rng: random.Random, request: DemoHotlineRequest, cutoff: datetime) -> None:
    """The VK's answer (on time or late), and the company's thanks when it is closed."""
    if rng.random() < LATE_P:  # a busy week: the answer slips past the target
        answered = add_working_days(request.due_at, rng.randint(0, 2))
        answered += timedelta(minutes=rng.randint(30, 300))
    else:
        answered = request.created_at + timedelta(
            minutes=rng.randint(*ANSWER_MINUTES[request.urgency]))
    answered = _working_hours(rng, answered)
    if answered >= cutoff:
        return
    request.first_response_at, request.status = answered, "answered"
    request.messages.append(DemoMessage(request.assigned_to, rng.choice(texts.REPLIES), answered))
    closed = _working_hours(rng, answered + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5)))
    if closed < cutoff and rng.random() < 0.9:
        request.messages.append(DemoMessage(request.created_by, rng.choice(texts.FOLLOW_UPS),
                                            closed - timedelta(minutes=rng.randint(5, 50))))
        request.closed_at, request.status = closed, "closed"


def make_hotline(rng: random.Random, today: date, placements: list[DemoPlacement],
                 companies: list[DemoCompany], company_users: dict[int, list[int]],
                 demo_company_ids: tuple[int, ...]) -> list[DemoHotlineRequest]:
    """Requests on about a fifth of the placements (more at the demo companies)."""
    requests = []
    for pi, placement in enumerate(placements):
        if placement.kind not in HOTLINE_KINDS:
            continue
        p = DEMO_COMPANY_REQUEST_P if placement.company in demo_company_ids else REQUEST_P
        for recent in (False, True):
            if rng.random() >= (RECENT_P if recent and placement.end_date is None else p):
                continue
            author = rng.choice(company_users[placement.company])
            request = make_request(rng, today, placement, pi, companies[placement.company],
                                   author, recent)
            if request is not None:
                requests.append(request)
            p = 0.0  # the recent pass only applies to ongoing placements
    for company in demo_company_ids:  # whatever the day, the demo log-ins find a request
        if not any(r.company == company for r in requests):
            requests += _first_possible(rng, today, placements, companies, company_users, company)
    requests.sort(key=lambda r: r.created_at)
    return requests


def _first_possible(rng: random.Random, today: date, placements: list[DemoPlacement],
                    companies: list[DemoCompany], company_users: dict[int, list[int]],
                    company: int) -> list[DemoHotlineRequest]:
    """One request on the first of ``company``'s placements that can have one (none if none can)."""
    for pi, placement in enumerate(placements):
        if placement.company != company or placement.kind not in HOTLINE_KINDS:
            continue
        author = rng.choice(company_users[company])
        request = make_request(rng, today, placement, pi, companies[company], author)
        if request is not None:
            return [request]
    return []
