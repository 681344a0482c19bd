"""When a user was deactivated (user.deactivated_at)

The policy-goal dashboard counts a citizen's VK as present in a month when the VK is active or
was deactivated after the month's end (review N 1): deactivating a consultant today must not
rewrite past months, nor have a month first computed while the consultant is away frozen that
way. ``deactivated_at`` says when; the application stamps it whenever ``active`` becomes False
and clears it when the user is enabled again (a flush hook in ``store.models.accounts``).

Backfill: an inactive user gets the moment of their latest ``user_disabled`` audit event
(written by the admin page since it had one). An inactive user without such an event (e.g. a
retired integration user, 0013) keeps NULL: when is unknown, and the dashboard reads it as
deactivated long ago (the VK counts as none in every month, as before this revision). Active
users keep NULL.

Downgrade: the column is dropped.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 12:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('active', sa.Boolean),
                    sa.column('deactivated_at', sa.DateTime(timezone=True)))
    audit = sa.table('audit_event', sa.column('at', sa.DateTime(timezone=True)), sa.column('action', sa.String),
                     sa.column('purpose', sa.String))
    disabled = (sa.select(sa.func.max(audit.c.at))
                .where(audit.c.action == 'user_disabled',
                       audit.c.purpose == sa.literal('user:') + sa.cast(user.c.id, sa.String))
                .scalar_subquery())
    op.execute(user.update().where(user.c.active.is_(False)).values(deactivated_at=disabled))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
