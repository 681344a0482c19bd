"""A citizen's earlier VKs, a user's undone deactivations and a company's earlier answers are kept

The policy goals recompute a month that is not yet frozen from the data as it is now. Three
facts they read were kept only as they are now, so a later change moved past months (review T 2,
the other half of 0024's ``case_closure``):

- ``vk_change``: a citizen's earlier VK (None: none) and when it was replaced. Handing the
  citizen over or taking the VK away rewrote ``citizen.vk_id``, and the "CV, jobmål og
  virksomhedskonsulent" goal read today's VK for every month.
- ``user_deactivation``: a deactivation that was undone (deactivated at, reactivated at).
  Activating a user cleared ``user.deactivated_at``, and the goal read the VK as active in the
  months it was away.
- ``proposal_answer``: a company's earlier answer on a proposal (response, answered at).
  A changed answer overwrote ``proposal.company_responded_at`` and a pair decided anew cleared
  it, and the active share counts the answer's day as contact with a company.

The current VK, deactivation and answer stay where they are; the flush hooks in
``store.models`` add a row whenever one of them is replaced.

Backfill from the audit log (append-only, the only record there is), for citizens, users and
proposals that still exist:
- every ``citizen_assigned`` event ("vk:<id>|-,...") names the VK after it; each event that
  changed the VK of the event before it ends that VK at the event's moment. The VK before the
  first such event is not in the log: it is read as the first event's VK (as before this
  revision, which read today's VK for every month).
- every ``user_enabled`` event ("user:<id>") ends the deactivation of the ``user_disabled`` event
  before it; an activation without an earlier deactivation event is skipped.
- every ``company_response`` event ("response:<key>") of a pair (citizen, opening) made before
  the proposal's current answer (all of them when it has none) is an earlier answer.

Downgrade: the three tables are dropped; the changes stay in the audit log.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 20:30:00

"""
import re
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

RESPONSES = ('interested', 'declined', 'hired')
VK = re.compile(r'vk:(\d+|-)(?:,|$)')
USER = re.compile(r'user:(\d+)$')

AUDIT = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)),
                 sa.column('action', sa.String), sa.column('citizen_id', sa.Integer),
                 sa.column('opening_id', sa.Integer), sa.column('purpose', sa.String))


def _utc(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _events(bind, *actions, where=None):
    stmt = sa.select(AUDIT.c.citizen_id, AUDIT.c.opening_id, AUDIT.c.action, AUDIT.c.at, AUDIT.c.purpose).where(
        AUDIT.c.action.in_(actions))
    if where is not None:
        stmt = stmt.where(where)
    return bind.execute(stmt.order_by(AUDIT.c.at, AUDIT.c.id)).all()


def _ids(bind, table: str) -> set[int]:
    return set(bind.execute(sa.select(sa.table(table, sa.column('id', sa.Integer)).c.id)).scalars())


def upgrade():
    op.create_table('vk_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('vk_id', sa.Integer(), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_vk_change_citizen_id_citizen'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vk_id'], ['user.id'], name=op.f('fk_vk_change_vk_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vk_change'))
    )
    with op.batch_alter_table('vk_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vk_change_citizen_id'), ['citizen_id'], unique=False)
    op.create_table('user_deactivation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reactivated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_deactivation_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_deactivation'))
    )
    with op.batch_alter_table('user_deactivation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_deactivation_user_id'), ['user_id'], unique=False)
    op.create_table('proposal_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.Enum(*RESPONSES, name='company_response', native_enum=False, create_constraint=True,
                                  length=18), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_answer_proposal_id_proposal'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_answer'))
    )
    with op.batch_alter_table('proposal_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_answer_proposal_id'), ['proposal_id'], unique=False)

    bind = op.get_bind()
    _backfill_vk_changes(bind)
    _backfill_deactivations(bind)
    _backfill_answers(bind)


def _backfill_vk_changes(bind) -> None:
    citizens, users = _ids(bind, 'citizen'), _ids(bind, 'user')
    vk_after: dict[int, int | None] = {}
    rows = []
    for citizen_id, _, _, at, purpose in _events(bind, 'citizen_assigned', where=AUDIT.c.citizen_id.is_not(None)):
        found = VK.match(purpose or '')
        if citizen_id not in citizens or found is None:
            continue
        vk = None if found.group(1) == '-' else int(found.group(1))
        if vk is not None and vk not in users:
            continue
        if citizen_id in vk_after and vk_after[citizen_id] != vk:
            rows.append({'citizen_id': citizen_id, 'vk_id': vk_after[citizen_id], 'replaced_at': _utc(at)})
        vk_after[citizen_id] = vk
    if rows:
        bind.execute(sa.table('vk_change', sa.column('citizen_id', sa.Integer), sa.column('vk_id', sa.Integer),
                              sa.column('replaced_at', sa.DateTime(timezone=True))).insert(), rows)


def _backfill_deactivations(bind) -> None:
    users = _ids(bind, 'user')
    disabled: dict[int, datetime] = {}
    rows = []
    for _, _, action, at, purpose in _events(bind, 'user_disabled', 'user_enabled'):
        found = USER.match(purpose or '')
        if found is None or int(found.group(1)) not in users:
            continue
        user_id = int(found.group(1))
        if action == 'user_disabled':
            disabled[user_id] = _utc(at)
        elif user_id in disabled:
            rows.append({'user_id': user_id, 'deactivated_at': disabled.pop(user_id), 'reactivated_at': _utc(at)})
    if rows:
        bind.execute(sa.table('user_deactivation', sa.column('user_id', sa.Integer),
                              sa.column('deactivated_at', sa.DateTime(timezone=True)),
                              sa.column('reactivated_at', sa.DateTime(timezone=True))).insert(), rows)


def _backfill_answers(bind) -> None:
    proposal = sa.table('proposal', sa.column('id', sa.Integer), sa.column('citizen_id', sa.Integer),
                        sa.column('opening_id', sa.Integer),
                        sa.column('company_responded_at', sa.DateTime(timezone=True)))
    pairs = {(citizen_id, opening_id): (proposal_id, None if current is None else _utc(current))
             for proposal_id, citizen_id, opening_id, current in bind.execute(
                 sa.select(proposal.c.id, proposal.c.citizen_id, proposal.c.opening_id,
                           proposal.c.company_responded_at)).all()}
    rows = []
    for citizen_id, opening_id, _, at, purpose in _events(bind, 'company_response'):
        if (citizen_id, opening_id) not in pairs:
            continue
        proposal_id, current = pairs[(citizen_id, opening_id)]
        if current is not None and _utc(at) >= current:  # the current answer (or one after it)
            continue
        key = (purpose or '').removeprefix('response:')
        rows.append({'proposal_id': proposal_id, 'response': key if key in RESPONSES else None,
                     'answered_at': _utc(at)})
    if rows:
        bind.execute(sa.table('proposal_answer', sa.column('proposal_id', sa.Integer),
                              sa.column('response', sa.String),
                              sa.column('answered_at', sa.DateTime(timezone=True))).insert(), rows)


def downgrade():
    for table, column in (('proposal_answer', 'proposal_id'), ('user_deactivation', 'user_id'),
                          ('vk_change', 'citizen_id')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
