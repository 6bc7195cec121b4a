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


def test_story_documents_become_their_first_part_and_back(tmp_path):
    """0017 (SQLite): each story's one search row becomes its first part (rowid story << 16); going
    back joins a story's parts again."""
    from alembic import command
    from sqlalchemy import text

    from storyline.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'parts.db'}"
    upgrade(url, "0016")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO story_fts (rowid, title, body) VALUES (3, 'Three', 'alpha\nbeta'), "
                              "(70000, 'Big', 'gamma')"))
        upgrade(url, "0017")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT rowid, title, body FROM story_fts ORDER BY rowid")).all() == [
                (3 << 16, "Three", "alpha\nbeta"), (70000 << 16, "Big", "gamma")]
            assert conn.execute(text("SELECT rowid >> 16 FROM story_fts WHERE story_fts MATCH 'beta'")).all() == [(3,)]
            conn.execute(text("INSERT INTO story_fts (rowid, title, body) VALUES ((3 << 16) + 1, '', 'delta')"))
        command.downgrade(alembic_config(url), "0016")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT rowid, title, body FROM story_fts ORDER BY rowid")).all() == [
                (3, "Three", "alpha\nbeta\ndelta"), (70000, "Big", "gamma")]
    finally:
        engine.dispose()
