"""The eligibility rules table (benefit group × opening kind): data an administrator edits.

The documented defaults are ``matching.domain.DEFAULT_ELIGIBILITY`` (built from DOMAIN.md);
they are written into the table by ``flask --app portal setup`` when it is empty. Matching
reads the table on every ranking (``store.profiles.load_rules``), so a change applies at
once and needs no re-indexing.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matching.domain import DEFAULT_ELIGIBILITY

from store.models import EligibilityRule
from store.models.vocab import BENEFIT_GROUPS, OPENING_KINDS


def current_table(session: Session) -> dict[tuple[str, str], bool]:
    """Every (benefit group, kind) pair with its allowed flag; defaults fill the gaps."""
    table = {(g, k): DEFAULT_ELIGIBILITY.allows(g, k) for g in BENEFIT_GROUPS for k in OPENING_KINDS}
    for row in session.scalars(sa.select(EligibilityRule)):
        table[(row.benefit_group, row.opening_kind)] = row.allowed
    return table


def seed_defaults(session: Session) -> int:
    """Write the default table if no rule exists yet; returns the number of rows written."""
    if session.scalar(sa.select(sa.func.count(EligibilityRule.id))):
        return 0
    rows = [EligibilityRule(benefit_group=g, opening_kind=k, allowed=DEFAULT_ELIGIBILITY.allows(g, k))
            for g in BENEFIT_GROUPS for k in OPENING_KINDS]
    session.add_all(rows)
    return len(rows)


def save_table(session: Session, allowed_pairs: set[tuple[str, str]]) -> list[str]:
    """Store the table: exactly ``allowed_pairs`` are allowed; returns Danish change lines.

    Raises:
        ValueError: for a pair with an unknown benefit group or kind.
    """
    unknown = [p for p in allowed_pairs if p[0] not in BENEFIT_GROUPS or p[1] not in OPENING_KINDS]
    if unknown:
        raise ValueError(f"unknown eligibility pairs: {sorted(unknown)}")
    existing = {(r.benefit_group, r.opening_kind): r for r in session.scalars(sa.select(EligibilityRule))}
    changes = []
    for group in BENEFIT_GROUPS:
        for kind in OPENING_KINDS:
            allowed = (group, kind) in allowed_pairs
            row = existing.get((group, kind))
            if row is None:
                row = EligibilityRule(benefit_group=group, opening_kind=kind, allowed=not allowed)
                session.add(row)
            if row.allowed != allowed:
                row.allowed = allowed
                verb = "må nu tage" if allowed else "må ikke længere tage"
                changes.append(f"{BENEFIT_GROUPS[group]} {verb} {OPENING_KINDS[kind].lower()}")
    return changes
