"""Pages of aggregate exports: the export form (download or dry-run summary) and the code mappings
of receiving systems. Thin: parse, decide through access, call exports, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from safezone.access.http import refused_as_403
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import purposes_for
from safezone.access.services import authorize

from .export_forms import ExportForm, MappingForm, MappingImportForm
from .exports import (
    CONTENT_TYPES,
    DATA_SETS,
    ExportError,
    UnmappedCodes,
    export_build,
    export_extra,
    export_filename,
    export_render,
    mappings_csv,
    mappings_import,
    readable_options,
)
from .models import CodeMapping
from .periods import period_containing
from .selectors import mappings_of
from .services import mapping_delete, mapping_save

STATS = Purpose.STATISTICS


def _authorize(request, action: str, extra: dict) -> None:
    authorize(user=request.user, action=action, purpose=STATS, request=request, extra=extra)


def _asked(form) -> dict:
    """What the export form asked for, as the audit event records it when nothing was exported."""
    data = form.data
    return {
        "period": str(data.get("period", ""))[:16],
        "format": str(data.get("format", ""))[:8],
        "data_set": str(data.get("data_set", ""))[:40],
        "values": 0,
        "suppressed": 0,
    }


REASONS = {
    "primary": gettext_lazy("a small count"),
    "secondary": gettext_lazy("hidden to protect another figure"),
    "agency": gettext_lazy("too few reporting agencies"),
}


@login_required
@refused_as_403
def export(request):
    """GET: the export form. POST: the export as a file, or with a dry run the summary of what it
    would hold. Each export is one audit event with its period, format, data set and counts."""
    if request.method != "POST":
        _authorize(request, Action.EXPORT_AGGREGATES, {"page": "export"})
        last_quarter = period_containing(timezone.localdate(), "quarter").previous()
        form = ExportForm(initial={"period": last_quarter.code, "format": "dhis2"})
        return render(request, "stats/exports.html", {"form": form, "data_sets": DATA_SETS.values()})
    form = ExportForm(request.POST)
    # Decided before anything is counted; the event is written once the counts are known (below).
    if STATS not in purposes_for(request.user, Action.EXPORT_AGGREGATES):
        _authorize(request, Action.EXPORT_AGGREGATES, _asked(form))
    missing = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            built = export_build(
                data["period"],
                data_set=data["data_set"],
                receiver=data["receiver"],
                allow_unmapped=data["allow_unmapped"],
            )
        except UnmappedCodes as exc:
            missing = exc.missing
            form.add_error("receiver", str(exc))
        except ExportError as exc:
            form.add_error(None, str(exc))
    if not form.is_valid() or missing:
        _authorize(request, Action.EXPORT_AGGREGATES, {**_asked(form), "refused": "invalid"})
        context = {"form": form, "data_sets": DATA_SETS.values(), "missing": missing}
        return render(request, "stats/exports.html", context, status=400)
    fmt = data["format"]
    _authorize(request, Action.EXPORT_AGGREGATES, export_extra(built, fmt, dry_run=data["dry_run"]))
    if data["dry_run"]:
        suppressed = [
            {"value": v, "options": readable_options(v.options), "reason": REASONS.get(v.reason, v.reason)}
            for v in built.suppressed
        ]
        return render(
            request,
            "stats/exports_summary.html",
            {"export": built, "format": fmt, "per_element": built.per_element(), "suppressed": suppressed},
        )
    response = HttpResponse(export_render(built, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(built, fmt)}"'
    return response


@login_required
@refused_as_403
def mappings(request):
    """The code mappings of receiving systems (one receiver with ?receiver=), and adding one."""
    receiver = request.GET.get("receiver", "")[:40]
    _authorize(request, Action.DEFINE_INDICATORS, {"page": "mappings", "receiver": receiver})
    form = MappingForm(request.POST or None, initial={"receiver": receiver})
    if request.method == "POST" and form.is_valid():
        mapping_save(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The mapping was saved."))
        return redirect(f"{request.path}?receiver={form.cleaned_data['receiver']}")
    receivers = CodeMapping.objects.order_by("receiver").values_list("receiver", flat=True).distinct()
    return render(
        request,
        "stats/exports_mappings.html",
        {
            "form": form,
            "import_form": MappingImportForm(),
            "rows": mappings_of(receiver or None),
            "receiver": receiver,
            "receivers": receivers,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@refused_as_403
def mapping_remove(request, pk: int):
    _authorize(request, Action.DEFINE_INDICATORS, {"page": "mapping_delete", "mapping": pk})
    mapping = get_object_or_404(CodeMapping, pk=pk)
    receiver = mapping.receiver
    mapping_delete(actor=request.user, mapping=mapping)
    messages.success(request, _("The mapping was deleted."))
    return redirect(f"{reverse('stats_exports:mappings')}?receiver={receiver}")


@login_required
@refused_as_403
def mappings_download(request):
    """The mappings (one receiver's with ?receiver=) as CSV, the shape the import reads."""
    receiver = request.GET.get("receiver", "")[:40]
    _authorize(request, Action.DEFINE_INDICATORS, {"page": "mappings_csv", "receiver": receiver})
    response = HttpResponse(mappings_csv(receiver or None), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mappings{"-" + receiver if receiver else ""}.csv"'
    return response


@login_required
@require_POST
@refused_as_403
def mappings_upload(request):
    """Mappings from a CSV file: all rows saved, or none and the message names the row."""
    _authorize(request, Action.DEFINE_INDICATORS, {"page": "mappings_import"})
    form = MappingImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file."))
        return redirect("stats_exports:mappings")
    try:
        text = form.cleaned_data["file"].read().decode("utf-8-sig")
        count = mappings_import(actor=request.user, text=text)
    except UnicodeDecodeError:
        messages.error(request, _("The file is not UTF-8 text."))
    except ExportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            ngettext("%(count)s mapping was imported.", "%(count)s mappings were imported.", count) % {"count": count},
        )
    return redirect("stats_exports:mappings")
