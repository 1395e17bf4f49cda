"""SQLAlchemy Core tables: the database is the truth.

Repositories map rows to the pure dataclasses of each domain; bulk paths (materialising an
audience, claiming, recording outcomes) use Core statements directly.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from campaign.kernel.channel import Channel
from campaign.store.types import JSONDocument, UTCDateTime

# Stable constraint names so Alembic migrations match on both databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")


def _pk() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _created() -> Column[object]:
    return Column("created_at", UTCDateTime(), nullable=False)


partners = Table(
    "partners",
    metadata,
    _pk(),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    _created(),
)

users = Table(
    "users",
    metadata,
    _pk(),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(16), nullable=False),
    Column("partner_id", Id, ForeignKey("partners.id"), nullable=True),
    _created(),
)

api_keys = Table(
    "api_keys",
    metadata,
    _pk(),
    Column("name", String(200), nullable=False),
    Column("prefix", String(32), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=True),
    Column("partner_id", Id, ForeignKey("partners.id"), nullable=True),
    _created(),
    Column("last_used_at", UTCDateTime(), nullable=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
    # Refused from this moment on; None: until revoked (migration 0011).
    Column("expires_at", UTCDateTime(), nullable=True),
)

contacts = Table(
    "contacts",
    metadata,
    _pk(),
    Column("external_id", String(200), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("email", String(320), nullable=True),
    # Keyed hashes of the normalised addresses: joined against the suppression list.
    Column("phone_key", String(64), nullable=True),
    Column("email_key", String(64), nullable=True),
    Column("language", String(8), nullable=False),
    Column("first_name", String(200), nullable=True),
    Column("preferred_channel", String(8), nullable=True),
    Column("time_zone", String(64), nullable=False),
    Column("postcode", String(16), nullable=True),
    Column("municipality", String(120), nullable=True),
    Column("province", String(120), nullable=True),
    Column("region", String(120), nullable=True),
    Column("attributes", JSONDocument(), nullable=False),
    Column("consent_sms", Boolean, nullable=False, default=False),
    Column("consent_sms_source", String(200), nullable=True),
    Column("consent_sms_at", UTCDateTime(), nullable=True),
    Column("consent_email", Boolean, nullable=False, default=False),
    Column("consent_email_source", String(200), nullable=True),
    Column("consent_email_at", UTCDateTime(), nullable=True),
    Column("opted_out_sms_at", UTCDateTime(), nullable=True),
    Column("opted_out_email_at", UTCDateTime(), nullable=True),
    Column("owner_partner_id", Id, ForeignKey("partners.id"), nullable=True),
    _created(),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("erased_at", UTCDateTime(), nullable=True),
    # external ids are unique within their owner (the authority or one partner).
    UniqueConstraint("owner_partner_id", "external_id"),
    Index("ix_contacts_language", "language"),
    # Keys are random and only compared for equality: a hash index of a million keys is a
    # third of a B-tree's size (32 MB, not 91) and takes new keys faster (migration 0004).
    Index("ix_contacts_phone_key", "phone_key", postgresql_using="hash"),
    Index("ix_contacts_email_key", "email_key", postgresql_using="hash"),
)

contact_partners = Table(
    "contact_partners",
    metadata,
    Column("contact_id", Id, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", Id, ForeignKey("partners.id"), primary_key=True),
)

suppressions = Table(
    "suppressions",
    metadata,
    _pk(),
    Column("channel", String(8), nullable=False),
    Column("address_key", String(64), nullable=False),
    Column("reason", String(200), nullable=False),
    _created(),
    UniqueConstraint("channel", "address_key"),
)

# Keyed hashes of addresses that more than one contact holds: the households. A superset of
# the addresses truly shared among contacts not erased (an erasure leaves its entries), so
# previews can skip the household sort for everyone else (docs/decisions/0014).
shared_addresses = Table(
    "shared_addresses",
    metadata,
    Column("channel", String(8), primary_key=True),
    Column("address_key", String(64), primary_key=True),
)

fields = Table(
    "fields",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("labels", JSONDocument(), nullable=False),
)

# A partner's own attributes: visible to that partner only, capped per partner (migration 0011,
# docs/decisions/0033). The shared registry above is the authority's, read by everyone.
partner_fields = Table(
    "partner_fields",
    metadata,
    Column("partner_id", Id, ForeignKey("partners.id"), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("labels", JSONDocument(), nullable=False),
)

segments = Table(
    "segments",
    metadata,
    _pk(),
    Column("name", String(200), nullable=False),
    Column("query", Text, nullable=False),
    Column("owner_partner_id", Id, ForeignKey("partners.id"), nullable=True),
    Column("created_by", Id, ForeignKey("users.id"), nullable=True),
    _created(),
    Column("updated_at", UTCDateTime(), nullable=False),
)

measures = Table(
    "measures",
    metadata,
    _pk(),
    Column("slug", String(100), nullable=False, unique=True),
    Column("level", String(16), nullable=False),
    Column("theme", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("amount", String(100), nullable=True),
    Column("eligibility", Text, nullable=True),
    Column("valid_from", UTCDateTime(), nullable=True),
    Column("valid_until", UTCDateTime(), nullable=True),
    Column("contact_point", String(300), nullable=True),
    Column("link", String(500), nullable=True),
    # {"nl": {"title": ..., "summary": ..., "how_to": ...}, ...}
    Column("translations", JSONDocument(), nullable=False),
    _created(),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Everyone who wrote a measure's words (created or edited it): none of them may approve a
# campaign that carries it (four eyes; migration 0011).
measure_authors = Table(
    "measure_authors",
    metadata,
    Column("measure_id", Id, ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
)

templates = Table(
    "templates",
    metadata,
    _pk(),
    Column("slug", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    _created(),
)

template_versions = Table(
    "template_versions",
    metadata,
    _pk(),
    Column("template_id", Id, ForeignKey("templates.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", Id, ForeignKey("users.id"), nullable=True),
    _created(),
    UniqueConstraint("template_id", "version"),
)

template_variants = Table(
    "template_variants",
    metadata,
    _pk(),
    Column("version_id", Id, ForeignKey("template_versions.id"), nullable=False),
    Column("language", String(8), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("subject", Text, nullable=True),
    Column("body", Text, nullable=False),
    UniqueConstraint("version_id", "language", "channel"),
)

campaigns = Table(
    "campaigns",
    metadata,
    _pk(),
    Column("name", String(200), nullable=False),
    Column("state", String(24), nullable=False),
    Column("template_version_id", Id, ForeignKey("template_versions.id"), nullable=False),
    Column("audience_query", Text, nullable=False),
    Column("segment_id", Id, ForeignKey("segments.id"), nullable=True),
    # Channels in order of preference; a contact's own preference comes first when allowed.
    Column("channels", JSONDocument(), nullable=False),
    Column("honour_contact_channel", Boolean, nullable=False, default=True),
    # When the chosen channel fails for good for a person, try the other one once.
    Column("channel_fallback", Boolean, nullable=False, default=False, server_default="0"),
    Column("language_fallback", JSONDocument(), nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("window_ends_at", UTCDateTime(), nullable=True),
    Column("quiet_hours", JSONDocument(), nullable=True),  # {"start": "21:00", "end": "08:00"}
    Column("rate_per_second", Float, nullable=False),
    Column("spend_cap", Float, nullable=True),
    # At most this many SMS segments per message: a longer one is skipped, not sent.
    Column("sms_segment_cap", Integer, nullable=True),
    # Why this campaign sends outside the service's default quiet hours (None: it does not).
    Column("quiet_hours_override", Text, nullable=True),
    # What its messages handed to a provider are expected to cost so far (the spend cap's count).
    Column("spent", Float, nullable=False, default=0.0, server_default="0"),
    Column("approval_override", Text, nullable=True),
    # The latest check of what people get (at submission, then at approval): findings, warnings.
    Column("checks", JSONDocument(), nullable=True),
    # The measures' texts and eligibility as approved: editing a measure later changes nothing.
    Column("pinned_measures", JSONDocument(), nullable=True),
    Column("owner_partner_id", Id, ForeignKey("partners.id"), nullable=True),
    Column("created_by", Id, ForeignKey("users.id"), nullable=True),
    _created(),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_campaigns_state_starts_at", "state", "starts_at"),
)

campaign_measures = Table(
    "campaign_measures",
    metadata,
    Column("campaign_id", Id, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("measure_id", Id, ForeignKey("measures.id"), primary_key=True),
)

campaign_audit = Table(
    "campaign_audit",
    metadata,
    _pk(),
    Column("campaign_id", Id, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(24), nullable=False),
    Column("from_state", String(24), nullable=True),
    Column("to_state", String(24), nullable=True),
    Column("actor_user_id", Id, ForeignKey("users.id"), nullable=True),
    Column("actor", String(320), nullable=False),  # kept readable after a user is removed
    Column("reason", Text, nullable=True),
    # What the checks found when it was submitted or approved (CheckReport.as_json).
    Column("details", JSONDocument(), nullable=True),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_campaign_audit_campaign_id", "campaign_id"),
)

campaign_runs = Table(
    "campaign_runs",
    metadata,
    _pk(),
    Column("campaign_id", Id, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=True),
    Column("completed_at", UTCDateTime(), nullable=True),
    Column("message_count", Integer, nullable=False, default=0),
    # The audience as it was read when the run was materialised (a segment may change later).
    Column("audience_query", Text, nullable=True),
    UniqueConstraint("campaign_id", "sequence"),
)

messages = Table(
    "messages",
    metadata,
    _pk(),
    Column("run_id", Id, ForeignKey("campaign_runs.id", ondelete="CASCADE"), nullable=False),
    Column("campaign_id", Id, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("contact_id", Id, ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True),
    Column("channel", String(8), nullable=False),
    Column("address", String(320), nullable=True),  # normalised; nulled on erasure
    Column("language", String(8), nullable=False),
    Column("state", String(24), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("provider_id", String(64), nullable=True),
    Column("provider_status", String(32), nullable=True),
    Column("error_code", String(32), nullable=True),
    Column("reason", Text, nullable=True),
    Column("segments", Integer, nullable=True),
    Column("encoding", String(8), nullable=True),
    Column("cost", Float, nullable=True),
    _created(),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("final_at", UTCDateTime(), nullable=True),
    # Staff looked at an `unknown` message and decided not to resend it: who, when.
    Column("settled_at", UTCDateTime(), nullable=True),
    Column("settled_by", String(320), nullable=True),
    # What was handed over, as a digest: a look-up at the provider matches on it.
    Column("text_digest", String(32), nullable=True),
    # When an `unknown` message is next looked up at its provider, and how often it was.
    Column("lookup_at", UTCDateTime(), nullable=True),
    Column("lookups", Integer, nullable=False, default=0, server_default="0"),
    # The message on the other channel that carries this one after it failed for good, at
    # most one (the unique key): a fallback is queued in the transaction of the failure.
    Column("fallback_of", Id, nullable=True),
    # When this attempt was handed to a provider that cannot be asked afterwards (SMTP):
    # a worker that dies leaves unmarked messages to go back to the queue (dispatch.handover).
    Column("handed_over_at", UTCDateTime(), nullable=True),
    # A household sharing a phone gets one SMS per run.
    UniqueConstraint("run_id", "channel", "address"),
    UniqueConstraint("fallback_of"),
    Index("ix_messages_state_next_attempt_at", "state", "next_attempt_at"),
    Index("ix_messages_campaign_id_state", "campaign_id", "state"),
    Index("ix_messages_provider_id", "provider_id"),
    # The weekly cap per person counts each contact's recent messages.
    Index("ix_messages_contact_id_sent_at", "contact_id", "sent_at"),
)

delivery_events = Table(
    "delivery_events",
    metadata,
    _pk(),
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("from_state", String(24), nullable=True),
    Column("to_state", String(24), nullable=False),
    Column("provider_status", String(32), nullable=True),
    Column("code", String(32), nullable=True),
    Column("reason", Text, nullable=True),
    Index("ix_delivery_events_message_id", "message_id"),
)

# Who in a run's audience got no message, and why (decision 0027): written in the transaction
# that queues the run's messages, by one INSERT … SELECT, so every person matched is either a
# message or one row here.
run_exclusions = Table(
    "run_exclusions",
    metadata,
    _pk(),
    Column("run_id", Id, ForeignKey("campaign_runs.id", ondelete="CASCADE"), nullable=False),
    Column("campaign_id", Id, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("contact_id", Id, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(24), nullable=False),  # campaign.campaigns.exclusions.ExcludedBecause
    # Why each channel of the run does not reach the person (NULL: it would, or it is not used).
    Column("sms_reason", String(24), nullable=True),
    Column("email_reason", String(24), nullable=True),
    # For a household member left out: the message that went to the address they share.
    Column("message_id", Id, ForeignKey("messages.id", ondelete="SET NULL"), nullable=True),
    UniqueConstraint("run_id", "contact_id"),
    # Pages of a campaign's exclusions in id order, and their counts by reason.
    Index("ix_run_exclusions_campaign_id_id", "campaign_id", "id"),
)

outbox = Table(
    "outbox",
    metadata,
    _pk(),
    Column("topic", String(64), nullable=False),
    Column("payload", JSONDocument(), nullable=False),
    _created(),
    Column("available_at", UTCDateTime(), nullable=False),
    Column("processed_at", UTCDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
    Index("ix_outbox_processed_at_available_at", "processed_at", "available_at"),
)

# One rate shared by every worker: the time (seconds since the epoch) from which the next message
# under ``key`` may go, moved forward by each reservation (a cell-rate algorithm in one row), and
# the last turn promised to a message sent back to wait, so waiting messages do not share turns.
send_rates = Table(
    "send_rates",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("next_at", Float, nullable=False),
    Column("promised_at", Float, nullable=False),
)

# The stop switch: while its one row says stopped, no worker hands anything to a provider.
dispatch_switch = Table(
    "dispatch_switch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("stopped", Boolean, nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    Column("changed_by", String(320), nullable=False),
    Column("reason", Text, nullable=True),
)

# Providers' status callbacks as they came, kept before they are answered (a provider does not
# repeat one that got a 2xx), then applied; one naming no message we know stays for staff.
provider_callbacks = Table(
    "provider_callbacks",
    metadata,
    _pk(),
    Column("provider", String(16), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("message_id", Id, nullable=True),  # our id from the callback URL: no foreign key
    Column("provider_id", String(64), nullable=True),
    Column("status", String(32), nullable=False),
    Column("error_code", String(32), nullable=True),
    Column("payload", Text, nullable=False),  # the form, as JSON
    Column("applied_at", UTCDateTime(), nullable=True),
    Column("outcome", String(32), nullable=True),
    Index("ix_provider_callbacks_applied_at_id", "applied_at", "id"),
    # Those for staff to reconcile, counted on every dispatch status: a few among millions.
    Index(
        "ix_provider_callbacks_unmatched",
        "id",
        postgresql_where=text("outcome = 'unknown message'"),
        sqlite_where=text("outcome = 'unknown message'"),
    ),
)

# A provider account that refuses to send at all (credentials, sender): while a row is here its
# messages wait; after ``retry_at`` one worker sends one message as a probe.
provider_circuits = Table(
    "provider_circuits",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("channel", String(8), nullable=False),
    Column("code", String(32), nullable=True),
    Column("reason", Text, nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("retry_at", UTCDateTime(), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("probe_owner", String(64), nullable=True),
)

CHANNELS = tuple(channel.value for channel in Channel)

__all__ = [
    "CHANNELS",
    "CheckConstraint",
    "metadata",
]

# Mail that came back to our return path (bounces, complaints, auto-replies), by SMTP or over
# HTTP, with what it did. One that matched no message keeps its bytes for staff.
mail_notices = Table(
    "mail_notices",
    metadata,
    _pk(),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("via", String(8), nullable=False),  # smtp | http
    Column("kind", String(16), nullable=False),
    Column("message_id", Id, nullable=True),  # ours, when the notice named one we sent
    Column("recipient", String(320), nullable=True),
    Column("status", String(16), nullable=True),
    Column("diagnostic", Text, nullable=True),
    Column("outcome", String(32), nullable=False),
    Column("raw", LargeBinary, nullable=True),  # kept only when it matched nothing
    Index("ix_mail_notices_received_at", "received_at"),
    Index(
        "ix_mail_notices_unmatched",
        "id",
        postgresql_where=text("outcome = 'unknown message'"),
        sqlite_where=text("outcome = 'unknown message'"),
    ),
)
