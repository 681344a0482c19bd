"""Drop user.session_token

Since 0021 a session is its row in ``user_session`` (one per device), and deleting the row ends
it; the per-user token that once ended every session at once was no longer read. Flask-Login's
id in the cookie is now the user's id; a cookie from before, ``"<id>:<token>"``, still parses
and, like every cookie without a session row, logs nobody in.

Downgrade: the column comes back with a fresh random token for every user.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 17:20:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_token')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for user_id in connection.execute(sa.select(user.c.id)).scalars().all():
        connection.execute(user.update().where(user.c.id == user_id)
                           .values(session_token=secrets.token_hex(32)))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
