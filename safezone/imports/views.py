"""The import page: choose a type and a file, see the dry run's report, then import it whole.
Thin: the file waits under var/imports/ between the two steps, named by a random token."""

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .services import import_run, max_bytes
from .types import import_types

# An uploaded file not imported within this many seconds is removed.
KEEP_SECONDS = 24 * 3600
SUFFIXES = {".csv", ".txt", ".xlsx"}


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    return folder


def _waiting(token: str) -> Path | None:
    """The file a dry run left for its import, by its token (anything else is no file)."""
    try:
        uuid.UUID(token)
    except (ValueError, TypeError):
        return None
    found = [p for p in _folder().glob(f"{token}.*") if p.suffix in SUFFIXES]
    return found[0] if found else None


def _types_for(user) -> dict:
    return {name: cls for name, cls in import_types().items() if cls.may_run(user)}


@login_required
def upload(request):
    """Step 1 (GET, or POST with a file): the dry run and its report. Step 2 (POST with the token):
    the import itself, all or nothing."""
    kinds = _types_for(request.user)
    if not kinds:
        raise Http404
    context = {"kinds": kinds, "limit_mb": max_bytes() // (1024 * 1024)}
    if request.method != "POST":
        return render(request, "imports/upload.html", context)
    type_name = request.POST.get("type", "")
    if type_name not in kinds:
        messages.error(request, _("Choose the kind of file."))
        return render(request, "imports/upload.html", context)
    if request.POST.get("token"):
        path = _waiting(request.POST["token"])
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
    path = _folder() / f"{token}{suffix}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
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
