"""Alembic migrations of the store's schema (run by `storage.migrate.upgrade_schema`).

`env.py` takes its connection from `config.attributes["connection"]`: the store runs
Alembic programmatically, inside its own transaction and schema lock, with no
alembic.ini. For a new revision, from the repository root:

    .venv/bin/alembic -x url=sqlite:///scratch.db -c /dev/null \\
        --name alembic revision -m "what changes"   # or copy the latest revision by hand

then set `storage.migrate.HEAD` to the new revision id (a test checks they agree).
"""
