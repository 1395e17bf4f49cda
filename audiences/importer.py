"""Importing contacts from a CSV file.

Every row is checked; a bad row is rejected with its line, column and reason, and the good rows
are imported. Rows match existing contacts by (owner, external_id) only: an address alone never
merges two people, since households share phones and mailboxes (docs/decisions/0009). A row
without external_id that has the address and first name of a contact already there is counted as
unchanged when it says the same, and reported as ambiguous (nothing written) when it does not.
Rows are written in chunks, one transaction each.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from audiences.addresses import AddressKeys
from audiences.contact_repository import (
    by_address_key,
    by_external_id,
    insert_contacts,
    update_contacts,
)
from audiences.csvfile import CsvDocument, CsvFileError, read_csv
from audiences.fields import load_registry, register_fields
from audiences.importing import Decision, Matcher, RowWriter
from audiences.model import BUILT_IN_FIELDS, CONTACT_COLUMNS, FieldType, ImportReport, RejectedRow
from audiences.rows import ContactRow, RowChecker, RowRules
from audiences.values import infer_type
from campaign.clock import Clock
from campaign.store.engine import Database

CHUNK_SIZE = 500
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,63}")
_RESERVED = frozenset({"and", "or", "not", "in", "is", "set"})

Record = tuple[int, dict[str, str]]


@dataclass(slots=True)
class _Plan:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


async def import_contacts(
    database: Database,
    data: bytes | IO[bytes],
    *,
    keys: AddressKeys,
    clock: Clock,
    default_region: str,
    default_time_zone: str,
    languages: Collection[str],
    owner_partner_id: int | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Check every row of a contact CSV and import the good ones (or, in a dry run, only report)."""
    report = ImportReport(dry_run=dry_run)
    raw = data if isinstance(data, bytes) else data.read()
    try:
        document = read_csv(raw)
    except CsvFileError as exc:
        report.rejected.append(RejectedRow(1, "", str(exc)))
        return report
    report.encoding, report.delimiter = document.encoding, document.delimiter
    columns, problems = check_header(document.header)
    if problems:
        report.rejected.extend(problems)
        return report
    records = _records(document, columns, report)
    async with database.read_session() as session:
        registry = await load_registry(session)
    new_fields = _type_attributes(columns, records, registry, report)
    rules = RowRules(default_region, default_time_zone, languages, report.attributes)
    rows = _check_rows(RowChecker(rules), records, report)
    if new_fields and not dry_run:
        async with database.transaction() as session:
            await register_fields(session, new_fields)
    writer = RowWriter(keys, clock.now(), default_time_zone, owner_partner_id, set(columns))
    matcher = Matcher(writer)
    for start in range(0, len(rows), CHUNK_SIZE):
        chunk = rows[start : start + CHUNK_SIZE]
        opener = database.read_session if dry_run else database.transaction
        async with opener() as session:
            found = await by_external_id(
                session, owner_partner_id, [r.external_id for r in chunk if r.external_id]
            )
            phone_keys, email_keys = writer.address_keys([r for r in chunk if not r.external_id])
            nearby = await by_address_key(session, owner_partner_id, phone_keys, email_keys)
            plan = _plan(matcher, chunk, found, nearby, report)
            if not dry_run:
                await insert_contacts(session, plan.inserts, owner_partner_id)
                await update_contacts(session, plan.updates)
    return report


def normalise_column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def check_header(header: Sequence[str]) -> tuple[list[str], list[RejectedRow]]:
    """The normalised column names, and what is wrong with the header line."""
    columns = [normalise_column(n) for n in header]
    problems = [RejectedRow(1, c or f"column {i}", why) for i, c, why in _column_problems(columns)]
    if "language" not in columns:
        problems.append(RejectedRow(1, "language", "the file has no language column"))
    if "phone" not in columns and "email" not in columns:
        problems.append(RejectedRow(1, "phone", "the file has neither a phone nor an email column"))
    return columns, problems


def _column_problems(columns: Sequence[str]) -> list[tuple[int, str, str]]:
    problems: list[tuple[int, str, str]] = []
    for index, column in enumerate(columns, start=1):
        if not column:
            problems.append((index, column, "this column has no name"))
        elif columns.index(column) != index - 1:
            problems.append((index, column, "this column appears twice"))
        elif column in BUILT_IN_FIELDS and column not in CONTACT_COLUMNS:
            problems.append((index, column, "this field cannot be imported"))
        elif column in _RESERVED or not _NAME.fullmatch(column):
            problems.append(
                (
                    index,
                    column,
                    "a column name is a letter, then letters, digits or _, "
                    "and not a word of the segment language (and, or, not, in, is, set)",
                )
            )
    return problems


def _records(document: CsvDocument, columns: list[str], report: ImportReport) -> list[Record]:
    records = []
    width = len(columns)
    for record in document.records:
        if len(record.values) > width:
            reason = f"this row has {len(record.values)} values for {width} named columns"
            report.rejected.append(RejectedRow(record.line, f"column {width + 1}", reason))
            continue
        values = record.values + ("",) * (width - len(record.values))
        records.append((record.line, dict(zip(columns, values, strict=True))))
    return records


def _type_attributes(
    columns: Sequence[str],
    records: Sequence[Record],
    registry: Mapping[str, FieldType],
    report: ImportReport,
) -> dict[str, FieldType]:
    """Type every attribute column (the registry's type, else from its values); return new ones."""
    new: dict[str, FieldType] = {}
    for column in columns:
        if column in CONTACT_COLUMNS:
            continue
        type_ = registry.get(column) or infer_type(values[column] for _, values in records)
        if type_ is None:
            continue  # every value empty: nothing to store, nothing to type
        report.attributes[column] = type_
        if column not in registry:
            new[column] = type_
    report.new_fields = sorted(new)
    return new


def _check_rows(
    checker: RowChecker, records: Sequence[Record], report: ImportReport
) -> list[ContactRow]:
    rows: list[ContactRow] = []
    first_line: dict[str, int] = {}
    for line, values in records:
        checked = checker.check(line, values)
        if isinstance(checked, list):
            report.rejected.extend(checked)
        elif checked.external_id and checked.external_id in first_line:
            reason = f"the same external_id as line {first_line[checked.external_id]}"
            report.rejected.append(RejectedRow(line, "external_id", reason))
        else:
            if checked.external_id:
                first_line[checked.external_id] = line
            rows.append(checked)
    return rows


def _plan(
    matcher: Matcher,
    chunk: Sequence[ContactRow],
    found: Mapping[str, Mapping[str, Any]],
    nearby: Sequence[Mapping[str, Any]],
    report: ImportReport,
) -> _Plan:
    plan = _Plan()
    for row in chunk:
        decision = matcher.decide(row, found, nearby)
        if decision.rejected is not None:
            report.rejected.append(decision.rejected)
        elif decision.ambiguous is not None:
            report.ambiguous.append(decision.ambiguous)
        elif decision.insert is not None:
            plan.inserts.append(decision.insert)
            report.created += 1
        elif decision.update is not None:
            plan.updates.append(decision.update)
            report.updated += 1
        else:
            report.unchanged += 1
    return plan


__all__ = ["Decision", "ImportReport", "import_contacts"]
