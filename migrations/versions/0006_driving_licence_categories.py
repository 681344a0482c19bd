"""Driving licence categories: citizen.driving_licences, opening.required_licences

A yes/no licence let a car licence pass a lorry opening's check. The categories replace the
booleans: a citizen with a licence had a car licence (B), an opening that required one
required B. Downgrade: any category is "yes".

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# (table, old boolean column, new categories column)
COLUMNS = (('citizen', 'driving_licence', 'driving_licences'),
           ('opening', 'requires_driving_licence', 'required_licences'))


def upgrade():
    for table, old, new in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(new, sa.JSON(), server_default='[]', nullable=False))
        rows = sa.table(table, sa.column(old, sa.Boolean()), sa.column(new, sa.JSON()))
        op.execute(rows.update().where(rows.c[old] == sa.true()).values({new: ['B']}))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(old)


def downgrade():
    connection = op.get_bind()
    for table, old, new in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(old, sa.Boolean(), server_default=sa.false(), nullable=False))
        rows = sa.table(table, sa.column('id', sa.Integer()), sa.column(old, sa.Boolean()),
                        sa.column(new, sa.JSON()))
        held = [r.id for r in connection.execute(sa.select(rows.c.id, rows.c[new])) if r[1]]
        if held:
            op.execute(rows.update().where(rows.c.id.in_(held)).values({old: True}))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(old, server_default=None)
            batch_op.drop_column(new)
