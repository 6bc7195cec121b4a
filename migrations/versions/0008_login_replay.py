"""login replay: used codes and refresh tokens are remembered (a replay revokes what they issued),
and a pending login is bound to the browser that started it

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('family', sa.String(length=64), nullable=True))
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('family', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_refresh_tokens_family', ['family'], unique=False)
    with op.batch_alter_table('pending_logins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('browser_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pending_logins', schema=None) as batch_op:
        batch_op.drop_column('browser_hash')
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_refresh_tokens_family')
        batch_op.drop_column('family')
        batch_op.drop_column('used_at')
    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.drop_column('family')
        batch_op.drop_column('used_at')
