"""integrations: code review sources (Gerrit, GitHub, GitLab), their deliveries (deduplication), the
changes linked to stories and tasks, repository mappings and per-project rules

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'integration_sources',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('origin', sa.String(length=255), nullable=True),
        sa.Column('secret_hash', sa.String(length=64), nullable=True),
        sa.Column('secret', sa.String(length=255), nullable=True),
        sa.Column('bot_user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('resume_after', sa.String(length=255), nullable=True),
        sa.Column('last_event_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['bot_user_id'], ['users.id'], name=op.f('fk_integration_sources_bot_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_sources')),
        sa.UniqueConstraint('name', name=op.f('uq_integration_sources_name')),
    )
    op.create_table(
        'integration_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('event', sa.String(length=64), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('handled_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['source_id'], ['integration_sources.id'],
                                name=op.f('fk_integration_deliveries_source_id_integration_sources'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_deliveries')),
        sa.UniqueConstraint('source_id', 'key', name=op.f('uq_integration_deliveries_source_id_key')),
    )
    with op.batch_alter_table('integration_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_integration_deliveries_received', ['received_at'], unique=False)
    op.create_table(
        'review_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('repository', sa.String(length=255), nullable=False),
        sa.Column('number', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=255), nullable=False),
        sa.Column('url', sa.Text(), nullable=True),
        sa.Column('branch', sa.String(length=255), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('wip', sa.Boolean(), nullable=False),
        sa.Column('patchset', sa.Integer(), nullable=True),
        sa.Column('owner_name', sa.String(length=255), nullable=True),
        sa.Column('owner_username', sa.String(length=255), nullable=True),
        sa.Column('votes', sa.Text(), nullable=True),
        sa.Column('ci', sa.String(length=16), nullable=True),
        sa.Column('state_at', sa.DateTime(), nullable=True),
        sa.Column('votes_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['source_id'], ['integration_sources.id'],
                                name=op.f('fk_review_changes_source_id_integration_sources'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_changes')),
        sa.UniqueConstraint('source_id', 'key', name=op.f('uq_review_changes_source_id_key')),
    )
    op.create_table(
        'change_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('relation', sa.String(length=16), nullable=False),
        sa.Column('previous_status', sa.String(length=16), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['change_id'], ['review_changes.id'],
                                name=op.f('fk_change_links_change_id_review_changes'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_change_links_story_id_stories'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_change_links_task_id_tasks'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_links')),
    )
    with op.batch_alter_table('change_links', schema=None) as batch_op:
        batch_op.create_index('ix_change_links_change', ['change_id'], unique=False)
        batch_op.create_index('ix_change_links_story', ['story_id'], unique=False)
        batch_op.create_index('ix_change_links_task', ['task_id'], unique=False)
    op.create_table(
        'integration_repositories',
        sa.Column('repository', sa.String(length=255), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_integration_repositories_project_id_projects'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('repository', name=op.f('pk_integration_repositories')),
    )
    op.create_table(
        'integration_project_rules',
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('rules', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_integration_project_rules_project_id_projects'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('project_id', name=op.f('pk_integration_project_rules')),
    )


def downgrade() -> None:
    op.drop_table('integration_project_rules')
    op.drop_table('integration_repositories')
    with op.batch_alter_table('change_links', schema=None) as batch_op:
        batch_op.drop_index('ix_change_links_task')
        batch_op.drop_index('ix_change_links_story')
        batch_op.drop_index('ix_change_links_change')
    op.drop_table('change_links')
    op.drop_table('review_changes')
    with op.batch_alter_table('integration_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_integration_deliveries_received')
    op.drop_table('integration_deliveries')
    op.drop_table('integration_sources')
