"""Migration 0040: the caseload kinds split from ``caseload_assigned`` get their own entries in
``user.mail_opt_out``, once, in the data (the run-time ``SPLIT_FROM``/``:chosen`` rule is gone), on
SQLite and PostgreSQL: each user's mails are what the old rule gave them; the downgrade restores
lists the old rule reads the same way, and upgrading again gives the same lists."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests.portal.migration_helpers import DATABASES, database_url, migrated

A, R, C = "caseload_assigned", "caseload_removed", "caseload_changed"
USER = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("name", sa.String),
                sa.column("role", sa.String), sa.column("active", sa.Boolean), sa.column("phone", sa.String),
                sa.column("created_at", sa.DateTime(timezone=True)),
                sa.column("mail_opt_out", sa.JSON))

BEFORE = {  # 0039's lists
    "parent": [A],
    "parent_and_more": ["hotline_new", A, "opening_posted"],
    "decided_on": [A, f"{C}:chosen", f"{R}:chosen", R],  # ticked caseload_changed on, kept removed off
    "one_already": [A, C],
    "leftover_chosen": ["hotline_new", f"{C}:chosen"],  # turned the parent back on later
    "other": ["candidate_ended"],
    "empty": [],
}
AFTER = {
    "parent": [A, R, C],
    "parent_and_more": ["hotline_new", A, "opening_posted", R, C],
    "decided_on": [A, R],
    "one_already": [A, C, R],
    "leftover_chosen": ["hotline_new"],
    "other": ["candidate_ended"],
    "empty": [],
}


def _old_mail_off(kinds: list[str], kind: str) -> bool:
    """The run-time rule before 0040 (``notifications.service.mail_off`` with ``SPLIT_FROM``)."""
    if kind in kinds:
        return True
    return kind in (R, C) and A in kinds and kind + ":chosen" not in kinds


@pytest.fixture(params=DATABASES)
def at_0039(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0040"), revision="0039") as app:
        yield app


def _insert(lists: dict[str, list[str]]) -> None:
    """Users as 0039 stores them (Core inserts, no model)."""
    now = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    with db.engine.begin() as connection:
        connection.execute(sa.insert(USER), [
            {"email": f"{key}@jc.dk", "name": key, "role": "consultant", "active": True, "phone": "", "created_at": now, "mail_opt_out": kinds} for key, kinds in lists.items()])


def _lists() -> dict[str, list[str]]:
    with db.engine.connect() as connection:
        return {name: kinds for name, kinds in connection.execute(sa.select(USER.c.name, USER.c.mail_opt_out))}


def test_0040_copies_the_parents_opt_out_once_and_keeps_every_users_mails(at_0039):
    _insert(BEFORE)
    upgrade(revision="0040")
    assert _lists() == AFTER
    for key, kinds in BEFORE.items():  # the plain membership test now says what the old rule said
        for kind in (A, R, C, "hotline_new"):
            assert (kind in AFTER[key]) == _old_mail_off(kinds, kind), (key, kind)


def test_0040_goes_back_without_losing_a_choice_and_up_again(at_0039):
    _insert(BEFORE)
    upgrade(revision="0040")
    downgrade(revision="0039")
    restored = _lists()
    for key in BEFORE:  # the old rule reads the restored lists as the new one reads 0040's
        for kind in (A, R, C, "hotline_new"):
            assert _old_mail_off(restored[key], kind) == (kind in AFTER[key]), (key, kind)
    assert restored["other"] == ["candidate_ended"] and restored["empty"] == []
    upgrade(revision="0040")
    assert _lists() == AFTER
