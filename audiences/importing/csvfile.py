"""Reading a contact CSV as people save it: UTF-8 (with or without BOM) or Windows-1252,
comma or semicolon delimited, quoted fields that may hold line breaks.

Every record keeps the physical line where it starts (line 1 is the header), so a rejected
row can be found in the file a person has open.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
WINDOWS_1252 = "windows-1252"


class CsvFileError(ValueError):
    """The file cannot be read as a CSV at all (empty, no header)."""


@dataclass(frozen=True, slots=True)
class CsvRecord:
    line: int
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CsvDocument:
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    records: tuple[CsvRecord, ...]


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 when it decodes strictly, else Windows-1252."""
    try:
        text = data.decode(UTF8_BOM)
    except UnicodeDecodeError:
        # Five bytes are undefined in Windows-1252; Latin-1 reads them rather than failing.
        try:
            return data.decode("cp1252"), WINDOWS_1252
        except UnicodeDecodeError:
            return data.decode("latin-1"), WINDOWS_1252
    return text, UTF8_BOM if data.startswith(b"\xef\xbb\xbf") else UTF8


def detect_delimiter(header_line: str) -> str:
    """``;`` when the header has more semicolons than commas outside quotes, else ``,``."""
    counts = {",": 0, ";": 0}
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return ";" if counts[";"] > counts[","] else ","


def _strip_trailing_empty(values: list[str]) -> tuple[str, ...]:
    end = len(values)
    while end and not values[end - 1].strip():
        end -= 1
    return tuple(values[:end])


def read_csv(data: bytes) -> CsvDocument:
    """Decode and split ``data``; blank lines are skipped, trailing empty columns dropped."""
    text, encoding = decode(data)
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line.strip():
        raise CsvFileError("the file is empty or its first line is blank: expected a header")
    delimiter = detect_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[CsvRecord] = []
    consumed = 0
    try:
        for values in reader:
            start, consumed = consumed + 1, reader.line_num
            stripped = _strip_trailing_empty(values)
            if stripped:
                rows.append(CsvRecord(start, stripped))
    except csv.Error as exc:
        raise CsvFileError(f"line {consumed + 1}: {exc} (an unclosed quote?)") from exc
    header, records = rows[0], rows[1:]
    return CsvDocument(encoding, delimiter, tuple(v.strip() for v in header.values), tuple(records))
