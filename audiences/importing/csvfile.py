"""The pieces of a contact CSV that every reader shares: encodings, the delimiter, records.

``audiences.importing.sources`` streams CSV and XLSX files with them. Every record keeps the
physical line where it starts (line 1 is the header), so a rejected row can be found in the
file a person has open.
"""

from __future__ import annotations

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


def strip_trailing_empty(values: list[str]) -> tuple[str, ...]:
    end = len(values)
    while end and not values[end - 1].strip():
        end -= 1
    return tuple(values[:end])
