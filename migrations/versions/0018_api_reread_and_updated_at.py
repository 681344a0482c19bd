"""The API's idempotent answers about a citizen keep only an object id (idempotency_record.object_id);
why a case-system id is blocked (erased_external_id.reason)

A repeated POST to a proposal or a hotline request used to replay the stored answer, name and
booked interview included, after consent ended or processing was restricted (review G 1). The
answer is now read again as it is; only its status and the object's id are stored. The answers
about proposals, placements and hotline requests stored before this revision are deleted (they
hold names; they live 24 hours anyway).

Anonymisation now drops a citizen's case-system id and blocks it as a keyed hash, as erasure
does (review G 3); ``reason`` says which ("erased" for every row written before this revision).
Citizens anonymised earlier lose their id on the next retention run (the hash key is the
application's, not the migration's).

Downgrade: the rows that keep only an id are deleted (there is no body to replay), then the
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


def upgrade():
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('object_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('erased_external_id', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=12), server_default='erased', nullable=False))
    record = sa.table('idempotency_record', sa.column('path', sa.String))
    op.execute(record.delete().where(sa.or_(*(record.c.path.like(pattern) for pattern in _ABOUT_A_CITIZEN))))


def downgrade():
    record = sa.table('idempotency_record', sa.column('object_id', sa.Integer))
    op.execute(record.delete().where(record.c.object_id.is_not(None)))
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_column('object_id')
    with op.batch_alter_table('erased_external_id', schema=None) as batch_op:
        batch_op.drop_column('reason')
