"""Checked rows cross from the worker processes as tuples and come back as they were."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

from audiences.importing.rows import Consent, ContactRow
from campaign.kernel.channel import Channel


def _row(**values: object) -> ContactRow:
    row = ContactRow(
        7,
        "x7",
        "+32470000001",
        "an@example.org",
        {"first_name": "An", "language": "nl"},
        {Channel.SMS: Consent(True, "OCMW", datetime(2020, 3, 15, tzinfo=UTC))},
        {"age": 70},
        {"lives_alone"},
        "pk",
        "ek",
    )
    for name, value in values.items():
        setattr(row, name, value)
    return row


def test_a_row_comes_back_whole() -> None:
    row = _row()
    back = ContactRow.from_wire(pickle.loads(pickle.dumps(row.to_wire())))
    assert back == row
    assert next(iter(back.consent)) is Channel.SMS


def test_an_encoded_new_contact_travels_as_its_keys_and_line_alone() -> None:
    row = _row(insert_line="x7\t+32470000001\n")
    wire = row.to_wire()
    assert wire == (7, "x7", "pk", "ek", "x7\t+32470000001\n")
    back = ContactRow.from_wire(wire)
    assert (back.line, back.external_id, back.phone_key, back.email_key) == (7, "x7", "pk", "ek")
    assert back.insert_line == row.insert_line and back.columns == {}


def test_an_encoded_row_without_external_id_travels_whole() -> None:
    row = _row(external_id=None, insert_line="line\n")
    assert ContactRow.from_wire(row.to_wire()) == row
