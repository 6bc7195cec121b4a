"""full-text search indexes (SQLite FTS5 / PostgreSQL tsvector + GIN)

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KINDS = ("story", "task", "project", "user")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for kind in KINDS:
            op.execute(
                f"CREATE VIRTUAL TABLE {kind}_fts USING fts5(title, body, tokenize = 'unicode61')"
            )
    else:
        for kind in KINDS:
            op.execute(f"CREATE TABLE {kind}_search (id integer PRIMARY KEY, document tsvector NOT NULL)")
            op.execute(f"CREATE INDEX ix_{kind}_search_document ON {kind}_search USING gin (document)")


def downgrade() -> None:
    for kind in KINDS:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TABLE {kind}_fts")
        else:
            op.execute(f"DROP TABLE {kind}_search")
