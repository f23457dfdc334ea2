"""sub-tasks and manual order

A task may have a parent (same owner, same list; its sub-tasks go with it when it is
deleted) and has a manual-order key among its siblings (a fractional-index key, compared
byte by byte: "C" collation on PostgreSQL). Each list, and each user's Inbox, remembers
whether a new task goes first or last. Existing tasks get keys in their present order
(newest first), so every list reads as it did until someone reorders it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 14:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from fractional_indexing import generate_n_keys_between


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

POSITION = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('lists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('add_on_top', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inbox_add_on_top', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('position', POSITION, server_default='a0', nullable=False))
        batch_op.create_index('ix_tasks_owner_list_parent_position', ['owner_id', 'list_id', 'parent_id', 'position'], unique=False)
        batch_op.create_index('ix_tasks_parent', ['parent_id'], unique=False)
        batch_op.create_foreign_key('fk_tasks_parent_id_tasks', 'tasks', ['parent_id'], ['id'], ondelete='CASCADE')

    # Every existing task is top level: keys in each list's present order, newest first.
    bind = op.get_bind()
    tasks = sa.table('tasks', sa.column('id', sa.Uuid()), sa.column('owner_id', sa.Uuid()),
                     sa.column('list_id', sa.Uuid()), sa.column('created_at'),
                     sa.column('position', sa.String()))
    rows = bind.execute(
        sa.select(tasks.c.id, tasks.c.owner_id, tasks.c.list_id)
        .order_by(tasks.c.owner_id, tasks.c.list_id, tasks.c.created_at.desc(), tasks.c.id.desc())
    ).all()
    groups: dict = {}
    for row in rows:
        groups.setdefault((row.owner_id, row.list_id), []).append(row.id)
    for ids in groups.values():
        for task_id, key in zip(ids, generate_n_keys_between(None, None, len(ids))):
            bind.execute(sa.update(tasks).where(tasks.c.id == task_id).values(position=key))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint('fk_tasks_parent_id_tasks', type_='foreignkey')
        batch_op.drop_index('ix_tasks_parent')
        batch_op.drop_index('ix_tasks_owner_list_parent_position')
        batch_op.drop_column('position')
        batch_op.drop_column('parent_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('inbox_add_on_top')
    with op.batch_alter_table('lists', schema=None) as batch_op:
        batch_op.drop_column('add_on_top')
