"""All models, importable from one place: ``from store.models import Citizen``."""
from __future__ import annotations

from .accounts import Company, Team, User, UserDeactivation
from .api import ApiToken, IdempotencyRecord, WebhookDelivery, WebhookEndpoint
from .audit import AuditEvent, AuditRetentionWindow, LoginAttempt
from .citizens import CaseClosure, Citizen, CvDocument, JobGoal, VkChange
from .deployment import DeploymentFact
from .handoff import Interview, MailMessage, Notification
from .held import HeldForm
from .hotline import HotlineDuty, HotlineMessage, HotlineRequest
from .jobs import JobRun
from .openings import EligibilityRule, EligibilityVersion, Opening, OpeningNoneSuitable
from .outbox import EmbeddingCacheEntry, IndexerState, OutboxEvent
from .placements import HoursLog, Placement, PlacementEvent
from .prior_hours import PriorWageHours
from .proposals import Consent, Proposal, ProposalAnswer, ProposalDisclosure
from .sessions import UserSession
from .snapshots import FigureSnapshot
from .stories import SuccessStory
from . import touch  # noqa: F401,E402 - registers the flush hook that touches parents' updated_at

__all__ = [
    "ApiToken", "IdempotencyRecord", "WebhookDelivery", "WebhookEndpoint",
    "AuditEvent", "AuditRetentionWindow", "CaseClosure", "Citizen", "Company", "Consent", "CvDocument", "DeploymentFact", "EligibilityRule", "EligibilityVersion",
    "EmbeddingCacheEntry", "HeldForm", "HotlineDuty", "HotlineMessage", "HotlineRequest", "HoursLog", "IndexerState", "Interview",
    "JobGoal", "JobRun", "MailMessage", "Notification", "LoginAttempt", "Opening", "OpeningNoneSuitable", "OutboxEvent", "Placement", "PlacementEvent", "PriorWageHours", "Proposal", "Team", "User", "UserSession",
    "SuccessStory", "FigureSnapshot", "ProposalAnswer", "ProposalDisclosure", "UserDeactivation", "VkChange",
]
