"""What the importers' tests share: a new, migrated database per test, on each engine."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from builders import BACKENDS

sys.path.insert(0, str(Path(__file__).parent))
from newdb import new_database  # noqa: E402


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return new_database(request.param, request, tmp_path)
