"""Workbooks written part by part: a small contact sheet, and ones small on the wire but huge
inside (a sheet padded with whitespace, shared strings by the million), as an attacker makes
them. Big parts are streamed into the zip, so building one costs seconds at most."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"

_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="{_TYPES}.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        f'ContentType="{_TYPES}.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
        f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
        '<sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}
# A header and one contact, every cell a shared string (0 to 3).
_CELLS = ("phone", "language", "0470 12 34 56", "nl")
_ROWS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
)
_CHUNK = 1 << 20


def contact_sheet(*, padding: int = 0, shared_strings: int = 0, rows: int = 0) -> bytes:
    """The one-contact workbook, its sheet data preceded by ``padding`` bytes of whitespace and
    ``rows`` empty rows, and its shared strings followed by ``shared_strings`` more."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for name, text in _PARTS.items():
            book.writestr(name, text)
        _stream(book, "xl/worksheets/sheet1.xml", _sheet(padding, rows))
        _stream(book, "xl/sharedStrings.xml", _strings(shared_strings))
    return out.getvalue()


def _stream(book: zipfile.ZipFile, name: str, chunks: Iterable[bytes]) -> None:
    with book.open(name, "w", force_zip64=True) as part:
        for chunk in chunks:
            part.write(chunk)


def _sheet(padding: int, rows: int) -> Iterator[bytes]:
    yield f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode()
    yield from _repeated(b" ", padding)
    # Empty rows numbered after the contact's, so the contact stays on rows 1 and 2.
    yield _ROWS.encode()
    for start in range(0, rows, 10_000):
        numbers = range(3 + start, 3 + min(rows, start + 10_000))
        yield "".join(f'<row r="{n}"/>' for n in numbers).encode()
    yield b"</sheetData></worksheet>"


def _strings(extra: int) -> Iterator[bytes]:
    count = len(_CELLS) + extra
    yield f'<sst xmlns="{_MAIN}" count="{count}" uniqueCount="{count}">'.encode()
    yield "".join(f"<si><t>{text}</t></si>" for text in _CELLS).encode()
    for start in range(0, extra, 50_000):
        yield b"<si><t>x</t></si>" * min(50_000, extra - start)
    yield b"</sst>"


def _repeated(byte: bytes, size: int) -> Iterator[bytes]:
    whole, rest = divmod(size, _CHUNK)
    block = byte * _CHUNK
    for _ in range(whole):
        yield block
    yield byte * rest
