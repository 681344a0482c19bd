"""deployment_fact: facts about this deployment, first when it began to follow the consent's text

The access export (``portal.admin.access_export``) states, for a time a company was shown a
citizen's name under »samtykke-v1« (whose text covered the name alone), what the company got:
once the portal shared only what a consent's text covers (``portal.proposals.CONSENT_SCOPES``),
the name alone; before that, what the consent's choices held, which no record fully says
(»Ukendt«). The moment was a constant in the code, the commit time of the rule
(06.12.2026 19:17:30 UTC): true only for a deployment that ran that code from that second.

No table held settings or facts of the deployment (``indexer_state`` is the indexer's, one row
of its own), so ``deployment_fact`` (name, moment) is new, and this revision writes
``consent_scope_rule_from`` = the time of the upgrade (UTC, to the second); a fresh install's
is its install time. The honest rule: the upgrade that brings the fact is the one moment every
deployment is known to run the rule (a deployment on code from before it gets the rule with
this revision; one that ran the rule's code since 06.12.2026 19:17:30 UTC, as the demo did,
took it into use at a moment no record holds, between that and now). A date later than the
truth only makes the export say »Ukendt« for the profile and the CV of a v1 time shown in
between, where it might have said »Nej«; an earlier one would say »Nej« where the company may
have seen them. Never earlier than the constant, as the upgrade is later than it.

Downgrade: the table is dropped (the code before this revision has the constant); upgrading
again writes the time of that upgrade, later, which errs the same safe way.

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06 22:15:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade():
    fact = op.create_table(
        'deployment_fact',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_deployment_fact')),
    )
    now = datetime.now(timezone.utc).replace(microsecond=0)
    op.bulk_insert(fact, [{'name': 'consent_scope_rule_from', 'at': now}])


def downgrade():
    op.drop_table('deployment_fact')
