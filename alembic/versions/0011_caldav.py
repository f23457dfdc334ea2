"""CalDAV: what clients chose for a task (UID, resource name, unmapped properties) and the
collection states behind sync tokens

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 20:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (AutoString in generated columns)


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('dav_objects',
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('extra', sa.Text(), nullable=False),
    sa.Column('pending_parent_uid', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id')
    )
    with op.batch_alter_table('dav_objects', schema=None) as batch_op:
        batch_op.create_index('ix_dav_objects_owner_uid', ['owner_id', 'uid'], unique=False)
        batch_op.create_index('ix_dav_objects_owner_name', ['owner_id', 'name'], unique=False)
    op.create_table('dav_sync_states',
    sa.Column('collection', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('members', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('collection', 'token')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('dav_sync_states')
    with op.batch_alter_table('dav_objects', schema=None) as batch_op:
        batch_op.drop_index('ix_dav_objects_owner_name')
        batch_op.drop_index('ix_dav_objects_owner_uid')
    op.drop_table('dav_objects')
