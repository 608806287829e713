"""Case pages: my work, the case list, a case, intake. Thin: parse, call a selector or service, render."""

import datetime as dt

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safezone.access.http import chosen_purpose, refused_as_404
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import agencies_acting_for, purposes_for
from safezone.access.services import AccessDenied
from safezone.common.errors import ChangedMeanwhile
from safezone.common.paging import page_of, query_without_page
from safezone.people.dates import PartialDate
from safezone.people.matching import NameQuery
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
    if _is_htmx(request):
        return render(request, "cases/_case_table.html", context)
    from .selectors import closures_waiting_for, overdue_actions_for

    context["overdue"] = overdue_actions_for(request.user, purpose=purpose)
    context["closures_waiting"] = closures_waiting_for(request.user)
    from safezone.schools.labour import overdue_steps_shown

    context["labour"] = overdue_steps_shown(request.user, request=request)
    return render(request, "cases/my_work.html", context)


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
    """One case: safety first, then who takes part, what happened, the team, seals and consents."""
    from safezone.access.policy import FieldGroup
    from safezone.access.selectors import consents_of, seals_of, team_of
    from safezone.assessments.instruments import instruments_for
    from safezone.assessments.selectors import assessments_of
    from safezone.meetings.selectors import meeting_referrals_of, meeting_triggers

    from .forms import PlanActionForm, SealForm
    from .models import PlanAction
    from .selectors import latest_safety_check, plan_of
    from .services import case_agency_ids

    purpose = chosen_purpose(request, Action.VIEW_CASE)
    case = case_for(request.user, pk, purpose=purpose, request=request)
    user = request.user
    may_seal = user.has_perm(Action.SEAL_CASE, case)
    context = {
        "case": case,
        "purpose": purpose,
        **case_details(case),
        "shows": {group: case.decision.shows(group) for group in FieldGroup.values},
        "edit_form": CaseEditForm(
            initial={
                "status": case.status,
                "summary": case.summary,
                "safe_contact": case.safe_contact,
                "version": case.version,
            }
        ),
        "may_edit": user.has_perm(Action.EDIT_CASE, case),
        "may_add_incident": user.has_perm(Action.ADD_INCIDENT, case),
        "may_refer": user.has_perm(Action.REFER_CASE, case),
        "may_seal": may_seal,
        "may_record_consent": user.has_perm(Action.RECORD_CONSENT, case),
        "team": list(team_of(case)),
        "seals": list(seals_of(case)) if may_seal else [],
        "seal_form": SealForm() if may_seal else None,
        "consents": list(consents_of(case)),
        "today": timezone.localdate(),
        "safety": latest_safety_check(case),
        "assessments": list(assessments_of(case)),
        "instruments": instruments_for(case.kind) if user.has_perm(Action.EDIT_CASE, case) else [],
        "meeting_referrals": list(meeting_referrals_of(case)),
        "plan": plan_of(case),
        "action_form": (
            PlanActionForm(case=case, goals=[g for g in case.goals.all()], agency_ids=case_agency_ids(case))
            if user.has_perm(Action.EDIT_CASE, case)
            else None
        ),
        "action_statuses": PlanAction.Status.choices,
        **_closure_context(user, case),
        **_services_context(user, case, purpose),
        "meeting_triggers": meeting_triggers(case) if user.has_perm(Action.REFER_CASE, case) else [],
    }
    return render(request, "cases/case_detail.html", context)


@login_required
@require_POST
@refused_as_404
def case_edit(request, pk: int):
    """Change status and summary; refused if someone else changed the case meanwhile."""
    from .services import case_update

    purpose = chosen_purpose(request, Action.EDIT_CASE)
    form = CaseEditForm(request.POST)
    if not form.is_valid():
        # Decide first (one audited decision), so a refusal reads the same whatever was posted.
        case_for(request.user, pk, purpose=purpose, request=request, action=Action.EDIT_CASE)
        messages.error(request, _("The change was not saved: check the status and summary."))
        return redirect("cases:detail", pk=pk)
    try:
        case_update(
            actor=request.user,
            case_id=pk,
            expected_version=form.cleaned_data["version"],
            purpose=purpose,
            status=form.cleaned_data["status"],
            summary=form.cleaned_data["summary"] if "summary" in request.POST else None,
            safe_contact=form.cleaned_data["safe_contact"] if "safe_contact" in request.POST else None,
            request=request,
        )
    except ConcurrentEditError as exc:
        messages.error(request, exc.explain())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
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
    """Intake's live search: persons who fit what was typed, best first, and (for those the user
    may not see) which agencies know them (htmx fragment)."""
    typed = {f: request.GET.get(f, "")[:100] for f in ("surname", "first_name", "patronymic", "birth_date")}
    try:
        birth = PartialDate.parse(typed["birth_date"]) if typed["birth_date"].strip() else None
    except ValidationError:
        birth = None  # the form itself says what is wrong with the date; the search goes on without it
    query = NameQuery(surname=typed["surname"], given=typed["first_name"], patronymic=typed["patronymic"], birth=birth)
    typed_enough = len((typed["surname"] + typed["first_name"]).strip()) >= 2
    results = None
    if typed_enough:
        results = person_search(request.user, query=query, purpose=Purpose.INTAKE, request=request)
    chosen = request.GET.get("existing_person", "")
    return render(
        request, "cases/_person_candidates.html", {"results": results, "typed": typed_enough, "chosen": chosen}
    )


# --- referrals, seals, consent -------------------------------------------------------------------
@login_required
@refused_as_404
def refer(request, pk: int):
    """Send the case to another agency."""
    from safezone.access.selectors import consents_of

    from .forms import ReferralForm
    from .services import referral_send

    purpose = chosen_purpose(request, Action.REFER_CASE)
    case = case_for(request.user, pk, purpose=purpose, request=request, action=Action.REFER_CASE)
    form = ReferralForm(request.POST or None, case=case, consents=list(consents_of(case)))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            referral_send(
                actor=request.user,
                case=case,
                to_agency=d["to_agency"],
                message=d["message"],
                purpose=purpose,
                consent=d["consent"],
                legal_ground=d["legal_ground"],
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The referral was sent to %(agency)s.") % {"agency": d["to_agency"]})
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/referral_form.html", {"case": case, "form": form, "purpose": purpose})


@login_required
def referral_inbox_view(request):
    """Referrals to my agencies, by status."""
    from .models import Referral
    from .selectors import referral_inbox

    context = referral_inbox(request.user, params=request.GET, page_number=request.GET.get("page"), request=request)
    context.update({"statuses": Referral.Status.choices, "query": query_without_page(request)})
    return render(request, "cases/referral_inbox.html", context)


@login_required
@require_POST
def referral_step(request, pk: int, step: str):
    """Accept, decline, complete or revoke a referral; refused steps answer 404, stale ones a message."""
    from django.http import Http404

    from .forms import ReasonForm
    from .selectors import referral_by_id
    from .services import (
        ReferralStateError,
        referral_accept,
        referral_complete,
        referral_decline,
        referral_revoke,
    )

    steps = {
        "accept": referral_accept,
        "decline": referral_decline,
        "complete": referral_complete,
        "revoke": referral_revoke,
    }
    if step not in steps:
        raise Http404()
    try:
        referral = referral_by_id(pk)
    except ObjectDoesNotExist:
        raise Http404() from None
    form = ReasonForm(request.POST)
    form.is_valid()
    kwargs = {} if step == "accept" else {"reason": form.cleaned_data.get("reason", "")}
    try:
        steps[step](actor=request.user, referral=referral, request=request, **kwargs)
    except AccessDenied:
        raise Http404() from None
    except ReferralStateError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done."))
    return redirect(request.POST.get("next") or "cases:referrals")


@login_required
@require_POST
@refused_as_404
def seal_add(request, pk: int):
    """Seal the case from an agency, unit or user."""
    from safezone.access.services import seal_add as seal_add_service

    from .forms import SealForm

    purpose = chosen_purpose(request, Action.SEAL_CASE)
    case = case_for(request.user, pk, purpose=purpose, request=request, action=Action.SEAL_CASE)
    form = SealForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            seal_add_service(
                actor=request.user,
                case=case,
                purpose=purpose,
                reason=d["reason"],
                agency=d["agency"],
                unit=d["unit"],
                user=d["user"],
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The case is sealed."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
@refused_as_404
def seal_lift(request, pk: int, seal_pk: int):
    """Lift a seal on the case."""
    from safezone.access.selectors import seals_of
    from safezone.access.services import seal_lift as seal_lift_service

    purpose = chosen_purpose(request, Action.SEAL_CASE)
    case = case_for(request.user, pk, purpose=purpose, request=request, action=Action.SEAL_CASE)
    seal = seals_of(case).get(pk=seal_pk)
    seal_lift_service(actor=request.user, seal=seal, purpose=purpose, request=request)
    messages.success(request, _("The seal was lifted."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@refused_as_404
def consent_new(request, pk: int):
    """Record what a person agreed to share."""
    from safezone.access.services import consent_record

    from .forms import ConsentForm

    case = case_for(request.user, pk, purpose=Purpose.CASE_WORK, request=request, action=Action.RECORD_CONSENT)
    form = ConsentForm(request.POST or None, participants=case_details(case)["participants"])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            consent_record(
                actor=request.user,
                case=case,
                person=d["person"],
                categories=d["categories"],
                agencies=list(d["agencies"]),
                purposes=d["purposes"],
                form=d["form"],
                given_on=d["given_on"],
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/consent_form.html", {"case": case, "form": form, "purpose": Purpose.CASE_WORK})


@login_required
@require_POST
@refused_as_404
def consent_withdraw(request, pk: int, consent_pk: int):
    """Record that a consent was withdrawn."""
    from safezone.access.selectors import consents_of
    from safezone.access.services import consent_withdraw as withdraw

    from .forms import WithdrawForm

    case = case_for(request.user, pk, purpose=Purpose.CASE_WORK, request=request, action=Action.RECORD_CONSENT)
    consent = consents_of(case).get(pk=consent_pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            withdraw(
                actor=request.user, consent=consent, withdrawn_on=form.cleaned_data["withdrawn_on"], request=request
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The consent is recorded as withdrawn."))
    else:
        messages.error(request, _("Give the date the consent was withdrawn."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@reauthentication_required
def case_export(request):
    """The filtered case list as CSV (no names: reference, kind, status, place, agency, dates)."""
    import csv

    from django.http import HttpResponse

    from .selectors import ExportTooLarge, case_export_rows

    purpose = chosen_purpose(request, Action.EXPORT_CASES)
    try:
        cases = case_export_rows(request.user, purpose=purpose, params=request.GET, request=request)
    except AccessDenied:
        messages.error(request, _("Your role does not allow exporting cases."))
        return redirect("cases:list")
    except ExportTooLarge as exc:
        messages.error(
            request,
            _("The export would hold %(count)d cases; at most %(limit)d are allowed. Narrow the filters.")
            % {"count": exc.count, "limit": exc.limit},
        )
        return redirect(f"{reverse('cases:list')}?{request.GET.urlencode()}")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cases-{timezone.localdate():%Y%m%d}.csv"'
    response.write("\ufeff")  # so that Excel reads UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [_("Case"), _("Kind"), _("Status"), _("District"), _("Agency"), _("Worker"), _("Opened"), _("Closed")]
    )
    for c in cases:
        writer.writerow(
            [
                c.reference,
                c.get_kind_display(),
                c.get_status_display(),
                c.district,
                c.owner_agency,
                c.owner_worker or "",
                f"{c.opened_on:%d.%m.%Y}",
                f"{c.closed_on:%d.%m.%Y}" if c.closed_on else "",
            ]
        )
    return response


# --- the plan ------------------------------------------------------------------------------------
def _form_errors(form) -> str:
    """A form's errors as one message that names each field."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return "; ".join(parts)


@login_required
@require_POST
@refused_as_404
def goal_new(request, pk: int):
    """Add a goal to the plan."""
    from .services import goal_add

    case = case_for(request.user, pk, purpose=Purpose.CASE_WORK, request=request, action=Action.EDIT_CASE)
    try:
        goal_add(
            actor=request.user, case=case, text=request.POST.get("text", ""), purpose=Purpose.CASE_WORK, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The goal was added."))
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
@refused_as_404
def action_new(request, pk: int):
    """Give an agency working on the case something to do by a date."""
    from .forms import PlanActionForm
    from .selectors import plan_of
    from .services import case_agency_ids, plan_action_add

    case = case_for(request.user, pk, purpose=Purpose.CASE_WORK, request=request, action=Action.EDIT_CASE)
    goals = [goal for goal, _actions in plan_of(case)["goals"]]
    form = PlanActionForm(request.POST, case=case, goals=goals, agency_ids=case_agency_ids(case))
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("cases:detail", pk=pk)
    try:
        plan_action_add(actor=request.user, case=case, purpose=Purpose.CASE_WORK, request=request, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The action was added."))
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
@refused_as_404
def action_status(request, pk: int, action_pk: int):
    """Mark an action done, not possible, not done, or open again."""
    from .forms import ActionStatusForm
    from .services import ActionChangedMeanwhile, plan_action_set_status

    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        case_for(request.user, pk, purpose=Purpose.CASE_WORK, request=request, action=Action.EDIT_CASE)
        messages.error(request, _form_errors(form))
        return redirect("cases:detail", pk=pk)
    try:
        plan_action_set_status(
            actor=request.user,
            action_id=action_pk,
            expected_version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            purpose=Purpose.CASE_WORK,
            request=request,
        )
    except ActionChangedMeanwhile as exc:
        messages.error(request, exc.explain())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The action was updated."))
    return redirect("cases:detail", pk=pk)


# --- closure and reopening -----------------------------------------------------------------------
def _closure_context(user, case) -> dict:
    """What the case page shows about closing: the requests, the reopenings, and the forms the user may use."""
    from .forms import ClosureDecisionForm, ClosureRequestForm, ReopenForm
    from .models import Closure
    from .selectors import closures_of, reopenings_of

    closures = closures_of(case)
    pending = next((c for c in closures if c.status == Closure.Status.PENDING), None)
    may_close = user.has_perm(Action.CLOSE_CASE, case)
    closed = case.status == case.Status.CLOSED
    return {
        "closures": closures,
        "reopenings": reopenings_of(case),
        "pending_closure": pending,
        "closure_form": (
            # Own ids: the seal form on the same page also has a "reason".
            ClosureRequestForm(initial={"version": case.version}, auto_id="closure_%s")
            if may_close and not closed and not pending
            else None
        ),
        "decision_form": (
            ClosureDecisionForm(auto_id="decision_%s")
            if pending and pending.requested_by_id != user.pk and user.has_perm(Action.APPROVE_CLOSURE, case)
            else None
        ),
        "may_withdraw_closure": bool(pending and pending.requested_by_id == user.pk),
        "reopen_form": (
            ReopenForm(initial={"version": case.version}, auto_id="reopen_%s")
            if may_close and closed and case.anonymised_at is None
            else None
        ),
    }


def _closure_step(request, pk: int, form_class, run, done: str, action: str = Action.CLOSE_CASE):
    """Run one closure step from a posted form; errors and success go back to the case page as messages."""
    purpose = chosen_purpose(request, action)
    form = form_class(request.POST)
    if not form.is_valid():
        # Decide first (one audited decision), so a refusal reads the same whatever was posted.
        case_for(request.user, pk, purpose=purpose, request=request, action=action)
        messages.error(request, _form_errors(form))
        return redirect("cases:detail", pk=pk)
    try:
        run(form.cleaned_data, purpose)
    except ChangedMeanwhile as exc:
        messages.error(request, exc.explain())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
@refused_as_404
def closure_request(request, pk: int):
    """Ask to close the case; a supervisor approves."""
    from .forms import ClosureRequestForm
    from .services import case_closure_request

    def run(data, purpose):
        case_closure_request(
            actor=request.user,
            case_id=pk,
            expected_version=data["version"],
            reason=data["reason"],
            note=data["note"],
            purpose=purpose,
            request=request,
        )

    return _closure_step(
        request, pk, ClosureRequestForm, run, _("Closing was asked for; a supervisor will approve or send it back.")
    )


def _closure_of_case(pk: int, closure_pk: int):
    from .models import Closure

    closure = Closure.objects.filter(pk=closure_pk, case_id=pk).first()
    if closure is None:
        raise Http404()
    return closure


@login_required
@require_POST
@refused_as_404
def closure_decide(request, pk: int, closure_pk: int):
    """A supervisor approves closing the case or sends the request back."""
    from .forms import ClosureDecisionForm
    from .services import case_closure_decide

    closure = _closure_of_case(pk, closure_pk)

    def run(data, purpose):
        case_closure_decide(
            actor=request.user,
            closure_id=closure.pk,
            approve=data["decision"] == "approve",
            note=data["decision_note"],
            purpose=purpose,
            request=request,
        )

    return _closure_step(
        request, pk, ClosureDecisionForm, run, _("The decision was recorded."), action=Action.APPROVE_CLOSURE
    )


@login_required
@require_POST
@refused_as_404
def closure_withdraw(request, pk: int, closure_pk: int):
    """The person who asked to close the case takes the request back."""
    from .services import case_closure_withdraw

    purpose = chosen_purpose(request, Action.CLOSE_CASE)
    closure = _closure_of_case(pk, closure_pk)
    try:
        case_closure_withdraw(actor=request.user, closure_id=closure.pk, purpose=purpose, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The request to close the case was withdrawn."))
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
@refused_as_404
def case_reopen_view(request, pk: int):
    """Reopen a closed case with a reason."""
    from .forms import ReopenForm
    from .services import case_reopen

    def run(data, purpose):
        case_reopen(
            actor=request.user,
            case_id=pk,
            expected_version=data["version"],
            reason=data["reason"],
            purpose=purpose,
            request=request,
        )

    return _closure_step(request, pk, ReopenForm, run, _("The case was reopened."))


# --- services delivered --------------------------------------------------------------------------
def _services_context(user, case, purpose: str) -> dict:
    """The services given in the case, and the form to record one for the user's agencies."""
    from .forms import ServiceEndForm, ServiceForm
    from .selectors import services_of

    agencies = agencies_acting_for(user, Action.RECORD_SERVICE, Purpose.CASE_WORK)
    may_record = bool(agencies) and user.has_perm(Action.RECORD_SERVICE, case)
    services = services_of(case)
    return {
        "services": services,
        "service_form": (
            ServiceForm(participants=case_details(case)["participants"], agencies=agencies, auto_id="service_%s")
            if may_record
            else None
        ),
        "service_end_forms": (
            {
                s.pk: ServiceEndForm(initial={"version": s.version}, auto_id=f"end{s.pk}_%s")
                for s in services
                if s.ended_on is None or not s.outcome
            }
            if may_record
            else {}
        ),
    }


@login_required
@require_POST
@refused_as_404
def service_new(request, pk: int):
    """Record a service given in the case (a place in a shelter or programme is checked against its places)."""
    from .forms import ServiceForm
    from .services import service_record

    purpose = chosen_purpose(request, Action.RECORD_SERVICE)
    case = case_for(request.user, pk, purpose=purpose, request=request, action=Action.RECORD_SERVICE)
    agencies = agencies_acting_for(request.user, Action.RECORD_SERVICE, purpose)
    form = ServiceForm(request.POST, participants=case_details(case)["participants"], agencies=agencies)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("cases:detail", pk=pk)
    d = form.cleaned_data
    try:
        service_record(
            actor=request.user,
            case=case,
            kind=d["kind"],
            agency=d["agency"],
            facility=d["facility"],
            person=d["person"],
            started_on=d["started_on"],
            ended_on=d["ended_on"],
            purpose=purpose,
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The service was recorded."))
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
@refused_as_404
def service_end_view(request, pk: int, service_pk: int):
    """Record when and how a service ended."""
    from .forms import ServiceEndForm
    from .models import ServiceDelivery
    from .services import service_end

    if not ServiceDelivery.objects.filter(pk=service_pk, case_id=pk).exists():
        raise Http404()

    def run(data, purpose):
        service_end(
            actor=request.user,
            service_id=service_pk,
            expected_version=data["version"],
            ended_on=data["ended_on"],
            outcome=data["outcome"],
            note=data["note"],
            purpose=purpose,
            request=request,
        )

    return _closure_step(
        request, pk, ServiceEndForm, run, _("The end of the service was recorded."), action=Action.RECORD_SERVICE
    )


@login_required
def capacity(request):
    """Places in shelters, programmes and day care: taken and free on a day, and shelter places per
    10,000 inhabitants by district against the standard. Figures only, no person."""
    from django.http import HttpResponseForbidden

    from safezone.access.services import authorize
    from safezone.directory.models import Facility
    from safezone.directory.selectors import districts

    from .selectors import occupancy_on, occupancy_totals, shelter_places_by_district
    from .services import SESSION_FACILITY_KINDS

    purpose = chosen_purpose(request, Action.VIEW_CAPACITY)
    try:
        authorize(user=request.user, action=Action.VIEW_CAPACITY, purpose=purpose, request=request)
    except AccessDenied:
        return HttpResponseForbidden(_("Your roles do not show places and occupancy."))
    try:
        day = dt.date.fromisoformat(request.GET.get("on", "")) if request.GET.get("on") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
        messages.error(request, _("The date was not understood; today is shown."))
    wanted = request.GET.get("district", "")
    district = districts().filter(pk=int(wanted)).first() if wanted.isdigit() else None
    kind = request.GET.get("kind", "") if request.GET.get("kind") in Facility.Kind.values else ""
    rows = occupancy_on(day, district=district, kind=kind)
    context = {
        "day": day,
        "rows": page_of(rows, request.GET.get("page")),
        "query": query_without_page(request),
        "district": district,
        "districts": districts(),
        "kind": kind,
        "kinds": Facility.Kind.choices,
        "by_district": shelter_places_by_district(),
        "totals": occupancy_totals(rows),
        # Programmes and groups of the user's own agencies link to their sessions and attendance.
        "session_kinds": sorted(SESSION_FACILITY_KINDS),
        "my_agency_ids": [a.pk for a in agencies_acting_for(request.user, Action.RECORD_SERVICE, Purpose.CASE_WORK)],
    }
    return render(request, "cases/capacity.html", context)


@login_required
@refused_as_404
def programme(request, facility_pk: int):
    """A group programme, rehabilitation programme or family self-help group: its participants, its
    sessions, and who came to each (for the agency that runs it)."""
    from .models import Attendance, ProgrammeSession
    from .selectors import occupancy_on, programme_for
    from .services import attendance_record, programme_session_add

    purpose = chosen_purpose(request, Action.RECORD_SERVICE)
    facility, participants, sessions = programme_for(request.user, facility_pk, purpose=purpose, request=request)
    if request.method == "POST":
        try:
            if request.POST.get("step") == "session":
                held_on = dt.date.fromisoformat(request.POST.get("held_on", ""))
                programme_session_add(
                    actor=request.user,
                    facility=facility,
                    held_on=held_on,
                    topic=request.POST.get("topic", ""),
                    purpose=purpose,
                    request=request,
                )
                messages.success(request, _("The session was added."))
            else:
                session = ProgrammeSession.objects.get(pk=request.POST.get("session"), facility=facility)
                reachable = {p.pk: p for p in participants}
                for key, status in request.POST.items():
                    if key.startswith("status_") and status:
                        service = reachable.get(int(key.removeprefix("status_")))
                        if service is not None:
                            attendance_record(
                                actor=request.user,
                                session=session,
                                service=service,
                                status=status,
                                purpose=purpose,
                                request=request,
                            )
                messages.success(request, _("Attendance was saved."))
        except ValueError:
            messages.error(request, _("Write the date of the session."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("cases:programme", facility_pk=facility.pk)
    marks = {(a.session_id, a.delivery_id): a.status for s in sessions for a in s.attendance.all()}
    rows = [(p, [(s, marks.get((s.pk, p.pk), "")) for s in sessions]) for p in participants]
    context = {
        "facility": facility,
        "rows": rows,
        "sessions": sessions,
        "statuses": Attendance.Status.choices,
        "purpose": purpose,
        "today": timezone.localdate(),
        # Today's places taken, in the unit the facility counts (none for an inactive one).
        "occupancy": next(iter(occupancy_on(timezone.localdate(), facility=facility)), None),
    }
    return render(request, "cases/programme.html", context)
