"""A new, migrated Storyline database for an importer test (tests/importers/conftest.py's `url`)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from migrated import migrated_database

_n = itertools.count(1)


def new_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path, name: str = "import") -> str:
    """An empty Storyline database at the newest schema: a SQLite file in `tmp_path`, or a database of
    the session's PostgreSQL server (a copy of the migrated template, tests/migrated.py)."""
    if backend == "sqlite":
        return migrated_database(backend, None, tmp_path, name)
    return migrated_database(backend, request.getfixturevalue("pg"), tmp_path, f"storyline_{name}_{next(_n)}")
