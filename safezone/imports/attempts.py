"""Large files in the background: the files waiting under var/imports/, starting a check or an
import (its row and its task written together), and carrying it out in the worker with live
progress. Small files keep running in the request (views.py)."""

import json
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safezone.audit.services import audit_record

from . import services
from .models import ImportAttempt
from .types import import_type

# An uploaded file not imported within this many seconds is removed.
KEEP_SECONDS = 24 * 3600
SUFFIXES = {".csv", ".txt", ".xlsx"}
XLSX_MAGIC = b"PK\x03\x04"
# A running attempt with no progress for this long lost its worker (killed) and is closed as failed.
STALE_SECONDS = 3600
_LIVE = (ImportAttempt.Status.QUEUED, ImportAttempt.Status.RUNNING)


class AttemptRefused(Exception):
    """The attempt cannot start; the message says why, in the user's language."""


def waiting_folder() -> Path:
    """var/imports/, rid of what has waited longer than a day."""
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < time.time() - KEEP_SECONDS:
                old.unlink(missing_ok=True)
        except FileNotFoundError:  # the worker removed it meanwhile
            pass
    return folder


def waiting_file(token: str) -> Path | None:
    """The file a check left for its import, by its token (anything else is no file)."""
    try:
        uuid.UUID(token)
    except (ValueError, TypeError, AttributeError):
        return None
    found = [p for p in waiting_folder().glob(f"{token}.*") if p.suffix in SUFFIXES]
    return found[0] if found else None


def runs_in_background(path: Path) -> bool:
    """A file large enough for the pipeline to report progress goes to the worker."""
    return path.stat().st_size >= services.PROGRESS_FROM_BYTES


def attempt_checked(*, user, token: str) -> ImportAttempt | None:
    """This user's background check of the waiting file `token`, if there was one."""
    return ImportAttempt.objects.filter(started_by=user, token=token, dry_run=True).first()


def is_background_file(token: str) -> bool:
    """Whether the waiting file `token` was checked by the worker (so its import goes there too)."""
    return ImportAttempt.objects.filter(token=token).exists()


def attempts_recent(user) -> list[ImportAttempt]:
    """The user's own attempts of the last day, newest first."""
    since = timezone.now() - timedelta(seconds=KEEP_SECONDS)
    return list(ImportAttempt.objects.filter(started_by=user, created_at__gte=since)[:10])


def attempt_start(
    *, actor, type_name: str, token: str, file_name: str, dry_run: bool = True, language: str = ""
) -> ImportAttempt:
    """Ask the background worker to check (or import) the waiting file `token`. An import needs
    the same user's clean check of the same file; a second import of it returns the first."""
    from .tasks import import_attempt_task

    cls = import_type(type_name)
    if cls is None or not cls.may_run(actor):
        raise AttemptRefused(_("Choose the kind of file."))
    path = waiting_file(token)
    if path is None:
        raise AttemptRefused(_("The checked file is no longer here. Upload it again."))
    if not dry_run:
        checked = attempt_checked(user=actor, token=token)
        if checked is None or checked.status != ImportAttempt.Status.CHECKED or checked.type_name != type_name:
            raise AttemptRefused(_("Only a file that passed its check can be imported. Upload it again."))
        file_name = checked.file_name
    # A report may quote the file's cells: finished attempts go after a day, like the waiting files
    # (the audit event of each stays).
    old = timezone.now() - timedelta(seconds=KEEP_SECONDS)
    ImportAttempt.objects.filter(created_at__lt=old).exclude(status__in=_LIVE).delete()
    try:
        # The row and its task together: a row whose task could not be queued would wait for ever.
        with transaction.atomic():
            attempt = ImportAttempt.objects.create(
                started_by=actor,
                type_name=type_name,
                file_name=file_name[:200],
                token=token,
                dry_run=dry_run,
                language=language or translation.get_language() or settings.LANGUAGE_CODE,
                bytes_total=path.stat().st_size,
            )
            attempt.task_id = str(import_attempt_task.enqueue(attempt.pk).id)
            attempt.save(update_fields=["task_id"])
    except IntegrityError:
        existing = ImportAttempt.objects.filter(started_by=actor, token=token, dry_run=dry_run).first()
        if existing is None:
            raise AttemptRefused(_("The checked file is no longer here. Upload it again.")) from None
        return existing
    return attempt


def _progress_path(attempt_id: int) -> Path:
    return Path(settings.VAR_DIR) / "imports" / f"attempt-{attempt_id}.progress"


def _rows_in(path: Path) -> int | None:
    """About how many rows the file has, for the check's percent: a CSV's line breaks (one quick
    pass over the bytes), an XLSX sheet's stated size; None when the workbook does not state it."""
    with path.open("rb") as f:
        if f.read(4) == XLSX_MAGIC:
            return _xlsx_rows(path)
        f.seek(0)
        lines, last = 0, b""
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    lines += last not in (b"", b"\n")
    return max(lines - 1, 1)  # less the header


def _xlsx_rows(path: Path) -> int | None:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            rows = book.worksheets[0].max_row
        finally:
            book.close()
    except Exception:  # the pipeline reports an unreadable workbook; the bar just has no percent
        return None
    return max(rows - 1, 1) if rows else None


class _Progress:
    """The pipeline's progress bar for one attempt, tqdm-like (`update(rows)`, `close()`), one pass
    after another; a later pass (the import) writes the rows the first one (the check) read.

    It writes to a small file beside the waiting file, not to the attempt's row: the import pass runs
    in one transaction, which would hide a row update from the polling page until the end (and roll
    it back after a dry run), and on SQLite holds the only write lock.
    """

    EVERY_SECONDS = 0.5

    def __init__(self, attempt_id: int, rows_total: int | None):
        self.path = _progress_path(attempt_id)
        self.total = rows_total
        self.phase = ""
        self.n = 0
        self._written = 0.0

    def __call__(self, description) -> "_Progress":
        """`progress(description)`: a new pass starts from nothing."""
        if self.phase:
            self.total = self.n
        self.phase, self.n = str(description)[:64], 0
        self._write(force=True)
        return self

    def update(self, n: int = 1) -> None:
        self.n += n
        self._write()

    def close(self) -> None:
        self._write(force=True)

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._written < self.EVERY_SECONDS:
            return
        self._written = now
        spare = self.path.with_suffix(".tmp")
        spare.write_text(json.dumps({"phase": self.phase, "rows_done": self.n, "rows_total": self.total}))
        os.replace(spare, self.path)  # the page never reads half a file


def attempt_with_progress(attempt: ImportAttempt) -> ImportAttempt:
    """The attempt with its live progress read in (nothing is saved); one whose worker died is closed."""
    if not attempt.live:
        return attempt
    path = _progress_path(attempt.pk)
    try:
        live = json.loads(path.read_text())
        seen = path.stat().st_mtime
    except (FileNotFoundError, ValueError):
        live, seen = {}, 0.0
    attempt.phase = live.get("phase") or attempt.phase
    attempt.rows_done = live.get("rows_done") or 0
    attempt.rows_total = live.get("rows_total", attempt.rows_total)
    last = max(seen, attempt.updated_at.timestamp())
    reason = ""
    if attempt.status == ImportAttempt.Status.RUNNING and last < time.time() - STALE_SECONDS:
        reason = f"no progress for {STALE_SECONDS // 60} minutes"
    elif _task_ended(attempt.task_id):
        reason = "the worker's task ended without finishing the attempt"
    if reason:
        _finish(attempt.pk, ImportAttempt.Status.FAILED, error=reason)
        attempt.refresh_from_db()
    return attempt


def _task_ended(task_id: str) -> bool:
    from django_tasks import TaskResultStatus, default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    if not task_id:
        return False
    try:
        status = default_task_backend.get_result(task_id).status
    except TaskResultDoesNotExist:
        return True
    return status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL)


def _finish(attempt_id: int, status: str, **fields) -> None:
    # Only a live attempt is closed: a late, second close (the page and the worker) changes nothing.
    ImportAttempt.objects.filter(pk=attempt_id, status__in=_LIVE).update(
        status=status, finished_at=timezone.now(), updated_at=timezone.now(), **fields
    )
    _progress_path(attempt_id).unlink(missing_ok=True)


def _report(result) -> dict:
    """The pipeline's result as JSON for the attempt's row."""
    return {
        "type_name": result.type_name,
        "file_name": result.file_name,
        "sha256": result.sha256,
        "dry_run": result.dry_run,
        "status": result.status,
        "rows": result.rows,
        "counts": dict(result.counts),
        "problem_count": result.problem_count,
        "problems": [{"row": p.row, "field": str(p.field), "message": str(p.message)} for p in result.problems],
    }


def attempt_execute(attempt_id: int) -> dict:
    """Carry out an attempt (the worker's task). The pipeline writes the attempt's audit event; the
    waiting file is kept only after a clean check, for its import."""
    attempt = ImportAttempt.objects.select_related("started_by").get(pk=attempt_id)
    if attempt.status != ImportAttempt.Status.QUEUED:
        return {"status": attempt.status}  # carried out already: a task delivered twice does nothing twice
    user = attempt.started_by
    cls = import_type(attempt.type_name)
    path = waiting_file(attempt.token)
    if cls is None or not cls.may_run(user) or path is None:
        error = "the waiting file is gone" if path is None else "the user may no longer run this import type"
        audit_record(
            actor=user,
            action="import.refused",
            object_type="import",
            object_id=attempt.type_name,
            extra={"type": attempt.type_name, "file": attempt.file_name, "dry_run": attempt.dry_run, "error": error},
        )
        if path is not None:
            path.unlink(missing_ok=True)
        _finish(attempt_id, ImportAttempt.Status.FAILED, error=error)
        return {"status": ImportAttempt.Status.FAILED}
    size = path.stat().st_size
    ImportAttempt.objects.filter(pk=attempt_id).update(
        status=ImportAttempt.Status.RUNNING, started_at=timezone.now(), bytes_total=size
    )
    bar = _Progress(attempt_id, _rows_in(path))
    try:
        with translation.override(attempt.language):
            result = services.import_run(
                type_name=attempt.type_name,
                path=path,
                file_name=attempt.file_name,
                dry_run=attempt.dry_run,
                actor=user,
                progress=bar,
            )
    except BaseException as exc:  # the pipeline rolled back and audited it; the page says so
        path.unlink(missing_ok=True)
        _finish(
            attempt_id,
            ImportAttempt.Status.FAILED,
            phase=bar.phase,
            rows_done=bar.n,
            error=f"{type(exc).__name__}: {exc}"[:5000],
        )
        raise
    status = {
        "checked": ImportAttempt.Status.CHECKED,
        "done": ImportAttempt.Status.DONE,
        "refused": ImportAttempt.Status.REFUSED,
    }.get(result.status, ImportAttempt.Status.FAILED)
    whole = status in (ImportAttempt.Status.CHECKED, ImportAttempt.Status.DONE)
    if status != ImportAttempt.Status.CHECKED:
        path.unlink(missing_ok=True)
    _finish(
        attempt_id,
        status,
        phase=bar.phase,
        rows_done=result.rows if whole else bar.n,
        rows_total=result.rows if whole else bar.total,
        report=_report(result),
    )
    return {"status": status, "rows": result.rows}
