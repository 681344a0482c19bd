"""job_run.summary: 1,000 characters instead of 300

A scheduled run's summary is the short Danish count the administrators' start page shows under
»Planlagte job«. The retention run names up to eleven things it did (anonymised, held back,
deleted, blanked), and with large counts that is more than 300 characters, so the end was cut
off. The run now names only what it did, and the column holds 1,000 characters; a summary still
longer is cut visibly (»…«, ``portal.job_runs``).

Downgrade: summaries longer than 300 characters are cut to 299 and »…« first, then the column
is 300 characters again.

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_run') as batch_op:
        batch_op.alter_column('summary', existing_type=sa.String(length=300), type_=sa.String(length=1000),
                              existing_nullable=False)


def downgrade():
    op.execute("UPDATE job_run SET summary = substr(summary, 1, 299) || '…' WHERE length(summary) > 300")
    with op.batch_alter_table('job_run') as batch_op:
        batch_op.alter_column('summary', existing_type=sa.String(length=1000), type_=sa.String(length=300),
                              existing_nullable=False)
