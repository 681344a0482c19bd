"""Integrations: the user role "integration" (another system's API keys, never a login)

The job centre's own systems (its case system, a data warehouse) call the API with keys that
belong to an integration, not to a person who may leave. The role is a VARCHAR with a CHECK
constraint, so the constraint is replaced (batch mode as in 0011: copied on SQLite, altered in
place on PostgreSQL). Downgrade: an integration becomes a deactivated consultant (its keys
stop working, nothing is lost; an administrator can see and delete it).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

CHECK = 'ck_user_user_role'  # the full name (op.f inside the functions: no prefix added)
OLD = ('company', 'consultant', 'admin')
NEW = OLD + ('integration',)


def _condition(roles: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')
        # The models size the column from the longest role (enum_of: + 8), now "integration".
        batch_op.alter_column('role', existing_type=sa.String(18), type_=sa.String(19), existing_nullable=False)
        batch_op.create_check_constraint(op.f(CHECK), _condition(NEW))


def downgrade():
    user = sa.table('user', sa.column('role', sa.String), sa.column('active', sa.Boolean))
    op.execute(user.update().where(user.c.role == 'integration').values(role='consultant', active=False))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')
        batch_op.alter_column('role', existing_type=sa.String(19), type_=sa.String(18), existing_nullable=False)
        batch_op.create_check_constraint(op.f(CHECK), _condition(OLD))
