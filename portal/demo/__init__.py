"""Deterministic demo data for a believable Hedensted municipality.

``generate_demo(seed, today)`` builds plain records; ``load_demo(session, today, ...)``
inserts them into an empty database through the ORM models.
"""
from __future__ import annotations

from .generator import DEFAULT_ELIGIBILITY, DEMO_LOGINS, generate_demo

__all__ = ["DEFAULT_ELIGIBILITY", "DEMO_LOGINS", "generate_demo"]
