"""One session per device (user_session)

"Log ud" used to rotate the user's one session token, which ended the user's sessions on every
device: a consultant logging out on the phone was thrown out on the desk PC. Each log-in now
gets a row here (the SHA-256 of a random key the session cookie carries, the user, when it was
made and last seen, a short device label); the user loader requires the row, and "Log ud" deletes
only this device's row. A password change, deactivation or lockout deletes all of the user's rows.

Sessions made before this revision have no row, so every user logs in once more after the
upgrade (as after a password change; forms sent on such a session are held for the log-in).

Downgrade: the table is dropped and every user's session token is replaced. The older code
checks only the token, which this revision never rotates, so without that a cookie logged out
(or ended from another device) after the upgrade would log in again: everyone logs in once more.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 14:10:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device', sa.String(length=60), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_session_key_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for user_id in connection.execute(sa.select(user.c.id)).scalars().all():
        connection.execute(user.update().where(user.c.id == user_id)
                           .values(session_token=secrets.token_hex(32)))
