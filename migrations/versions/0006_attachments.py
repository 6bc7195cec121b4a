"""attachments: files attached to stories, their content in a content-addressed blob table

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'attachment_blobs',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_attachment_blobs')),
    )
    op.create_table(
        'attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('title', sa.String(length=255), nullable=True),
        sa.Column('content_type', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('creator_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_attachments_story_id_stories'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_attachments_comment_id_comments'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['sha256'], ['attachment_blobs.sha256'],
                                name=op.f('fk_attachments_sha256_attachment_blobs')),
        sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_attachments_creator_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index('ix_attachments_story', ['story_id', 'id'], unique=False)
        batch_op.create_index('ix_attachments_sha256', ['sha256'], unique=False)
        batch_op.create_index('ix_attachments_comment', ['comment_id'], unique=False)


def downgrade() -> None:
    op.drop_table('attachments')
    op.drop_table('attachment_blobs')
