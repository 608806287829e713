"""Running an import: check the whole file, report every problem, then write it all or nothing.

Each attempt (dry run, refused, done, failed) leaves exactly one audit event with the type, the
file's name and SHA-256, and the counts. The file is read twice (check, then write) rather than
held in memory; only the keys seen so far are kept, to refuse the same key twice.
"""

import getpass
from collections import Counter
from collections.abc import Callable
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


def _parse_row(
    kind: ImportType, cells: list, index: dict[str, int], found: dict[str, str], table: Table
) -> tuple[dict, list[tuple[str, str]]]:
    values: dict = {}
    problems: list[tuple[str, str]] = []
    width = len(table.header)
    if table.facts.delimiter and width > 1 and len(cells) == 1:
        other = "," if table.facts.delimiter == ";" else ";"
        if other in str(cells[0]):
            problems.append(
                (
                    "",
                    _("the row separates its cells with “%(other)s” but the header uses “%(used)s”: mixed delimiters")
                    % {"other": other, "used": table.facts.delimiter},
                )
            )
            return values, problems
    if len(cells) > width and any(not is_blank(c) for c in cells[width:]):
        problems.append(
            (
                "",
                ngettext(
                    "the row has %(count)d cell, more than the %(width)d columns of the header",
                    "the row has %(count)d cells, more than the %(width)d columns of the header",
                    len(cells),
                )
                % {"count": len(cells), "width": width},
            )
        )
    for column in kind.columns:
        label = _column_label(column, found)
        i = index.get(column.name)
        raw = cells[i] if i is not None and i < len(cells) else None
        if looks_like_formula(raw):
            problems.append(
                (
                    label,
                    _("the cell holds a formula (“%(start)s…”); formulas are not imported, enter the value itself")
                    % {"start": str(raw).strip()[:20]},
                )
            )
            continue
        if is_blank(raw):
            if column.required:
                problems.append((label, _("this column must be filled in")))
            values[column.name] = None
            continue
        try:
            values[column.name] = column.parser(raw)
        except CellError as exc:
            problems.append((label, str(exc)))
    return values, problems


def _rows(kind: ImportType, table: Table, index, found, result: ImportResult, progress):
    """Yield (row number, values, problems) for each non-blank data row."""
    done = 0
    for number, cells in table.rows:
        if all(is_blank(c) for c in cells):
            continue
        values, problems = _parse_row(kind, cells, index, found, table)
        done += 1
        if progress is not None and done % 1000 == 0:
            progress.update(1000)
        yield number, values, [(field or "", message) for field, message in problems]
    if progress is not None:
        progress.update(done % 1000)


def _check(kind: ImportType, path: Path, facts: FileFacts, result: ImportResult, progress_for) -> bool:
    """The first pass: every problem in the file into the report. True when the file is clean."""
    if facts.empty:
        result.add(None, "", _("The file is empty."))
        return False
    table = open_table(path, facts)
    try:
        if facts.empty or not table.header_row:
            result.add(None, "", _("The file is empty."))
            return False
        index, found = _match_header(kind, table, result)
        if result.problem_count:
            return False
        key_label = ", ".join(_column_label(c, found) for c in kind.columns if c.name in kind.key)
        seen: dict[tuple, int] = {}
        progress = progress_for(_("checking"))
        try:
            for number, values, problems in _rows(kind, table, index, found, result, progress):
                result.rows += 1
                if not problems:
                    problems = [
                        (_column_label_by_name(kind, name, found), message) for name, message in kind.check_row(values)
                    ]
                if not problems and kind.key:
                    key = tuple(values.get(k) for k in kind.key)
                    if key in seen:
                        problems.append((key_label, _("the same value is already in row %(row)d") % {"row": seen[key]}))
                    else:
                        seen[key] = number
                for field_name, message in problems:
                    result.add(number, field_name, message)
        finally:
            if progress is not None:
                progress.close()
        if not result.rows:
            result.add(None, "", _("The file has a header but no rows."))
        return not result.problem_count
    finally:
        table.close()


def _column_label_by_name(kind: ImportType, name: str, found: dict[str, str]) -> str:
    for column in kind.columns:
        if column.name == name:
            return _column_label(column, found)
    return name


def _write(kind: ImportType, path: Path, facts: FileFacts, result: ImportResult, progress_for) -> None:
    """The second pass: write every row in batches; the caller holds the transaction."""
    table = open_table(path, facts)
    progress = progress_for(_("importing"))
    try:
        index, found = _match_header(kind, table, ImportResult("", "", "", True))
        batch: list[tuple[int, dict]] = []
        for number, values, _problems in _rows(kind, table, index, found, result, progress):
            batch.append((number, values))
            if len(batch) >= kind.batch_size:
                result.counts.update(kind.write(batch))
                batch = []
        if batch:
            result.counts.update(kind.write(batch))
    finally:
        if progress is not None:
            progress.close()
        table.close()


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
    unchanged) are what the import would do. `progress(description, total_bytes)` may return a
    tqdm-like bar (update, close) for large files.
    """
    cls = import_type(type_name)
    if cls is None:
        raise UnknownImportType(_("There is no import type “%(name)s”.") % {"name": type_name})
    kind = cls()
    path = Path(path)
    result = ImportResult(type_name=type_name, file_name=file_name or path.name, sha256="", dry_run=dry_run)
    size = path.stat().st_size
    limit = max_bytes()

    def progress_for(description):
        if progress is None or size < PROGRESS_FROM_BYTES:
            return None
        return progress(description)

    facts = None
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
            _check(kind, path, facts, result, progress_for)
        except FileRefused as exc:
            result.add(None, "", str(exc))

    if result.problem_count:
        result.status = "refused"
    else:
        try:
            with transaction.atomic():
                _write(kind, path, facts, result, progress_for)
                if dry_run:
                    transaction.set_rollback(True)
            result.status = "checked" if dry_run else "done"
        except RowError as exc:
            result.counts.clear()
            result.add(exc.row, exc.field, exc.message)
            result.status = "refused"
        except Exception as exc:
            result.counts.clear()
            result.status = "failed"
            _audit(result, actor, request, error=repr(exc)[:500])
            raise
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
