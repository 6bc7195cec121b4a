"""Alembic environment: the URL comes from the caller (storyline.migrate) or Settings."""

from __future__ import annotations

from alembic import context

import storyline.models  # noqa: F401  (fills Base.metadata)
from storyline.config import load_settings
from storyline.db import Base, make_engine
from storyline.migrate import include_object

config = context.config
url = config.attributes.get("url") or load_settings().database_url
connection = config.attributes.get("connection")


def run(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    engine = make_engine(url)
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
