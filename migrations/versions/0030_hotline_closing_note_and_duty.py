"""The job centre's note when it closes a hotline request (hotline_message.kind), and the
hotline's duty consultant (hotline_duty)

* ``hotline_message.kind``: "message" (every existing row) or "closing_note", the note staff
  write to the company when closing a request; it stays in the thread with its author and time.
* ``hotline_duty``: who an administrator put on duty (vagthavende) for requests without an
  active assignee, one row per change (``user_id`` NULL: nobody), with who changed it and when.

Downgrade: the table is dropped; closing notes become ordinary messages (the column is dropped,
their text, author and time stay in the thread).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hotline_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='message', nullable=False))
        batch_op.create_check_constraint(op.f('ck_hotline_message_hotline_message_kind'), "kind IN ('message', 'closing_note')")
    op.create_table('hotline_duty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_hotline_duty_user_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_hotline_duty_changed_by_id_user'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_duty'))
    )


def downgrade():
    op.drop_table('hotline_duty')
    with op.batch_alter_table('hotline_message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_hotline_message_hotline_message_kind'), type_='check')
        batch_op.drop_column('kind')
