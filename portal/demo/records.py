"""Plain records produced by the demo generator (no ORM, no database ids).

References between records are list indices into :class:`DemoData`'s lists
(e.g. ``DemoCitizen.vk`` indexes ``DemoData.users``). The loader turns them into rows.
Field names follow the ORM models in ``store.models`` so the mapping stays obvious.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Optional


@dataclass
class DemoTeam:
    name: str


@dataclass
class DemoUser:
    """A log-in. ``function`` is "vk", "adviser", "admin" or "company" (not stored: the
    User model has no such column; VK versus adviser shows in a citizen's vk/adviser)."""

    email: str
    name: str
    role: str
    function: str
    company: Optional[int]
    team: Optional[int]
    password_hash: Optional[str]
    created_at: datetime
    phone: str = ""  # a consultant's direct line, shown to companies as their contact


@dataclass
class DemoCompany:
    name: str
    cvr: str
    address: str
    postcode: str
    sector: str
    code_of_care: bool
    standing_seats: int
    consultant: int
    created_at: datetime


@dataclass
class DemoCitizen:
    name: str
    phone: str
    email: str
    postcode: str
    max_commute_km: float
    benefit_group: str
    hours_available: float
    driving_licences: list[str]
    languages: str
    limitation_flags: list[str]
    limitations_text: str
    readiness_group: str
    vk: Optional[int]
    adviser: Optional[int]
    team: int
    case_start: date
    case_closed: Optional[date]
    job_goals: list[str]
    cv_text: Optional[str]
    occupations: list[str]  # occupation keys behind the jobmål (generator bookkeeping)
    created_at: datetime
    # The citizen's id in the case system (»SAG-104217«; portal.demo.citizens.assign_case_ids),
    # as every citizen of a real job centre has one: the imports find the citizen by it.
    external_id: str = ""


@dataclass
class DemoOpening:
    company: int
    kind: str
    title: str
    description: str
    requirements: str
    hours_min: float
    hours_max: float
    postcode: str
    start_date: Optional[date]
    duration_weeks: Optional[int]
    required_licences: list[str]
    required_languages: str
    accommodations: str
    capacity: int
    status: str
    created_by: int
    created_at: datetime
    occupation: str
    # The opening behind placements a VK arranged directly (portal.demo.arranged); not stored.
    arranged: bool = False


@dataclass
class DemoConsent:
    text_version: str
    channel: str
    given_at: datetime
    deadline: date
    recorded_by: int
    withdrawn_at: Optional[datetime]
    ended_with_proposal: bool = False  # stopped because the proposal ended, not withdrawn by the citizen


@dataclass
class DemoProposal:
    citizen: int
    opening: int
    status: str
    explanation: dict  # what the pair was chosen by, no score (portal.demo.openings._explanation)
    created_at: datetime
    decided_by: Optional[int] = None
    decided_at: Optional[datetime] = None
    decision_reason: str = ""
    company_response: Optional[str] = None
    company_response_note: str = ""
    company_responded_at: Optional[datetime] = None
    consent: Optional[DemoConsent] = None
    disclosed_at: Optional[datetime] = None  # when the name was shared (after the consent)
    ended_on: Optional[date] = None  # "ended": the case's closing date; "opening_done": the day it was ended
    renewal: Optional[DemoConsent] = None  # a later consent that replaced ``consent``


@dataclass
class DemoHours:
    month: date
    hours: Decimal
    logged_by: int
    created_at: datetime


@dataclass
class DemoPlacementEvent:
    kind: str
    note: str
    user: Optional[int]
    at: datetime


@dataclass
class DemoPlacement:
    citizen: int
    opening: Optional[int]
    company: int
    kind: str
    start_date: date
    end_date: Optional[date]
    weekly_hours: float
    end_reason: Optional[str]
    created_at: datetime
    hours: list[DemoHours] = field(default_factory=list)
    events: list[DemoPlacementEvent] = field(default_factory=list)


@dataclass
class DemoMessage:
    author: int
    body: str
    created_at: datetime


@dataclass
class DemoHotlineRequest:
    company: int
    placement: Optional[int]
    category: str
    urgency: str
    subject: str
    status: str
    assigned_to: int
    created_by: int
    created_at: datetime
    due_at: datetime
    first_response_at: Optional[datetime]
    closed_at: Optional[datetime]
    messages: list[DemoMessage] = field(default_factory=list)


@dataclass
class DemoStory:
    title: str
    text: str
    company: int
    placement: int
    kind: str
    outcome: str
    author: int
    created_at: datetime
    published_at: datetime


@dataclass
class DemoData:
    """Everything the demo generator produces, in insertion order."""

    teams: list[DemoTeam]
    users: list[DemoUser]
    companies: list[DemoCompany]
    citizens: list[DemoCitizen]
    openings: list[DemoOpening]
    proposals: list[DemoProposal]
    placements: list[DemoPlacement]
    hotline: list[DemoHotlineRequest]
    eligibility: dict[tuple[str, str], bool]
    stories: list[DemoStory] = field(default_factory=list)
