"""Pages of the child-labour monitoring (/child-labour/): the children at work, one child's chain,
the observation visits, and the coverage of the districts. Thin: parse, call a selector or a
service of safezone/schools/labour.py, render. A refusal answers 404 (and is recorded)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safezone.access.http import refused_as_404
from safezone.access.policy import Action
from safezone.access.services import authorize
from safezone.common.errors import errors_on_form
from safezone.common.paging import page_of, query_without_page

from . import labour
from .labour_forms import AreaEndForm, AreaForm, ChildFilter, ChildForm, ReassignForm, StepForm, VisitFilter, VisitForm
from .models import WorkingChild


def _labour_only(request, action: str = Action.VIEW_LABOUR) -> list[int]:
    """The districts in which the user may take `action`; a user with none is refused (recorded, then 404)."""
    ids = labour.labour_districts(request.user, action)
    if not ids:
        authorize(user=request.user, action=action, purpose=labour.LABOUR, request=request)
    return ids


# --- children ----------------------------------------------------------------------------------------
@login_required
@refused_as_404
def children(request):
    """The children at work in the user's districts, newest first, with filters; each page shown is recorded."""
    ids = _labour_only(request)
    found = ChildFilter(
        request.GET or None, queryset=labour.children_visible_to(request.user), user=request.user, district_ids=ids
    )
    page = page_of(found.qs, request.GET.get("page"))
    shown = list(page)
    labour.children_page_record(request.user, shown, request)
    next_steps = labour.next_steps_of(shown)
    for child in shown:
        child.next_step = next_steps.get(child.pk)
    return render(
        request,
        "labour/children.html",
        {
            "filter": found,
            "page": page,
            "rows": shown,
            "query": query_without_page(request),
            "may_record": labour.may_record_labour(request.user),
        },
    )


def _child_page(request, child, *, step_form=None, reassign_form=None, status=200):
    """The child's page: the chain as a timeline, and (for those who record) the next step's forms."""
    next_step = labour.next_step_of(child)
    may_record = labour.may_record_labour(request.user, child)
    if may_record and next_step is not None:
        if step_form is None:
            services = (
                labour.services_for_child(request.user, child, request=request)
                if next_step.kind == next_step.Kind.PROTECTION
                else []
            )
            step_form = StepForm(step=next_step, version=child.version, services=services)
        if reassign_form is None:
            reassign_form = ReassignForm(owners=labour.owners_for(child), version=child.version)
    context = {
        "child": child,
        "person": child.person,
        "hazards": [labour.Hazard(h).label for h in child.hazards if h in labour.Hazard.values],
        "rounds": labour.chain_of(child),
        "next_step": next_step,
        "may_record": may_record,
        "step_form": step_form if may_record else None,
        "reassign_form": reassign_form if may_record else None,
    }
    return render(request, "labour/child.html", context, status=status)


@login_required
@refused_as_404
def child(request, pk: int):
    """One child at work and the chain of steps (the read is recorded)."""
    return _child_page(request, labour.child_for(request.user, pk, request=request))


@login_required
@refused_as_404
@require_POST
def step_complete(request, pk: int, step: int):
    """Record the child's next step as done (the chain moves on), or show what is wrong."""
    found = labour.child_for(request.user, pk, action=Action.RECORD_LABOUR, request=request)
    chain_step = found.steps.get(pk=step)
    form = StepForm(request.POST, step=chain_step, version=found.version)
    if form.is_valid():
        d = form.cleaned_data
        try:
            labour.step_complete(
                actor=request.user,
                step_id=chain_step.pk,
                expected_version=d["version"],
                done_on=d["done_on"],
                result=d["result"],
                note=d["note"],
                service_id=d.get("service") or None,
                request=request,
            )
        except labour.ChildChangedMeanwhile as exc:
            form.add_error(None, exc.explain())
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("The step was recorded."))
            return redirect("labour:child", pk=found.pk)
    if "service" in form.fields:
        form.offer_services(labour.services_for_child(request.user, found, request=request))
    return _child_page(request, found, step_form=form, status=400)


@login_required
@refused_as_404
@require_POST
def step_reassign(request, pk: int, step: int):
    """Give the child's open step (and by default the whole chain) to another worker."""
    found = labour.child_for(request.user, pk, action=Action.RECORD_LABOUR, request=request)
    chain_step = found.steps.get(pk=step)
    form = ReassignForm(request.POST, owners=labour.owners_for(found), version=found.version)
    if form.is_valid():
        d = form.cleaned_data
        try:
            labour.step_reassign(
                actor=request.user,
                step_id=chain_step.pk,
                owner=d["owner"],
                expected_version=d["version"],
                whole_chain=d["whole_chain"],
                request=request,
            )
        except labour.ChildChangedMeanwhile as exc:
            form.add_error(None, exc.explain())
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(
                request, _("%(name)s now owns the step.") % {"name": d["owner"].get_full_name() or d["owner"]}
            )
            return redirect("labour:child", pk=found.pk)
    return _child_page(request, found, reassign_form=form, status=400)


@login_required
@refused_as_404
def child_new(request):
    """A child found at work (on a visit: `?visit=`), put on the chain."""
    ids = _labour_only(request, Action.RECORD_LABOUR)
    chosen = request.GET.get("visit") or request.POST.get("visit") or ""
    visit = labour.visit_for(request.user, int(chosen), request=request) if chosen.isdigit() else None
    owners = labour.owners_for_new_child(request.user)
    form = ChildForm(request.POST or None, district_ids=ids, owners=owners, visit=visit)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            found = labour.child_identify(
                actor=request.user,
                named=form.named(),
                district=visit.district if visit else d["district"],
                identified_on=d["identified_on"],
                worst_form=d["worst_form"],
                hazards=d["hazards"],
                work=d["work"],
                visit=visit,
                owner=d["owner"],
                request=request,
            )
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            if found.person_matched:
                messages.info(request, _("The child was already known in the register: the record was linked to them."))
            due = date_format(labour.next_step_of(found).due_on, "SHORT_DATE_FORMAT")
            messages.success(request, _("The child is on the chain; the referral is due %(date)s.") % {"date": due})
            return redirect("labour:child", pk=found.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "labour/child_new.html", {"form": form, "visit": visit}, status=status)


# --- visits ------------------------------------------------------------------------------------------
@login_required
@refused_as_404
def visits(request):
    """The observation visits in the user's districts, newest first, with filters; each page is recorded."""
    ids = _labour_only(request)
    found = VisitFilter(request.GET or None, queryset=labour.visits_visible_to(request.user), district_ids=ids)
    page = page_of(found.qs, request.GET.get("page"))
    labour.visits_page_record(request.user, list(page), request)
    record_ids = set(labour.labour_districts(request.user, Action.RECORD_LABOUR))
    return render(
        request,
        "labour/visits.html",
        {"filter": found, "page": page, "query": query_without_page(request), "record_districts": record_ids},
    )


@login_required
@refused_as_404
def visit_new(request):
    """Record an observation visit; "save and add a child" goes on to the child found on it."""
    ids = _labour_only(request, Action.RECORD_LABOUR)
    form = VisitForm(request.POST or None, district_ids=ids)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            visit = labour.visit_record(
                actor=request.user,
                district=d["district"],
                area=d["area"],
                place=d["place"],
                visited_on=d["visited_on"],
                team=d["team"],
                children_seen=d["children_seen"],
                note=d["note"],
                request=request,
            )
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("The visit was recorded."))
            if request.POST.get("then") == "child":
                return redirect(f"{reverse('labour:child_new')}?visit={visit.pk}")
            return redirect("labour:visits")
    status = 400 if request.method == "POST" else 200
    return render(request, "labour/visit_new.html", {"form": form}, status=status)


# --- coverage ----------------------------------------------------------------------------------------
def _coverage_page(request, *, area_form=None, status=200):
    months, rows = labour.coverage_of(request.user)
    ids = labour.labour_districts(request.user, Action.RECORD_LABOUR)
    return render(
        request,
        "labour/coverage.html",
        {
            "months": months,
            "rows": rows,
            "statuses": WorkingChild.Status.choices,
            "record_districts": set(ids),
            "area_form": (area_form or AreaForm(district_ids=ids)) if ids else None,
            "end_form": AreaEndForm(),
        },
        status=status,
    )


@login_required
@refused_as_404
def coverage(request):
    """Which settlements and schools are monitored, visits a month, children at each step: counts only."""
    _labour_only(request)
    authorize(
        user=request.user, action=Action.VIEW_LABOUR, purpose=labour.LABOUR, request=request, extra={"page": "coverage"}
    )
    return _coverage_page(request)


@login_required
@refused_as_404
@require_POST
def area_add(request):
    """Start monitoring a settlement or a school."""
    ids = _labour_only(request, Action.RECORD_LABOUR)
    form = AreaForm(request.POST, district_ids=ids)
    if form.is_valid():
        d = form.cleaned_data
        try:
            labour.area_add(
                actor=request.user,
                district=d["district"],
                settlement=d["settlement"],
                school=d["school"],
                since=d["since"],
                request=request,
            )
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("The area is monitored."))
            return redirect("labour:coverage")
    return _coverage_page(request, area_form=form, status=400)


@login_required
@refused_as_404
@require_POST
def area_end(request, area: int):
    """Stop monitoring an area from a date."""
    form = AreaEndForm(request.POST)
    until = form.cleaned_data["until"] if form.is_valid() else None
    try:
        labour.area_end(actor=request.user, area_id=area, until=until, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Monitoring of the area has ended."))
    return redirect("labour:coverage")
