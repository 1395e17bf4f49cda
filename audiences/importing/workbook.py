"""A workbook's size, checked before openpyxl reads any of it (decision 0032).

openpyxl inflates every part it needs and reads all shared strings before the first row, so a
200 KB file can ask for gigabytes and minutes: a gigabyte of whitespace inside ``<sheetData>``,
five million shared strings. ``check_workbook`` refuses such a file with ``TooLarge`` from what
costs little: the zip's directory (how many parts, how big once inflated, compressed how), then
one pass over the parts counting shared strings and rows without parsing any XML. That pass
inflates at most ``limits.XLSX_UNCOMPRESSED_MAX``: the zip reader stops at each part's declared
size, and only the compressions Excel writes (stored, deflate) are read, as the others inflate
without a bound in one call.

A zip that cannot be read is left alone here: reading it says what is wrong (sources.py).
``check_columns`` holds any contact file, CSV or XLSX, to ``limits.IMPORT_COLUMNS_MAX`` columns.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from audiences.importing.csvfile import CsvFileError
from campaign.kernel import limits
from campaign.kernel.errors import TooLarge

_CHUNK = 1 << 20
# A tag that a chunk's end may cut in two is at most this long (with a namespace prefix).
_TAG_MAX = 64
_READABLE = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def check_workbook(stream: IO[bytes]) -> None:
    """Refuse a workbook over any of the XLSX limits before it is read; leave damage alone."""
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    with archive:
        parts = archive.infolist()
        _check_directory(parts)
        shared, rows = 0, 0
        for part in parts:
            in_part = _count_tags(archive, part, shared, rows)
            shared, rows = shared + in_part.shared_strings, rows + in_part.rows
            _check_counts(shared, rows)
    stream.seek(0)


def check_columns(header: Sequence[str]) -> None:
    """Refuse a contact file whose header has more columns than a contact list can."""
    if len(header) > limits.IMPORT_COLUMNS_MAX:
        raise TooLarge(
            f"the file has {len(header):,} columns: a contact file has at most "
            f"{limits.IMPORT_COLUMNS_MAX}",
            where="body",
        )


def _check_directory(parts: Sequence[zipfile.ZipInfo]) -> None:
    if len(parts) > limits.XLSX_PARTS_MAX:
        raise TooLarge(
            f"the workbook has {len(parts):,} parts: at most {limits.XLSX_PARTS_MAX:,}",
            where="body",
        )
    inflated = sum(part.file_size for part in parts)
    if inflated > limits.XLSX_UNCOMPRESSED_MAX:
        raise TooLarge(
            f"the workbook unzips to {_mib(inflated)}: at most "
            f"{_mib(limits.XLSX_UNCOMPRESSED_MAX)} (an XLSX that size is not a contact list; "
            "an empty or repeated area in it can be deleted)",
            where="body",
        )
    for part in parts:
        if part.compress_type not in _READABLE:
            raise CsvFileError(
                f"the workbook's part {part.filename} is compressed in a way Excel does not "
                f"write (method {part.compress_type}): save it again from a spreadsheet program"
            )


def _check_counts(shared: int, rows: int) -> None:
    if shared > limits.XLSX_SHARED_STRINGS_MAX:
        raise TooLarge(
            f"the workbook holds more than {limits.XLSX_SHARED_STRINGS_MAX:,} shared strings",
            where="body",
        )
    if rows > limits.XLSX_ROWS_MAX:
        raise TooLarge(
            f"the workbook's sheets have more than {limits.XLSX_ROWS_MAX:,} rows", where="body"
        )


@dataclass(slots=True)
class _Tags:
    shared_strings: int = 0
    rows: int = 0

    def tally(self, data: bytes) -> None:
        self.shared_strings += sum(1 for _ in _SHARED_STRING.finditer(data))
        self.rows += sum(1 for _ in _ROW.finditer(data))

    def over(self, shared_before: int, rows_before: int) -> bool:
        return (
            shared_before + self.shared_strings > limits.XLSX_SHARED_STRINGS_MAX
            or rows_before + self.rows > limits.XLSX_ROWS_MAX
        )


def _count_tags(
    archive: zipfile.ZipFile, part: zipfile.ZipInfo, shared_before: int, rows_before: int
) -> _Tags:
    """The shared strings and rows in ``part``, read a chunk at a time; it stops as soon as
    the workbook is over a limit.

    A tag cut by a chunk's end is counted with the next chunk: each chunk is counted up to its
    last ``<`` near the end, and what follows it is carried over.
    """
    found = _Tags()
    carry = b""
    try:
        with archive.open(part) as data:
            while chunk := data.read(_CHUNK):
                window = carry + chunk
                cut = window.rfind(b"<", max(0, len(window) - _TAG_MAX))
                body, carry = (window[:cut], window[cut:]) if cut >= 0 else (window, b"")
                found.tally(body)
                if found.over(shared_before, rows_before):
                    return found
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError):
        return found  # damage (a bad CRC, an encrypted part): reading it will say so
    found.tally(carry)
    return found


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MiB"
