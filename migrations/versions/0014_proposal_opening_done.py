"""A proposal ends with its opening: status "opening_done"; consent.ended_with_proposal

When an opening is filled or closed, the consultant ends the candidates still waiting on it
(:mod:`portal.candidates.opening_done`) instead of recording a withdrawal the citizen never
made. The status is a VARCHAR with a CHECK constraint, so the constraint is replaced and the
column widened to the longest key plus 8 (``store.models.base.enum_of``), batch mode as in 0011. ``consent.ended_with_proposal`` tells a consent stopped because its proposal ended
(the case closed, or the opening was done) from one the citizen withdrew; rows from before
this revision keep False (which of them a closed case stopped is not recorded anywhere).

Downgrade: an "opening_done" proposal becomes "withdrawn" (its consents were stopped when it
ended, and the company does not see a withdrawn candidate), so no row is lost; the consent
flag goes with its column.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 02:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

CHECK = 'ck_proposal_proposal_status'  # the full name (op.f inside the functions: no prefix added)
OLD = ('proposed', 'approved', 'rejected', 'consented', 'disclosed', 'withdrawn', 'ended')
NEW = OLD + ('opening_done',)


def _condition(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _width(statuses: tuple[str, ...]) -> int:
    return max(map(len, statuses)) + 8


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')
        batch_op.alter_column('status', type_=sa.String(_width(NEW)), existing_type=sa.String(_width(OLD)),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f(CHECK), _condition(NEW))
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_with_proposal', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    proposal = sa.table('proposal', sa.column('status', sa.String))
    op.execute(proposal.update().where(proposal.c.status == 'opening_done').values(status='withdrawn'))
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_column('ended_with_proposal')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')
        batch_op.alter_column('status', type_=sa.String(_width(OLD)), existing_type=sa.String(_width(NEW)),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f(CHECK), _condition(OLD))
