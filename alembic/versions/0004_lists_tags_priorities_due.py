"""lists, tags, priorities, due dates, time zones

Existing tasks land in the Inbox (list_id NULL) with no priority, no tags and no due date;
existing users get the time zone UTC until they choose theirs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:20:42.594496

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (AutoString in generated columns)


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('lists',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=180), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'name_key', name='uq_lists_owner_name')
    )
    with op.batch_alter_table('lists', schema=None) as batch_op:
        batch_op.create_index('ix_lists_owner_position', ['owner_id', 'position'], unique=False)

    op.create_table('tags',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'name_key', name='uq_tags_owner_name')
    )
    op.create_table('task_tags',
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('tag_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'tag_id')
    )
    with op.batch_alter_table('task_tags', schema=None) as batch_op:
        batch_op.create_index('ix_task_tags_tag_task', ['tag_id', 'task_id'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('list_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('due_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_time', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_tasks_owner_due_created', ['owner_id', 'due_date', 'created_at'], unique=False)
        batch_op.create_index('ix_tasks_owner_list_created', ['owner_id', 'list_id', 'created_at'], unique=False)
        batch_op.create_index('ix_tasks_owner_priority_created', ['owner_id', 'priority', 'created_at'], unique=False)
        batch_op.create_foreign_key('fk_tasks_list_id_lists', 'lists', ['list_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), server_default='UTC', nullable=False))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint('fk_tasks_list_id_lists', type_='foreignkey')
        batch_op.drop_index('ix_tasks_owner_priority_created')
        batch_op.drop_index('ix_tasks_owner_list_created')
        batch_op.drop_index('ix_tasks_owner_due_created')
        batch_op.drop_column('due_at')
        batch_op.drop_column('due_time')
        batch_op.drop_column('due_date')
        batch_op.drop_column('priority')
        batch_op.drop_column('list_id')

    with op.batch_alter_table('task_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_task_tags_tag_task')

    op.drop_table('task_tags')
    op.drop_table('tags')
    with op.batch_alter_table('lists', schema=None) as batch_op:
        batch_op.drop_index('ix_lists_owner_position')

    op.drop_table('lists')
