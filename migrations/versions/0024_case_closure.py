"""A case's closings are kept: citizen.case_close_reason and the case_closure table

Reopening a case used to clear ``citizen.case_closed`` and nothing else, so the policy goals,
which read "open on day d" from ``case_start``/``case_closed``, saw a reopened case as open
through the whole time it was closed (review T 2), and the savings estimate could not tell a
citizen who moved away from one who became self-supporting (review T 5: the closing reason was
kept only in the audit log).

- ``citizen.case_close_reason``: why the current closing was made (a key of
  ``CASE_CLOSE_REASONS``), None while open.
- ``case_closure``: one row per earlier closing that was reopened (closed on, reopened on,
  reason); the citizen was not open on ``closed_on`` .. ``reopened_on`` - 1.

Backfill from the audit log (append-only, the only record there is):
- a closed citizen's reason is the key of the newest ``case_closed`` event ("reason:<key>");
- every ``case_reopened`` event closes the gap opened by the ``case_closed`` event before it:
  ``closed_on`` is that event's day in Copenhagen (a closing dated back, which the form
  allows, was not recorded with its date, so the day it was made is the best there is),
  ``reopened_on`` the reopening's day. A reopening without an earlier closing event is skipped.

The column comes with its CHECK constraint, so SQLite copies the table (batch mode); the copy
keeps the AUTOINCREMENT counter of ``citizen`` (as 0018 and 0023 do), so an erased citizen's
id is never handed out again.

Downgrade: the table and the column are dropped; the reasons stay in the audit log.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 17:55:00

"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

REASONS = ('ordinaert_job', 'fleksjob', 'uddannelse', 'selvforsoergende', 'flyttet', 'andet')
LOCAL = ZoneInfo('Europe/Copenhagen')


def _day(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL).date()


def _key(purpose: str | None) -> str | None:
    key = (purpose or '').removeprefix('reason:')
    return key if key in REASONS else None


def _citizen_counter() -> int | None:
    if op.get_bind().dialect.name != 'sqlite':
        return None
    return op.get_bind().exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'citizen'").scalar()


def _restore_citizen_counter(seq: int | None) -> None:
    if seq is None:
        return
    bind = op.get_bind()
    if bind.exec_driver_sql("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'citizen'",
                            (seq,)).rowcount == 0:
        bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('citizen', ?)", (seq,))


def upgrade():
    op.create_table('case_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('reopened_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Enum(*REASONS, name='case_close_reason', native_enum=False, create_constraint=True,
                                length=24), nullable=True),
    sa.CheckConstraint('reopened_on >= closed_on', name=op.f('ck_case_closure_reopened_after_closing')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_case_closure_citizen_id_citizen'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_closure'))
    )
    with op.batch_alter_table('case_closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_closure_citizen_id'), ['citizen_id'], unique=False)
    counter = _citizen_counter()
    with op.batch_alter_table('citizen', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('case_close_reason', sa.String(length=24), nullable=True))
        batch_op.create_check_constraint(op.f('ck_citizen_case_close_reason'),
                                         'case_close_reason IN (' + ', '.join(f"'{k}'" for k in REASONS) + ')')
    _restore_citizen_counter(counter)

    bind = op.get_bind()
    audit = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('at', sa.DateTime),
                     sa.column('action', sa.String), sa.column('citizen_id', sa.Integer),
                     sa.column('purpose', sa.String))
    citizen = sa.table('citizen', sa.column('id', sa.Integer), sa.column('case_closed', sa.Date),
                       sa.column('case_close_reason', sa.String))
    closure = sa.table('case_closure', sa.column('citizen_id', sa.Integer), sa.column('closed_on', sa.Date),
                       sa.column('reopened_on', sa.Date), sa.column('reason', sa.String))
    events = bind.execute(sa.select(audit.c.citizen_id, audit.c.action, audit.c.at, audit.c.purpose)
                          .where(audit.c.action.in_(('case_closed', 'case_reopened')),
                                 audit.c.citizen_id.is_not(None))
                          .order_by(audit.c.citizen_id, audit.c.at, audit.c.id)).all()
    last_closing: dict[int, tuple] = {}
    gaps = []
    for citizen_id, action, at, purpose in events:
        if action == 'case_closed':
            last_closing[citizen_id] = (_day(at), _key(purpose))
        elif citizen_id in last_closing:
            closed_on, key = last_closing.pop(citizen_id)
            gaps.append({'citizen_id': citizen_id, 'closed_on': closed_on,
                         'reopened_on': max(closed_on, _day(at)), 'reason': key})
    if gaps:
        bind.execute(closure.insert(), gaps)
    closed = set(bind.execute(sa.select(citizen.c.id).where(citizen.c.case_closed.is_not(None))).scalars())
    for citizen_id, (_, key) in last_closing.items():
        if citizen_id in closed and key is not None:
            bind.execute(citizen.update().where(citizen.c.id == citizen_id).values(case_close_reason=key))


def downgrade():
    counter = _citizen_counter()
    with op.batch_alter_table('citizen', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(op.f('ck_citizen_case_close_reason'), type_='check')
        batch_op.drop_column('case_close_reason')
    _restore_citizen_counter(counter)
    with op.batch_alter_table('case_closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_closure_citizen_id'))
    op.drop_table('case_closure')
