"""The runs of the scheduled commands (job_run): retention, hotline reminders, hours reminders

One row per run of a command operators schedule with cron, written when it starts and finished
with its outcome and a short summary, so the administrator's start page shows when each last ran
and warns when one is overdue (review AN 13).

Downgrade: the table is dropped (only the record of past runs is lost).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.CheckConstraint("outcome IN ('running', 'ok', 'failed')", name=op.f('ck_job_run_outcome_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run'))
    )
    op.create_index('ix_job_run_job_started_at', 'job_run', ['job', 'started_at'], unique=False)


def downgrade():
    op.drop_index('ix_job_run_job_started_at', table_name='job_run')
    op.drop_table('job_run')
