"""citizen.prior_company_placement_end: the last company-based placement known to the case system

The portal knew only the placements made in it, so every imported citizen read as having had no
virksomhedspraktik or løntilskud since the case started, sometimes years back (review BG 2). The
column holds the last day of the citizen's last virksomhedspraktik or løntilskud known outside
Jobbro (the import's »Seneste virksomhedsrettede forløb (slutdato)«, the API's
``prior_company_placement_end``, the profile form); None: none known. No backfill: nothing in
the database knows it.

Downgrade: the column is dropped in place (``ALTER TABLE … DROP COLUMN``, SQLite 3.35+, as 0036
does). A batch copy of the table would lose what SQLite's reflection cannot see: the citizen
table's AUTOINCREMENT and its ``sqlite_sequence`` counter (0015: an erased citizen's id and
pseudonyms are never handed out again, review BJ 8) and 0037's index on an expression
(``ix_citizen_name_danish``). In place, the table, its counter and every index stay as they are.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('citizen', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prior_company_placement_end', sa.Date(), nullable=True))


def downgrade():
    op.drop_column('citizen', 'prior_company_placement_end')
