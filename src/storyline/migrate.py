"""Run the Alembic migrations programmatically (CLI, `make run`, tests)."""

from __future__ import annotations

import re
from typing import Any

from alembic import command
from alembic.config import Config

from storyline.config import ROOT


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


SEARCH_TABLE = re.compile(r"^(story|task|project|user)_(fts(_\w+)?|search)$")
# Indexes of one dialect only, made by hand by their migration (0015: PostgreSQL's index for the
# search's default order, `updated_at DESC NULLS LAST`), not by the models.
DIALECT_INDEXES = frozenset({"ix_stories_updated_desc"})


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Autogenerate/compare filter: the full-text tables are made by hand in migration 0002
    (they differ per dialect), not by the models; so are DIALECT_INDEXES."""
    if type_ == "index" and name in DIALECT_INDEXES:
        return False
    return not (type_ == "table" and name is not None and SEARCH_TABLE.match(name))
