"""When a proposal's name was shared (proposal.disclosed_at); since when an answered hotline
request waits again (hotline_request.waiting_since)

Both were read from the audit log: the active share (the company's contact with the citizen,
review F 9) from "identity_disclosed" events, and a reopened hotline request's new target
from "hotline_reopened" marks. The audit log is an access log, not the place for facts the
portal computes with; these columns hold them. Filled from those events for rows that
predate this revision (the latest event per proposal / request).

Downgrade: the columns are dropped (the audit events stay).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 06:10:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disclosed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('hotline_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True))
    _backfill()


def _backfill() -> None:
    audit = sa.table('audit_event', sa.column('action', sa.String), sa.column('at', sa.DateTime(timezone=True)),
                     sa.column('citizen_id', sa.Integer), sa.column('opening_id', sa.Integer),
                     sa.column('purpose', sa.String))
    proposal = sa.table('proposal', sa.column('id', sa.Integer), sa.column('citizen_id', sa.Integer),
                        sa.column('opening_id', sa.Integer), sa.column('status', sa.String),
                        sa.column('disclosed_at', sa.DateTime(timezone=True)))
    latest = (sa.select(sa.func.max(audit.c.at)).where(
        audit.c.action == 'identity_disclosed', audit.c.citizen_id == proposal.c.citizen_id,
        audit.c.opening_id == proposal.c.opening_id).scalar_subquery())
    op.execute(proposal.update().values(disclosed_at=latest))  # NULL where never disclosed
    # "hotline:<request id> message:<message id>" (portal.hotline.service before this revision);
    # the latest mark of a request wins (marks are read in time order).
    bind = op.get_bind()
    marks = bind.execute(sa.select(audit.c.purpose).where(audit.c.action == 'hotline_reopened')
                         .order_by(audit.c.at)).scalars().all()
    for purpose in marks:
        found = re.fullmatch(r"hotline:(\d+) message:(\d+)", purpose or "")
        if found:
            bind.execute(sa.text(
                "UPDATE hotline_request SET waiting_since = "
                "(SELECT created_at FROM hotline_message WHERE id = :message) "
                "WHERE id = :request AND status = 'open'"),
                {"request": int(found.group(1)), "message": int(found.group(2))})


def downgrade():
    with op.batch_alter_table('hotline_request', schema=None) as batch_op:
        batch_op.drop_column('waiting_since')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('disclosed_at')
