"""The data steward's pages: the review queue, one pair side by side, undoing a merge. Thin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safezone.access.http import refused_as_404
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import grants_for
from safezone.access.services import authorize
from safezone.common.paging import page_of, query_without_page

from .forms import PairDecisionForm, RunForm
from .models import CandidatePair, LinkageRun
from .selectors import merges_of, pair_for, pairs_for_review, pairs_page_record, run_for, runs_for
from .services import (
    MergeRefused,
    PairChangedMeanwhile,
    RunRefused,
    linkage_run_start,
    pair_decide,
    persons_unmerge,
    runs_close_abandoned,
)


@login_required
@refused_as_404
def queue(request):
    """Pairs waiting for a decision (or decided, by status), likeliest first; the page is audited."""
    status = request.GET.get("status", CandidatePair.Status.PENDING)
    if status not in CandidatePair.Status.values:
        status = CandidatePair.Status.PENDING
    if not grants_for(request.user, Action.REVIEW_LINKAGE, Purpose.DATA_QUALITY):
        # Refused (and the refusal recorded with its rule) before anything is read.
        authorize(user=request.user, action=Action.REVIEW_LINKAGE, purpose=Purpose.DATA_QUALITY, request=request)
    page = page_of(pairs_for_review(request.user, status=status), request.GET.get("page"))
    pairs_page_record(request.user, list(page), request)
    return render(
        request,
        "linkage/queue.html",
        {
            "page": page,
            "status": status,
            "statuses": CandidatePair.Status.choices,
            "query": query_without_page(request),
            "can_run": bool(grants_for(request.user, Action.RUN_LINKAGE, Purpose.DATA_QUALITY)),
        },
    )


@login_required
@refused_as_404
def pair(request, pk: int):
    """One pair side by side, and the decision."""
    pair, left, right = pair_for(request.user, pk, request)
    form = PairDecisionForm(request.POST or None, initial={"version": pair.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            pair_decide(
                actor=request.user,
                pair_id=pair.pk,
                status=d["status"],
                expected_version=d["version"],
                note=d["note"],
                request=request,
            )
        except PairChangedMeanwhile as exc:
            messages.error(request, exc.explain())
        except MergeRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("linkage:queue")
        return redirect("linkage:pair", pk=pair.pk)
    merges = list(merges_of(left.person))
    context = {"pair": pair, "sides": [left, right], "form": form, "merges": merges}
    return render(request, "linkage/pair.html", context)


@login_required
@require_POST
@refused_as_404
def unmerge(request, pk: int):
    """Undo a merge (the page asks for confirmation first)."""
    try:
        merge = persons_unmerge(actor=request.user, merge_id=pk, request=request)
    except MergeRefused as exc:
        messages.error(request, str(exc))
        return redirect("linkage:queue")
    messages.success(request, _("The merge was undone: the two records are separate again."))
    if merge.pair_id:
        return redirect("linkage:pair", pk=merge.pair_id)
    return redirect("linkage:queue")


@login_required
@refused_as_404
def runs(request):
    """Batch linkage runs (newest first) and the form that starts one in the background."""
    form = RunForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            run = linkage_run_start(actor=request.user, retrain=form.cleaned_data["retrain"], request=request)
        except RunRefused as exc:
            messages.error(request, str(exc))
            return redirect("linkage:runs")
        messages.success(request, _("Linkage started in the background; this page shows how far it got."))
        return redirect("linkage:run", pk=run.pk)
    runs = runs_for(request.user, request)
    runs_close_abandoned()  # a run whose worker died would show as under way for good
    page = page_of(runs, request.GET.get("page"))
    live = LinkageRun.objects.filter(live=True).exists()
    return render(request, "linkage/runs.html", {"page": page, "form": form, "live": live})


@login_required
@refused_as_404
def run(request, pk: int):
    """One run's progress; while it goes, the bar refreshes itself (htmx) without reloading the page."""
    found = run_for(request.user, pk, request)
    template = "linkage/run_progress.html" if request.headers.get("HX-Request") else "linkage/run.html"
    return render(request, template, {"run": found})
