"""SQLite: a story's search document in parts, rows of story_fts with rowids (story id << 16) + part
(search/index.py), so that a comment rewrites the last part rather than the whole document; each
story's document so far becomes its first part. PostgreSQL: nothing changes.

Revision ID: 0017
Revises: 0016
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

BITS = 16


def _rebuild(select_rows: str) -> None:
    op.execute("CREATE VIRTUAL TABLE story_fts_new USING fts5(title, body, tokenize = 'unicode61')")
    op.execute(f"INSERT INTO story_fts_new (rowid, title, body) {select_rows}")
    op.execute("DROP TABLE story_fts")
    op.execute("ALTER TABLE story_fts_new RENAME TO story_fts")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(f"SELECT rowid << {BITS}, title, body FROM story_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # one row per story again: its parts' texts in order, the title from the first
        _rebuild(f"SELECT story, max(title), group_concat(body, char(10)) FROM "
                 f"(SELECT rowid >> {BITS} AS story, title, body FROM story_fts ORDER BY rowid) GROUP BY story")
