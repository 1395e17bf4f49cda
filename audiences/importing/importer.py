"""Importing contacts from a CSV or XLSX file.

Every row is checked; a bad row is rejected with its line, column and reason, and the good rows
are imported. Rows match existing contacts by (owner, external_id) only: an address alone never
merges two people, since households share phones and mailboxes (docs/decisions/0009). A row
without external_id that has the address and first name of a contact already there is counted as
unchanged when it says the same, and reported as ambiguous (nothing written) when it does not.

The file is read twice and never held as rows: a first pass types the attribute columns and
counts the records, a second checks rows and writes them in chunks of ``CHUNK_SIZE``, one
transaction each, matching the next chunk while the database stores the last. A file of
``PARALLEL_FROM`` records or more is checked in worker processes (audiences/importing/row_pool.py);
on a first import into PostgreSQL the checking also encodes each new contact as COPY text.
Given a ``Workshop``, reading the file and checking its rows run there, off the event loop, each
pass and batch with a time limit (decision 0032); the file's size was checked first
(audiences/importing/workbook.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import (
    AsyncIterator,
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import aclosing
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, TypeVar

from audiences.contacts.addresses import AddressKeys
from audiences.contacts.fields import (
    FieldsRefused,
    check_new_fields,
    list_fields,
    load_registry,
    register_fields,
)
from audiences.contacts.households import record_shared_addresses
from audiences.contacts.model import CONTACT_COLUMNS, FieldType, ImportReport, RejectedRow
from audiences.contacts.repository import (
    by_address_key,
    by_external_id,
    copy_contact_lines,
    insert_contacts,
    owner_has_contacts,
    update_contacts,
)
from audiences.contacts.values import TypeGuess
from audiences.importing.collector import collecting_rarely
from audiences.importing.csvfile import CsvFileError
from audiences.importing.decisions import Decision, Matcher, RowWriter, address_keys
from audiences.importing.headers import check_header, read_columns
from audiences.importing.lost_letters import LostLetters
from audiences.importing.row_pool import Checked, Item, checked_batches
from audiences.importing.rows import ContactRow, RowRules
from audiences.importing.seen_ids import SeenIds
from audiences.importing.sources import Table, open_table
from campaign.kernel.clock import Clock
from campaign.kernel.limits import IMPORT_BATCH_TIME_LIMIT, IMPORT_READ_TIME_LIMIT
from campaign.kernel.work import Workshop, check_deadline, off_loop
from campaign.store.engine import Database
from campaign.store.tables import contacts as contact_columns

CHUNK_SIZE = 5000
PARALLEL_FROM = 50_000  # records; for fewer, starting worker processes costs more than it saves
# The text columns of a contact file a row check holds to the length of the column they are
# stored in (the addresses are normalised first, the codes checked against their lists).
_STORED_TEXT = {
    "external_id": "external_id",
    "email": "email",
    "first_name": "first_name",
    "postcode": "postcode",
    "municipality": "municipality",
    "province": "province",
    "region": "region",
    "consent_source": "consent_sms_source",
}

_DEADLINE_EVERY = 1000  # records between looks at the first pass's time limit
_YIELD_EVERY = 1000  # rows accepted on the event loop between turns for other requests
T = TypeVar("T")

Record = tuple[int, tuple[str, ...]]  # (line, one value per column)
Progress = Callable[[int, int], None]  # (records done, records in the file)


@dataclass(slots=True)
class _Plan:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    insert_lines: list[str] = field(default_factory=list)  # new contacts a worker encoded
    line_keys: list[dict[str, str | None]] = field(default_factory=list)  # their address keys
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@dataclass(slots=True)
class _Run:
    """One import under way: what it writes with, and where it reports."""

    database: Database
    writer: RowWriter
    matcher: Matcher
    owner: int | None
    dry_run: bool
    report: ImportReport
    chunk_size: int
    # A first import (the owner had no contacts) cannot match a stored external id: ids
    # repeated within the file are rejected before matching. Its chunks skip that look-up.
    had_contacts: bool = True
    work: Workshop | None = None  # where rows are read, checked and matched


@collecting_rarely
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
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    parallel_from: int = PARALLEL_FROM,
    chunk_size: int = CHUNK_SIZE,
    work: Workshop | None = None,
) -> ImportReport:
    """Check every row of a contact file and import the good ones (or, in a dry run, only report).

    ``mapping`` renames file columns to ours (file column → our column); other columns are
    read by name or by label (audiences/importing/headers.py). ``progress`` is called after
    every chunk with the records done and the total. Files of ``parallel_from`` records or
    more are checked in worker processes; rows are matched and written ``chunk_size`` at a
    time.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        table = await _reading(work, open_table, data)
        report.format, report.encoding = table.kind, table.encoding
        report.delimiter = table.delimiter
        async with database.read_session() as session:
            registry = await load_registry(session, owner_partner_id)
            attributes = [f for f in await list_fields(session, owner_partner_id) if not f.built_in]
            had_contacts = await owner_has_contacts(session, owner_partner_id)
        columns = read_columns(table.header, mapping or {}, attributes)
        report.columns = dict(zip(table.header, columns, strict=True))
        problems = check_header(table.header, columns)
        if problems:
            report.rejected.extend(problems)
            return report
        new_fields = await _reading(
            work, _first_pass, columns, table, registry, report, limit=IMPORT_READ_TIME_LIMIT
        )
    except CsvFileError as exc:
        report.rejected.append(RejectedRow(1, "", str(exc)))
        return report
    refused = await _register(database, new_fields, owner_partner_id, dry_run)
    if refused is not None:
        report.rejected.append(refused)
        return report
    writer = RowWriter(clock.now(), default_time_zone, owner_partner_id, set(columns))
    matcher = Matcher(writer, keep_created=dry_run)
    run = _Run(
        database, writer, matcher, owner_partner_id, dry_run, report, chunk_size, had_contacts, work
    )
    rules = RowRules(
        default_region,
        default_time_zone,
        tuple(languages),
        dict(report.attributes),
        text_limits=_text_limits(),
    )
    batches = _batches(_records(table, columns), chunk_size)
    # New contacts of the authority go in with COPY on PostgreSQL: on a first import every row
    # is new, so the checking encodes them; otherwise most rows may be there already, and
    # encoding them would be work for nothing.
    copies = (
        not dry_run
        and not had_contacts
        and owner_partner_id is None
        and database.dialect == "postgresql"
    )
    checked = checked_batches(
        rules,
        keys,
        columns,
        batches,
        parallel=report.rows >= parallel_from,
        encode=writer.insert_line if copies else None,
        offload=partial(_reading, work, limit=IMPORT_BATCH_TIME_LIMIT),
    )
    async with aclosing(checked):  # an error stops the worker processes now, not at collection
        await _import_rows(run, checked, progress)
    return report


async def _reading(
    work: Workshop | None, job: Callable[..., T], *args: Any, limit: float | None = None
) -> T:
    """Reading or checking the file: CPU work, off the event loop when there is a workshop."""
    return await off_loop(
        work, job, *args, what="reading the contact file", where="body", limit=limit
    )


async def _register(
    database: Database, new: Mapping[str, FieldType], owner: int | None, dry_run: bool
) -> RejectedRow | None:
    """Register the file's new fields (a partner's as its own), or say on line 1 why they may
    not be (decision 0033); a dry run only checks."""
    if not new:
        return None
    try:
        if dry_run:
            async with database.read_session() as session:
                await check_new_fields(session, list(new), owner)
        else:
            async with database.transaction() as session:
                await register_fields(session, new, owner)
    except FieldsRefused as exc:
        return RejectedRow(1, "", str(exc))
    return None


async def _import_rows(
    run: _Run, checked: AsyncIterator[list[Checked]], progress: Progress | None
) -> None:
    seen = SeenIds()
    chunk: list[ContactRow] = []
    done = 0
    writing: asyncio.Task[None] | None = None
    try:
        async for batch in checked:
            await _accept_batch(batch, seen, run.report, chunk)
            done += len(batch)
            if len(chunk) >= run.chunk_size:
                writing = await _match_and_write(run, chunk, writing)
                chunk = []
                if progress is not None:
                    progress(done, run.report.rows)
        if chunk:
            writing = await _match_and_write(run, chunk, writing)
        if writing is not None:
            await writing
    finally:
        if writing is not None and not writing.done():
            writing.cancel()  # the chunk's transaction rolls back
            await asyncio.gather(writing, return_exceptions=True)
    if progress is not None:
        progress(run.report.rows, run.report.rows)


async def _accept_batch(
    batch: list[Checked], seen: SeenIds, report: ImportReport, chunk: list[ContactRow]
) -> None:
    """Each checked row of ``batch`` into ``chunk``, or into the report; a slice at a time, so
    the event loop answers other requests in between."""
    for index, result in enumerate(batch, start=1):
        row = _accepted(result, seen, report)
        if row is not None:
            chunk.append(row)
        if index % _YIELD_EVERY == 0:
            await asyncio.sleep(0)


def _text_limits() -> dict[str, int]:
    """Each checked text column of a file and the most characters its stored column holds."""
    lengths = {
        name: getattr(contact_columns.c[stored].type, "length", None)
        for name, stored in _STORED_TEXT.items()
    }
    return {name: length for name, length in lengths.items() if isinstance(length, int)}


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def _match_and_write(
    run: _Run, chunk: Sequence[ContactRow], writing: asyncio.Task[None] | None
) -> asyncio.Task[None] | None:
    """Match ``chunk`` while the previous chunk is written, then start writing it.

    The database stores one chunk while this process matches the next. A row with an
    external_id cannot depend on the previous chunk (its ids are all different), but a row
    without one is matched by address, so such a chunk first waits for the previous to commit.
    """
    if writing is not None and any(row.external_id is None for row in chunk):
        await writing
        writing = None
    plan = await _match(run, chunk)
    if writing is not None:
        await writing
    if run.dry_run:
        return None
    return asyncio.create_task(_write(run, plan))


async def _match(run: _Run, chunk: Sequence[ContactRow]) -> _Plan:
    async with run.database.read_session() as session:
        ids = [r.external_id for r in chunk if r.external_id] if run.had_contacts else []
        found = await by_external_id(session, run.owner, ids)
        phone_keys, email_keys = address_keys([r for r in chunk if not r.external_id])
        nearby = await by_address_key(session, run.owner, phone_keys, email_keys)
    return await _reading(
        run.work,
        _plan,
        run.matcher,
        chunk,
        found,
        nearby,
        run.report,
        limit=IMPORT_BATCH_TIME_LIMIT,
    )


async def _write(run: _Run, plan: _Plan) -> None:
    async with run.database.transaction() as session:
        await insert_contacts(session, plan.inserts, run.owner)
        await copy_contact_lines(session, run.writer.insert_columns, plan.insert_lines)
        await update_contacts(session, plan.updates)
        written = [*plan.inserts, *plan.line_keys, *(v for _, v in plan.updates)]
        await record_shared_addresses(session, written)


def _records(table: Table, columns: list[str]) -> Iterator[Record | RejectedRow]:
    width = len(columns)
    for record in table.records():
        if len(record.values) > width:
            reason = f"this row has {len(record.values)} values for {width} named columns"
            yield RejectedRow(record.line, f"column {width + 1}", reason)
            continue
        yield record.line, record.values + ("",) * (width - len(record.values))


def _first_pass(
    columns: Sequence[str],
    table: Table,
    registry: Mapping[str, FieldType],
    report: ImportReport,
) -> dict[str, FieldType]:
    """Type every attribute column (the registry's type, else from its values); return new ones.

    This is the first pass over the file; it also counts the records for progress reports and
    warns of names with a ``?`` where a letter was lost (lost_letters.py).
    """
    attributes = [c for c in columns if c not in CONTACT_COLUMNS]
    guesses = {columns.index(c): TypeGuess() for c in attributes if c not in registry}
    lost = LostLetters(columns, table.encoding)
    for item in _records(table, list(columns)):
        report.rows += 1
        if report.rows % _DEADLINE_EVERY == 0:
            check_deadline("reading the contact file", "body")
        if isinstance(item, RejectedRow):
            continue
        line, values = item
        if "?" in "".join(values):
            report.warnings.extend(lost.warnings(line, values))
        for index, guess in guesses.items():
            guess.see(values[index])
    new: dict[str, FieldType] = {}
    for column in attributes:
        type_ = registry.get(column) or guesses[columns.index(column)].result()
        if type_ is None:
            continue  # every value empty: nothing to store, nothing to type
        report.attributes[column] = type_
        if column not in registry:
            new[column] = type_
    report.new_fields = sorted(new)
    return new


def _accepted(result: Checked, seen: SeenIds, report: ImportReport) -> ContactRow | None:
    """The checked row, unless it was rejected or repeats an earlier row's external_id."""
    if isinstance(result, RejectedRow):
        report.rejected.append(result)
        return None
    if isinstance(result, list):
        report.rejected.extend(result)
        return None
    if result.external_id:
        earlier = seen.earlier(result.external_id)
        if earlier is not None:
            where = f"line {earlier}" if isinstance(earlier, int) else earlier
            reason = f"the same external_id as {where}"
            report.rejected.append(RejectedRow(result.line, "external_id", reason))
            return None
        seen.add(result.external_id, result.line)
    return result


def _plan(
    matcher: Matcher,
    chunk: Sequence[ContactRow],
    found: Mapping[str, Mapping[str, Any]],
    nearby: Sequence[Mapping[str, Any]],
    report: ImportReport,
) -> _Plan:
    plan = _Plan()
    matcher.start_chunk(nearby)
    for row in chunk:
        decision = matcher.decide(row, found)
        if decision.rejected is not None:
            report.rejected.append(decision.rejected)
        elif decision.ambiguous is not None:
            report.ambiguous.append(decision.ambiguous)
        elif decision.insert is not None:
            plan.inserts.append(decision.insert)
            report.created += 1
        elif decision.insert_line is not None:
            plan.insert_lines.append(decision.insert_line)
            plan.line_keys.append({"phone_key": row.phone_key, "email_key": row.email_key})
            report.created += 1
        elif decision.update is not None:
            plan.updates.append(decision.update)
            report.updated += 1
        else:
            report.unchanged += 1
    return plan


__all__ = ["Decision", "ImportReport", "import_contacts"]
