"""The API's idempotent answers about a citizen keep only an object id (idempotency_record.object_id);
why a case-system id is blocked (erased_external_id.reason); when a proposal, placement or
hotline request last changed (updated_at)

A repeated POST to a proposal or a hotline request used to replay the stored answer, name and
booked interview included, after consent ended or processing was restricted (review G 1). The
answer is now read again as it is; only its status and the object's id are stored. The answers
about proposals, placements and hotline requests stored before this revision are deleted (they
hold names; they live 24 hours anyway).

Anonymisation now drops a citizen's case-system id and blocks it as a keyed hash, as erasure
does (review G 3); ``reason`` says which ("erased" for every row written before this revision).
Citizens anonymised earlier lose their id on the next retention run (the hash key is the
application's, not the migration's).

``updated_at`` on proposal, placement and hotline_request is what the API's ``updated_since``
filters on (review G 4): any change of the row or of its consents, interviews, hours, events or
messages. Rows from before this revision get the latest moment recorded on them or their
children (at least ``created_at``).

On SQLite, setting NOT NULL (and dropping the column again) copies the table: proposal and
placement keep AUTOINCREMENT and their id counter (0015: ids are never reused after an erasure).

Downgrade: the ``updated_at`` columns are dropped; the rows that keep only an id are deleted (there is no body to replay), then the
columns are dropped (a blocked id stays blocked).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 08:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

_ABOUT_A_CITIZEN = ("/api/v1/proposals/%", "/api/v1/placements/%", "/api/v1/hotline/%")


# (table, its own moments, (child table, foreign key, the child's moments) ...)
_TOUCHED = (
    ('proposal', ('decided_at', 'company_responded_at', 'disclosed_at', 'profile_approved_at'),
     (('consent', 'proposal_id', ('given_at', 'withdrawn_at', 'replaced_at')),
      ('interview', 'proposal_id', ('created_at', 'decided_at')))),
    ('placement', (), (('hours_log', 'placement_id', ('created_at',)), ('placement_event', 'placement_id', ('at',)))),
    ('hotline_request', ('first_response_at', 'closed_at', 'waiting_since'),
     (('hotline_message', 'request_id', ('created_at',)),)),
)


# The tables 0015 gave AUTOINCREMENT on SQLite; a batch copy must keep it.
_AUTOINCREMENT = ('proposal', 'placement')


def _batch(table: str):
    return op.batch_alter_table(table, schema=None,
                                table_kwargs={'sqlite_autoincrement': table in _AUTOINCREMENT})


def _id_counters() -> dict:
    """SQLite's AUTOINCREMENT counters: a copied table restarts from its highest row, which
    would hand out again the ids of erased rows above it."""
    if op.get_bind().dialect.name != 'sqlite':
        return {}
    return dict(op.get_bind().exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all())


def _restore_id_counters(before: dict) -> None:
    for name, seq in before.items():
        op.get_bind().exec_driver_sql("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (seq, name))


def _backfill_updated_at() -> None:
    # SQLite's many-argument max() is NULL if any argument is; PostgreSQL's greatest() skips NULLs.
    # Every term is coalesced to created_at, so both give the latest known moment.
    greatest = 'greatest' if op.get_bind().dialect.name == 'postgresql' else 'max'
    for table, own, children in _TOUCHED:
        terms = [f'coalesce({table}.{column}, {table}.created_at)' for column in own]
        for child, key, moments in children:
            for moment in moments:
                terms.append(f'coalesce((SELECT max(c.{moment}) FROM {child} c WHERE c.{key} = {table}.id), '
                             f'{table}.created_at)')
        op.execute(f'UPDATE {table} SET updated_at = {greatest}({table}.created_at, {", ".join(terms)})')


def upgrade():
    counters = _id_counters()
    for table, _own, _children in _TOUCHED:
        with _batch(table) as batch_op:
            batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    _backfill_updated_at()
    for table, _own, _children in _TOUCHED:
        with _batch(table) as batch_op:
            batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    _restore_id_counters(counters)
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('object_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('erased_external_id', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=12), server_default='erased', nullable=False))
    record = sa.table('idempotency_record', sa.column('path', sa.String))
    op.execute(record.delete().where(sa.or_(*(record.c.path.like(pattern) for pattern in _ABOUT_A_CITIZEN))))


def downgrade():
    counters = _id_counters()
    for table, _own, _children in _TOUCHED:
        with _batch(table) as batch_op:
            batch_op.drop_column('updated_at')
    _restore_id_counters(counters)
    record = sa.table('idempotency_record', sa.column('object_id', sa.Integer))
    op.execute(record.delete().where(record.c.object_id.is_not(None)))
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_column('object_id')
    with op.batch_alter_table('erased_external_id', schema=None) as batch_op:
        batch_op.drop_column('reason')
