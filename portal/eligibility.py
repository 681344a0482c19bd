"""The eligibility rules table (benefit group × opening kind): data an administrator edits.

The documented defaults are ``matching.domain.DEFAULT_ELIGIBILITY`` (built from DOMAIN.md);
they are written into the table by ``flask --app portal setup`` when it is empty. Matching
reads the table on every ranking (``store.profiles.load_rules``), so a change applies at
once and needs no re-indexing.

Two administrators saving at the same moment: :func:`save_table` writes only while the save
counter (``eligibility_version``) is still the one the caller read before it read the table
(:func:`version`); otherwise it raises :class:`TableChanged` and writes nothing.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matching.domain import DEFAULT_ELIGIBILITY

from store.database import is_sqlite
from store.models import EligibilityRule, EligibilityVersion
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


class TableChanged(Exception):
    """Another save of the table landed after the caller read it (nothing was written)."""


def version(session: Session) -> int:
    """The table's save counter (0 before the first save, which writes its row).

    Read it before the table: a save committed after this read makes :func:`save_table`
    with this value refuse, so a table read after it is never overwritten unseen.
    """
    return session.scalar(sa.select(EligibilityVersion.version).where(EligibilityVersion.id == 1)) or 0


def _claim(session: Session, seen: int) -> bool:
    """Bump the save counter if it is still ``seen``; True when this transaction got it.

    One conditional UPDATE (compare-and-set): on PostgreSQL a second saver waits for the first
    one's row lock and then finds the counter moved; SQLite runs one writer at a time, and this
    is the save's first write, so the WHERE is evaluated on the latest table. Before the first
    save there is no row: it is inserted once, and a second insert at the same moment does nothing.
    """
    bumped = session.execute(sa.update(EligibilityVersion)
                             .where(EligibilityVersion.id == 1, EligibilityVersion.version == seen)
                             .values(version=EligibilityVersion.version + 1)
                             .execution_options(synchronize_session=False))
    if bumped.rowcount == 1:
        return True
    if seen != 0:
        return False
    if is_sqlite(session.get_bind()):
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    # RETURNING, not the row count: for an INSERT psycopg's count may be unknown (-1).
    inserted = session.execute(insert(EligibilityVersion.__table__).values(id=1, version=1)
                               .on_conflict_do_nothing(index_elements=["id"]).returning(sa.literal(1)))
    return inserted.first() is not None


def save_table(session: Session, allowed_pairs: set[tuple[str, str]], seen: int | None = None) -> list[str]:
    """Store the table: exactly ``allowed_pairs`` are allowed; returns Danish change lines.

    ``seen``: the :func:`version` read before the table the change was decided on (None: read
    here, for a caller that decided on nothing older). The rows are written, and the counter
    bumped, only if no other save came since; a save that changes nothing writes nothing (and
    is refused all the same when another save came since ``seen``).

    Raises:
        ValueError: for a pair with an unknown benefit group or kind.
        TableChanged: another save came after ``seen`` (nothing written; roll back).
    """
    unknown = [p for p in allowed_pairs if p[0] not in BENEFIT_GROUPS or p[1] not in OPENING_KINDS]
    if unknown:
        raise ValueError(f"unknown eligibility pairs: {sorted(unknown)}")
    checked = seen is not None
    if seen is None:
        seen = version(session)
    existing = {(r.benefit_group, r.opening_kind): r for r in session.scalars(sa.select(EligibilityRule))}
    wanted = [((group, kind), (group, kind) in allowed_pairs) for group in BENEFIT_GROUPS for kind in OPENING_KINDS]
    # A missing row is written (and named) too, as before: a saved table is whole.
    to_write = [(pair, allowed) for pair, allowed in wanted
                if pair not in existing or existing[pair].allowed != allowed]
    if not to_write:
        if checked and version(session) != seen:
            raise TableChanged  # nothing to write now, but the caller decided on a table since replaced
        return []
    # The counter first, before any row is written (and flushed): the compare-and-set decides who saves.
    if not _claim(session, seen):
        raise TableChanged
    changes = []
    for (group, kind), allowed in to_write:
        row = existing.get((group, kind))
        if row is None:
            row = EligibilityRule(benefit_group=group, opening_kind=kind, allowed=not allowed)
            session.add(row)
        if row.allowed != allowed:
            row.allowed = allowed
            verb = "må nu tage" if allowed else "må ikke længere tage"
            changes.append(f"{BENEFIT_GROUPS[group]} {verb} {OPENING_KINDS[kind].lower()}")
    return changes
