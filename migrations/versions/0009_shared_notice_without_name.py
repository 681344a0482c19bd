"""A "candidate shared" notice no longer names the citizen

The notice of kind ``candidate_shared`` said "<name> er delt med jer som kandidat til «…»."
A notice is kept, but withdrawing consent must hide the identity again (SECURITY.md), so new
notices name the candidate's per-opening pseudonym. The pseudonym's key is not in the
database, so the notices written before say "en kandidat" instead; the title stays. The name
is not brought back on a downgrade (it would show a withdrawn identity again).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:30:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD = re.compile(r"^.* er delt med jer som kandidat til «(?P<title>.*)»\.$", re.DOTALL)
NEW = "Navnet på en kandidat er delt med jer (kandidat til «{title}»)."


def upgrade():
    notice = sa.table("notification", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                      sa.column("text", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(notice.c.id, notice.c.text)
                              .where(notice.c.kind == "candidate_shared")).all()
    for row_id, text in rows:
        found = OLD.match(text or "")
        if found:
            connection.execute(notice.update().where(notice.c.id == row_id)
                               .values(text=NEW.format(title=found.group("title"))))


def downgrade():
    pass  # the names are not restored: see above
