"""saved_views: named story queries owned by a user, shared with a team, pinned to home or a project;
stories indexed by (status, private, id) and created_at, tasks by (project_id, story_id), for the query language

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'saved_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('columns', sa.Text(), nullable=True),
        sa.Column('sort', sa.String(length=32), nullable=True),
        sa.Column('pinned_home', sa.Boolean(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_saved_views_owner_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_saved_views_team_id_teams'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_saved_views_project_id_projects'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    )
    op.create_index('ix_saved_views_owner', 'saved_views', ['owner_id'], unique=False)
    op.create_index('ix_saved_views_team', 'saved_views', ['team_id'], unique=False)
    op.create_index('ix_saved_views_project', 'saved_views', ['project_id'], unique=False)
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.create_index('ix_stories_status_private', ['status', 'private', 'id'], unique=False)
        batch_op.create_index('ix_stories_created_at', ['created_at'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_project_story', ['project_id', 'story_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_project_story')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_index('ix_stories_created_at')
        batch_op.drop_index('ix_stories_status_private')
    op.drop_index('ix_saved_views_project', table_name='saved_views')
    op.drop_index('ix_saved_views_team', table_name='saved_views')
    op.drop_index('ix_saved_views_owner', table_name='saved_views')
    op.drop_table('saved_views')
