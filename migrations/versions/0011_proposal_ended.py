"""A proposal ends with the citizen's case: status "ended" and proposal.ended_on

Closing a case ends the citizen's live proposals (not a judgement of the match; the company is
told only that the candidate is no longer relevant). The status is a VARCHAR with a CHECK
constraint, so the constraint is replaced; ``ended_on`` keeps the case's closing date.

Batch mode in its default ``recreate="auto"``: SQLite cannot alter a CHECK constraint, so the
table is copied there; PostgreSQL alters it in place (recreating it would mean dropping the
primary key that the consent and interview foreign keys depend on). Downgrade: an ended proposal becomes
"withdrawn" (its consents were withdrawn when it ended, and the company does not see a
withdrawn candidate), so no row is lost; the closing date goes with the column.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CHECK = 'ck_proposal_proposal_status'  # the full name (op.f inside the functions: no prefix added)
OLD = ('proposed', 'approved', 'rejected', 'consented', 'disclosed', 'withdrawn')
NEW = OLD + ('ended',)


def _condition(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.create_check_constraint(op.f(CHECK), _condition(NEW))


def downgrade():
    proposal = sa.table('proposal', sa.column('status', sa.String))
    op.execute(proposal.update().where(proposal.c.status == 'ended').values(status='withdrawn'))
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')
        batch_op.drop_column('ended_on')
        batch_op.create_check_constraint(op.f(CHECK), _condition(OLD))
