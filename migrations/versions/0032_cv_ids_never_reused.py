"""CV ids are never reused after a deletion (cv_document with AUTOINCREMENT on SQLite)

A consultant can delete a CV version (portal.citizens.cv_removal), and its id lives on outside
the database: the audit trail's ``cv_deleted`` entry names it (``cv 751: …``, since the
version's key ``cv 751 gemt dd.mm.åååå tt:mm:ss: …``), as do old links and a delete form still
open in another tab. SQLite without AUTOINCREMENT gives the highest deleted id to the next row,
so the next CV saved became the deleted version's id: the audit then named two documents with
one id, and the old form deleted the new CV (review AP 1). Migration 0015 set the rule that ids
shown outside the database are never reused; ``cv_document`` now follows it as 0015's tables do:
recreated with AUTOINCREMENT on SQLite (batch mode as in 0015: copied with every row, the index
and the foreign keys; nothing to do on PostgreSQL, whose sequences never hand out an id twice).
The counter starts above the highest CV id a ``cv_deleted`` entry names, so a version deleted
before this revision is not handed out again either.

A later migration that copies ``cv_document`` on SQLite must keep AUTOINCREMENT and the counter
(as 0018 and 0023 do for proposal and placement).

Downgrade: the table is recreated without AUTOINCREMENT (rows kept).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 11:00:00

"""
import re

from alembic import op


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

TABLE = 'cv_document'
# The start of a cv_deleted purpose: "cv <id>: <reason>" or "cv <id> gemt <time>: <reason>".
_AUDITED_ID = re.compile(r"cv (\d+)")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _recreate(autoincrement: bool) -> None:
    with op.batch_alter_table(TABLE, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}):
        pass


def _highest_audited_id() -> int:
    """The highest CV id a ``cv_deleted`` audit entry names (0 if none)."""
    purposes = op.get_bind().exec_driver_sql(
        "SELECT purpose FROM audit_event WHERE action = 'cv_deleted'").scalars()
    return max((int(found.group(1)) for purpose in purposes if (found := _AUDITED_ID.match(purpose or ""))),
               default=0)


def upgrade():
    if not _sqlite():
        return
    _recreate(True)
    # The copy set the counter to the highest id kept; a deleted version above it is in the audit.
    bind = op.get_bind()
    audited = _highest_audited_id()
    kept = bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = ?", (TABLE,)).scalar()
    if kept is None:
        bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (TABLE, audited))
    elif audited > kept:
        bind.exec_driver_sql("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (audited, TABLE))


def downgrade():
    if _sqlite():
        _recreate(False)
