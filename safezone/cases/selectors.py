"""Reads of cases. Every one goes through the access policy (DESIGN.md rule 1)."""

import math
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import CaseReach, case_filter, case_reach, grants_for, reaches_districts
from safezone.access.services import authorize, record_list_read
from safezone.common.paging import PartsPaginator, page_of

from .filters import CaseFilter
from .models import (
    Case,
    Closure,
    Incident,
    Participant,
    PlanAction,
    Referral,
    Reopening,
    SafetyCheck,
    ServiceDelivery,
    ViolenceForm,
)

# The people shown next to a case in lists: who the case is about.
_HEADLINE_ROLES = [Participant.Role.VICTIM, Participant.Role.CHILD]


def cases_visible_to(user, *, purpose: str, action: str = Action.LIST_CASES) -> QuerySet[Case]:
    """Cases the user may reach for this purpose (not audited: callers record what they show)."""
    return Case.objects.filter(case_filter(user, action, purpose))


def _listed(qs: QuerySet[Case]) -> QuerySet[Case]:
    # A list shows no summary or safe contact: left encrypted in the database (deciphering them
    # cost about 2 ms a page of 25).
    return qs.select_related("owner_agency", "owner_worker", "district").defer("summary", "safe_contact")


def _headline_prefetch() -> Prefetch:
    """The persons a case list names on each row, read for the rows of the page alone."""
    return Prefetch(
        "participants",
        queryset=Participant.objects.filter(role__in=_HEADLINE_ROLES).select_related("person").order_by("pk"),
        to_attr="headline_participants",
    )


def case_pages(reach: CaseReach, rows: QuerySet[Case]) -> PartsPaginator:
    """The pages of a case list: the cases of `rows` (the list's filters) within `reach`, newest
    first, counted up to SAFEZONE_LIST_COUNT_CAP."""
    # Unfiltered, the team's cases are ordered by the keys read with the team (no lookup of each
    # case, no query of their own), and the sealed cases, when the reach knows them all to be the
    # scope's, are counted without a lookup; a filter must be checked on the cases themselves.
    known = reach.keys if not rows.query.where else None
    # Unfiltered, a plain reach's conditions name its SQL: compiled once a process (see memo).
    memo = None
    if known is not None and reach.plain:
        memo = repr((rows.db, [part for i, part in enumerate(reach.parts) if i not in known], reach.exclusion()))
    return PartsPaginator(
        [None if known and i in known else _listed(rows.filter(part)) for i, part in enumerate(reach.parts)],
        settings.SAFEZONE_PAGE_SIZE,
        ordering=("-opened_on", "-pk"),
        exclude=reach.exclusion(),
        cap=settings.SAFEZONE_LIST_COUNT_CAP,
        loader=lambda keys: _listed(Case.objects.filter(pk__any=keys)),
        whole=reach.bounded,
        excluded_ids=reach.sealed if isinstance(reach.sealed, list) else None,
        known_keys=known,
        excluded_within=0 if known is not None and reach.sealed_in_scope else None,
        prefetch=(_headline_prefetch(),),
        memo=memo,
    )


@dataclass
class CaseList:
    """One page of a filtered case list, with the filters as the user set them."""

    filterset: CaseFilter
    page: Page


def case_list(
    user, *, purpose: str, params, page_number=None, request=None, only_mine: bool = False, open_only: bool = False
) -> CaseList:
    """A page of the cases the user may see, filtered; the page shown is audited.

    The reachable cases come as disjoint parts (scope, case team, break-glass) that the
    paginator counts one by one: counting them OR-ed would read every row.
    """
    reach = case_reach(user, Action.LIST_CASES, purpose)
    base = Case.objects.all()
    if only_mine:
        base = base.filter(owner_worker=user)
    if open_only:
        base = base.exclude(status=Case.Status.CLOSED)
    filterset = CaseFilter(params, queryset=base, user=user, wide=reaches_districts(user, Action.LIST_CASES, purpose))
    rows = filterset.qs if filterset.is_valid() else base.none()
    paginator = case_pages(reach, rows)
    page = paginator.get_page(page_number)
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


class ExportTooLarge(Exception):
    """More rows than an export may carry; the user narrows the filters."""

    def __init__(self, count: int, limit: int):
        super().__init__(f"{count} > {limit}")
        self.count, self.limit = count, limit


def case_export_rows(user, *, purpose: str, params, request=None) -> list[Case]:
    """The cases of a filtered list for a CSV export: decided, capped, and audited as an export."""
    from safezone.access.selectors import Decision, grants_for
    from safezone.access.services import AccessDenied

    if not grants_for(user, Action.EXPORT_CASES, purpose):
        record_list_read(
            user=user,
            action=Action.EXPORT_CASES,
            purpose=purpose,
            object_type="case",
            ids=[],
            request=request,
            extra={"format": "csv"},
        )
        raise AccessDenied(Decision(False, "no-role-allows-this"))
    visible = Case.objects.filter(case_filter(user, Action.EXPORT_CASES, purpose))
    filterset = CaseFilter(
        params, queryset=visible, user=user, wide=reaches_districts(user, Action.EXPORT_CASES, purpose)
    )
    rows = filterset.qs if filterset.is_valid() else visible.none()
    limit = settings.SAFEZONE_EXPORT_MAX_ROWS
    count = rows.count()
    if count > limit:
        raise ExportTooLarge(count, limit)
    cases = list(rows.select_related("owner_agency", "owner_worker", "district").order_by("-opened_on", "-pk"))
    record_list_read(
        user=user,
        action=Action.EXPORT_CASES,
        purpose=purpose,
        object_type="case",
        ids=[c.pk for c in cases],
        request=request,
        extra={"format": "csv"},
    )
    return cases


def case_for(user, pk, *, purpose: str, request=None, action: str = Action.VIEW_CASE) -> Case:
    """One case for its page: decided and audited; AccessDenied or Case.DoesNotExist otherwise.

    The decision rides on the case as `case.decision` (which sensitive fields it shows).
    """
    case = Case.objects.select_related("owner_agency", "owner_worker", "owner_unit", "district").get(pk=pk)
    case.decision = authorize(user=user, action=action, purpose=purpose, obj=case, request=request)
    return case


def case_by_reference(reference: str) -> Case | None:
    """The case a reference like 2026-000123 names, or None. Not a read: break-glass decides and audits."""
    year, _sep, number = reference.strip().partition("-")
    if not (year.isdigit() and number.isdigit()):
        return None
    return Case.objects.filter(pk=int(number), opened_on__year=int(year)).select_related("owner_agency").first()


def case_details(case: Case) -> dict:
    """Participants, incidents, referrals and history of a case already authorised for the user."""
    participants = list(case.participants.select_related("person", "person__district").order_by("role", "pk"))
    incidents = list(
        Incident.objects.filter(case=case)
        .select_related("district", "victim", "alleged_perpetrator", "created_by")
        .prefetch_related("forms")
        .order_by("-occurred_on", "-pk")
    )
    history = list(case.history.select_related("history_user").order_by("-history_date")[:20])
    referrals = list(case.referrals.select_related("from_agency", "to_agency", "from_user", "accepted_by"))
    return {"participants": participants, "incidents": incidents, "history": history, "referrals": referrals}


def referral_inbox(user, *, params, page_number=None, request=None):
    """A page of the referrals sent to the agencies in which the user may answer them; audited."""
    from safezone.access.selectors import agencies_acting_for
    from safezone.access.services import record_list_read

    agencies = agencies_acting_for(user, Action.ANSWER_REFERRAL, Purpose.CASE_WORK)
    status = params.get("status") or Referral.Status.PENDING
    rows = Referral.objects.filter(to_agency__in=agencies).select_related(
        "case", "from_agency", "to_agency", "from_user", "accepted_by", "consent"
    )
    if status in Referral.Status.values:
        rows = rows.filter(status=status)
    page = page_of(rows.order_by("-sent_at", "-pk"), page_number)
    record_list_read(
        user=user,
        action=Action.ANSWER_REFERRAL,
        purpose=Purpose.CASE_WORK,
        object_type="referral",
        ids=[r.pk for r in page],
        request=request,
        extra={"status": status},
    )
    return {"page": page, "status": status, "agencies": agencies, "counts": open_referral_counts(agencies)}


@dataclass(frozen=True)
class ReferralCounts:
    """Open referrals of one agency: received and sent, waiting for an answer or accepted and running."""

    agency: object
    received_pending: int
    received_accepted: int
    sent_pending: int
    sent_accepted: int


def open_referral_counts(agencies) -> list[ReferralCounts]:
    """How many referrals each of these agencies has open (figures only: no case, no person)."""
    from django.db.models import Count, Q

    open_states = [Referral.Status.PENDING, Referral.Status.ACCEPTED]
    ids = [a.pk for a in agencies]
    received = dict.fromkeys(ids)
    sent = dict.fromkeys(ids)
    for field, store in (("to_agency", received), ("from_agency", sent)):
        rows = (
            Referral.objects.filter(**{f"{field}__in": ids}, status__in=open_states)
            .values(field)
            .annotate(
                pending=Count("pk", filter=Q(status=Referral.Status.PENDING)),
                accepted=Count("pk", filter=Q(status=Referral.Status.ACCEPTED)),
            )
        )
        for row in rows:
            store[row[field]] = (row["pending"], row["accepted"])
    return [
        ReferralCounts(a, *(received[a.pk] or (0, 0)), *(sent[a.pk] or (0, 0)))
        for a in sorted(agencies, key=lambda a: str(a))
    ]


def referral_by_id(pk) -> Referral:
    """One referral (its services decide who may act on it)."""
    return Referral.objects.select_related("case", "from_agency", "to_agency", "from_user", "accepted_by").get(pk=pk)


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


def case_ids_of_person(person) -> list[int]:
    """Keys of every case a person takes part in (for the audit trail about them; not shown as cases)."""
    return list(Participant.objects.filter(person=person).values_list("case_id", flat=True).distinct())


def case_unscoped(pk) -> Case:
    """One case by key, not yet decided: callers must authorize before showing anything."""
    return Case.objects.select_related("owner_agency", "district").get(pk=pk)


def recent_cases_owned_by(agency_id: int, *, limit: int) -> list[Case]:
    """An agency's most recently opened open cases (for the demo's emergency examples, which then
    go through break-glass: decided and audited)."""
    return list(
        Case.objects.filter(owner_agency_id=agency_id, status=Case.Status.OPEN).order_by("-opened_on", "-pk")[:limit]
    )


def recent_cases_of_worker(user_id: int, *, limit: int) -> list[Case]:
    """A worker's most recently opened cases with their participants (the demo's case work)."""
    return list(
        Case.objects.filter(owner_worker_id=user_id)
        .prefetch_related("participants")
        .order_by("-opened_on", "-pk")[:limit]
    )


def service_unscoped(pk) -> ServiceDelivery | None:
    """One service delivered, with its case, not yet decided: callers must authorize its case
    before showing anything (the child-labour chain links a protection step to one)."""
    return ServiceDelivery.objects.select_related("case").filter(pk=pk).first()


def takes_part(case: Case, person) -> bool:
    """Whether a person takes part in a case (in any role)."""
    return Participant.objects.filter(case=case, person=person).exists()


def latest_safety_check(case: Case) -> SafetyCheck | None:
    """The newest safety check on a case already authorised for the user."""
    return case.safety_checks.select_related("person", "recorded_by").first()


def police_incidents_since(case: Case, since) -> int:
    """How many incidents of the case reported to police happened on or after a date."""
    return Incident.objects.filter(case=case, reported_to_police=True, occurred_on__gte=since).count()


def incident_pairs(case: Case) -> list[tuple[int, int, object]]:
    """(victim, alleged perpetrator, date) of each incident of the case that names both."""
    return list(
        Incident.objects.filter(case=case, victim__isnull=False, alleged_perpetrator__isnull=False)
        .order_by("occurred_on")
        .values_list("victim_id", "alleged_perpetrator_id", "occurred_on")
    )


def plan_of(case: Case) -> dict:
    """The plan of a case already authorised for the user: goals with their actions, and loose actions."""
    actions = list(case.actions.select_related("agency", "worker", "goal").order_by("due_on", "pk"))
    goals = list(case.goals.order_by("created_at", "pk"))
    by_goal = {goal.pk: [a for a in actions if a.goal_id == goal.pk] for goal in goals}
    return {
        "goals": [(goal, by_goal[goal.pk]) for goal in goals],
        "loose_actions": [a for a in actions if a.goal_id is None],
        "today": timezone.localdate(),
    }


def closures_of(case: Case) -> list[Closure]:
    """Requests to close a case already authorised for the user, and its reopenings, newest first."""
    return list(case.closures.select_related("requested_by", "decided_by"))


def reopenings_of(case: Case) -> list[Reopening]:
    return list(case.reopenings.select_related("reopened_by"))


def closures_waiting_for(user, *, purpose: str = Purpose.CASE_WORK) -> list[Closure]:
    """Requests to close that wait for this user's approval: cases the user may approve closing,
    asked for by someone else."""
    if not grants_for(user, Action.APPROVE_CLOSURE, purpose):
        return []
    return list(
        Closure.objects.filter(
            case_filter(user, Action.APPROVE_CLOSURE, purpose, "case__"), status=Closure.Status.PENDING
        )
        .exclude(requested_by=user)
        .select_related("case", "requested_by")
        .order_by("requested_at")[:50]
    )


def overdue_actions_for(user, *, purpose: str) -> list[PlanAction]:
    """Open actions of the user's past their date, on cases the user may still reach."""
    return list(
        PlanAction.objects.filter(
            case_filter(user, Action.VIEW_CASE, purpose, "case__"),
            worker=user,
            status=PlanAction.Status.OPEN,
            due_on__lt=timezone.localdate(),
        )
        .select_related("case", "agency")
        .order_by("due_on")[:50]
    )


# --- retention (a system process: no user, no purpose; it reads ids and dates only) ----------------
def retention_due(today, schedule: dict) -> dict[str, list[int]]:
    """Ids of the closed cases whose retention period has run out, by what the schedule does to them:
    {"anonymise": [...], "delete": [...]}. Cases already anonymised are not due again."""
    due: dict[str, list[int]] = {"anonymise": [], "delete": []}
    for kind, rule in schedule.items():
        try:
            limit = today.replace(year=today.year - rule["years"])
        except ValueError:  # 29 February
            limit = today.replace(year=today.year - rule["years"], day=28)
        rows = Case.objects.filter(kind=kind, status=Case.Status.CLOSED, closed_on__lte=limit)
        if rule["action"] == "anonymise":
            rows = rows.filter(anonymised_at__isnull=True)
        due[rule["action"]] += list(rows.order_by("pk").values_list("pk", flat=True))
    return due


# --- services delivered and places -----------------------------------------------------------------
def services_of(case: Case) -> list[ServiceDelivery]:
    """The services given in a case already authorised for the user, newest first, with attendance
    counts (`with_sessions`: whether its facility meets in sessions)."""
    from django.db.models import Count, Q

    from .services import SESSION_FACILITY_KINDS

    services = list(
        case.services.select_related("agency", "facility", "person", "worker").annotate(
            sessions_present=Count("attendance", filter=Q(attendance__status="present")),
            sessions_missed=Count("attendance", filter=~Q(attendance__status="present")),
        )
    )
    for service in services:
        service.with_sessions = service.facility is not None and service.facility.kind in SESSION_FACILITY_KINDS
    return services


def taken_text(taken: int, places: int, counts: str) -> str:
    """What is taken of what a facility holds, in the unit it counts: "12 of 30 families"."""
    from django.utils.translation import ngettext

    values = {"taken": taken, "places": places}
    if counts == "families":
        return ngettext("%(taken)d of %(places)d family", "%(taken)d of %(places)d families", places) % values
    if counts == "children":
        return ngettext("%(taken)d of %(places)d child", "%(taken)d of %(places)d children", places) % values
    return ngettext("%(taken)d of %(places)d place", "%(taken)d of %(places)d places", places) % values


@dataclass(frozen=True)
class Occupancy:
    """Places of one facility on one day: how many, how many taken, how many free (figures only),
    in the unit the facility counts (places, families or children)."""

    facility: object
    places: int
    occupied: int

    @property
    def free(self) -> int:
        return max(self.places - self.occupied, 0)

    @property
    def counts(self) -> str:
        return self.facility.counts

    @property
    def taken(self) -> str:
        return taken_text(self.occupied, self.places, self.counts)


def occupancy_on(day, *, district=None, kind: str = "", facility=None) -> list[Occupancy]:
    """Places taken in each active facility on `day` (a stay takes its place up to the day before it
    ends). What one place is follows the facility (cases.services.place_holder): a service, a family
    (its case, counted once) or a child (counted once)."""
    from django.db.models import Count, Q

    from safezone.directory.models import Facility

    facilities = Facility.objects.filter(is_active=True).select_related("agency", "district")
    if district is not None:
        facilities = facilities.filter(district=district)
    if kind:
        facilities = facilities.filter(kind=kind)
    if facility is not None:
        facilities = facilities.filter(pk=facility.pk)
    taken = Q(deliveries__started_on__lte=day) & (
        Q(deliveries__ended_on__isnull=True) | Q(deliveries__ended_on__gt=day)
    )
    rows = facilities.annotate(
        taken_places=Count("deliveries", filter=taken),
        taken_families=Count("deliveries__case", filter=taken, distinct=True),
        taken_children=Count("deliveries__person", filter=taken, distinct=True),
    ).order_by("district__name_ru", "name_ru")
    occupied = {"families": "taken_families", "children": "taken_children"}
    return [Occupancy(f, f.places, getattr(f, occupied.get(f.counts, "taken_places"))) for f in rows]


def occupancy_totals(rows: list[Occupancy]) -> list[str]:
    """What is taken of all the facilities shown, one sum per unit ("40 of 62 places", "12 of 30 families")."""
    sums: dict[str, list[int]] = {}
    for row in rows:
        total = sums.setdefault(row.counts, [0, 0])
        total[0] += row.occupied
        total[1] += row.places
    return [taken_text(*sums[counts], counts) for counts in ("places", "families", "children") if counts in sums]


@dataclass(frozen=True)
class DistrictPlaces:
    """Shelter places of one district against its population and the standard of one per 10,000."""

    district: object
    population: int | None
    places: int
    standard: float

    @property
    def per_10000(self) -> float | None:
        return round(self.places / self.population * 10000, 2) if self.population else None

    @property
    def needed(self) -> int | None:
        """Places the standard asks for (rounded up)."""
        return math.ceil(self.population * self.standard / 10_000) if self.population else None

    @property
    def meets_standard(self) -> bool:
        return self.needed is not None and self.places >= self.needed


def shelter_places_by_district() -> list[DistrictPlaces]:
    """Every district with its active shelter places per 10,000 inhabitants (districts with none too)."""
    from django.db.models import Q, Sum

    from safezone.directory.selectors import districts

    standard = getattr(settings, "SAFEZONE_SHELTER_PLACES_PER_10000", 1.0)
    active = Q(facilities__is_active=True, facilities__kind="shelter")
    rows = districts().annotate(shelter_places=Sum("facilities__places", filter=active))
    return [DistrictPlaces(d, d.population, d.shelter_places or 0, standard) for d in rows]


def programme_for(user, facility_pk: int, *, purpose: str, request=None):
    """A group programme, rehabilitation programme or family self-help group of one of the user's
    agencies with its participants (in cases the user may read; the read is audited) and its latest
    sessions with their attendance."""
    from django.db.models import Prefetch

    from safezone.access.services import authorize_for_agency, record_list_read
    from safezone.directory.models import Facility

    from .models import Attendance, ProgrammeSession
    from .services import SESSION_FACILITY_KINDS

    facility = Facility.objects.select_related("agency").get(pk=facility_pk, kind__in=SESSION_FACILITY_KINDS)
    authorize_for_agency(
        user=user, action=Action.RECORD_SERVICE, purpose=purpose, agency=facility.agency, request=request
    )
    participants = list(
        ServiceDelivery.objects.filter(case_filter(user, Action.VIEW_CASE, purpose, "case__"), facility=facility)
        .select_related("person", "case")
        .order_by("started_on", "pk")
    )
    record_list_read(
        user=user,
        action=Action.VIEW_CASE,
        purpose=purpose,
        object_type="case",
        ids=[p.case_id for p in participants],
        request=request,
        extra={"programme": facility.pk},
    )
    sessions = list(
        ProgrammeSession.objects.filter(facility=facility)
        .prefetch_related(Prefetch("attendance", queryset=Attendance.objects.all()))
        .order_by("-held_on")[:12]
    )
    return facility, participants, sessions
