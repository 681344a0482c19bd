"""team.name_key and user.integration_name_key: names unique as the portal compares them

The admin pages refuse a team name, or an active integration's name, that another has whatever
its case, Unicode form or spaces (folded in Python: ``store.models.citizens.external_id_key``),
but the database knew only the exact name (``uq_team_name``) or nothing (integrations). Two
administrators creating »Team Ø« and »team ø« at the same moment both passed the check and both
were saved.

Now the folded name is stored and unique in the database:

* ``team.name_key``, with the unique index ``ix_team_name_key``;
* ``user.integration_name_key`` (integrations only; NULL for people), with the partial unique
  index ``uq_user_integration_name_key`` over the active integrations (a deactivated
  integration's name may be used again, as the admin page allows).

Both are filled in Python (one folding on both databases) with a copy of the fold as it is
today (:func:`_fold`; it must match ``external_id_key``, and a later change of the rule needs
its own migration that recomputes both columns).

Names already alike under folding are renamed before the index is made, so the upgrade never
fails and no row is lost: the row with the lowest id keeps its name, each later one gets » (2)«,
» (3)« … (the first number whose name is not taken, folded, by another team for a team, by another
active integration for an integration; cut so
the name stays within 120 characters), each logged. Only active integrations are compared with
each other, as the index does.

SQLite: ADD COLUMN and CREATE INDEX in place, no table copy (``user``'s and ``team``'s other
indexes and constraints stay as they are). The downgrade drops the indexes and the columns
(SQLite's own DROP COLUMN, no copy); the » (2)« renames stay: the one thing it does not
restore (the log names each).

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06 23:10:00

"""
import logging
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

ACTIVE_INTEGRATION = "role = 'integration' AND active"
NAME_LENGTH = 120  # team.name and user.name are VARCHAR(120)


def _fold(name):
    """``store.models.citizens.external_id_key`` as of this revision (must match it)."""
    if name is None:
        return None
    folded = unicodedata.normalize('NFKC', unicodedata.normalize('NFKC', name).casefold())
    return ' '.join(folded.split())


def _numbered(name, number):
    suffix = f' ({number})'
    return name[:NAME_LENGTH - len(suffix)].rstrip() + suffix


def _plan(rows, compared, taken):
    """``{id: (name, key)}`` for every row of ``rows`` (``(id, name)`` in id order): the later of
    two ``compared`` rows alike under folding renamed to a name whose key is not in ``taken``
    (every key in use; grown with each new name)."""
    seen = set()
    plan = {}
    for row_id, name in rows:
        key = _fold(name)
        if row_id in compared:
            if key in seen:
                number = 2
                while _fold(_numbered(name, number)) in taken:
                    number += 1
                name = _numbered(name, number)
                key = _fold(name)
                taken.add(key)
            seen.add(key)
        plan[row_id] = (name, key)
    return plan


def _fill(table, column, rows, compared, what):
    bind = op.get_bind()
    originals = dict(rows)
    plan = _plan(rows, compared, {_fold(name) for _, name in rows})
    for row_id, (name, key) in plan.items():
        values = {column: key}
        if name != originals[row_id]:
            log.warning('0043: %s %s renamed from %r to %r: the name was taken, whatever its case, by an earlier one',
                        what, row_id, originals[row_id], name)
            values['name'] = name
        bind.execute(table.update().where(table.c.id == row_id).values(**values))


def upgrade():
    op.add_column('team', sa.Column('name_key', sa.Text(), nullable=True))
    op.add_column('user', sa.Column('integration_name_key', sa.Text(), nullable=True))

    bind = op.get_bind()
    team = sa.table('team', sa.column('id', sa.Integer), sa.column('name', sa.String),
                    sa.column('name_key', sa.Text))
    rows = bind.execute(sa.select(team.c.id, team.c.name).order_by(team.c.id)).all()
    _fill(team, 'name_key', [tuple(row) for row in rows], {row.id for row in rows}, 'team')

    user = sa.table('user', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('role', sa.String),
                    sa.column('active', sa.Boolean), sa.column('integration_name_key', sa.Text))
    rows = bind.execute(sa.select(user.c.id, user.c.name, user.c.active)
                        .where(user.c.role == 'integration').order_by(user.c.id)).all()
    _fill(user, 'integration_name_key', [(row.id, row.name) for row in rows], {row.id for row in rows if row.active},
          'integration')

    op.create_index(op.f('ix_team_name_key'), 'team', ['name_key'], unique=True)
    op.create_index('uq_user_integration_name_key', 'user', ['integration_name_key'], unique=True,
                    sqlite_where=sa.text(ACTIVE_INTEGRATION), postgresql_where=sa.text(ACTIVE_INTEGRATION))


def downgrade():
    op.drop_index('uq_user_integration_name_key', table_name='user')
    op.drop_index(op.f('ix_team_name_key'), table_name='team')
    op.drop_column('user', 'integration_name_key')
    op.drop_column('team', 'name_key')
