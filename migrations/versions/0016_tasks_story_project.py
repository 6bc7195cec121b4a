"""tasks indexed by (story_id, project_id) instead of (story_id): a story's tasks as before, and the
distinct projects of a story's tasks read one index seek per project (timeline.story_projects: who
follows a story event on a 1,500-task story cost 1,500 task reads per write)

Revision ID: 0016
Revises: 0015
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_story_project', ['story_id', 'project_id'], unique=False)
        batch_op.drop_index('ix_tasks_story')


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_story', ['story_id'], unique=False)
        batch_op.drop_index('ix_tasks_story_project')
