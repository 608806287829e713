"""The governor's quarterly report from the UI: choose a quarter, the worker makes the PDF while
the page shows how far it got, then download it. Only the user who started a report sees it."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.access.http import refused_as_403
from safezone.access.policy import Action, Purpose
from safezone.access.services import authorize

from .periods import recent_periods
from .report import NotAQuarter, job_pdf_path, quarter_of, report_job_for, report_job_start, report_jobs_of

QUARTERS_OFFERED = 8


def _authorize(request, period: str = "") -> None:
    """May this user see the region's figures? Recorded either way; a refusal answers 403."""
    extra = {"report": "quarterly", **({"period": period} if period else {})}
    authorize(user=request.user, action=Action.VIEW_FIGURES, purpose=Purpose.STATISTICS, request=request, extra=extra)


class QuarterForm(forms.Form):
    """The quarter to report on: the last eight, the last finished one first chosen."""

    period = forms.ChoiceField(label=_("Quarter"))

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        quarters = recent_periods(today or timezone.localdate(), "quarter", QUARTERS_OFFERED)
        self.fields["period"].choices = [(q.code, q.label) for q in reversed(quarters)]
        self.fields["period"].initial = quarters[-2].code

    def clean_period(self):
        try:
            return quarter_of(self.cleaned_data["period"])
        except NotAQuarter as exc:
            raise forms.ValidationError(str(exc)) from None


@login_required
@refused_as_403
def home(request):
    """Choose a quarter and start the report; the user's reports of the last day."""
    form = QuarterForm(request.POST or None)
    _authorize(request, request.POST.get("period", "")[:10] if request.method == "POST" else "")
    if request.method == "POST" and form.is_valid():
        state = report_job_start(actor=request.user, period=form.cleaned_data["period"])
        return redirect("stats_report:job", job=state["job"])
    return render(request, "stats/report_home.html", {"form": form, "jobs": report_jobs_of(request.user)})


@login_required
@refused_as_403
def job(request, job: str):
    """How far one report got; while it is made, the part refreshes itself (htmx)."""
    state = report_job_for(request.user, job)
    _authorize(request, state["period"] if state else "")
    if state is None:
        raise Http404
    template = "stats/report_progress.html" if request.headers.get("HX-Request") else "stats/report_job.html"
    return render(request, template, {"job": state, "label": quarter_of(state["period"]).label})


@login_required
@refused_as_403
def download(request, job: str):
    """The finished PDF, to the user who started it."""
    state = report_job_for(request.user, job)
    _authorize(request, state["period"] if state else "")
    path = job_pdf_path(job)
    if state is None or state["status"] != "done" or not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"governor-report-{state['period']}.pdf",
        content_type="application/pdf",
    )
