"""A placement that never started can be cancelled: end reason "aflyst", event kind "cancelled"

A placement registered with a future start that then never happens (the citizen does not turn
up, the company calls it off) is cancelled (:func:`portal.placements.lifecycle.cancel_placement`)
instead of being ended on its start date as "afbrudt", which made it count as a company-based
placement in the policy goals. The row is kept with end reason "aflyst" (end date = the planned
start) and a "cancelled" event. Both columns are VARCHARs with a CHECK constraint
(``store.models.base.enum_of``), so the two constraints are replaced; the widths stay (the
longest keys are unchanged). Batch mode as in 0014; placement keeps AUTOINCREMENT (0015).

Downgrade: no row is lost. An "aflyst" placement becomes "afbrudt" (the nearest older reason:
it was stopped), and a "cancelled" event becomes "ended"; the reason the consultant typed stays
in the event's note. Upgrading again cannot tell these from real interruptions.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

REASON_CHECK = 'ck_placement_end_reason'  # full names (op.f: no prefix added)
EVENT_CHECK = 'ck_placement_event_placement_event_kind'
OLD_REASONS = ('ordinaert_job', 'fleksjob', 'uddannelse', 'afbrudt', 'forloeb_slut', 'andet')
NEW_REASONS = OLD_REASONS + ('aflyst',)
OLD_EVENTS = ('started', 'followup', 'ended', 'corrected')
NEW_EVENTS = OLD_EVENTS + ('cancelled',)


def _condition(column: str, keys: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{k}'" for k in keys) + ")"


def _placement_counter() -> int | None:
    """SQLite's AUTOINCREMENT counter of placement: a copied table restarts from its highest row,
    which would hand out again the ids of erased placements above it (as in 0018)."""
    if op.get_bind().dialect.name != 'sqlite':
        return None
    return op.get_bind().exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'placement'").scalar()


def _restore_placement_counter(seq: int | None) -> None:
    if seq is None:
        return
    bind = op.get_bind()
    if bind.exec_driver_sql("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'placement'",
                            (seq,)).rowcount == 0:
        bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('placement', ?)", (seq,))


def _replace(reasons: tuple[str, ...], events: tuple[str, ...]) -> None:
    counter = _placement_counter()
    with op.batch_alter_table('placement', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(op.f(REASON_CHECK), type_='check')
        batch_op.create_check_constraint(op.f(REASON_CHECK), _condition('end_reason', reasons))
    with op.batch_alter_table('placement_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(EVENT_CHECK), type_='check')
        batch_op.create_check_constraint(op.f(EVENT_CHECK), _condition('kind', events))
    _restore_placement_counter(counter)


def upgrade():
    _replace(NEW_REASONS, NEW_EVENTS)


def downgrade():
    placement = sa.table('placement', sa.column('end_reason', sa.String))
    event = sa.table('placement_event', sa.column('kind', sa.String))
    op.execute(placement.update().where(placement.c.end_reason == 'aflyst').values(end_reason='afbrudt'))
    op.execute(event.update().where(event.c.kind == 'cancelled').values(kind='ended'))
    _replace(OLD_REASONS, OLD_EVENTS)
