"""refresh token grace and the search's default order: a rotated refresh token keeps its successor
pair sealed with its own value (`successor`: presented again within the grace window it answers
that pair); on PostgreSQL an index in the exact order of the search's default and `sort:updated-*`
(`updated_at DESC NULLS LAST, id DESC`; walked backwards for ascending), which the ascending
`ix_stories_updated_at` cannot give (read backwards it puts NULLs first). SQLite needs no new index:
its NULLs sort first ascending, so `ix_stories_updated_at` (with the rowid) read backwards is that order.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('successor', sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_stories_updated_desc ON stories (updated_at DESC NULLS LAST, id DESC)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_stories_updated_desc")
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_column('successor')
