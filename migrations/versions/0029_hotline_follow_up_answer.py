"""When the latest follow-up wait of a hotline request was answered, and its target
(hotline_request.follow_up_answered_at, hotline_request.follow_up_due_at)

A company can put an answered request back to waiting ("Send – vi venter på svar"); that wait
has a target of its own. ``first_response_at`` and ``due_at`` measure the first answer only,
so a follow-up answered late left no trace. These columns keep the latest follow-up's answer
and target. Requests answered before this revision have none (which of the company's earlier
messages waited for an answer was not stored), so they show the first answer only.

Downgrade: the columns are dropped.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hotline_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('follow_up_due_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('hotline_request', schema=None) as batch_op:
        batch_op.drop_column('follow_up_due_at')
        batch_op.drop_column('follow_up_answered_at')
