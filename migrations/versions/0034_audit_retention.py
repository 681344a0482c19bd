"""The access log gets a retention period: the retention run may delete rows older than it

``audit_event`` has been append-only since 0001: a trigger refuses every UPDATE and DELETE, on
SQLite and PostgreSQL, so the log was kept for ever (review AU 8). The retention run now deletes
the rows older than ``AUDIT_RETENTION_DAYS`` (``portal.audit_retention.prune``), and the delete
trigger lets exactly that through:

- PostgreSQL: ``audit_event_append_only()`` lets a DELETE pass only when the transaction has
  ``SET LOCAL jobbro.audit_retention = 'on'`` and the row's ``at`` is before the moment in
  ``SET LOCAL jobbro.audit_retention_cutoff``. Both settings end with the transaction by
  themselves. UPDATE is refused as before.
- SQLite (no session settings): ``audit_event_no_delete`` fires unless the one-row table
  ``audit_retention_window`` (created here, on both databases: one schema) holds a ``cutoff``
  later than the row's ``at``. The retention step writes that row, deletes and removes the row
  again in one transaction, so it is never committed. ``audit_event_no_update`` is unchanged.

Any other delete is still refused, with the same message. The trigger is a guard against
mistakes and other writers, not against a database owner (who can drop it, as before).

Downgrade: the 0001 triggers (every delete refused) and no window table.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_event is append-only"

SQLITE_DELETE_GUARD = (
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_retention_window w WHERE w.id = 1 AND OLD.at < w.cutoff) "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
)
SQLITE_DELETE_REFUSED = (  # 0001's
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
)
POSTGRES_GUARD = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cutoff timestamptz;
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('jobbro.audit_retention', true), '') = 'on' THEN
        cutoff := nullif(current_setting('jobbro.audit_retention_cutoff', true), '')::timestamptz;
        IF cutoff IS NOT NULL AND OLD.at < cutoff THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '{APPEND_ONLY}';
END $$
"""
POSTGRES_REFUSED = (  # 0001's
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
)


def upgrade():
    op.create_table('audit_retention_window',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cutoff', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_retention_window_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_retention_window'))
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        op.execute(SQLITE_DELETE_GUARD)
    elif dialect == "postgresql":
        op.execute(POSTGRES_GUARD)  # the trigger (0001's, UPDATE OR DELETE) calls it unchanged


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        op.execute(SQLITE_DELETE_REFUSED)
    elif dialect == "postgresql":
        op.execute(POSTGRES_REFUSED)
    op.drop_table('audit_retention_window')
