"""The action plan's pages: the plans, one plan's logframe with progress, the edit forms, actuals,
activity status, the list of activities, and the spreadsheet export and import. Thin: parse,
call one service or selector, render. Reading needs plan.view, changing plan.edit (statistics
and planning); a refusal is recorded and answered 403 (the plan holds no one's personal data,
so there is nothing a 404 would hide)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _

from safezone.access.http import refused_as_403
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import purposes_for
from safezone.access.services import authorize
from safezone.common.errors import ChangedMeanwhile, errors_on_form
from safezone.common.paging import page_of, query_without_page
from safezone.stats.periods import BadPeriod

from . import selectors, services
from .forms import (
    ActivityFilter,
    ActualForm,
    ElementForm,
    ImportForm,
    IndicatorForm,
    PeriodForm,
    PlanForm,
    StatusForm,
)
from .models import Level, Status
from .xlsx import PlanFileInvalid, plan_workbook

PLANNING = Purpose.STATISTICS
CONFLICT = 409


def guarded(view):
    """Signed in; a refusal answers 403 (already recorded by authorize), a missing row 404."""

    @login_required
    @wraps(view)
    @refused_as_403
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404 from None

    return wrapper


def _today():
    return timezone.localdate()


def _read(request, **extra) -> None:
    authorize(user=request.user, action=Action.VIEW_PLAN, purpose=PLANNING, request=request, extra=extra)


def _edit(request, **extra) -> None:
    authorize(user=request.user, action=Action.EDIT_PLAN, purpose=PLANNING, request=request, extra=extra)


def _may_edit(user) -> bool:
    return PLANNING in purposes_for(user, Action.EDIT_PLAN)


def _stale(form, exc: ChangedMeanwhile) -> None:
    form.add_error(None, exc.explain())


def _save(form, save):
    """Run one service call for a valid form: (the result, None) when it saved; otherwise (None, the
    status to answer with) and the refusal on the form: 409 for a version changed meanwhile, 200
    for a rule the service refused."""
    try:
        return save(), None
    except ChangedMeanwhile as exc:
        _stale(form, exc)
        return None, CONFLICT
    except ValidationError as exc:
        errors_on_form(form, exc)
        return None, 200


# --- plans ---------------------------------------------------------------------------------------
@guarded
def plans(request):
    """The action plans, newest first."""
    _read(request)
    return render(
        request, "programmes/plans.html", {"plans": selectors.plans_all(), "may_edit": _may_edit(request.user)}
    )


@guarded
def plan_new(request):
    form = PlanForm(request.POST or None, new=True)
    if request.method != "POST":
        _edit(request)
    elif form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, data=form.data_input(), request=request)
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            return redirect("programmes:plan", pk=plan.pk)
    return render(request, "programmes/plan_form.html", {"form": form})


@guarded
def plan_edit(request, pk):
    plan = selectors.plan_get(pk)
    form = PlanForm(request.POST or None, initial={**plan.__dict__})
    status = 200
    if request.method != "POST":
        _edit(request, plan=plan.pk)
    elif form.is_valid():
        _saved, status = _save(
            form,
            lambda: services.plan_update(
                actor=request.user,
                plan=plan,
                expected_version=form.cleaned_data["version"],
                data=form.data_input(),
                request=request,
            ),
        )
        if status is None:
            messages.success(request, _("The plan was saved."))
            return redirect("programmes:plan", pk=plan.pk)
    return render(request, "programmes/plan_form.html", {"form": form, "plan": plan}, status=status)


@guarded
def plan(request, pk):
    """One plan: the logframe top down with each indicator's actuals over the last four quarters, its
    progress from baseline to target, and activities overdue."""
    found = selectors.plan_get(pk)
    today = _today()
    form = PeriodForm(request.GET or None)
    try:
        periods = selectors.periods_until(request.GET.get("period", "").strip() or None, today)
    except BadPeriod as exc:
        form.is_valid()
        form.add_error("period", str(exc))
        periods = selectors.periods_until(None, today)
    form.fields["period"].widget.attrs["placeholder"] = periods[-1].code
    _read(request, plan=found.pk, periods=[p.code for p in periods])
    nodes = selectors.plan_tree(found, periods, today)
    return render(
        request,
        "programmes/plan.html",
        {
            "plan": found,
            "nodes": nodes,
            "periods": periods,
            "summary": selectors.plan_summary(nodes),
            "form": form,
            "may_edit": _may_edit(request.user),
            "today": today,
        },
    )


# --- logframe rows -------------------------------------------------------------------------------
@guarded
def element_new(request, pk):
    """Add a row: the goal, or a purpose, output or activity under a row one level up."""
    found = selectors.plan_get(pk)
    level = request.GET.get("level") or request.POST.get("level") or Level.GOAL
    if level not in Level.values:
        raise Http404
    parents = selectors.parent_choices(found, level)
    initial = {"parent": request.GET.get("parent")}
    form = ElementForm(request.POST or None, parents=parents, level=level, new=True, initial=initial)
    if request.method != "POST":
        _edit(request, plan=found.pk)
    elif form.is_valid():
        try:
            element = services.element_create(
                actor=request.user,
                plan=found,
                level=level,
                parent=form.cleaned_data.get("parent"),
                data=form.data_input(),
                request=request,
            )
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Row %(code)s was added.") % {"code": element.code})
            return redirect(f"{_plan_url(found)}#e{element.pk}")
    return render(
        request,
        "programmes/element_form.html",
        {"form": form, "plan": found, "level": level, "level_label": Level(level).label},
    )


def _plan_url(plan) -> str:
    return reverse("programmes:plan", args=[plan.pk])


@guarded
def element_edit(request, pk):
    element = selectors.element_get(pk)
    parents = selectors.parent_choices(element.plan, element.level)
    initial = {**element.__dict__, "parent": element.parent_id}
    form = ElementForm(request.POST or None, parents=parents, level=element.level, initial=initial)
    status = 200
    if request.method != "POST":
        _edit(request, plan=element.plan_id, element=element.pk)
    elif form.is_valid():
        _saved, status = _save(
            form,
            lambda: services.element_update(
                actor=request.user,
                element=element,
                expected_version=form.cleaned_data["version"],
                parent=form.cleaned_data.get("parent"),
                data=form.data_input(),
                request=request,
            ),
        )
        if status is None:
            messages.success(request, _("Row %(code)s was saved.") % {"code": element.code})
            return redirect(f"{_plan_url(element.plan)}#e{element.pk}")
    context = {
        "form": form,
        "plan": element.plan,
        "element": element,
        "level": element.level,
        "level_label": element.get_level_display(),
    }
    return render(request, "programmes/element_form.html", context, status=status)


@guarded
def activity_status(request, pk):
    """Say where an activity stands, with a note."""
    element = selectors.element_get(pk)
    if element.level != Level.ACTIVITY:
        raise Http404
    form = StatusForm(request.POST or None, initial={**element.__dict__})
    status = 200
    if request.method != "POST":
        _edit(request, plan=element.plan_id, element=element.pk)
    elif form.is_valid():
        _saved, status = _save(
            form,
            lambda: services.activity_status_set(
                actor=request.user,
                element=element,
                expected_version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
                note=form.cleaned_data["status_note"],
                request=request,
            ),
        )
        if status is None:
            messages.success(request, _("The status of %(code)s was saved.") % {"code": element.code})
            back = request.POST.get("next", "")
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect(f"{_plan_url(element.plan)}#e{element.pk}")
    return render(
        request,
        "programmes/status_form.html",
        {"form": form, "element": element, "plan": element.plan, "next": request.GET.get("next", "")},
        status=status,
    )


@guarded
def activities(request, pk):
    """The plan's activities, filtered by status, responsible body and overdue, a page at a time."""
    found = selectors.plan_get(pk)
    today = _today()
    form = ActivityFilter(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    _read(request, plan=found.pk, filters={k: v for k, v in chosen.items() if v})
    rows = selectors.activities_of(
        found,
        status=chosen.get("status", ""),
        responsible=chosen.get("responsible", ""),
        overdue=chosen.get("overdue", False),
        today=today,
    )
    return render(
        request,
        "programmes/activities.html",
        {
            "plan": found,
            "form": form,
            "page": page_of(rows, request.GET.get("page")),
            "query": query_without_page(request),
            "bodies": selectors.responsible_bodies(found),
            "today": today,
            "may_edit": _may_edit(request.user),
            "statuses": Status,
        },
    )


# --- indicators and actuals ----------------------------------------------------------------------
def _registry():
    from safezone.stats.selectors import indicators_current

    return list(indicators_current())


@guarded
def indicator_new(request, pk):
    element = selectors.element_get(pk)
    form = IndicatorForm(request.POST or None, registry=_registry(), new=True)
    if request.method != "POST":
        _edit(request, plan=element.plan_id, element=element.pk)
    elif form.is_valid():
        try:
            indicator = services.indicator_create(
                actor=request.user, element=element, data=form.data_input(), request=request
            )
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Indicator %(code)s was added.") % {"code": indicator.code})
            return redirect(f"{_plan_url(element.plan)}#e{element.pk}")
    return render(request, "programmes/indicator_form.html", {"form": form, "element": element, "plan": element.plan})


@guarded
def indicator_edit(request, pk):
    indicator = selectors.indicator_get(pk)
    form = IndicatorForm(request.POST or None, registry=_registry(), initial={**indicator.__dict__})
    status = 200
    if request.method != "POST":
        _edit(request, plan=indicator.plan_id, indicator=indicator.pk)
    elif form.is_valid():
        _saved, status = _save(
            form,
            lambda: services.indicator_update(
                actor=request.user,
                indicator=indicator,
                expected_version=form.cleaned_data["version"],
                data=form.data_input(),
                request=request,
            ),
        )
        if status is None:
            messages.success(request, _("Indicator %(code)s was saved.") % {"code": indicator.code})
            return redirect(f"{_plan_url(indicator.plan)}#e{indicator.element_id}")
    context = {"form": form, "indicator": indicator, "element": indicator.element, "plan": indicator.plan}
    return render(request, "programmes/indicator_form.html", context, status=status)


@guarded
def actuals(request, pk):
    """A hand-kept indicator's actuals, and the form to enter one (period, value, source)."""
    indicator = selectors.indicator_get(pk)
    form = ActualForm(request.POST or None, initial={"version": indicator.version})
    status = 200
    if request.method != "POST":
        _read(request, plan=indicator.plan_id, indicator=indicator.pk)
    elif form.is_valid():
        actual, status = _save(
            form,
            lambda: services.actual_enter(
                actor=request.user,
                indicator=indicator,
                expected_version=form.cleaned_data["version"],
                period=form.cleaned_data["period"],
                value=form.cleaned_data["value"],
                source=form.cleaned_data["source"],
                request=request,
            ),
        )
        if status is None:
            messages.success(
                request,
                _("The actual for %(period)s was saved.") % {"period": actual.period},
            )
            return redirect("programmes:actuals", pk=indicator.pk)
    return render(
        request,
        "programmes/actuals.html",
        {
            "form": form,
            "indicator": indicator,
            "plan": indicator.plan,
            "actuals": selectors.actuals_of(indicator),
            "may_edit": _may_edit(request.user) and not indicator.from_registry,
        },
        status=status,
    )


# --- spreadsheets --------------------------------------------------------------------------------
@guarded
def export(request, pk):
    """The plan as an XLSX file (Logframe, Indicators, Actuals), ready to be edited and imported."""
    found = selectors.plan_get(pk)
    _read(request, plan=found.pk, export="xlsx")
    response = HttpResponse(
        plan_workbook(found), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = slugify(found.title_en or "") or f"plan-{found.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@guarded
def plan_import(request, pk):
    """Bring a plan's spreadsheet in: all of it, or nothing with every error named."""
    found = selectors.plan_get(pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, status = [], 200
    if request.method != "POST":
        _edit(request, plan=found.pk)
    elif form.is_valid():
        try:
            result = services.plan_import(
                actor=request.user, plan=found, upload=form.cleaned_data["file"], request=request
            )
        except PlanFileInvalid as exc:
            errors, status = exc.errors, 400
        else:
            if result.changed:
                messages.success(
                    request,
                    _(
                        "Imported: %(e)s rows, %(i)s indicators and %(a)s actuals added; "
                        "%(ue)s rows, %(ui)s indicators and %(ua)s actuals changed."
                    )
                    % {
                        "e": result.created["elements"],
                        "i": result.created["indicators"],
                        "a": result.created["actuals"],
                        "ue": result.updated["elements"],
                        "ui": result.updated["indicators"],
                        "ua": result.updated["actuals"],
                    },
                )
            else:
                messages.info(request, _("The file says what the plan already says: nothing changed."))
            return redirect("programmes:plan", pk=found.pk)
    return render(request, "programmes/import.html", {"form": form, "plan": found, "errors": errors}, status=status)
