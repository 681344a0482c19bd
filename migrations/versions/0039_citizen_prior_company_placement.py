"""citizen.prior_company_placement_end: the last company-based placement known to the case system

The portal knew only the placements made in it, so every imported citizen read as having had no
virksomhedspraktik or løntilskud since the case started, sometimes years back (review BG 2). The
column holds the last day of the citizen's last virksomhedspraktik or løntilskud known outside
Jobbro (the import's »Seneste virksomhedsrettede forløb (slutdato)«, the API's
``prior_company_placement_end``, the profile form); None: none known. No backfill: nothing in
the database knows it.

Downgrade: the column is dropped. On SQLite the batch copy of the table would lose the indexes
SQLAlchemy cannot reflect (0037's ``ix_citizen_name_danish`` is on an expression), so the
citizen table's indexes are read from ``sqlite_master`` first and those gone are made again.

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
    bind = op.get_bind()
    saved = {}
    if bind.dialect.name == 'sqlite':
        saved = dict(bind.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'citizen' "
            "AND sql IS NOT NULL")).all())
    with op.batch_alter_table('citizen', schema=None) as batch_op:
        batch_op.drop_column('prior_company_placement_end')
    if saved:
        kept = set(bind.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'citizen'")).scalars())
        for name, sql in saved.items():
            if name not in kept:
                op.execute(sql)
