"""hotline reminders: when a request was reminded and escalated (sent exactly once)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hotline_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('hotline_request', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('reminded_at')
