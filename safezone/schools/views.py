"""The school social pedagogue's pages: the early-warning list with their tasks, a pupil with their
registers, the decision on a flag, support plans, and the figures per school and district. Thin:
parse, call one service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safezone.access.http import refused_as_404
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import grants_for
from safezone.access.services import authorize
from safezone.common.errors import ChangedMeanwhile, errors_on_form
from safezone.common.paging import page_of, query_without_page

from .calendar import quarter_of, school_year_of
from .filters import WarningFilter, parse_quarter, quarter_key, quarter_name
from .forms import (
    CaseLinkForm,
    CloseForm,
    CommissionForm,
    FlagForm,
    MeasureAddForm,
    MeasureFormSet,
    PlanForm,
    QuarterForm,
    ReviewForm,
)
from .models import Tier, WarningFlag
from .selectors import (
    flag_counts,
    flag_for,
    flagged_pupils,
    flags_visible_to,
    may_support,
    plan_details,
    plan_for,
    pupil_for,
    pupil_registers,
    school_figures,
    school_staff,
    schools_reached,
    tasks_of,
    warning_classes,
    warning_page_record,
    warning_rows,
)
from .services import (
    active_plan_of,
    commission_of,
    flag_handle,
    measure_add,
    measure_done,
    plan_close,
    plan_link_case,
    plan_open,
    plan_refer_commission,
    plan_review,
)

SCHOOL = Purpose.SCHOOL_SUPPORT


def _school_staff_only(request, action: str = Action.VIEW_PUPILS) -> None:
    """Refuse (recorded, then 404) a user whose roles reach no pupils."""
    if not grants_for(request.user, action, SCHOOL):
        authorize(user=request.user, action=action, purpose=SCHOOL, request=request)


def _say_errors(request, form) -> None:
    """A step's form errors as one message naming each field."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


# --- the early-warning list ----------------------------------------------------------------------
@login_required
@refused_as_404
def warning(request):
    """The early-warning list: the pedagogue's tasks first (flags to look at, reviews due, measures
    overdue), then the flagged pupils of a quarter with a badge per indicator; filters, pages."""
    _school_staff_only(request)
    data = request.GET.copy()
    if not parse_quarter(data.get("quarter", "")):
        data["quarter"] = quarter_key(*quarter_of(timezone.localdate()))
    year, quarter = parse_quarter(data["quarter"])
    schools = schools_reached(request.user)
    found = WarningFilter(
        data, queryset=flags_visible_to(request.user), schools=schools, classes=warning_classes(request.user, year)
    )
    if found.is_valid():
        year, quarter = found.chosen_quarter()
        flags = found.qs
    else:
        flags = WarningFlag.objects.none()
    page = page_of(flagged_pupils(request.user, flags, year=year, quarter=quarter), request.GET.get("page"))
    rows = warning_rows(list(page), year=year, quarter=quarter)
    tasks = tasks_of(request.user)
    warning_page_record(
        request.user,
        {row.pupil.pk for row in rows} | tasks.pupil_ids(),
        request,
        year=year,
        quarter=quarter,
    )
    return render(
        request,
        "schools/warning.html",
        {
            "filter": found,
            "several_schools": schools.count() > 1,
            "page": page,
            "rows": rows,
            "tasks": tasks,
            "today": timezone.localdate(),
            "quarter_name": quarter_name(year, quarter),
            "counts": flag_counts(request.user, year=year, quarter=quarter),
            "tiers": Tier,
            "query": query_without_page(request),
        },
    )


def _worst_open(flags: list[WarningFlag]) -> WarningFlag | None:
    rank = {Tier.HIGH: 2, Tier.AT_RISK: 1, Tier.LOW: 0}
    open_flags = [f for f in flags if f.status == WarningFlag.Status.OPEN]
    return max(open_flags, key=lambda f: (f.year, f.quarter, rank[f.tier]), default=None)


def _year_name(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


# --- a pupil -------------------------------------------------------------------------------------
@login_required
@refused_as_404
def pupil(request, pk: int):
    """One pupil: enrolment, attendance per quarter, discipline, marks, flags, support plans."""
    today = timezone.localdate()
    chosen = request.GET.get("year", "")
    year = int(chosen) if chosen.isdigit() and 2000 <= int(chosen) <= 2100 else school_year_of(today)
    found = pupil_for(request.user, pk, request=request, extra={"year": year})
    registers = pupil_registers(found, year=year, today=today)
    return render(
        request,
        "schools/pupil.html",
        {
            "pupil": found,
            "year": year,
            "year_name": _year_name(year),
            "years": [(y, _year_name(y)) for y in (year - 1, year + 1) if y <= school_year_of(today)],
            "active_plan": next((p for p in registers["plans"] if p.status == "active"), None),
            # A plan started from the pupil's page answers their worst open flag.
            "open_flag": _worst_open(registers["flags"]),
            "can_support": may_support(request.user),
            **registers,
        },
    )


# --- a flag --------------------------------------------------------------------------------------
@login_required
@refused_as_404
def flag(request, pk: int):
    """One flag and the pedagogue's decision on it: keep watching, nothing to do (with a note), start a
    plan, or (when the pupil has one) covered by the active plan."""
    found = flag_for(request.user, pk, action=Action.VIEW_PUPILS, request=request)
    form = FlagForm(request.POST or None, initial={"status": found.status, "note": found.note})
    active = active_plan_of(found.pupil_id)
    if request.method == "POST":
        status = request.POST.get("status", "")
        if status == WarningFlag.Status.SUPPORTED:
            try:
                flag_handle(actor=request.user, flag=found, status=status, request=request)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The flag is covered by the pupil's support plan."))
            return redirect("schools:flag", pk=found.pk)
        if form.is_valid():
            d = form.cleaned_data
            try:
                flag_handle(actor=request.user, flag=found, status=d["status"], note=d["note"], request=request)
            except ValidationError as exc:
                errors_on_form(form, exc)
            else:
                messages.success(request, _("Your decision on the flag was saved."))
                return redirect("schools:warning")
    return render(
        request,
        "schools/flag.html",
        {"flag": found, "form": form, "active_plan": active, "can_support": may_support(request.user)},
    )


# --- support plans -------------------------------------------------------------------------------
@login_required
@refused_as_404
def plan_new(request, pk: int):
    """A new support plan for a pupil (answering a flag, if one is given), with its first measures."""
    found = pupil_for(request.user, pk, action=Action.SUPPORT_PUPILS, request=request)
    active = active_plan_of(found.pk)
    if active is not None:
        messages.info(request, _("The pupil already has an active support plan: add the help to it."))
        return redirect("schools:plan", pk=active.pk)
    chosen = request.POST.get("flag") or request.GET.get("flag") or ""
    answered = found.flags.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    staff = school_staff(found.school_id)
    form = PlanForm(request.POST or None)
    measures = MeasureFormSet(request.POST or None, prefix="m", staff=staff)
    if request.method == "POST" and form.is_valid() and measures.is_valid():
        try:
            plan = plan_open(
                actor=request.user,
                pupil=found,
                reason=form.cleaned_data["reason"],
                next_review_on=form.cleaned_data["next_review_on"],
                measures=measures.measures(),
                flag=answered,
                request=request,
            )
        except ValidationError as exc:
            _plan_errors(form, measures, exc)
        else:
            messages.success(request, _("The support plan was started."))
            return redirect("schools:plan", pk=plan.pk)
    return render(
        request, "schools/plan_new.html", {"pupil": found, "form": form, "measures": measures, "flag": answered}
    )


def _plan_errors(form, measures, exc: ValidationError) -> None:
    """Errors of plan_open on the plan form, or on the measure row they name (`measure-<i>`)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    filled = [f for f in measures.forms if f.has_changed()]
    for name, errors in exc.error_dict.items():
        if name.startswith("measure-"):
            index = int(name.split("-")[1])
            if index < len(filled):
                filled[index].add_error(None, errors)
        elif name in form.fields:
            form.add_error(name, errors)
        elif name in ("kind", "description", "responsible", "due_on"):
            continue  # (said on the row, above)
        else:
            form.add_error(None, errors)


@login_required
@refused_as_404
def plan(request, pk: int):
    """A support plan: its measures (mark done, add), reviews, referral onwards, closing."""
    found = plan_for(request.user, pk, action=Action.VIEW_PUPILS, request=request)
    version = {"version": found.version}
    staff = school_staff(found.pupil.school_id)
    return render(
        request,
        "schools/plan.html",
        {
            "plan": found,
            **plan_details(found),
            "can_support": may_support(request.user) and found.status == found.Status.ACTIVE,
            "today": timezone.localdate(),
            "commission": commission_of(found.pupil.school),
            "measure_form": MeasureAddForm(initial=version, staff=staff, prefix="add"),
            "review_form": ReviewForm(initial=version),
            "close_form": CloseForm(initial=version),
            "commission_form": CommissionForm(initial=version),
            "case_form": CaseLinkForm(initial=version),
        },
    )


STEPS = {
    "measure": MeasureAddForm,
    "done": None,
    "review": ReviewForm,
    "close": CloseForm,
    "commission": CommissionForm,
    "case": CaseLinkForm,
}


@login_required
@refused_as_404
@require_POST
def plan_step(request, pk: int, step: str):
    """One step on a plan, refused with a message when the plan changed meanwhile or the input is bad."""
    if step not in STEPS:
        return redirect("schools:plan", pk=pk)
    found = plan_for(request.user, pk, action=Action.SUPPORT_PUPILS, request=request)
    if step == "done":
        version, measure = request.POST.get("version", ""), request.POST.get("measure", "")
        if not (version.isdigit() and measure.isdigit()):
            messages.error(request, _("The page was incomplete: reload it and try again."))
            return redirect("schools:plan", pk=found.pk)
        args = {"measure_id": int(measure), "expected_version": int(version)}
        return _run(request, found, measure_done, args, _("The measure is marked done."))
    if step == "measure":
        form = MeasureAddForm(request.POST, staff=school_staff(found.pupil.school_id), prefix="add")
    else:
        form = STEPS[step](request.POST)
    if not form.is_valid():
        _say_errors(request, form)
        return redirect("schools:plan", pk=found.pk)
    d = form.cleaned_data
    if step == "measure":
        args, service, done = {"measure": form.measure()}, measure_add, _("The measure was added.")
    elif step == "review":
        args = {"note": d["note"], "next_review_on": d["next_review_on"]}
        service, done = plan_review, _("The review was recorded.")
    elif step == "close":
        args, service, done = {"outcome": d["outcome"]}, plan_close, _("The plan was closed.")
    elif step == "commission":
        args = {"referred_on": d["referred_on"]}
        service, done = plan_refer_commission, _("The referral to the youth-affairs commission was recorded.")
    else:
        args, service, done = {"reference": d["reference"]}, plan_link_case, _("The case was linked to the plan.")
    return _run(request, found, service, {**args, "expected_version": d["version"]}, done)


def _run(request, found, service, args: dict, done: str):
    try:
        service(actor=request.user, plan=found, request=request, **args)
    except ChangedMeanwhile as exc:
        messages.error(request, exc.explain())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("schools:plan", pk=found.pk)


# --- figures -------------------------------------------------------------------------------------
@login_required
@refused_as_404
def figures(request):
    """Per school and per district for a quarter: pupils, flagged, supported, returned to regular
    attendance, dropped out. Counts only."""
    form = QuarterForm(request.GET or None)
    chosen = parse_quarter(form.data.get("quarter", "")) if form.is_bound and form.is_valid() else None
    year, quarter = chosen or quarter_of(timezone.localdate())
    if not form.is_bound:
        form = QuarterForm(initial={"quarter": quarter_key(year, quarter)})
    result = school_figures(request.user, year=year, quarter=quarter, request=request)
    return render(
        request,
        "schools/figures.html",
        {"form": form, "quarter_name": quarter_name(year, quarter), **result},
    )
