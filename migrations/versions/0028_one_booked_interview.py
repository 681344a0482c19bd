"""At most one booked interview per proposal, in the schema: a partial unique index

``UNIQUE (proposal_id) WHERE status = 'booked'`` on interview (``uq_interview_one_booked``).
Until now only the service's row lock (:func:`portal.interviews.service.lock`) kept a pair to
one booked time; a race it did not stop, or another writer (a script, the database by hand),
could book two. The index refuses that whoever writes, on SQLite and PostgreSQL alike (both
take partial indexes; no table is copied).

Before the index is created, every proposal with two or more booked interviews is resolved:
the one booked first stays booked (the earliest ``decided_at``, the moment it was booked; a row
without one after those with one; ties by the lowest id), and the others become "cancelled",
the status the vocabulary already has for a booked time called off. The one booked first is the
one the service keeps too: of two steps on the same times the one saved second is refused, so
the later bookings are the ones that should not have happened. No row is deleted: a cancelled
row keeps its time, place, uid and ``decided_at`` (when it was booked); its ``sequence`` is
raised by one, as :func:`portal.interviews.service.cancel` does for a booked time, so the
portal names it "Aflyst" (it was in the calendars). No calendar cancellation, notice or
webhook is sent from a migration: the log line names how many rows changed and their ids, so
the job centre can tell the people concerned.

Downgrade: the index is dropped; the interviews cancelled by the upgrade stay cancelled (which
of them were booked cannot be told from the rows afterwards, and booking two again is the state
the index is there to prevent).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 06:00:00

"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

INDEX = 'uq_interview_one_booked'
BOOKED = sa.text("status = 'booked'")
# A child of the "alembic" logger, which alembic.ini shows at INFO: the line appears in
# `flask db upgrade`'s output next to "Running upgrade 0027 -> 0028".
log = logging.getLogger('alembic.runtime.migration')


def _second_bookings(bind) -> list[int]:
    """The ids of every booked interview that is not its proposal's first booking."""
    rows = bind.execute(sa.text(
        "SELECT id, proposal_id FROM interview WHERE status = 'booked' "
        "ORDER BY proposal_id, CASE WHEN decided_at IS NULL THEN 1 ELSE 0 END, decided_at, id")).all()
    later, seen = [], set()
    for interview_id, proposal_id in rows:
        if proposal_id in seen:
            later.append(interview_id)
        seen.add(proposal_id)
    return later


def upgrade():
    bind = op.get_bind()
    later = _second_bookings(bind)
    if later:
        interview = sa.table('interview', sa.column('id', sa.Integer), sa.column('status', sa.String),
                             sa.column('sequence', sa.Integer))
        bind.execute(interview.update().where(interview.c.id.in_(later))
                     .values(status='cancelled', sequence=interview.c.sequence + 1))
        log.warning("0028: %d booked interview(s) cancelled, a later booking of a proposal that had "
                    "one already (ids %s); no calendar cancellation was sent",
                    len(later), ", ".join(str(i) for i in sorted(later)))
    else:
        log.info("0028: no proposal had more than one booked interview; nothing changed")
    op.create_index(INDEX, 'interview', ['proposal_id'], unique=True,
                    sqlite_where=BOOKED, postgresql_where=BOOKED)


def downgrade():
    op.drop_index(INDEX, table_name='interview')
