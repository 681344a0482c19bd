"""Forms held across a log-in or a password confirmation live on the server (held_form)

A POST sent on an ended session (portal.auth.relogin) or on a stale login (portal.auth.replay)
used to be kept with its fields in the session cookie, which is signed but readable: typed
health details travelled with every request (review M 3). The fields now live in this table,
keyed by a random id that is all the cookie holds; a row is deleted with its user, when it is
used, when the user logs out, and once it has expired.

A form held in a cookie before this revision is ignored and dropped from the cookie when next
seen (such a hold lived 15 minutes at most).

Downgrade: the table is dropped (held forms are lost; their users are told to do it again).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 11:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('held_form',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_held_form_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_form'))
    )
    with op.batch_alter_table('held_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_form_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_form_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('held_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_form_user_id'))
        batch_op.drop_index(batch_op.f('ix_held_form_expires_at'))
    op.drop_table('held_form')
