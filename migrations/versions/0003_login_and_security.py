"""login and security

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 03:00:55.753481
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_logins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=100), nullable=False),
    sa.Column('nonce', sa.String(length=128), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_redirect_uri', sa.Text(), nullable=False),
    sa.Column('client_state', sa.Text(), nullable=True),
    sa.Column('scope', sa.String(length=100), nullable=False),
    sa.Column('client_code_challenge', sa.String(length=128), nullable=True),
    sa.Column('client_code_challenge_method', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_logins')),
    sa.UniqueConstraint('state_hash', name=op.f('uq_pending_logins_state_hash'))
    )
    op.create_table('authorization_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('redirect_uri', sa.Text(), nullable=False),
    sa.Column('scope', sa.String(length=100), nullable=False),
    sa.Column('code_challenge', sa.String(length=128), nullable=True),
    sa.Column('code_challenge_method', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_authorization_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorization_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_authorization_codes_code_hash'))
    )
    op.create_table('user_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_identities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_identities')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_user_identities_issuer_subject'))
    )
    with op.batch_alter_table('user_identities', schema=None) as batch_op:
        batch_op.create_index('ix_user_identities_user', ['user_id'], unique=False)

    op.create_table('refresh_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('access_token_id', sa.Integer(), nullable=True),
    sa.Column('expires_in', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['access_token_id'], ['access_tokens.id'], name=op.f('fk_refresh_tokens_access_token_id_access_tokens'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_refresh_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_tokens_token_hash'))
    )
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_refresh_tokens_user', ['user_id'], unique=False)

    op.create_table('story_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_story_audit_actor_id_users')),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_audit_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_story_audit'))
    )
    with op.batch_alter_table('story_audit', schema=None) as batch_op:
        batch_op.create_index('ix_story_audit_story', ['story_id', 'id'], unique=False)

    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), nullable=False, server_default='personal'))

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('security_team_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_projects_security_team_id_teams'), 'teams', ['security_team_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('information_type', sa.String(length=20), nullable=False,
                                      server_default='public'))
        batch_op.add_column(sa.Column('embargo_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('disclosure_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('disclosure_due_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_stories_disclosure_at', ['disclosure_at'], unique=False)

    # Existing stories: the information type follows the two v1 flags.
    op.execute(
        "UPDATE stories SET information_type = CASE "
        "WHEN private AND security THEN 'private_security' WHEN private THEN 'private' "
        "WHEN security THEN 'public_security' ELSE 'public' END"
    )


def downgrade() -> None:
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_index('ix_stories_disclosure_at')
        batch_op.drop_column('disclosure_due_at')
        batch_op.drop_column('disclosure_at')
        batch_op.drop_column('embargo_until')
        batch_op.drop_column('information_type')

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_projects_security_team_id_teams'), type_='foreignkey')
        batch_op.drop_column('security_team_id')

    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('story_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_story_audit_story')

    op.drop_table('story_audit')
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_refresh_tokens_user')

    op.drop_table('refresh_tokens')
    with op.batch_alter_table('user_identities', schema=None) as batch_op:
        batch_op.drop_index('ix_user_identities_user')

    op.drop_table('user_identities')
    op.drop_table('authorization_codes')
    op.drop_table('pending_logins')
