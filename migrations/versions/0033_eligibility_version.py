"""The eligibility table's save counter (eligibility_version): one save wins at a time

/admin/regler refuses a save from a page opened before another administrator's save (409,
review AN 8), but the check and the write were two steps: two administrators saving at the
same moment could both pass the check, and the second write silently undid the first. A save
now bumps this one-row counter in its own transaction with ``UPDATE ... WHERE version = <read>``
(compare-and-set), so exactly one of them writes and the other gets the stale page's refusal
(``portal.eligibility.save_table``).

The table starts empty: the first save writes the row (id 1; a CHECK keeps it the only one),
and a missing row reads as version 0. An empty table also lets a database be copied into a
freshly migrated one (``loadtest.postgres.copy_sqlite`` wants the target's tables empty).

Downgrade: the table is dropped (only the count of saves is lost).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('eligibility_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_eligibility_version_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_version'))
    )


def downgrade():
    op.drop_table('eligibility_version')
