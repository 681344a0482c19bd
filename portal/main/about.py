"""The facts the public pages (privacy notice, accessibility statement) state about this
installation, read from its configuration so the pages stay true when a setting changes."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ..auth import relogin, replay
from ..privacy.coarsening import FIGURES_REACH_MONTHS
from ..privacy.retention import days_text
from ..consents import CONSENT_TEXT_VERSION, MAX_CONSENT_DAYS

# When the texts of the two pages were last reviewed against the code (shown on the pages).
PRIVACY_REVIEWED = date(2026, 12, 6)
ACCESSIBILITY_REVIEWED = date(2026, 12, 5)


def minutes_text(minutes: int) -> str:
    """Minutes as "30 minutter", whole hours as "12 timer"."""
    if minutes > 0 and minutes % 60 == 0:
        hours = minutes // 60
        return "1 time" if hours == 1 else f"{hours} timer"
    return "1 minut" if minutes == 1 else f"{minutes} minutter"


def facts(config: Mapping) -> dict:
    """What the privacy notice says about retention, sessions and consent, from ``config``."""
    return {
        "organisation": config["ORGANISATION_NAME"],
        "dpo_email": config["DPO_EMAIL"],
        "accessibility_email": config["ACCESSIBILITY_EMAIL"],
        "retention": days_text(int(config["RETENTION_DAYS"])),
        "figures_reach": f"{FIGURES_REACH_MONTHS // 12} år",
        "notification_retention": days_text(int(config["NOTIFICATION_RETENTION_DAYS"])),
        "mail_retention": days_text(int(config["MAIL_RETENTION_DAYS"])),
        "audit_retention": days_text(int(config["AUDIT_RETENTION_DAYS"])),
        "idle": minutes_text(int(config["PERMANENT_SESSION_LIFETIME"].total_seconds() // 60)),
        "absolute": minutes_text(int(config["SESSION_ABSOLUTE_LIFETIME"].total_seconds() // 60)),
        "held": minutes_text(max(relogin.HOLD_SECONDS, replay.HOLD_SECONDS) // 60),
        "consent_days": MAX_CONSENT_DAYS,
        "consent_version": CONSENT_TEXT_VERSION,
        "privacy_reviewed": PRIVACY_REVIEWED,
        "accessibility_reviewed": ACCESSIBILITY_REVIEWED,
    }
