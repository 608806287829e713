"""Case pages: my work, the case list, a case, intake. Thin: parse, call a selector or service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safezone.access.http import chosen_purpose, refused_as_404
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import agencies_acting_for, purposes_for
from safezone.access.services import AccessDenied
from safezone.common.paging import query_without_page
from safezone.people.selectors import person_search

from .forms import CaseEditForm, IncidentForm, IntakeForm
from .selectors import case_details, case_for, case_list
from .services import ConcurrentEditError, incident_add, intake_submit


def _is_htmx(request) -> bool:
    """An htmx request for a fragment (a history restore needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _list_context(request, result, purpose):
    return {
        "filter": result.filterset,
        "page": result.page,
        "query": query_without_page(request),
        "purpose": purpose,
        "purposes": [(p, Purpose(p).label) for p in purposes_for(request.user, Action.LIST_CASES)],
    }


@login_required
def my_work(request):
    """My open cases."""
    purpose = chosen_purpose(request, Action.LIST_CASES)
    result = case_list(
        request.user,
        purpose=purpose,
        params=request.GET,
        page_number=request.GET.get("page"),
        request=request,
        only_mine=True,
        open_only=True,
    )
    context = _list_context(request, result, purpose)
    template = "cases/_case_table.html" if _is_htmx(request) else "cases/my_work.html"
    return render(request, template, context)


@login_required
def case_list_view(request):
    """All cases the user may see, with filters and pages."""
    purpose = chosen_purpose(request, Action.LIST_CASES)
    result = case_list(
        request.user, purpose=purpose, params=request.GET, page_number=request.GET.get("page"), request=request
    )
    context = _list_context(request, result, purpose)
    template = "cases/_case_table.html" if _is_htmx(request) else "cases/case_list.html"
    return render(request, template, context)


@login_required
@refused_as_404
def case_detail(request, pk: int):
    """One case: who takes part, what happened, what changed."""
    purpose = chosen_purpose(request, Action.VIEW_CASE)
    case = case_for(request.user, pk, purpose=purpose, request=request)
    context = {
        "case": case,
        "purpose": purpose,
        **case_details(case),
        "edit_form": CaseEditForm(initial={"status": case.status, "summary": case.summary, "version": case.version}),
        "may_edit": request.user.has_perm(Action.EDIT_CASE, case),
        "may_add_incident": request.user.has_perm(Action.ADD_INCIDENT, case),
    }
    return render(request, "cases/case_detail.html", context)


@login_required
@require_POST
@refused_as_404
def case_edit(request, pk: int):
    """Change status and summary; refused if someone else changed the case meanwhile."""
    from .services import case_update

    purpose = chosen_purpose(request, Action.EDIT_CASE)
    # Refuse before looking at the form, so a refusal reads the same whatever was posted.
    case_for(request.user, pk, purpose=purpose, request=request, action=Action.EDIT_CASE)
    form = CaseEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The change was not saved: check the status and summary."))
        return redirect("cases:detail", pk=pk)
    try:
        case_update(
            actor=request.user,
            case_id=pk,
            expected_version=form.cleaned_data["version"],
            purpose=purpose,
            status=form.cleaned_data["status"],
            summary=form.cleaned_data["summary"],
            request=request,
        )
    except ConcurrentEditError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The case was saved."))
    return redirect("cases:detail", pk=pk)


@login_required
@refused_as_404
def incident_new(request, pk: int):
    """Record a further incident on a case."""
    purpose = chosen_purpose(request, Action.ADD_INCIDENT)
    case = case_for(request.user, pk, purpose=purpose, request=request)
    participants = case_details(case)["participants"]
    form = IncidentForm(request.POST or None, case=case, participants=participants)
    if request.method == "POST" and form.is_valid():
        try:
            incident_add(actor=request.user, case=case, purpose=purpose, data=form.incident_data(), request=request)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The incident was recorded."))
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/incident_form.html", {"case": case, "form": form, "purpose": purpose})


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def intake(request):
    """Intake: find or register the person, open the case, record the first incident."""
    agencies = agencies_acting_for(request.user, Action.OPEN_CASE, Purpose.INTAKE)
    if not agencies:
        return render(request, "cases/intake_not_allowed.html", status=403)
    form = IntakeForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            case = intake_submit(actor=request.user, intake=form.intake(), purpose=Purpose.INTAKE, request=request)
        except ValidationError as exc:
            _add_errors(form, exc)
        except AccessDenied:
            form.add_error(None, _("You may not open a case with this person for this agency."))
        else:
            messages.success(request, _("Case %(ref)s was opened.") % {"ref": case.reference})
            return redirect(reverse("cases:detail", args=[case.pk]))
    return render(request, "cases/intake.html", {"form": form})


@login_required
def intake_person_search(request):
    """Intake's live search: persons this user may see whose names match what was typed (htmx fragment)."""
    words = [request.GET.get(f, "")[:100] for f in ("surname", "first_name", "patronymic")]
    query = " ".join(w for w in words if w.strip())
    birth = request.GET.get("birth_date", "")
    year = next((part for part in birth.replace("-", ".").split(".") if len(part) == 4 and part.isdigit()), None)
    results = []
    if len(query.strip()) >= 2:
        results = person_search(
            request.user, query=query, birth_year=int(year) if year else None, purpose=Purpose.INTAKE, request=request
        )
    chosen = request.GET.get("existing_person", "")
    return render(request, "cases/_person_candidates.html", {"results": results, "query": query, "chosen": chosen})
