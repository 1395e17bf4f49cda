"""Contact files as streams of records, whatever their format: CSV or XLSX.

The format is told by the content, not the name (an XLSX file is a zip: it starts with
``PK\\x03\\x04``). A ``Table`` can be read more than once (the importer types the attribute
columns in a first pass, then checks and writes rows in a second), and never holds its rows:
a CSV is decoded as it is read, an XLSX is read with openpyxl in read-only mode. Every record
keeps its line: the physical line where a CSV record starts, the row number in a spreadsheet.

Errors: ``CsvFileError`` (a ``ValueError``) when the file cannot be read at all, a damaged
workbook included (``XLSX_DAMAGE``: XML that does not parse or expands entities without end, a
part missing, no sheet, a bad cell reference), whenever openpyxl finds the damage.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO
from xml.etree.ElementTree import ParseError

from audiences.importing.csvfile import (
    UTF8,
    UTF8_BOM,
    WINDOWS_1252,
    CsvFileError,
    CsvRecord,
    detect_delimiter,
    strip_trailing_empty,
)
from audiences.importing.workbook import check_columns, check_workbook

XLSX = "xlsx"
CSV = "csv"
ZIP_MAGIC = b"PK\x03\x04"
_READ_SIZE = 1 << 20
# What openpyxl raises for a damaged workbook, while opening it or reading its rows: the zip
# (BadZipFile, a bad CRC, zlib.error, EOFError), its XML (ParseError, also for an entity
# expansion expat refuses), a part or sheet that is missing (KeyError, IndexError), a value it
# cannot take (ValueError, TypeError).
XLSX_DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ParseError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
)


@dataclass(frozen=True, slots=True)
class Table:
    """A contact file opened for reading: what was detected, its header, and its records."""

    kind: str  # CSV or XLSX
    encoding: str  # for a CSV; "" for an XLSX
    delimiter: str  # for a CSV; "" for an XLSX
    header: tuple[str, ...]
    header_line: int
    _read: Callable[[], Generator[CsvRecord]]

    def records(self) -> Iterator[CsvRecord]:
        """The records after the header, read again from the start on every call."""
        for record in self._read():
            if record.line > self.header_line:
                yield record


def open_table(data: bytes | IO[bytes]) -> Table:
    """Open ``data`` (bytes, or a seekable binary stream) as a CSV or XLSX table."""
    stream: IO[bytes] = io.BytesIO(data) if isinstance(data, bytes) else data
    stream.seek(0)
    magic = stream.read(len(ZIP_MAGIC))
    if magic == ZIP_MAGIC:
        check_workbook(stream)  # its size, before openpyxl inflates anything (decision 0032)
        return _with_header(XLSX, "", "", lambda: _xlsx_records(stream))
    codec, encoding = _detect_encoding(stream)
    first_line = _first_line(stream, codec)
    if not first_line.strip():
        raise CsvFileError("the file is empty or its first line is blank: expected a header")
    delimiter = detect_delimiter(first_line)
    return _with_header(CSV, encoding, delimiter, lambda: _csv_records(stream, codec, delimiter))


def _with_header(
    kind: str, encoding: str, delimiter: str, read: Callable[[], Generator[CsvRecord]]
) -> Table:
    records = read()
    try:
        header = next(records)
    except StopIteration:
        raise CsvFileError("the file has no header row") from None
    finally:
        records.close()
    check_columns(header.values)
    return Table(
        kind, encoding, delimiter, tuple(v.strip() for v in header.values), header.line, read
    )


def _detect_encoding(stream: IO[bytes]) -> tuple[str, str]:
    """The codec to read with and the encoding to report: UTF-8 if it decodes, else 1252."""
    stream.seek(0)
    bom = stream.read(3) == codecs.BOM_UTF8
    for codec in ("utf-8", "cp1252"):
        if _decodes(stream, codec):
            if codec == "utf-8":
                return "utf-8-sig", UTF8_BOM if bom else UTF8
            return codec, WINDOWS_1252
    # Five bytes are undefined in Windows-1252; Latin-1 reads them rather than failing.
    return "latin-1", WINDOWS_1252


def _decodes(stream: IO[bytes], codec: str) -> bool:
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        while chunk := stream.read(_READ_SIZE):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _first_line(stream: IO[bytes], codec: str) -> str:
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=codec, newline="")
    try:
        line = text.readline()
    finally:
        text.detach()
    return line.splitlines()[0] if line.strip() else ""


def _csv_records(stream: IO[bytes], codec: str, delimiter: str) -> Generator[CsvRecord]:
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=codec, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    consumed = 0
    try:
        for values in reader:
            start, consumed = consumed + 1, reader.line_num
            stripped = strip_trailing_empty(values)
            if stripped:
                yield CsvRecord(start, stripped)
    except csv.Error as exc:
        raise CsvFileError(f"line {consumed + 1}: {exc} (an unclosed quote?)") from exc
    finally:
        text.detach()


def _xlsx_records(stream: IO[bytes]) -> Generator[CsvRecord]:
    from openpyxl import load_workbook

    stream.seek(0)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except XLSX_DAMAGE as exc:
        raise _damaged(exc) from exc
    try:
        if not book.worksheets:
            raise CsvFileError("the workbook has no sheet: the contacts go on its first sheet")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = strip_trailing_empty([cell_text(v) for v in row])
            if values:
                yield CsvRecord(line, values)
    except CsvFileError:
        raise
    except XLSX_DAMAGE as exc:
        raise _damaged(exc) from exc
    finally:
        book.close()


def _damaged(exc: BaseException) -> CsvFileError:
    said = str(exc) or type(exc).__name__
    return CsvFileError(f"the file looks like an XLSX workbook but cannot be read: {said}")


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would hold for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
