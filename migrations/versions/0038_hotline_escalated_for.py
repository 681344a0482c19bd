"""hotline_request.escalated_for_id: the assignee an escalation asked others to stand in for

An escalation (``portal.hotline.reminders``) asks the assignee's team colleagues (else the
administrators, else the duty consultant or the fallback group) to step in, and those it asked
read the thread without a purpose while it waits (``portal.hotline.need_to_know``). That rule
worked the asked people out from the *current* assignee, so after »Overtag henvendelsen« by
someone outside the case the taker's whole team read a health thread freely (review BD 1). The
column keeps whom the escalation was for, set in the same UPDATE that claims it, and the rule
reads it instead.

Backfill, only for requests escalated now (``escalated_at`` set): the assignee before the first
take-over the audit log shows after the escalation (``hotline_taken_over``, purpose
``hotline:<id> fra user:<x> til user:<y> …``; none without ``fra``), else the current assignee.
The audit log is pruned, so a take-over whose row is gone leaves the current assignee, as the
rule read it before this revision.

Downgrade: the column is dropped.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 16:45:00

"""
import re
from datetime import timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None

_TAKEN = re.compile(r'^hotline:(\d+) (?:fra user:(\d+) )?til user:\d+ ')


def _utc(value):
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def upgrade():
    with op.batch_alter_table('hotline_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_for_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_hotline_request_escalated_for_id_user'), 'user',
                                    ['escalated_for_id'], ['id'], ondelete='SET NULL')

    bind = op.get_bind()
    request = sa.table('hotline_request', sa.column('id', sa.Integer), sa.column('assigned_to_id', sa.Integer),
                       sa.column('escalated_at', sa.DateTime(timezone=True)),
                       sa.column('escalated_for_id', sa.Integer))
    audit = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('action', sa.String),
                     sa.column('at', sa.DateTime(timezone=True)), sa.column('purpose', sa.String))
    escalated = {row.id: (_utc(row.escalated_at), row.assigned_to_id) for row in bind.execute(
        sa.select(request.c.id, request.c.escalated_at, request.c.assigned_to_id)
        .where(request.c.escalated_at.is_not(None)))}
    if not escalated:
        return
    before = {}
    for at, purpose in bind.execute(sa.select(audit.c.at, audit.c.purpose)
                                    .where(audit.c.action == 'hotline_taken_over')
                                    .order_by(audit.c.at, audit.c.id)):
        found = _TAKEN.match(purpose or '')
        if found is None:
            continue
        request_id = int(found.group(1))
        if request_id in escalated and request_id not in before and _utc(at) >= escalated[request_id][0]:
            before[request_id] = int(found.group(2)) if found.group(2) else None
    update = (request.update().where(request.c.id == sa.bindparam('rid'))
              .values(escalated_for_id=sa.bindparam('for_id')))
    bind.execute(update, [{'rid': request_id, 'for_id': before.get(request_id, assignee)}
                          for request_id, (_, assignee) in escalated.items()])


def downgrade():
    with op.batch_alter_table('hotline_request', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_hotline_request_escalated_for_id_user'), type_='foreignkey')
        batch_op.drop_column('escalated_for_id')
