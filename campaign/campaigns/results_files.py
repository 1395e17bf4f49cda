"""A campaign's results per person as spreadsheet rows: one per message, one per person left out.

Every cell goes through ``safe_cell`` (audiences/importing/cells.py), the one guard against a
cell a spreadsheet would run as a formula: reasons carry a provider's or a mail server's words,
``settled_by`` a key's name, and a masked phone number starts with ``+``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from audiences.importing.cells import safe_cell
from campaign.campaigns.exclusions import Exclusion
from campaign.delivery.listing import DeliveryEvent
from campaign.delivery.model import MessageRecord
from campaign.kernel.channel import Channel

MESSAGE_COLUMNS = (
    "message_id",
    "contact_id",
    "channel",
    "address",
    "language",
    "state",
    "reason",
    "error_code",
    "attempts",
    "sent_at",
    "final_at",
    "cost",
    "segments",
    "last_event",
    "last_event_at",
    "settled_at",
    "settled_by",
)

EXCLUSION_COLUMNS = (
    "contact_id",
    "run_id",
    "reason",
    "words",
    *(f"{c.value}_reason" for c in Channel),
    "message_id",
)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6g}"  # 0.24, not 0.24000000000000002
    return str(value)


def _cells(values: Sequence[object]) -> list[str]:
    return [safe_cell(_text(v)) for v in values]


def message_cells(record: MessageRecord, events: Sequence[DeliveryEvent]) -> list[str]:
    """One message (its address already masked) as the cells of ``MESSAGE_COLUMNS``."""
    last = events[-1] if events else None
    return _cells(
        [
            record.id,
            record.contact_id,
            record.channel.value,
            record.address,
            record.language,
            record.state.value,
            record.reason,
            record.error_code,
            record.attempts,
            record.sent_at,
            record.final_at,
            record.cost,
            record.segments,
            last.to_state.value if last else None,
            last.at if last else None,
            record.settled_at,
            record.settled_by,
        ]
    )


def message_rows(
    records: Sequence[MessageRecord], events: Mapping[int, Sequence[DeliveryEvent]]
) -> list[list[str]]:
    return [message_cells(r, events.get(r.id, ())) for r in records]


def exclusion_cells(exclusion: Exclusion) -> list[str]:
    """One person left out of a run as the cells of ``EXCLUSION_COLUMNS``."""
    channel_reasons = [exclusion.channels.get(c) for c in Channel]
    return _cells(
        [
            exclusion.contact_id,
            exclusion.run_id,
            exclusion.reason.value,
            exclusion.words,
            *(r.value if r is not None else None for r in channel_reasons),
            exclusion.message_id,
        ]
    )
