"""task mutations: the change engine's log, so each mutation applies exactly once

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 08:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (AutoString in generated columns)


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('task_mutations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('outcome', sa.JSON(), nullable=False),
    sa.Column('undo', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('task_mutations', schema=None) as batch_op:
        batch_op.create_index('ix_task_mutations_owner_created', ['owner_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task_mutations', schema=None) as batch_op:
        batch_op.drop_index('ix_task_mutations_owner_created')
    op.drop_table('task_mutations')
