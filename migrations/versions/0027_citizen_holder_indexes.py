"""Indexes on the citizen's VK, adviser and team (review AB 4)

Every caseload list (/borgere "mine" and "team"), the follow-up list's scopes, the start
page's citizens who cannot be matched and what each user holds (/admin/users, the
deactivation and handover pages) select citizens by ``vk_id``, ``adviser_id`` or
``team_id``. Without an index each of them scanned the whole table, and /admin/users once
per user and kind.

Downgrade: the indexes are dropped; no data changes either way.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 23:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

COLUMNS = ('vk_id', 'adviser_id', 'team_id')


def upgrade():
    with op.batch_alter_table('citizen', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.create_index(batch_op.f(f'ix_citizen_{column}'), [column], unique=False)


def downgrade():
    with op.batch_alter_table('citizen', schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_index(batch_op.f(f'ix_citizen_{column}'))
