"""proposal.shared_contacts: which contact details the company was given, kept after the consent

A correction of the citizen's phone or e-mail must reach every company that got it (GDPR art.
16 and 19), but withdrawing a consent or ending a proposal clears the shared copy
(``proposal.shared_profile``), which was the portal's only record of which contact details the
company got. The column keeps them as field names (``["phone", "email"]``, never the values),
written when the name is shared and when a renewed consent shows other choices, never cleared
(``portal.proposals.contacts_given``); it goes with the proposal (erasure, retention).

Backfill, in Python (one reading of JSON on both databases), only what can honestly be known:

- a proposal whose name was never shared (no ``disclosed_at``, not ``disclosed``, no earlier
  disclosure): ``[]``, the company got nothing;
- one whose name was shared: the contact details its shared copy holds while it is still
  ``disclosed`` (the company sees them, or saw them until the consent ran out), and those the
  audit log's surviving events show were shared with the name: a consent event
  (``consent_recorded``/``consent_renewed``, purpose ``…;share:phone,email,cv``) followed by
  ``identity_disclosed``, or a consent renewed while the name was shared; a withdrawal, an end
  or a new decision on the pair stops the replay's sharing. The audit log is pruned
  (``AUDIT_RETENTION_DAYS``), so the replay reads only what survives, and never assumes what
  an event it lacks would have said (a disclosure without its consent event adds nothing);
- NULL where nothing is known: the company was given the name, but which contact details is
  not known (a consent withdrawn or ended before this revision, its events pruned). Such a
  company is told of a corrected name only, as before.

Downgrade: the column is dropped (``ALTER TABLE … DROP COLUMN``, which SQLite 3.35+ does in
place, so ``proposal`` is not copied and keeps its AUTOINCREMENT counter).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 16:10:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None

BATCH = 1000
# portal.proposals.CONTACT_KEYS as of this revision.
CONTACT_KEYS = ('phone', 'email')
CONSENT_EVENTS = ('consent_recorded', 'consent_renewed')
# The steps after which the company no longer sees the name (and the consent's choices are gone).
STOPS = ('consent_withdrawn', 'proposal_ended', 'proposal_renewed')
_SHARE = re.compile(r'(?:^|;)share:([a-z,]*)')


def _share(purpose):
    """The contact details a consent event's purpose names (``share:phone,email,cv`` or
    ``share:name``), or None when it does not say."""
    found = _SHARE.search(purpose or '')
    if found is None:
        return None
    return {key for key in found.group(1).split(',') if key in CONTACT_KEYS}


def _replayed(events):
    """The contact details the audit events of one pair (in time order) show were given."""
    given, share, shown = set(), None, False
    for action, purpose in events:
        if action in CONSENT_EVENTS:
            share = _share(purpose)
            if action == 'consent_renewed' and shown and share:
                given |= share  # a renewal while the name is shared shows its choices at once
        elif action == 'identity_disclosed':
            shown = True
            if share:
                given |= share
        elif action in STOPS:
            shown, share = False, set()
    return given


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_contacts', sa.JSON(), nullable=True))

    bind = op.get_bind()
    proposal = sa.table('proposal', sa.column('id', sa.Integer), sa.column('citizen_id', sa.Integer),
                        sa.column('opening_id', sa.Integer), sa.column('status', sa.String),
                        sa.column('disclosed_at', sa.DateTime(timezone=True)),
                        sa.column('shared_profile', sa.JSON), sa.column('shared_contacts', sa.JSON))
    disclosure = sa.table('proposal_disclosure', sa.column('proposal_id', sa.Integer))
    audit = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('action', sa.String),
                     sa.column('at', sa.DateTime(timezone=True)), sa.column('citizen_id', sa.Integer),
                     sa.column('opening_id', sa.Integer), sa.column('purpose', sa.String))

    earlier = set(bind.execute(sa.select(disclosure.c.proposal_id).distinct()).scalars())
    events = {}
    for citizen_id, opening_id, action, purpose in bind.execute(
            sa.select(audit.c.citizen_id, audit.c.opening_id, audit.c.action, audit.c.purpose)
            .where(audit.c.action.in_((*CONSENT_EVENTS, 'identity_disclosed', *STOPS)),
                   audit.c.citizen_id.is_not(None), audit.c.opening_id.is_not(None))
            .order_by(audit.c.at, audit.c.id)):
        events.setdefault((citizen_id, opening_id), []).append((action, purpose))

    values = []
    for pid, citizen_id, opening_id, status, disclosed_at, profile in bind.execute(
            sa.select(proposal.c.id, proposal.c.citizen_id, proposal.c.opening_id, proposal.c.status,
                      proposal.c.disclosed_at, proposal.c.shared_profile).order_by(proposal.c.id)):
        if disclosed_at is None and status != 'disclosed' and pid not in earlier:
            values.append({'pid': pid, 'contacts': []})
            continue
        given = _replayed(events.get((citizen_id, opening_id), ()))
        if status == 'disclosed':
            given |= {key for key in CONTACT_KEYS if isinstance(profile, dict) and profile.get(key)}
        if given:  # else NULL: not known
            values.append({'pid': pid, 'contacts': [key for key in CONTACT_KEYS if key in given]})

    update = (proposal.update().where(proposal.c.id == sa.bindparam('pid'))
              .values(shared_contacts=sa.bindparam('contacts')))
    for start in range(0, len(values), BATCH):
        bind.execute(update, values[start:start + BATCH])


def downgrade():
    op.drop_column('proposal', 'shared_contacts')
