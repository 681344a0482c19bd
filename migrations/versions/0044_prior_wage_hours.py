"""prior_wage_hours: ordinary wage hours per citizen and month that the case system knows of

The focus goal counts a citizen as met with 100 ordinary wage hours (småjob, ordinært job,
fleksjob) in the last 12 calendar months, but Jobbro knew only the hours registered on its own
placements: a citizen who worked before Jobbro was taken into use was counted short. The case
system (eIndkomst) knows those hours; the import's »Løntimer pr. måned«
(``portal.imports.wage_hours``) now brings them in, one figure per citizen and month (unique:
a re-import replaces the month's figure), 0-400 hours as the hours form's rule. The focus goal
counts a month's figure where Jobbro registered fewer hours for the citizen that month (the
larger of the two, never both). The rows go with the citizen (``ON DELETE CASCADE``).

A new table: no existing row changes, so SQLite needs no table copy.

Downgrade: the table is dropped, and with it the imported hours (the focus goal counts Jobbro's
own hours only, as before this revision).

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'prior_wage_hours',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('hours >= 0 AND hours <= 400', name=op.f('ck_prior_wage_hours_hours_range')),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'],
                                name=op.f('fk_prior_wage_hours_citizen_id_citizen'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_prior_wage_hours')),
        sa.UniqueConstraint('citizen_id', 'month', name='uq_prior_wage_hours_month'),
    )
    op.create_index(op.f('ix_prior_wage_hours_citizen_id'), 'prior_wage_hours', ['citizen_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_prior_wage_hours_citizen_id'), table_name='prior_wage_hours')
    op.drop_table('prior_wage_hours')
