"""success stories: anonymous stories Code of Care partners share (gode historier)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('success_story',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('text', sa.String(length=4000), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('smaajob', 'virksomhedspraktik', 'loentilskud', 'ordinaert', 'fleksjob', name='opening_kind', native_enum=False, create_constraint=True, length=26), nullable=False),
    sa.Column('outcome', sa.Enum('ordinaert_job', 'fleksjob', 'uddannelse', 'afbrudt', 'forloeb_slut', 'andet', name='end_reason', native_enum=False, create_constraint=True, length=21), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', 'withdrawn', name='story_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('consent_confirmed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'published' OR consent_confirmed", name=op.f('ck_success_story_published_needs_consent')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_success_story_author_id_user')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_success_story_company_id_company')),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_success_story_placement_id_placement'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_success_story'))
    )
    with op.batch_alter_table('success_story', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_success_story_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_success_story_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('success_story', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_success_story_status'))
        batch_op.drop_index(batch_op.f('ix_success_story_company_id'))

    op.drop_table('success_story')
