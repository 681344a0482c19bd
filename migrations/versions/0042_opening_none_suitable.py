"""opening_none_suitable: a consultant's mark »Ingen egnede kandidater lige nu« (review BK 6)

An opening from a consultant's companies stays on the start page's »Opslag fra dine
virksomheder uden vurdering« until someone decides on a candidate. A consultant who looked and
found nobody suitable marks it with a short reason; the mark holds until it is undone, the
opening is edited (``opening_version``) or 14 days pass (``portal.candidates.none_suitable``).
Rows are the history of marks: an undo fills in ``undone_at``/``undone_by_id``; they go with
the opening (``ON DELETE CASCADE``). A new table: no existing row changes, so SQLite needs no
table copy.

Downgrade: the table is dropped, and with it the marks (the openings return to the list, as
they were before this revision).

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'opening_none_suitable',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opening_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('opening_version', sa.Integer(), nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['opening_id'], ['opening.id'],
                                name=op.f('fk_opening_none_suitable_opening_id_opening'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_opening_none_suitable_user_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['undone_by_id'], ['user.id'],
                                name=op.f('fk_opening_none_suitable_undone_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_none_suitable')),
    )
    op.create_index(op.f('ix_opening_none_suitable_opening_id'), 'opening_none_suitable', ['opening_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_opening_none_suitable_opening_id'), table_name='opening_none_suitable')
    op.drop_table('opening_none_suitable')
