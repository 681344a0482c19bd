"""Frozen figures of a finished month (figure_snapshot)

A complete month's figures on Mål og opfølgning are kept the first time they are computed after
the month ended, so that later data entry with earlier dates does not move a reported month.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'figure_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('metrics', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('month', 'scope', name='uq_figure_snapshot_month_scope'),
    )


def downgrade():
    op.drop_table('figure_snapshot')
