"""user.mail_opt_out: the caseload kinds split from ``caseload_assigned`` get their own entries, once

``caseload_removed`` and ``caseload_changed`` were told as ``caseload_assigned`` until they had
kinds of their own. So that mails a user had turned off did not start coming because a kind was
split, the portal kept the split at run time: ``notifications.service.SPLIT_FROM`` made a split
kind's mail off while its parent's was, until the user decided on it on the preferences page,
kept as a ``<kind>:chosen`` entry in the list. This revision does it once in the data, and the
portal's ``mail_off`` is a plain membership test from now on.

Upgrade, per user whose list (a JSON list of strings, ``sa.JSON``: text on SQLite, ``json`` on
PostgreSQL) holds ``caseload_assigned`` or a ``:chosen`` entry: each split kind is added when
the parent is in the list and the user has not decided on the kind (no ``<kind>:chosen``); every
``<kind>:chosen`` entry is removed. A user who had ticked a split kind on (the kind absent, its
``:chosen`` present) keeps its mails: each user's mails are exactly what they were before.

Downgrade loses nothing: for a user whose list holds ``caseload_assigned``, ``<kind>:chosen`` is
added for each split kind, so the old run-time rule reads each list as it stands (a split kind
in the list is off, one absent is on). Upgrading again gives the same lists.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None

PARENT = 'caseload_assigned'
SPLIT = ('caseload_removed', 'caseload_changed')
CHOSEN = ':chosen'

_user = sa.table('user', sa.column('id', sa.Integer), sa.column('mail_opt_out', sa.JSON))


def _rewrite(change) -> None:
    """Apply ``change`` (old list -> new list) to every user whose list mentions the parent
    kind or a ``:chosen`` entry (the text of the JSON, on both databases), writing only the
    lists that change."""
    bind = op.get_bind()
    text = sa.cast(_user.c.mail_opt_out, sa.Text)
    rows = bind.execute(sa.select(_user.c.id, _user.c.mail_opt_out)
                        .where(sa.or_(text.like(f'%{PARENT}%'), text.like(f'%{CHOSEN}%')))).all()
    updates = []
    for user_id, kinds in rows:
        old = list(kinds or [])
        new = change(old)
        if new != old:
            updates.append({'uid': user_id, 'kinds': new})
    if updates:
        bind.execute(_user.update().where(_user.c.id == sa.bindparam('uid'))
                     .values(mail_opt_out=sa.bindparam('kinds', type_=sa.JSON)), updates)


def _split(kinds: list[str]) -> list[str]:
    added = [kind for kind in SPLIT
             if PARENT in kinds and kind not in kinds and kind + CHOSEN not in kinds]
    return [kind for kind in kinds if not (isinstance(kind, str) and kind.endswith(CHOSEN))] + added


def _unsplit(kinds: list[str]) -> list[str]:
    if PARENT not in kinds:
        return kinds
    return kinds + [kind + CHOSEN for kind in SPLIT if kind + CHOSEN not in kinds]


def upgrade():
    _rewrite(_split)


def downgrade():
    _rewrite(_unsplit)
