"""placement events: the consultant's start, follow-up, end and correction trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('placement_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('started', 'followup', 'ended', 'corrected', name='placement_event_kind', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_placement_event_placement_id_placement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_placement_event_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_event'))
    )
    with op.batch_alter_table('placement_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_event_placement_id'), ['placement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('placement_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_event_placement_id'))

    op.drop_table('placement_event')
