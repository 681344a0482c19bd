"""An index on the citizen list's Danish sort key: ix_citizen_name_danish

The citizen list (``/borgere``) sorts by a key computed from the name
(``portal.citizens.danish_order.order_by``: ``lower()`` and eighteen nested ``replace()``, so
Æ, Ø, Å come after Z), then the name, then the id. No index served it, so every page computed
the key for every citizen of the scope and sorted them all before ``LIMIT``: at 50,000 open
cases 0.23-0.32 s of CPU a page on SQLite (docs/performance.md).

This index is on that very expression, then ``name`` and ``id``, so a page reads its entries
of the index instead. A database uses an index on an expression only for the same expression,
so the key's letters are SQL literals, never bound parameters (``store.danish_key``, where the
rule now lives: the model declares the same index), and the index is the key's rule as of this
revision (:data:`REPLACEMENTS`, a copy): a change of the rule needs a migration that recreates the
index (tests/portal/test_migration_0037.py compares the index with what ``order_by`` emits, on
both databases). On PostgreSQL the name is lowered under ``COLLATE "C"``, which the key and so
the index keep as their collation.

No column, nothing to keep in step on writes (imports, anonymisation): the database keeps the
index. SQLAlchemy cannot reflect an index on an expression on SQLite, so a later migration that
copies ``citizen`` in batch mode there would drop it silently: such a migration must create it
again (the test above fails at the newest revision if it is missing).

Downgrade: the index is dropped; no data changes either way.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 16:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None

INDEX = 'ix_citizen_name_danish'
# portal.citizens.danish_order.REPLACEMENTS as of this revision (each letter in both cases).
REPLACEMENTS = (('æ', '{1'), ('ä', '{1'), ('ø', '{2'), ('ö', '{2'), ('å', '{3'),
                ('é', 'e'), ('è', 'e'), ('á', 'a'), ('ü', 'y'))


def sort_key(column, dialect_name):
    """The SQL of ``store.danish_key.sort_key_sql(column, dialect_name)`` as of this revision."""
    postgresql = dialect_name == 'postgresql'
    key = f'lower({column} COLLATE "C")' if postgresql else f'lower({column})'
    for letter, replacement in REPLACEMENTS:
        key = f"replace({key}, '{letter}', '{replacement}')"
        key = f"replace({key}, '{letter.upper()}', '{replacement}')"
    return key


def upgrade():
    key = sort_key('name', op.get_bind().dialect.name)
    op.execute(f'CREATE INDEX {INDEX} ON citizen ({key}, name, id)')


def downgrade():
    op.execute(f'DROP INDEX {INDEX}')
