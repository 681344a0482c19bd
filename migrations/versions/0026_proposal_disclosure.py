"""The earlier days a citizen's name was shared with a company are kept (proposal_disclosure)

The policy goals recompute a month that is not yet frozen from the data as it is now (review
T 2, as 0025). The active share counts the day the citizen's name was shared with the company
(``proposal.disclosed_at``) as contact with it, but the column held only the last time: a name
shared again after the pair was decided anew (or after a consent was withdrawn and given again)
overwrote it, and the earlier month lost that contact.

- ``proposal_disclosure``: an earlier moment the name was shared on a proposal, before it was
  shared again. The latest stays in ``proposal.disclosed_at``; the flush hook in
  ``store.models`` adds a row whenever it is replaced.

A table of its own, not rows of 0025's ``proposal_answer``: a disclosure is the job centre's
step and has no response, and mixed in every reader of the answers would have to tell the two
apart.

Backfill from the audit log (append-only, the only record there is), for proposals that still
exist: every ``identity_disclosed`` event of a pair (citizen, opening) made before the
proposal's current ``disclosed_at`` (all of them when it has none) is an earlier disclosure.
The current disclosure's own event is recorded just after the column is set, so it is not one.

Downgrade: the table is dropped; the disclosures stay in the audit log.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 21:10:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

AUDIT = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)),
                 sa.column('action', sa.String), sa.column('citizen_id', sa.Integer),
                 sa.column('opening_id', sa.Integer))


def _utc(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def upgrade():
    op.create_table('proposal_disclosure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('disclosed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'],
                            name=op.f('fk_proposal_disclosure_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_disclosure'))
    )
    with op.batch_alter_table('proposal_disclosure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_disclosure_proposal_id'), ['proposal_id'], unique=False)
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    proposal = sa.table('proposal', sa.column('id', sa.Integer), sa.column('citizen_id', sa.Integer),
                        sa.column('opening_id', sa.Integer), sa.column('disclosed_at', sa.DateTime(timezone=True)))
    pairs = {(citizen_id, opening_id): (proposal_id, None if current is None else _utc(current))
             for proposal_id, citizen_id, opening_id, current in bind.execute(
                 sa.select(proposal.c.id, proposal.c.citizen_id, proposal.c.opening_id,
                           proposal.c.disclosed_at)).all()}
    rows = []
    for citizen_id, opening_id, at in bind.execute(
            sa.select(AUDIT.c.citizen_id, AUDIT.c.opening_id, AUDIT.c.at)
            .where(AUDIT.c.action == 'identity_disclosed').order_by(AUDIT.c.at, AUDIT.c.id)).all():
        if (citizen_id, opening_id) not in pairs:
            continue
        proposal_id, current = pairs[(citizen_id, opening_id)]
        if current is not None and _utc(at) >= current:  # the current disclosure (or one after it)
            continue
        rows.append({'proposal_id': proposal_id, 'disclosed_at': _utc(at)})
    if rows:
        bind.execute(sa.table('proposal_disclosure', sa.column('proposal_id', sa.Integer),
                              sa.column('disclosed_at', sa.DateTime(timezone=True))).insert(), rows)


def downgrade():
    with op.batch_alter_table('proposal_disclosure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_disclosure_proposal_id'))
    op.drop_table('proposal_disclosure')
