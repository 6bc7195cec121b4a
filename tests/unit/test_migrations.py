"""The migrations produce exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import storyline.models  # noqa: F401
from storyline.db import Base
from storyline.migrate import include_object


def test_models_match_migrations(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_the_cli_reads_the_newest_revision_as_alembic_does(database_url):
    """The CLI's schema check takes the newest migration from the file names (fast); Alembic's head
    and the revision a migrated database is at must be that same one."""
    from alembic.script import ScriptDirectory

    from storyline.cli.common import newest_revision, schema_revisions
    from storyline.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert script.get_heads() == [newest_revision()]
    assert schema_revisions(database_url) == (newest_revision(), newest_revision())

