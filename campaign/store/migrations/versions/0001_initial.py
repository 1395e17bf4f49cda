"""Initial schema: every table of campaign.store.tables, as its metadata has it.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 01:19:36.043992
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaign.store.types

revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fields',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('labels', campaign.store.types.JSONDocument(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_fields'))
    )
    op.create_table('measures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('theme', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.String(length=100), nullable=True),
    sa.Column('eligibility', sa.Text(), nullable=True),
    sa.Column('valid_from', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('valid_until', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('contact_point', sa.String(length=300), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('translations', campaign.store.types.JSONDocument(), nullable=False),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measures')),
    sa.UniqueConstraint('slug', name=op.f('uq_measures_slug'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('payload', campaign.store.types.JSONDocument(), nullable=False),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('available_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('processed_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('lease_until', campaign.store.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_processed_at_available_at', ['processed_at', 'available_at'], unique=False)

    op.create_table('partners',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('slug', name=op.f('uq_partners_slug'))
    )
    op.create_table('suppressions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressions')),
    sa.UniqueConstraint('channel', 'address_key', name=op.f('uq_suppressions_channel_address_key'))
    )
    op.create_table('templates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_templates')),
    sa.UniqueConstraint('slug', name=op.f('uq_templates_slug'))
    )
    op.create_table('contacts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone_key', sa.String(length=64), nullable=True),
    sa.Column('email_key', sa.String(length=64), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('first_name', sa.String(length=200), nullable=True),
    sa.Column('preferred_channel', sa.String(length=8), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('postcode', sa.String(length=16), nullable=True),
    sa.Column('municipality', sa.String(length=120), nullable=True),
    sa.Column('province', sa.String(length=120), nullable=True),
    sa.Column('region', sa.String(length=120), nullable=True),
    sa.Column('attributes', campaign.store.types.JSONDocument(), nullable=False),
    sa.Column('consent_sms', sa.Boolean(), nullable=False),
    sa.Column('consent_sms_source', sa.String(length=200), nullable=True),
    sa.Column('consent_sms_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('consent_email', sa.Boolean(), nullable=False),
    sa.Column('consent_email_source', sa.String(length=200), nullable=True),
    sa.Column('consent_email_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('opted_out_sms_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('opted_out_email_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('owner_partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('erased_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['owner_partner_id'], ['partners.id'], name=op.f('fk_contacts_owner_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('owner_partner_id', 'external_id', name=op.f('uq_contacts_owner_partner_id_external_id'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_email_key'), ['email_key'], unique=False)
        batch_op.create_index('ix_contacts_language', ['language'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_phone_key'), ['phone_key'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_users_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=32), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_api_keys_partner_id_partners')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_keys_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    op.create_table('contact_partners',
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_partners_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_contact_partners_partner_id_partners')),
    sa.PrimaryKeyConstraint('contact_id', 'partner_id', name=op.f('pk_contact_partners'))
    )
    op.create_table('segments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('owner_partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_segments_created_by_users')),
    sa.ForeignKeyConstraint(['owner_partner_id'], ['partners.id'], name=op.f('fk_segments_owner_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments'))
    )
    op.create_table('template_versions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_template_versions_created_by_users')),
    sa.ForeignKeyConstraint(['template_id'], ['templates.id'], name=op.f('fk_template_versions_template_id_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_versions')),
    sa.UniqueConstraint('template_id', 'version', name=op.f('uq_template_versions_template_id_version'))
    )
    op.create_table('campaigns',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('template_version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('audience_query', sa.Text(), nullable=False),
    sa.Column('segment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channels', campaign.store.types.JSONDocument(), nullable=False),
    sa.Column('honour_contact_channel', sa.Boolean(), nullable=False),
    sa.Column('language_fallback', campaign.store.types.JSONDocument(), nullable=False),
    sa.Column('starts_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('window_ends_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('quiet_hours', campaign.store.types.JSONDocument(), nullable=True),
    sa.Column('rate_per_second', sa.Float(), nullable=False),
    sa.Column('spend_cap', sa.Float(), nullable=True),
    sa.Column('approval_override', sa.Text(), nullable=True),
    sa.Column('owner_partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_campaigns_created_by_users')),
    sa.ForeignKeyConstraint(['owner_partner_id'], ['partners.id'], name=op.f('fk_campaigns_owner_partner_id_partners')),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_campaigns_segment_id_segments')),
    sa.ForeignKeyConstraint(['template_version_id'], ['template_versions.id'], name=op.f('fk_campaigns_template_version_id_template_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index('ix_campaigns_state_starts_at', ['state', 'starts_at'], unique=False)

    op.create_table('template_variants',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['template_versions.id'], name=op.f('fk_template_variants_version_id_template_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_variants')),
    sa.UniqueConstraint('version_id', 'language', 'channel', name=op.f('uq_template_variants_version_id_language_channel'))
    )
    op.create_table('campaign_audit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=True),
    sa.Column('actor_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_campaign_audit_actor_user_id_users')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_audit_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_audit'))
    )
    with op.batch_alter_table('campaign_audit', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_audit_campaign_id', ['campaign_id'], unique=False)

    op.create_table('campaign_measures',
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('measure_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_measures_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_campaign_measures_measure_id_measures')),
    sa.PrimaryKeyConstraint('campaign_id', 'measure_id', name=op.f('pk_campaign_measures'))
    )
    op.create_table('campaign_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('due_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('started_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('completed_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('message_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_runs_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_runs')),
    sa.UniqueConstraint('campaign_id', 'sequence', name=op.f('uq_campaign_runs_campaign_id_sequence'))
    )
    op.create_table('messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('provider_id', sa.String(length=64), nullable=True),
    sa.Column('provider_status', sa.String(length=32), nullable=True),
    sa.Column('error_code', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('segments', sa.Integer(), nullable=True),
    sa.Column('encoding', sa.String(length=8), nullable=True),
    sa.Column('cost', sa.Float(), nullable=True),
    sa.Column('created_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.Column('final_at', campaign.store.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_messages_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_messages_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['campaign_runs.id'], name=op.f('fk_messages_run_id_campaign_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('run_id', 'channel', 'address', name=op.f('uq_messages_run_id_channel_address'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_campaign_id_state', ['campaign_id', 'state'], unique=False)
        batch_op.create_index('ix_messages_provider_id', ['provider_id'], unique=False)
        batch_op.create_index('ix_messages_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)

    op.create_table('delivery_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', campaign.store.types.UTCDateTime(), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=False),
    sa.Column('provider_status', sa.String(length=32), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_delivery_events_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_events'))
    )
    with op.batch_alter_table('delivery_events', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_events_message_id', ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delivery_events', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_events_message_id')

    op.drop_table('delivery_events')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_state_next_attempt_at')
        batch_op.drop_index('ix_messages_provider_id')
        batch_op.drop_index('ix_messages_campaign_id_state')

    op.drop_table('messages')
    op.drop_table('campaign_runs')
    op.drop_table('campaign_measures')
    with op.batch_alter_table('campaign_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_audit_campaign_id')

    op.drop_table('campaign_audit')
    op.drop_table('template_variants')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index('ix_campaigns_state_starts_at')

    op.drop_table('campaigns')
    op.drop_table('template_versions')
    op.drop_table('segments')
    op.drop_table('contact_partners')
    op.drop_table('api_keys')
    op.drop_table('users')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_phone_key'))
        batch_op.drop_index('ix_contacts_language')
        batch_op.drop_index(batch_op.f('ix_contacts_email_key'))

    op.drop_table('contacts')
    op.drop_table('templates')
    op.drop_table('suppressions')
    op.drop_table('partners')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_processed_at_available_at')

    op.drop_table('outbox')
    op.drop_table('measures')
    op.drop_table('fields')
