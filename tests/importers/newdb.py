"""A new, migrated Storyline database for an importer test (tests/importers/conftest.py's `url`)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from storyline.migrate import upgrade

_n = itertools.count(1)


def new_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path, name: str = "import") -> str:
    """An empty Storyline database at the newest schema: a SQLite file in `tmp_path`, or a database of
    the session's PostgreSQL server."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
    else:
        url = request.getfixturevalue("pg").create_database(f"storyline_{name}_{next(_n)}")
    upgrade(url)
    return url
