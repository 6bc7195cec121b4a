"""notifications: outbox retries with backoff, leases of the external lane (e-mail, webhooks) and
parked rows; the e-mail digests' progress

Revision ID: 0009
Revises: 0008
"""
import secrets

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
    op.create_table(
        'instance_secrets',
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('value', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_instance_secrets')),
    )
    # The key of signed links and reply addresses (storyline/signing.py), random per instance.
    op.bulk_insert(sa.table('instance_secrets', sa.column('name'), sa.column('value')),
                   [{'name': 'signing', 'value': secrets.token_hex(32)}])
    op.create_table(
        'notification_digests',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_digests_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_digests')),
    )
    # Rows left aside by the old rule (5 failed attempts) are parked.
    op.execute("UPDATE outbox SET parked_at = created_at WHERE attempts >= 5")


def downgrade() -> None:
    op.drop_table('notification_digests')
    op.drop_table('instance_secrets')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('parked_at')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('next_attempt_at')
