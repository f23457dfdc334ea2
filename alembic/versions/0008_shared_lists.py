"""shared lists: members, invitations, who a task is for, who added and completed it

A list's owner may give other accounts a role in it (``list_members``) by inviting their
email (``list_invitations``, which waits for an address with no account yet). Tasks record
their assignee, who created them and who completed them; the bell's notifications gain a
kind (reminder, invitation, assigned, ...) and the invitation they answer.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 17:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'list_members',
        sa.Column('list_id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['list_id'], ['lists.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('list_id', 'user_id'),
    )
    op.create_index('ix_list_members_user', 'list_members', ['user_id'], unique=False)
    op.create_table(
        'list_invitations',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('list_id', sa.Uuid(), nullable=False),
        sa.Column('invited_by', sa.Uuid(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['list_id'], ['lists.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_list_invitations_email', 'list_invitations', ['email'], unique=False)
    op.create_index('ix_list_invitations_list', 'list_invitations', ['list_id'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('created_by', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('completed_by', sa.Uuid(), nullable=True))
        batch_op.create_index('ix_tasks_assignee_id', ['assignee_id'], unique=False)
        batch_op.create_foreign_key('fk_tasks_assignee_id_users', 'users', ['assignee_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key('fk_tasks_created_by_users', 'users', ['created_by'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key('fk_tasks_completed_by_users', 'users', ['completed_by'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='reminder', nullable=False))
        batch_op.add_column(sa.Column('invitation_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key('fk_notifications_invitation_id', 'list_invitations', ['invitation_id'], ['id'], ondelete='CASCADE')
    # Every existing task was made by its owner, and completed by them if it is completed.
    tasks = sa.table('tasks', sa.column('owner_id', sa.Uuid()), sa.column('created_by', sa.Uuid()),
                     sa.column('completed_by', sa.Uuid()), sa.column('completed', sa.Boolean()))
    op.execute(sa.update(tasks).values(created_by=tasks.c.owner_id))
    op.execute(sa.update(tasks).where(tasks.c.completed.is_(True)).values(completed_by=tasks.c.owner_id))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notifications_invitation_id', type_='foreignkey')
        batch_op.drop_column('invitation_id')
        batch_op.drop_column('kind')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint('fk_tasks_completed_by_users', type_='foreignkey')
        batch_op.drop_constraint('fk_tasks_created_by_users', type_='foreignkey')
        batch_op.drop_constraint('fk_tasks_assignee_id_users', type_='foreignkey')
        batch_op.drop_index('ix_tasks_assignee_id')
        batch_op.drop_column('completed_by')
        batch_op.drop_column('created_by')
        batch_op.drop_column('assignee_id')
    op.drop_index('ix_list_invitations_list', table_name='list_invitations')
    op.drop_index('ix_list_invitations_email', table_name='list_invitations')
    op.drop_table('list_invitations')
    op.drop_index('ix_list_members_user', table_name='list_members')
    op.drop_table('list_members')
