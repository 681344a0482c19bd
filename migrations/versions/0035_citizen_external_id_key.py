"""citizen.external_id_key: the case-system id folded, stored and indexed

A case-system id is the same id without regard to upper or lower case (review AV 7), but the
rule was ``lower(external_id) = lower(:id)`` in SQL: SQLite's ``lower()`` folds only A-Z, so
»ÆØ-1« and »æø-1« were two ids on SQLite and one on PostgreSQL, and no index served
``lower(external_id)``, so every lookup by the rule (the import per row, the API, »Opret
borger«, the citizen list's search) read every citizen.

The column holds ``store.models.citizens.external_id_key(external_id)`` (NFKC, full Unicode case
folding, NFKC, whitespace runs as one space), kept in step by a model hook on every write of
``external_id``; the rule compares it, through its index ``ix_citizen_external_id_key``. It is
not unique: ids stored before the rule may share a key (the import and the API then refuse the
ambiguous id, as before).

Backfill in Python (one folding on both databases) for every citizen with an id, with a copy of
the rule as it is today (:func:`_key`; a later change of the rule needs its own migration).

The column is added without copying the table on SQLite (ADD COLUMN and an index); the
downgrade drops it in batch mode, which copies ``citizen``, and keeps its AUTOINCREMENT counter
(as 0024), so an erased citizen's id is never handed out again.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 15:40:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None

BATCH = 1000


def _key(external_id):
    """``store.models.citizens.external_id_key`` as of this revision."""
    if external_id is None:
        return None
    folded = unicodedata.normalize('NFKC', unicodedata.normalize('NFKC', external_id).casefold())
    return ' '.join(folded.split())


def _citizen_counter():
    if op.get_bind().dialect.name != 'sqlite':
        return None
    return op.get_bind().exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'citizen'").scalar()


def _restore_citizen_counter(seq):
    if seq is None:
        return
    bind = op.get_bind()
    if bind.exec_driver_sql("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'citizen'",
                            (seq,)).rowcount == 0:
        bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('citizen', ?)", (seq,))


def upgrade():
    with op.batch_alter_table('citizen', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id_key', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_citizen_external_id_key'), ['external_id_key'], unique=False)

    bind = op.get_bind()
    citizen = sa.table('citizen', sa.column('id', sa.Integer), sa.column('external_id', sa.String),
                       sa.column('external_id_key', sa.Text))
    rows = bind.execute(sa.select(citizen.c.id, citizen.c.external_id)
                        .where(citizen.c.external_id.is_not(None)).order_by(citizen.c.id)).all()
    update = (citizen.update().where(citizen.c.id == sa.bindparam('citizen_id'))
              .values(external_id_key=sa.bindparam('key')))
    for start in range(0, len(rows), BATCH):
        bind.execute(update, [{'citizen_id': citizen_id, 'key': _key(external_id)}
                              for citizen_id, external_id in rows[start:start + BATCH]])


def downgrade():
    with op.batch_alter_table('citizen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_external_id_key'))
    counter = _citizen_counter()
    with op.batch_alter_table('citizen', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('external_id_key')
    _restore_citizen_counter(counter)
