"""The import page: choose a type and a file, see the dry run's report, then import it whole.
Thin: the file waits under var/imports/ between the two steps, named by a random token. A large
file is checked and imported by the background worker while its page shows how far it got."""

import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from .attempts import (
    SUFFIXES,
    AttemptRefused,
    attempt_start,
    attempt_with_progress,
    attempts_recent,
    is_background_file,
    runs_in_background,
    waiting_file,
    waiting_folder,
)
from .models import ImportAttempt
from .services import import_run, max_bytes
from .types import import_type, import_types


def _types_for(user) -> dict:
    return {name: cls for name, cls in import_types().items() if cls.may_run(user)}


def _attempt_for_user(request, pk: int) -> ImportAttempt:
    """The user's own attempt, of a kind they may still run; anyone else's is a 404."""
    attempt = get_object_or_404(ImportAttempt, pk=pk, started_by=request.user)
    kind = import_type(attempt.type_name)
    if kind is None or not kind.may_run(request.user):
        raise Http404
    return attempt_with_progress(attempt)


def _start(request, discard: Path | None = None, **kwargs):
    try:
        attempt = attempt_start(actor=request.user, language=get_language(), **kwargs)
    except AttemptRefused as exc:
        if discard is not None:  # a file whose check cannot start is not kept
            discard.unlink(missing_ok=True)
        messages.error(request, str(exc))
        return redirect("imports:upload")
    return redirect("imports:attempt", pk=attempt.pk)


@login_required
def upload(request):
    """Step 1 (GET, or POST with a file): the dry run and its report. Step 2 (POST with the token):
    the import itself, all or nothing. Large files go to the background worker at either step."""
    kinds = _types_for(request.user)
    if not kinds:
        raise Http404
    attempts = [a for a in attempts_recent(request.user) if a.type_name in kinds]
    context = {"kinds": kinds, "limit_mb": max_bytes() // (1024 * 1024), "attempts": attempts}
    if request.method != "POST":
        return render(request, "imports/upload.html", context)
    type_name = request.POST.get("type", "")
    if type_name not in kinds:
        messages.error(request, _("Choose the kind of file."))
        return render(request, "imports/upload.html", context)
    token = request.POST.get("token", "")
    if token:
        if is_background_file(token):  # imported by whoever checked it only, in the background too
            return _start(request, type_name=type_name, token=token, file_name="", dry_run=False)
        path = waiting_file(token)
        if path is None:
            messages.error(request, _("The checked file is no longer here. Upload it again."))
            return redirect("imports:upload")
        name = request.POST.get("file_name", path.name)[:200]
        result = import_run(type_name=type_name, path=path, file_name=name, actor=request.user, request=request)
        path.unlink(missing_ok=True)
        if not result.refused:
            messages.success(request, _("Imported %(file)s.") % {"file": name})
        return render(request, "imports/upload.html", {**context, "result": result, "chosen": type_name})
    upload = request.FILES.get("file")
    suffix = Path(upload.name).suffix.lower() if upload else ""
    if upload is None or suffix not in SUFFIXES:
        messages.error(request, _("Choose a CSV or XLSX file."))
        return render(request, "imports/upload.html", {**context, "chosen": type_name})
    token = str(uuid.uuid4())
    path = waiting_folder() / f"{token}{suffix}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    if runs_in_background(path):
        return _start(request, path, type_name=type_name, token=token, file_name=upload.name, dry_run=True)
    result = import_run(
        type_name=type_name, path=path, file_name=upload.name, dry_run=True, actor=request.user, request=request
    )
    if result.refused:
        path.unlink(missing_ok=True)
        token = ""
    return render(
        request,
        "imports/upload.html",
        {**context, "result": result, "token": token, "chosen": type_name, "file_name": upload.name},
    )


@login_required
@vary_on_headers("HX-Request")
def attempt(request, pk: int):
    """A background check or import: its progress, then its report. While it runs, the status part
    refreshes itself (htmx) without reloading the page."""
    found = _attempt_for_user(request, pk)
    template = "imports/_attempt_status.html" if request.headers.get("HX-Request") else "imports/attempt.html"
    return render(request, template, {"attempt": found})
