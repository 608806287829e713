"""Reading CSV and XLSX files as schools and agencies produce them, one row at a time.

Nothing here holds the whole file: CSV goes through a csv reader over a text wrapper, XLSX
through openpyxl's read-only mode, so memory stays flat in the file size.
"""

import codecs
import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

_CHUNK = 1 << 20
XLSX_MAGIC = b"PK\x03\x04"


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why, in the user's language."""


@dataclass
class FileFacts:
    """What the first, byte-level pass found out about a file."""

    size: int
    sha256: str
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    empty: bool = False


@dataclass
class Table:
    """A file opened for reading: its header cells and its data rows as (row number, cells)."""

    facts: FileFacts
    header: list[str]
    header_row: int
    rows: Iterator[tuple[int, list]] = field(repr=False)
    close: object = None


def inspect(path: Path) -> FileFacts:
    """Size, SHA-256, kind and (for CSV) encoding, in one streaming pass over the bytes.

    UTF-8 (with or without BOM) is taken when the whole file decodes as UTF-8; otherwise
    Windows-1251; a file that is neither (undefined bytes, or NUL bytes as in UTF-16) is refused.
    """
    digest = hashlib.sha256()
    size = 0
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    has_nul = False
    cp1251_ok = True
    first = b""
    has_text = False
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            if not first:
                first = chunk[:8]
            digest.update(chunk)
            size += len(chunk)
            has_nul = has_nul or b"\x00" in chunk
            has_text = has_text or bool(chunk.strip(b" \t\r\n\xef\xbb\xbf"))
            if is_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            if cp1251_ok and b"\x98" in chunk:  # the one byte Windows-1251 leaves undefined
                cp1251_ok = False
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    facts = FileFacts(size=size, sha256=digest.hexdigest(), kind="csv", empty=not has_text)
    if first.startswith(XLSX_MAGIC):
        facts.kind = "xlsx"
        facts.empty = False
        return facts
    if facts.empty:
        return facts
    if has_nul or not (is_utf8 or cp1251_ok):
        raise FileRefused(
            _(
                "The file is not text in UTF-8 or Windows-1251 (it may be UTF-16 or a binary file). "
                "Save it as “CSV UTF-8” or as an Excel workbook (.xlsx)."
            )
        )
    facts.encoding = "utf-8-sig" if is_utf8 else "cp1251"
    return facts


def _sniff_delimiter(header_line: str, header_row: int) -> str:
    """Comma or semicolon, from the header line alone; both there (outside quotes) is refused."""
    outside = []
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(ch)
    text = "".join(outside)
    semicolons, commas = text.count(";"), text.count(",")
    if semicolons and commas:
        raise FileRefused(
            _(
                "Row %(row)d (the header) mixes delimiters: it has both semicolons and commas between column "
                "names. Use one delimiter, either “;” or “,”, throughout the file."
            )
            % {"row": header_row}
        )
    return ";" if semicolons else ","


def _csv_table(path: Path, facts: FileFacts) -> Table:
    f = open(path, encoding=facts.encoding, newline="")  # closed by the caller through Table.close
    try:
        header_line = ""
        header_row = 0
        # Blank lines before the header are skipped; the header is the first line with text.
        for line in f:
            header_row += 1
            if line.strip():
                header_line = line
                break
        facts.delimiter = _sniff_delimiter(header_line, header_row)
        header = next(csv.reader([header_line], delimiter=facts.delimiter), [])
        reader = csv.reader(f, delimiter=facts.delimiter)
    except Exception:
        f.close()
        raise

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for cells in reader:
                # line_num counts the lines read since the header; a quoted cell may span several.
                yield header_row + reader.line_num, cells
        except csv.Error as exc:
            raise FileRefused(
                _("Row %(row)d cannot be read as CSV: %(error)s") % {"row": header_row + reader.line_num, "error": exc}
            ) from None

    return Table(facts=facts, header=header, header_row=header_row, rows=rows(), close=f.close)


def _xlsx_table(path: Path, facts: FileFacts) -> Table:
    import openpyxl

    try:
        # Not data_only: a formula cell then reads as its formula text, which the pipeline refuses.
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:
        raise FileRefused(_("The file looks like an Excel workbook but cannot be opened as .xlsx.")) from None
    sheet = book.worksheets[0]
    numbered = enumerate(sheet.iter_rows(values_only=True), start=1)
    header: list = []
    header_row = 0
    for number, cells in numbered:
        if any(c not in (None, "") for c in cells):
            header, header_row = list(cells), number
            break
    if not header_row:
        facts.empty = True

    def rows() -> Iterator[tuple[int, list]]:
        for number, cells in numbered:
            yield number, list(cells)

    return Table(
        facts=facts,
        header=["" if h is None else str(h) for h in header],
        header_row=header_row,
        rows=rows(),
        close=book.close,
    )


def open_table(path: Path, facts: FileFacts) -> Table:
    """Open the file for reading its rows; the caller calls `table.close()` when done."""
    if facts.kind == "xlsx":
        return _xlsx_table(path, facts)
    return _csv_table(path, facts)
