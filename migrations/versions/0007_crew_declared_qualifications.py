"""crew profiles: qualifications the person declared, waiting for an organizer to confirm

Revision ID: 0007_crew_declared
Revises: 0006_vendors

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_crew_declared'
down_revision = '0006_vendors'
branch_labels = None
depends_on = None


def upgrade():
    # Existing profiles get an empty list; the server default is only there for them.
    with op.batch_alter_table('crew_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_qualifications', sa.JSON(), nullable=False,
                                      server_default='[]'))
    with op.batch_alter_table('crew_profiles', schema=None) as batch_op:
        batch_op.alter_column('declared_qualifications', server_default=None)


def downgrade():
    with op.batch_alter_table('crew_profiles', schema=None) as batch_op:
        batch_op.drop_column('declared_qualifications')
