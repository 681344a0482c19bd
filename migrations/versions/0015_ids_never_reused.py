"""Ids are never reused after an erasure; erased external ids are remembered (as keyed hashes)

An erased citizen's id lives on outside the database: in the audit trail ("Borger nr. 802 er
slettet"), old links, a warehouse's rows, webhook payloads and the company pseudonyms (HMAC of
citizen id and opening id). SQLite without AUTOINCREMENT gives the highest deleted id to the
next row, so the next citizen became the erased person's id. The citizen table and the tables
erasure deletes with it whose ids are shown outside (proposal, placement, interview) are
recreated with AUTOINCREMENT on SQLite (batch mode as in 0011: copied on SQLite; nothing to do
on PostgreSQL, whose sequences never hand out an id twice). The citizen counter starts above
the highest citizen id the audit trail names, so an id erased before this revision is not
handed out either.

``erased_external_id`` keeps a keyed hash of an erased citizen's case-system id, so the next
sync of the same id is refused (portal.privacy.was_erased) instead of creating the person again.

Downgrade: the tables are recreated without AUTOINCREMENT (rows kept) and the hashes dropped.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ('citizen', 'proposal', 'placement', 'interview')


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _recreate(autoincrement: bool) -> None:
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade():
    op.create_table(
        'erased_external_id',
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_erased_external_id')),
    )
    if not _sqlite():
        return
    _recreate(True)
    # The copy set the counter to the highest id kept; an erased citizen above it is in the audit.
    bind = op.get_bind()
    audited = bind.exec_driver_sql("SELECT max(citizen_id) FROM audit_event").scalar() or 0
    kept = bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'citizen'").scalar()
    if kept is None:
        bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('citizen', ?)", (audited,))
    elif audited > kept:
        bind.exec_driver_sql("UPDATE sqlite_sequence SET seq = ? WHERE name = 'citizen'", (audited,))


def downgrade():
    if _sqlite():
        _recreate(False)
    op.drop_table('erased_external_id')
