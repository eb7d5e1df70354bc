"""Alembic migrations of the store's schema (run by `storage.migrate.upgrade_schema`).

`env.py` takes its connection from `config.attributes["connection"]`: the store runs
Alembic programmatically, inside its own transaction and schema lock, with no
alembic.ini. For a new revision, from the repository root:

    .venv/bin/python -c "from alembic import command; from alembic.config import Config;
    c = Config(); c.set_main_option('script_location', 'storage/migrations');
    command.revision(c, 'what changes', rev_id='0003')"

then write its upgrade() (render_as_batch: SQLite alters by copying the table) and set
HEAD below to the new id (tests/test_migrate.py checks they agree).
"""

# The newest revision in versions/, known without loading Alembic or SQLAlchemy: the
# cheap check on every open (storage.migrate) and the read commands' (storage.lite).
HEAD = "0003"
