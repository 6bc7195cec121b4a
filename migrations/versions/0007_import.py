"""import: Launchpad import bookkeeping and the additive fields it fills (user launchpad_name, story
duplicate_of and cves, task lp_status / lp_importance / lp_milestone)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'import_refs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('local_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=64), nullable=True),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_refs')),
        sa.UniqueConstraint('source', 'kind', 'key', name=op.f('uq_import_refs_source_kind_key')),
    )
    with op.batch_alter_table('import_refs', schema=None) as batch_op:
        batch_op.create_index('ix_import_refs_local', ['source', 'kind', 'local_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('launchpad_name', sa.String(length=100), nullable=True))
        batch_op.create_index('ix_users_launchpad_name', ['launchpad_name'], unique=True)

    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_of', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cves', sa.Text(), nullable=True))

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lp_status', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('lp_importance', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('lp_milestone', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('lp_milestone')
        batch_op.drop_column('lp_importance')
        batch_op.drop_column('lp_status')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_column('cves')
        batch_op.drop_column('duplicate_of')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_launchpad_name')
        batch_op.drop_column('launchpad_name')
    with op.batch_alter_table('import_refs', schema=None) as batch_op:
        batch_op.drop_index('ix_import_refs_local')
    op.drop_table('import_refs')
