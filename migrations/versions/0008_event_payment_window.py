"""event seating: an event's own payment window for online payments (empty: the organization's)

Revision ID: 0008_event_payment_window
Revises: 0007_crew_declared

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_event_payment_window'
down_revision = '0007_crew_declared'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event_seating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_minutes', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('event_seating', schema=None) as batch_op:
        batch_op.drop_column('payment_minutes')
