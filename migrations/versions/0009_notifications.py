"""notifications: outbox retries with backoff, leases of the external lane (e-mail, webhooks) and
parked rows; the e-mail digests' progress

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('parked_at', sa.DateTime(), nullable=True))
    # Rows left aside by the old rule (5 failed attempts) are parked.
    op.execute("UPDATE outbox SET parked_at = created_at WHERE attempts >= 5")


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('parked_at')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('next_attempt_at')
