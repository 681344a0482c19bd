"""A consent can be replaced by a newer one (consent.replaced_at)

A consultant renews a citizen's consent (a later deadline, or other choices) without first
ending the old one: the new consent is recorded and the old one is marked replaced, so a
proposal has at most one consent in force. Downgrade: a replaced consent is marked withdrawn at
the same moment (it must not come back in force), so no consent is lost.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    consent = sa.table('consent', sa.column('withdrawn_at', sa.DateTime(timezone=True)),
                       sa.column('replaced_at', sa.DateTime(timezone=True)))
    op.execute(consent.update().where(consent.c.replaced_at.is_not(None), consent.c.withdrawn_at.is_(None))
               .values(withdrawn_at=consent.c.replaced_at))
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_column('replaced_at')
