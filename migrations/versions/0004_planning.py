"""planning

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 03:41:05.201778
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('planning_permissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=16), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('codename', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_permissions')),
    sa.UniqueConstraint('object_type', 'object_id', 'codename', name=op.f('uq_planning_permissions_object_type_object_id_codename'))
    )
    op.create_table('due_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('date', sa.DateTime(), nullable=False),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_due_dates_creator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_due_dates'))
    )
    op.create_table('planning_permission_teams',
    sa.Column('permission_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['permission_id'], ['planning_permissions.id'], name=op.f('fk_planning_permission_teams_permission_id_planning_permissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_planning_permission_teams_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('permission_id', 'team_id', name=op.f('pk_planning_permission_teams'))
    )
    op.create_index('ix_planning_permission_teams_team', 'planning_permission_teams', ['team_id'], unique=False)
    op.create_table('planning_permission_users',
    sa.Column('permission_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['permission_id'], ['planning_permissions.id'], name=op.f('fk_planning_permission_users_permission_id_planning_permissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_planning_permission_users_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('permission_id', 'user_id', name=op.f('pk_planning_permission_users'))
    )
    op.create_index('ix_planning_permission_users_user', 'planning_permission_users', ['user_id'], unique=False)
    op.create_table('boards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_boards_creator_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_boards_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boards'))
    )
    op.create_index('ix_boards_creator', 'boards', ['creator_id'], unique=False)
    op.create_table('due_date_items',
    sa.Column('due_date_id', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=8), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['due_date_id'], ['due_dates.id'], name=op.f('fk_due_date_items_due_date_id_due_dates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('due_date_id', 'item_type', 'item_id', name=op.f('pk_due_date_items'))
    )
    op.create_index('ix_due_date_items_item', 'due_date_items', ['item_type', 'item_id'], unique=False)
    op.create_table('worklists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_worklists_creator_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_worklists_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worklists'))
    )
    op.create_index('ix_worklists_creator', 'worklists', ['creator_id'], unique=False)
    op.create_table('board_lanes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_board_lanes_board_id_boards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['list_id'], ['worklists.id'], name=op.f('fk_board_lanes_list_id_worklists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_lanes')),
    sa.UniqueConstraint('list_id', name=op.f('uq_board_lanes_list_id'))
    )
    op.create_index('ix_board_lanes_board', 'board_lanes', ['board_id', 'position'], unique=False)
    op.create_table('due_date_boards',
    sa.Column('due_date_id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_due_date_boards_board_id_boards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['due_date_id'], ['due_dates.id'], name=op.f('fk_due_date_boards_due_date_id_due_dates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('due_date_id', 'board_id', name=op.f('pk_due_date_boards'))
    )
    op.create_index('ix_due_date_boards_board', 'due_date_boards', ['board_id'], unique=False)
    op.create_table('due_date_worklists',
    sa.Column('due_date_id', sa.Integer(), nullable=False),
    sa.Column('worklist_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['due_date_id'], ['due_dates.id'], name=op.f('fk_due_date_worklists_due_date_id_due_dates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worklist_id'], ['worklists.id'], name=op.f('fk_due_date_worklists_worklist_id_worklists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('due_date_id', 'worklist_id', name=op.f('pk_due_date_worklists'))
    )
    op.create_index('ix_due_date_worklists_worklist', 'due_date_worklists', ['worklist_id'], unique=False)
    op.create_table('worklist_filters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['list_id'], ['worklists.id'], name=op.f('fk_worklist_filters_list_id_worklists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worklist_filters'))
    )
    op.create_index('ix_worklist_filters_list', 'worklist_filters', ['list_id'], unique=False)
    op.create_table('worklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=8), nullable=False),
    sa.Column('list_position', sa.Integer(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('display_due_date', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['display_due_date'], ['due_dates.id'], name=op.f('fk_worklist_items_display_due_date_due_dates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['list_id'], ['worklists.id'], name=op.f('fk_worklist_items_list_id_worklists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worklist_items'))
    )
    op.create_index('ix_worklist_items_item', 'worklist_items', ['item_type', 'item_id'], unique=False)
    op.create_index('ix_worklist_items_list', 'worklist_items', ['list_id', 'archived', 'list_position'], unique=False)
    op.create_table('filter_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filter_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=True),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.Column('negative', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['filter_id'], ['worklist_filters.id'], name=op.f('fk_filter_criteria_filter_id_worklist_filters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filter_criteria'))
    )
    op.create_index('ix_filter_criteria_filter', 'filter_criteria', ['filter_id'], unique=False)
    op.create_table('priority_lists',
    sa.Column('worklist_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('cycle', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_priority_lists_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_priority_lists_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worklist_id'], ['worklists.id'], name=op.f('fk_priority_lists_worklist_id_worklists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('worklist_id', name=op.f('pk_priority_lists'))
    )
    op.create_index('ix_priority_lists_project', 'priority_lists', ['project_id'], unique=False)
    op.create_index('ix_priority_lists_team', 'priority_lists', ['team_id'], unique=False)
    op.create_table('stale_rules',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_stale_rules_author_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_stale_rules_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_stale_rules'))
    )
    op.create_table('stale_marks',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('marked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_stale_marks_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_stale_marks'))
    )


def downgrade() -> None:
    op.drop_table('stale_marks')
    op.drop_table('stale_rules')
    op.drop_index('ix_priority_lists_team', table_name='priority_lists')
    op.drop_index('ix_priority_lists_project', table_name='priority_lists')
    op.drop_table('priority_lists')
    op.drop_index('ix_filter_criteria_filter', table_name='filter_criteria')
    op.drop_table('filter_criteria')
    op.drop_index('ix_worklist_items_list', table_name='worklist_items')
    op.drop_index('ix_worklist_items_item', table_name='worklist_items')
    op.drop_table('worklist_items')
    op.drop_index('ix_worklist_filters_list', table_name='worklist_filters')
    op.drop_table('worklist_filters')
    op.drop_index('ix_due_date_worklists_worklist', table_name='due_date_worklists')
    op.drop_table('due_date_worklists')
    op.drop_index('ix_due_date_boards_board', table_name='due_date_boards')
    op.drop_table('due_date_boards')
    op.drop_index('ix_board_lanes_board', table_name='board_lanes')
    op.drop_table('board_lanes')
    op.drop_index('ix_worklists_creator', table_name='worklists')
    op.drop_table('worklists')
    op.drop_index('ix_due_date_items_item', table_name='due_date_items')
    op.drop_table('due_date_items')
    op.drop_index('ix_boards_creator', table_name='boards')
    op.drop_table('boards')
    op.drop_index('ix_planning_permission_users_user', table_name='planning_permission_users')
    op.drop_table('planning_permission_users')
    op.drop_index('ix_planning_permission_teams_team', table_name='planning_permission_teams')
    op.drop_table('planning_permission_teams')
    op.drop_table('due_dates')
    op.drop_table('planning_permissions')
