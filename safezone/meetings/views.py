"""Referring a case to the multi-agency risk meeting from the case page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safezone.access.http import chosen_purpose, refused_as_404
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import agencies_acting_for
from safezone.cases.selectors import case_for
from safezone.common.errors import ChangedMeanwhile

from .services import meeting_referral_make


@login_required
@require_POST
@refused_as_404
def refer_to_meeting(request, case_pk: int):
    """Put the case forward for the meeting under a rule that holds, or on professional judgement."""
    purpose = chosen_purpose(request, Action.REFER_CASE)
    case = case_for(request.user, case_pk, purpose=purpose, request=request, action=Action.REFER_CASE)
    try:
        meeting_referral_make(
            actor=request.user,
            case=case,
            rule=request.POST.get("rule", ""),
            purpose=purpose,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The case was referred to the multi-agency risk meeting."))
    return redirect("cases:detail", pk=case.pk)


# --- meetings ------------------------------------------------------------------------------------
def _run(request, meeting_pk: int, step, done: str):
    """Run one step of a meeting from a posted form; errors go back to the meeting page as messages."""
    try:
        step()
    except ChangedMeanwhile as exc:
        messages.error(request, exc.explain())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("meetings:detail", pk=meeting_pk)


@login_required
def meeting_list(request):
    """The meetings my agencies chair or sit on, newest first, by status and area."""
    from safezone.common.paging import page_of, query_without_page

    from .models import Meeting
    from .selectors import meeting_purpose, meetings_for

    if meeting_purpose(request.user) is None:
        raise Http404()
    rows = meetings_for(request.user)
    status = request.GET.get("status", "")
    if status in Meeting.Status.values:
        rows = rows.filter(status=status)
    context = {
        "page": page_of(rows.order_by("-scheduled_at", "-pk"), request.GET.get("page")),
        "query": query_without_page(request),
        "status": status,
        "statuses": Meeting.Status.choices,
        "may_plan": bool(agencies_acting_for(request.user, Action.RUN_MEETING, Purpose.COORDINATION)),
    }
    return render(request, "meetings/meeting_list.html", context)


@login_required
@refused_as_404
def meeting_new(request):
    """Plan a meeting of an area the chair's body serves."""
    from .forms import MeetingForm
    from .services import meeting_plan

    agencies = agencies_acting_for(request.user, Action.RUN_MEETING, Purpose.COORDINATION)
    if not agencies:
        raise Http404()
    form = MeetingForm(request.POST or None, chair_agency=agencies[0])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = meeting_plan(
                actor=request.user,
                district=d["district"],
                scheduled_at=d["scheduled_at"],
                members=list(d["members"]),
                kind=d["kind"],
                request=request,
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "error_dict", {"__all__": exc.error_list}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The meeting was planned. Build its agenda from the pending referrals."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form})


@login_required
@refused_as_404
def meeting_detail(request, pk: int):
    """One meeting: agenda with each agency's research, decisions and actions; last meeting's unfinished actions."""
    from safezone.access.services import record_list_read

    from .forms import DecisionForm, MeetingActionForm, ResearchForm
    from .selectors import agenda_of, meeting_for, minutes_due_on, unfinished_actions_before
    from .services import _member_agency

    meeting = meeting_for(request.user, pk, request=request)
    agenda = agenda_of(meeting)
    # The agenda shows what each agency knows about each case: a read of those cases.
    record_list_read(
        user=request.user,
        action=Action.VIEW_CASE,
        purpose=meeting.purpose,
        object_type="case",
        ids=[item.case_id for item in agenda],
        request=request,
        extra={"meeting": meeting.pk},
    )
    is_chair = meeting.chair_id == request.user.pk
    agency = _member_agency(request.user, meeting)
    members = list(meeting.member_agencies.all())
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "members": members,
        "carried": unfinished_actions_before(meeting),
        "due": minutes_due_on(meeting),
        "late": meeting.minutes_issued_at is None and timezone.localdate() > minutes_due_on(meeting),
        "is_chair": is_chair,
        "open": meeting.status in ("planned", "held"),
        "my_agency": agency,
        "research_form": ResearchForm() if agency is not None else None,
        "decision_form": DecisionForm() if is_chair else None,
        # One form for every agenda item: no ids (they would repeat), labels wrap their fields.
        "action_form": MeetingActionForm(agencies=[meeting.chair_agency, *members], auto_id=False)
        if is_chair
        else None,
        "statuses": MeetingActionForm.STATUSES,
    }
    return render(request, "meetings/meeting_detail.html", context)


def _item(request, item_pk: int):
    from .models import AgendaItem
    from .selectors import meeting_for

    item = AgendaItem.objects.select_related("meeting", "case").get(pk=item_pk)
    meeting_for(request.user, item.meeting_id, request=request)
    return item


@login_required
@require_POST
@refused_as_404
def agenda_build_view(request, pk: int):
    from .selectors import meeting_for
    from .services import agenda_build

    meeting = meeting_for(request.user, pk, request=request)
    return _run(
        request,
        pk,
        lambda: agenda_build(actor=request.user, meeting=meeting, request=request),
        _("The agenda was built from the pending referrals."),
    )


@login_required
@require_POST
@refused_as_404
def agenda_add_view(request, pk: int):
    from safezone.cases.selectors import case_by_reference

    from .selectors import meeting_for
    from .services import agenda_add_case

    meeting = meeting_for(request.user, pk, request=request)
    case = case_by_reference(request.POST.get("reference", ""))
    if case is None:
        messages.error(request, _("No case has this number; write it like 2026-000123."))
        return redirect("meetings:detail", pk=pk)
    return _run(
        request,
        pk,
        lambda: agenda_add_case(actor=request.user, meeting=meeting, case=case, request=request),
        _("The case was put on the agenda."),
    )


@login_required
@require_POST
@refused_as_404
def research_view(request, item_pk: int):
    from .services import research_record

    item = _item(request, item_pk)
    text = request.POST.get("text", "")
    return _run(
        request,
        item.meeting_id,
        lambda: research_record(actor=request.user, item=item, text=text, request=request),
        _("What your agency knows was recorded."),
    )


@login_required
@require_POST
@refused_as_404
def decision_view(request, item_pk: int):
    from .services import decision_record

    item = _item(request, item_pk)
    text = request.POST.get("decision", "")
    return _run(
        request,
        item.meeting_id,
        lambda: decision_record(actor=request.user, item=item, decision=text, request=request),
        _("The decision was recorded."),
    )


@login_required
@require_POST
@refused_as_404
def action_add_view(request, item_pk: int):
    from .forms import MeetingActionForm
    from .services import meeting_action_add

    item = _item(request, item_pk)
    form = MeetingActionForm(request.POST, agencies=[item.meeting.chair_agency, *item.meeting.member_agencies.all()])
    if not form.is_valid():
        messages.error(request, " ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items()))
        return redirect("meetings:detail", pk=item.meeting_id)
    d = form.cleaned_data
    return _run(
        request,
        item.meeting_id,
        lambda: meeting_action_add(
            actor=request.user,
            item=item,
            owner_agency=d["owner_agency"],
            text=d["text"],
            due_on=d["due_on"],
            request=request,
        ),
        _("The action was added."),
    )


@login_required
@require_POST
@refused_as_404
def action_status_view(request, action_pk: int):
    from .models import MeetingAction
    from .selectors import meeting_for
    from .services import meeting_action_set_status

    action = MeetingAction.objects.select_related("item").get(pk=action_pk)
    meeting_for(request.user, action.item.meeting_id, request=request)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    return _run(
        request,
        action.item.meeting_id,
        lambda: meeting_action_set_status(
            actor=request.user,
            action_id=action.pk,
            expected_version=version,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
            request=request,
        ),
        _("The action was updated."),
    )


@login_required
@require_POST
@refused_as_404
def hold_view(request, pk: int):
    from .selectors import meeting_for
    from .services import meeting_hold

    meeting = meeting_for(request.user, pk, request=request)
    return _run(
        request,
        pk,
        lambda: meeting_hold(actor=request.user, meeting=meeting, request=request),
        _("The meeting is marked held."),
    )


@login_required
@require_POST
@refused_as_404
def minutes_issue_view(request, pk: int):
    from .selectors import meeting_for
    from .services import minutes_issue

    meeting = meeting_for(request.user, pk, request=request)
    return _run(
        request,
        pk,
        lambda: minutes_issue(actor=request.user, meeting=meeting, request=request),
        _("The minutes were issued."),
    )


@login_required
@refused_as_404
def minutes_download(request, pk: int):
    """The minutes as a restricted PDF: for the chair and member agencies only, never cached."""
    from django.http import HttpResponse

    from safezone.audit.services import audit_record

    from .minutes import minutes_pdf
    from .selectors import meeting_for

    meeting = meeting_for(request.user, pk, request=request)
    pdf = minutes_pdf(meeting)
    audit_record(
        actor=request.user,
        action="meeting.minutes_read",
        request=request,
        purpose=meeting.purpose,
        object_type="meeting",
        object_id=meeting.pk,
        extra={"cases": list(meeting.agenda.values_list("case_id", flat=True))},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # No names in the file name: downloads folders leak.
    response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.pk}-{meeting.scheduled_at:%Y%m%d}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def lapsing_view(request):
    """Cases whose 12-month repeat window ends this month."""
    from .selectors import meeting_purpose, repeat_windows_lapsing

    purpose = meeting_purpose(request.user)
    if purpose is None:
        raise Http404()
    list_purpose = Purpose.COORDINATION if purpose == Purpose.COORDINATION else Purpose.CASE_WORK
    rows = repeat_windows_lapsing(request.user, purpose=list_purpose)
    from safezone.access.services import record_list_read

    record_list_read(
        user=request.user,
        action=Action.LIST_CASES,
        purpose=list_purpose,
        object_type="case",
        ids=[r["case_id"] for r in rows],
        request=request,
        extra={"repeat_windows": True},
    )
    return render(
        request, "meetings/lapsing.html", {"rows": rows, "purpose": list_purpose, "today": timezone.localdate()}
    )
