"""Since when a hotline request reopened before the audit marks existed waits again, from its messages

0016 filled ``hotline_request.waiting_since`` from the "hotline_reopened" audit marks. A request
put back before those marks existed got none, and the portal worked its target out from the
messages on every page. This revision stores that once: for an open request the job centre has
answered, the company's first message after the job centre's last reply (later messages don't
move the target). A request without such a message keeps NULL (its first target counts).

Downgrade: nothing to undo (the column is 0016's; a filled value stays true).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 08:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# portal.hotline.service.STAFF_ROLES when this revision was written (a migration never imports
# the application).
_STAFF = "('consultant', 'admin')"


def upgrade():
    op.execute(f"""
        UPDATE hotline_request SET waiting_since = (
            SELECT min(m.created_at) FROM hotline_message m JOIN "user" u ON u.id = m.author_id
            WHERE m.request_id = hotline_request.id AND u.role NOT IN {_STAFF}
              AND m.id > (SELECT max(r.id) FROM hotline_message r JOIN "user" s ON s.id = r.author_id
                          WHERE r.request_id = hotline_request.id AND s.role IN {_STAFF}))
        WHERE status = 'open' AND first_response_at IS NOT NULL AND waiting_since IS NULL""")


def downgrade():
    pass
