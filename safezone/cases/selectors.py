"""Reads of cases. Every one goes through the access policy (DESIGN.md rule 1)."""

from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import Prefetch, QuerySet

from safezone.access.policy import Action
from safezone.access.selectors import case_filter
from safezone.access.services import authorize, record_list_read
from safezone.common.paging import page_of

from .filters import CaseFilter
from .models import Case, Incident, Participant, ViolenceForm

# The people shown next to a case in lists: who the case is about.
_HEADLINE_ROLES = [Participant.Role.VICTIM, Participant.Role.CHILD]


def cases_visible_to(user, *, purpose: str, action: str = Action.LIST_CASES) -> QuerySet[Case]:
    """Cases the user may reach for this purpose (not audited: callers record what they show)."""
    return Case.objects.filter(case_filter(user, action, purpose))


def _with_headline(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("owner_agency", "owner_worker", "district").prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.filter(role__in=_HEADLINE_ROLES).select_related("person").order_by("pk"),
            to_attr="headline_participants",
        )
    )


@dataclass
class CaseList:
    """One page of a filtered case list, with the filters as the user set them."""

    filterset: CaseFilter
    page: Page


def case_list(
    user, *, purpose: str, params, page_number=None, request=None, only_mine: bool = False, open_only: bool = False
) -> CaseList:
    """A page of the cases the user may see, filtered; the page shown is audited."""
    visible = cases_visible_to(user, purpose=purpose)
    base = visible
    if only_mine:
        base = base.filter(owner_worker=user)
    if open_only:
        base = base.exclude(status=Case.Status.CLOSED)
    filterset = CaseFilter(params, queryset=base, visible_cases=visible)
    rows = filterset.qs if filterset.is_valid() else base.none()
    page = page_of(_with_headline(rows.order_by("-opened_on", "-pk")), page_number)
    record_list_read(
        user=user,
        action=Action.LIST_CASES,
        purpose=purpose,
        object_type="case",
        ids=[c.pk for c in page],
        request=request,
        extra={
            "filters": {
                k: str(v) for k, v in (filterset.form.cleaned_data if filterset.is_valid() else {}).items() if v
            },
            "page": page.number,
        },
    )
    return CaseList(filterset=filterset, page=page)


def case_for(user, pk, *, purpose: str, request=None, action: str = Action.VIEW_CASE) -> Case:
    """One case for its page: decided and audited; AccessDenied or Case.DoesNotExist otherwise."""
    case = Case.objects.select_related("owner_agency", "owner_worker", "district").get(pk=pk)
    authorize(user=user, action=action, purpose=purpose, obj=case, request=request)
    return case


def case_details(case: Case) -> dict:
    """Participants and incidents of a case already authorised for the user."""
    participants = list(case.participants.select_related("person", "person__district").order_by("role", "pk"))
    incidents = list(
        Incident.objects.filter(case=case)
        .select_related("district", "victim", "alleged_perpetrator", "created_by")
        .prefetch_related("forms")
        .order_by("-occurred_on", "-pk")
    )
    history = list(case.history.select_related("history_user").order_by("-history_date")[:20])
    return {"participants": participants, "incidents": incidents, "history": history}


def cases_of_person(user, person, *, purpose: str) -> list[tuple[Participant, Case]]:
    """The cases a person takes part in that the user may also see, with the person's role in each."""
    visible = cases_visible_to(user, purpose=purpose, action=Action.VIEW_CASE)
    return [
        (p, p.case)
        for p in Participant.objects.filter(person=person, case__in=visible)
        .select_related("case", "case__owner_agency", "case__district")
        .order_by("-case__opened_on")
    ]


def violence_form_ids_by_code() -> dict[str, int]:
    """Keys of the reference list of forms of violence, by code."""
    return dict(ViolenceForm.objects.values_list("code", "pk"))


def any_case_exists() -> bool:
    """Whether the register holds any case at all (a setup check, not a read of a case)."""
    return Case.objects.exists()
