"""Running an import: read the file once, check every row and report every problem; then, if it
is clean, write it all or nothing.

The one reading parses each row, checks it and spools the clean rows, already parsed, to a
temporary file in the type's batches; only a clean file's spool is written, in one transaction.
Each attempt (dry run, refused, done, failed) leaves exactly one audit event with the type, the
file's name and SHA-256, and the counts. Memory stays flat in the file size: rows stream through,
the spool is on disk, and the same key twice is found with a fixed-size filter (`KeyFilter`).
"""

import getpass
import pickle
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safezone.audit.services import audit_record

from .parsers import CellError, is_blank, looks_like_formula
from .readers import FileFacts, FileRefused, Table, inspect, open_table
from .types import Column, ImportType, RowError, import_type, normalize_header

# A report lists at most this many problems (and says how many there were in all).
MAX_PROBLEMS = 1000
# A progress bar is shown for files larger than this.
PROGRESS_FROM_BYTES = 1 << 20


class UnknownImportType(ValueError):
    pass


@dataclass
class Problem:
    """One problem in the file: the row as the user sees it in the file (None: the whole file),
    the column, and what is wrong."""

    row: int | None
    field: str
    message: str


@dataclass
class ImportResult:
    """What one import attempt found and did."""

    type_name: str
    file_name: str
    sha256: str
    dry_run: bool
    status: str = ""  # "refused", "checked" (a clean dry run), "done", "failed"
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    # Column name -> the column as the file names it (its header), once the header is read.
    labels: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def refused(self) -> bool:
        return self.status in ("refused", "failed")

    def add(self, row: int | None, field_name: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, field_name, str(message)))


def max_bytes() -> int:
    return getattr(settings, "SAFEZONE_IMPORT_MAX_BYTES", 50 * 1024 * 1024)


def _column_label(column: Column, found: dict[str, str]) -> str:
    """The column as the user sees it: its header in the file, else its header in the user's language."""
    if column.name in found:
        return found[column.name]
    from django.utils.translation import get_language

    return column.header_ru if (get_language() or "ru").startswith("ru") else column.header_en


def _match_header(kind: ImportType, table: Table, result: ImportResult) -> tuple[dict[str, int], dict[str, str]]:
    """Column name -> cell index and column name -> header text as found; problems for missing,
    doubled or formula headers."""
    by_header = {h: column for column in kind.columns for h in column.headers()}
    index: dict[str, int] = {}
    found: dict[str, str] = {}
    for i, cell in enumerate(table.header):
        column = by_header.get(normalize_header(cell))
        if column is None:
            continue
        if column.name in index:
            result.add(
                table.header_row,
                str(cell),
                _("the column “%(column)s” appears twice in the header") % {"column": found[column.name]},
            )
            continue
        index[column.name] = i
        found[column.name] = " ".join(str(cell).split())
    for column in kind.columns:
        if column.required and column.name not in index:
            result.add(
                table.header_row,
                _column_label(column, found),
                _("the required column is missing (its header is “%(ru)s” or “%(en)s”)")
                % {"ru": column.header_ru, "en": column.header_en},
            )
    return index, found


_MISS = object()
# Parsed values remembered per column (codes, dates and marks repeat row after row); bounded, so
# a column of names that never repeat costs no more than this many entries.
PARSE_CACHE = 4096


def _may_be_formula(raw: str) -> bool:
    """The cheap test before the formula pattern: it only matches text starting (after blanks or
    control characters) with one of = + - @."""
    first = raw[0]
    return (first in "=+-@" or first <= " " or first.isspace()) and looks_like_formula(raw)


def _blank_row(cells: list) -> bool:
    for cell in cells:
        if cell is None:
            continue
        if cell.__class__ is not str or (cell and not cell.isspace()):
            return False
    return True


class _RowParser:
    """Turns one row's cells into (values, problems) for one import type and one file's header."""

    def __init__(self, kind: ImportType, table: Table, index: dict[str, int], found: dict[str, str]):
        self.plan = [
            (c.name, index.get(c.name), c.required, _column_label(c, found), c.parser, {}) for c in kind.columns
        ]
        self.width = len(table.header)
        self.delimiter = table.facts.delimiter

    def parse(self, cells: list) -> tuple[dict, list[tuple[str, str]]]:
        values: dict = {}
        problems: list[tuple[str, str]] = []
        count = len(cells)
        width = self.width
        if count == 1 and self.delimiter and width > 1:
            other = "," if self.delimiter == ";" else ";"
            if other in str(cells[0]):
                message = _(
                    "the row separates its cells with “%(other)s” but the header uses “%(used)s”: mixed delimiters"
                )
                problems.append(("", message % {"other": other, "used": self.delimiter}))
                return values, problems
        if count > width and any(not is_blank(c) for c in cells[width:]):
            problems.append(
                (
                    "",
                    ngettext(
                        "the row has %(count)d cell, more than the %(width)d columns of the header",
                        "the row has %(count)d cells, more than the %(width)d columns of the header",
                        count,
                    )
                    % {"count": count, "width": width},
                )
            )
        for name, i, required, label, parser, cache in self.plan:
            raw = cells[i] if i is not None and i < count else None
            if raw.__class__ is str:
                # The common case (every CSV cell): a value seen before in this column is taken as
                # parsed then; it passed the formula test then too.
                value = cache.get(raw, _MISS)
                if value is not _MISS:
                    values[name] = value
                    continue
                if not raw or raw.isspace():
                    raw = None
                elif _may_be_formula(raw):
                    problems.append((label, _formula_message(raw)))
                    continue
                else:
                    try:
                        value = parser(raw)
                    except CellError as exc:
                        problems.append((label, str(exc)))
                        continue
                    if len(cache) < PARSE_CACHE:
                        cache[raw] = value
                    values[name] = value
                    continue
            if raw is None or is_blank(raw):
                if required:
                    problems.append((label, _("this column must be filled in")))
                values[name] = None
                continue
            # Typed workbook cells (numbers, dates), or text that opened with blanks.
            if looks_like_formula(raw):
                problems.append((label, _formula_message(raw)))
                continue
            try:
                values[name] = parser(raw)
            except CellError as exc:
                problems.append((label, str(exc)))
        return values, problems


def _formula_message(raw) -> str:
    return _("the cell holds a formula (“%(start)s…”); formulas are not imported, enter the value itself") % {
        "start": str(raw).strip()[:20]
    }


class KeyFilter:
    """Has this key been seen before in the file? A Bloom filter of fixed size: "no" is certain,
    "maybe" is confirmed afterwards (`_report_keys_twice`). 8 MiB whatever the file's size; at a
    million keys about one "maybe" in a million is wrong (four bits a key out of 2**26).

    Each key's 64-bit hash and row go to a temporary file as well (16 bytes a row, on disk), so
    that a "maybe" is settled by reading those back: a key no earlier row shares its hash with is
    new; only a hash seen earlier sends the check to the spooled rows themselves.
    """

    BITS = 1 << 26
    FLUSH = 1 << 16

    def __init__(self, bits: int | None = None):
        bits = bits or self.BITS
        self.mask = bits - 1
        self.bits = bytearray(bits >> 3)
        self.pairs = array("q")
        self.file = tempfile.TemporaryFile(prefix="safezone-import-keys-")

    @staticmethod
    def hash(key) -> int:
        # hash() is salted per process: the filter lives for one reading of one file.
        return hash(key) & 0x7FFFFFFFFFFFFFFF

    def add(self, key, row: int) -> bool:
        """Remember the key of this row; True when it may have been added before."""
        h = hash(key) & 0x7FFFFFFFFFFFFFFF
        pairs = self.pairs
        pairs.append(h)
        pairs.append(row)
        if len(pairs) >= self.FLUSH:
            pairs.tofile(self.file)
            del pairs[:]
        # Four bit positions by double hashing, written out (this runs for every row of the file).
        step = (h >> 32) | 1
        mask, bits = self.mask, self.bits
        p1, p2, p3, p4 = h & mask, (h + step) & mask, (h + 2 * step) & mask, (h + 3 * step) & mask
        b1, b2, b3, b4 = 1 << (p1 & 7), 1 << (p2 & 7), 1 << (p3 & 7), 1 << (p4 & 7)
        p1, p2, p3, p4 = p1 >> 3, p2 >> 3, p3 >> 3, p4 >> 3
        if bits[p1] & b1 and bits[p2] & b2 and bits[p3] & b3 and bits[p4] & b4:
            return True
        bits[p1] |= b1
        bits[p2] |= b2
        bits[p3] |= b3
        bits[p4] |= b4
        return False

    def first_rows(self, hashes: set[int]) -> dict[int, int]:
        """The first row that had each of these hashes."""
        self.pairs.tofile(self.file)
        del self.pairs[:]
        self.file.seek(0)
        first: dict[int, int] = {}
        chunk = array("q")
        while True:
            try:
                chunk.fromfile(self.file, self.FLUSH)
            except EOFError:  # the last, shorter chunk was read all the same
                pass
            if not chunk:
                break
            for i in range(0, len(chunk), 2):
                h = chunk[i]
                if h in hashes and h not in first:
                    first[h] = chunk[i + 1]
            del chunk[:]
        return first

    def close(self) -> None:
        self.file.close()


class _Spool:
    """The clean rows, parsed, in the write step's batches: a temporary file, read back once the
    whole file is known to be clean (or to confirm a key the filter may have seen)."""

    def __init__(self):
        self.file = tempfile.TemporaryFile(prefix="safezone-import-")
        self.batches = 0

    def dump(self, batch: list) -> None:
        pickle.dump(batch, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.batches += 1

    def __iter__(self) -> Iterator[list[tuple[int, dict]]]:
        self.file.seek(0)
        for _i in range(self.batches):
            yield pickle.load(self.file)  # noqa: S301 - our own temporary file, written just now
        self.file.seek(0, 2)

    def close(self) -> None:
        self.file.close()


def _check(kind: ImportType, path: Path, facts: FileFacts, result: ImportResult, progress_for, spool: _Spool) -> bool:
    """The one reading: every problem in the file into the report, the clean rows into the spool.
    True when the file is clean."""
    if facts.empty:
        result.add(None, "", _("The file is empty."))
        return False
    table = open_table(path, facts)
    seen: KeyFilter | None = None
    try:
        if facts.empty or not table.header_row:
            result.add(None, "", _("The file is empty."))
            return False
        index, found = _match_header(kind, table, result)
        if result.problem_count:
            return False
        labels = {c.name: _column_label(c, found) for c in kind.columns}
        result.labels = labels
        key_label = ", ".join(labels[c.name] for c in kind.columns if c.name in kind.key)
        key_names = tuple(kind.key)
        seen = KeyFilter() if key_names else None
        maybe_twice: dict[tuple, list[int]] = {}
        parse = _RowParser(kind, table, index, found).parse
        check_row = kind.check_row
        batch: list[tuple[int, dict]] = []
        batch_size = kind.batch_size
        progress = progress_for(_("checking"))
        done = 0
        try:
            for number, cells in table.rows:
                if _blank_row(cells):
                    continue
                done += 1
                if progress is not None and done % 1000 == 0:
                    progress.update(1000)
                values, problems = parse(cells)
                if not problems:
                    problems = [(labels.get(name, name), message) for name, message in check_row(values)]
                if problems:
                    for field_name, message in problems:
                        result.add(number, field_name or "", message)
                    continue
                if seen is not None:
                    key = tuple([values.get(k) for k in key_names])
                    if seen.add(key, number):
                        maybe_twice.setdefault(key, []).append(number)
                batch.append((number, values))
                if len(batch) >= batch_size:
                    spool.dump(batch)
                    batch = []
            if batch:
                spool.dump(batch)
        finally:
            if progress is not None:
                progress.update(done % 1000)
                progress.close()
        result.rows = done
        if maybe_twice:
            _report_keys_twice(kind, spool, seen, maybe_twice, key_label, result)
        if not result.rows:
            result.add(None, "", _("The file has a header but no rows."))
        return not result.problem_count
    finally:
        table.close()
        if seen is not None:
            seen.close()


def _report_keys_twice(
    kind, spool: _Spool, seen: KeyFilter, maybe_twice: dict, key_label: str, result: ImportResult
) -> None:
    """Settle the keys the filter may have seen before: a key is there twice only if an earlier
    row had its hash, or the filter flagged it more than once; those are confirmed against the
    spooled rows, and each later row of a key really there twice is reported, naming the first."""
    hashes = {KeyFilter.hash(key): key for key in maybe_twice}
    earliest = seen.first_rows(set(hashes))
    maybe_twice = {
        key: numbers
        for key, numbers in maybe_twice.items()
        if len(numbers) > 1 or earliest[KeyFilter.hash(key)] < numbers[0]
    }
    if not maybe_twice:
        return
    first: dict[tuple, int] = {}
    for batch in spool:
        for number, values in batch:
            key = tuple([values.get(k) for k in kind.key])
            if key in maybe_twice and key not in first:
                first[key] = number
    twice = [(number, first[key]) for key, numbers in maybe_twice.items() for number in numbers if number != first[key]]
    if not twice:
        return
    for number, earlier in twice:
        result.problem_count += 1
        result.problems.append(
            Problem(number, key_label, _("the same value is already in row %(row)d") % {"row": earlier})
        )
    # In row order, as if found on the way; the report keeps the first MAX_PROBLEMS.
    result.problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    del result.problems[MAX_PROBLEMS:]


def _write(kind: ImportType, spool: _Spool, result: ImportResult, progress_for) -> None:
    """Write the spooled rows batch by batch; the caller holds the transaction."""
    progress = progress_for(_("importing"))
    try:
        for batch in spool:
            result.counts.update(kind.write(batch))
            if progress is not None:
                progress.update(len(batch))
    finally:
        if progress is not None:
            progress.close()


def _no_progress(description):
    return None


def import_run(
    *,
    type_name: str,
    path: Path,
    file_name: str = "",
    dry_run: bool = False,
    actor=None,
    request=None,
    progress: Callable | None = None,
) -> ImportResult:
    """Check a file against an import type and, unless it is a dry run, import it whole.

    A dry run also runs the write step and rolls it back, so its counts (created, updated,
    unchanged) are what the import would do. `actor` is the signed-in user (None from the command
    line: the operator), handed to the import type, which decides what that user may import.
    For a file over 1 MB, `progress(description)` may return a tqdm-like bar (`update(rows)`,
    `close()`): it is asked for one bar "checking" while the file is read, then, for a clean file,
    one "importing" while its rows are written.
    """
    cls = import_type(type_name)
    if cls is None:
        raise UnknownImportType(_("There is no import type “%(name)s”.") % {"name": type_name})
    kind = cls(actor=actor, request=request)
    path = Path(path)
    result = ImportResult(type_name=type_name, file_name=file_name or path.name, sha256="", dry_run=dry_run)
    size = path.stat().st_size
    limit = max_bytes()

    def progress_for(description):
        if progress is None or size < PROGRESS_FROM_BYTES:
            return None
        return progress(description)

    spool = _Spool()
    try:
        if size > limit:
            result.add(
                None,
                "",
                _("The file is %(size)s MB; at most %(limit)s MB can be imported at once. Split it into smaller files.")
                % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.1f}"},
            )
        else:
            try:
                facts = inspect(path)
                result.sha256 = facts.sha256
                _check(kind, path, facts, result, progress_for, spool)
            except FileRefused as exc:
                result.add(None, "", str(exc))
            except Exception as exc:  # a lookup that failed: the attempt is still audited
                result.status = "failed"
                _audit(result, actor, request, error=repr(exc)[:500])
                raise

        if result.problem_count:
            result.status = "refused"
        else:
            try:
                with transaction.atomic():
                    _write(kind, spool, result, progress_for)
                    if dry_run:
                        transaction.set_rollback(True)
                result.status = "checked" if dry_run else "done"
            except RowError as exc:
                result.counts.clear()
                result.add(exc.row, result.labels.get(exc.field, exc.field), exc.message)
                result.status = "refused"
            except Exception as exc:
                result.counts.clear()
                result.status = "failed"
                _audit(result, actor, request, error=repr(exc)[:500])
                raise
    finally:
        spool.close()
    _audit(result, actor, request)
    return result


def _audit(result: ImportResult, actor, request, error: str = "") -> None:
    extra = {
        "type": result.type_name,
        "file": result.file_name,
        "sha256": result.sha256,
        "dry_run": result.dry_run,
        "rows": result.rows,
        "created": result.counts.get("created", 0),
        "updated": result.counts.get("updated", 0),
        "unchanged": result.counts.get("unchanged", 0),
        "problems": result.problem_count,
    }
    if error:
        extra["error"] = error
    if actor is None:
        # From the command line: the operating-system account that ran it.
        try:
            extra["os_user"] = getpass.getuser()
        except Exception:  # no account name in some containers; the event is still written
            pass
    audit_record(
        actor=actor,
        request=request,
        action="import.dry_run" if result.dry_run and result.status == "checked" else f"import.{result.status}",
        object_type="import",
        object_id=result.type_name,
        extra=extra,
    )
