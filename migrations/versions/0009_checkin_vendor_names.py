"""check-ins: a vendor pass's business and booth, as the verdict named them

Revision ID: 0009_checkin_vendor_names
Revises: 0008_event_payment_window

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_checkin_vendor_names'
down_revision = '0008_event_payment_window'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get empty names; the server defaults are only there for them.
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vendor_name', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('vendor_booth', sa.String(length=60), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.alter_column('vendor_name', server_default=None)
        batch_op.alter_column('vendor_booth', server_default=None)


def downgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_column('vendor_booth')
        batch_op.drop_column('vendor_name')
