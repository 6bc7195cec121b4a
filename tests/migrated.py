"""A new database at the newest schema, copied from one migrated template per test process.

Running the Alembic migrations costs about a second of CPU per database (more on PostgreSQL); many tests
want an empty database of their own (per test or per module). Each pytest process therefore migrates one
template per engine, once, and copies it: a SQLite file through SQLite's backup API, a PostgreSQL
database with `CREATE DATABASE ... TEMPLATE`. The copy is the migrated database, page for page (its
`alembic_version` included). The tests of the migrations themselves and of `storyline db upgrade` still
run Alembic on an empty database (tests/unit/test_migrations.py, tests/unit/test_cli.py).
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from storyline.migrate import upgrade

_sqlite_template: Path | None = None


def sqlite_template() -> Path:
    """This process's migrated SQLite file (made on first use, removed at exit)."""
    global _sqlite_template
    if _sqlite_template is None:
        directory = Path(tempfile.mkdtemp(prefix="storyline-template-"))
        atexit.register(shutil.rmtree, directory, True)
        path = directory / "template.db"
        upgrade(f"sqlite:///{path}")
        _sqlite_template = path
    return _sqlite_template


def migrated_sqlite(path: Path) -> str:
    """A migrated SQLite database at `path` (which must not exist yet); its URL."""
    assert not path.exists(), path
    source = sqlite3.connect(sqlite_template())
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return f"sqlite:///{path}"


def migrated_database(backend: str, pg: Any, directory: Path, name: str) -> str:
    """A migrated database of `backend` ("sqlite": the file `directory/name.db`; "postgresql": the database
    `name` of the session's server `pg`, dropped first if it exists); its URL."""
    if backend == "sqlite":
        return migrated_sqlite(directory / f"{name}.db")
    assert pg is not None, "PostgreSQL is not among STORYLINE_TEST_DATABASES"
    return str(pg.migrated_database(name))


def like(database_url: str, pg: Any, directory: Path, name: str) -> str:
    """A migrated database of its own on the engine of `database_url` (the session's database)."""
    return migrated_database("sqlite" if database_url.startswith("sqlite") else "postgresql", pg, directory, name)
