"""The child-labour monitoring chain (ILO C182): observation visits, the children found at work,
each child's chain of steps, and the areas the monitoring covers.

One module holds both sides: the services (writes: keyword-only, each decided by `access` and
audited, all or nothing) and, below them, the selectors (reads, named as questions).

One round of the chain: identification → referral (due SAFEZONE_LABOUR_STEP_DAYS[0] days after
the child was found) → protection ([1] days after the referral was done) → verification that the
child left the work ([2] days after protection) → follow-ups SAFEZONE_LABOUR_FOLLOW_UP_MONTHS
(1, 3, 6, 12) months after the verification. A verification or a follow-up that finds the child
back at work starts the next round from referral; the last follow-up that holds closes the chain.
The child's status follows the steps; every write bumps `WorkingChild.version`.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from safezone.access.policy import Action, Purpose, roles_allowed
from safezone.access.selectors import (
    Decision,
    decide,
    district_ids_for,
    district_record_filter,
    grants_for,
    purposes_for,
)
from safezone.access.services import authorize, enforce, record_list_read
from safezone.audit.services import audit_record
from safezone.common.errors import ChangedMeanwhile
from safezone.people.dates import PartialDate

from .models import ChainStep, Hazard, MonitoredArea, ObservationVisit, WorkingChild, WorstForm

LABOUR = Purpose.CHILD_PROTECTION
Step = ChainStep.Kind
Result = ChainStep.Result
Status = WorkingChild.Status
ADULT_AGE = 18

# Which results each kind of step takes; the first is the one a form offers first.
RESULTS = {
    Step.REFERRAL: (Result.DONE,),
    Step.PROTECTION: (Result.DONE,),
    Step.VERIFICATION: (Result.HOLDS, Result.BACK_AT_WORK),
    Step.FOLLOW_UP: (Result.HOLDS, Result.BACK_AT_WORK, Result.NOT_REACHED),
}


class ChildChangedMeanwhile(ChangedMeanwhile):
    """The child's chain was changed (a step done, an owner changed) since the form was opened."""


def step_days() -> tuple[int, int, int]:
    """Days from identification to referral, from referral to protection, from protection to verification."""
    to_referral, to_protection, to_verification = settings.SAFEZONE_LABOUR_STEP_DAYS
    return to_referral, to_protection, to_verification


def follow_up_months() -> list[int]:
    """Months after the verification at which the child is seen again (1, 3, 6, 12 by default)."""
    return sorted(set(settings.SAFEZONE_LABOUR_FOLLOW_UP_MONTHS))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the 31st becomes the last day of a shorter month."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day(value: dt.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


# --- access -----------------------------------------------------------------------------------------
def _district_grant(user, action: str, district_id: int):
    """The user's grant that reaches child labour in this district (the first, if several do)."""
    for grant in grants_for(user, action, LABOUR):
        if district_id in grant.districts():
            return grant
    return None


def _decide_district(actor, action: str, district_id: int, *, object_type: str, object_id, request, extra) -> Decision:
    """Decide and record an action in a district before the record it makes exists (a visit, a child
    found, an area): the rule `access` applies to a child of that district. AccessDenied on a refusal."""
    decision = decide(actor, action, LABOUR)
    if decision.allowed:
        grant = _district_grant(actor, action, district_id)
        if grant is None:
            decision = Decision(False, "not-in-the-agency's-districts")
        else:
            rule = f"{grant.rule}+child-labour-of-the-district"
            decision = Decision(True, rule, grant.membership, grant.fields)
    return enforce(
        decision,
        user=actor,
        action=action,
        purpose=LABOUR,
        object_type=object_type,
        object_id=object_id,
        request=request,
        extra=extra,
    )


def _may_record(actor, child: WorkingChild, step: str, request, **extra) -> Decision:
    """Decide (and record) whether the actor may take this step on the child's chain. Called before
    the transaction opens, so that a refusal keeps its audit event."""
    return authorize(
        user=actor,
        action=Action.RECORD_LABOUR,
        purpose=LABOUR,
        obj=child,
        request=request,
        extra={"step": step, **extra},
    )


def _written(actor, agency, action: str, request, object_type: str, object_id, **extra) -> None:
    """One audit event of a write of the chain (in the transaction of the write)."""
    audit_record(
        actor=actor,
        agency=agency,
        action=action,
        request=request,
        purpose=LABOUR,
        object_type=object_type,
        object_id=object_id,
        extra=extra or None,
    )


def may_own(user, agency_id: int, district_id: int) -> bool:
    """Whether a worker may own a child's chain for this agency: one of their trained memberships in
    that agency lets them record child labour in the child's district."""
    return any(
        g.membership.agency_id == agency_id and district_id in g.districts()
        for g in grants_for(user, Action.RECORD_LABOUR, LABOUR)
    )


# === services ==========================================================================================
# --- observation visits ------------------------------------------------------------------------------
def visit_record(
    *,
    actor,
    district,
    place: str,
    visited_on: dt.date | None,
    team: str,
    children_seen: int | None = 0,
    note: str = "",
    area: MonitoredArea | None = None,
    request=None,
) -> ObservationVisit:
    """Record one observation visit to a place in a district the actor records child labour in
    (a monitored area of it, or a place outside the monitored areas)."""
    decision = _decide_district(
        actor,
        Action.RECORD_LABOUR,
        district.pk,
        object_type="territory",
        object_id=district.pk,
        request=request,
        extra={"step": "visit"},
    )
    errors = {}
    if not (place or "").strip():
        errors["place"] = _("Say where the visit was: a market, a road, a farm.")
    if visited_on is None:
        errors["visited_on"] = _("Give the date of the visit.")
    elif visited_on > timezone.localdate():
        errors["visited_on"] = _("The date is in the future.")
    if team not in ObservationVisit.Team.values:
        errors["team"] = _("Choose who visited.")
    if children_seen is None or children_seen < 0:
        errors["children_seen"] = _("Give the number of children seen working (0 if none).")
    if area is not None:
        if area.district_id != district.pk:
            errors["area"] = _("This area is in another district.")
        elif visited_on and (area.since > visited_on or (area.until is not None and area.until < visited_on)):
            errors["area"] = _("This area was not monitored on the date of the visit.")
    if errors:
        raise ValidationError(errors)
    agency = decision.membership.agency
    with transaction.atomic():
        visit = ObservationVisit.objects.create(
            area=area,
            district=district,
            place=place.strip()[:200],
            visited_on=visited_on,
            team=team,
            agency=agency,
            recorded_by=actor,
            children_seen=children_seen,
            note=(note or "").strip(),
        )
        _written(actor, agency, "labour.visit_recorded", request, "observationvisit", visit.pk)
    return visit


# --- children found at work ---------------------------------------------------------------------------
@dataclass(frozen=True)
class NamedChild:
    """The child as the worker names them: names, sex and, if known, the birth date (a full date lets
    a child already in the register be recognised)."""

    surname: str
    first_name: str
    patronymic: str = ""
    sex: str = "U"
    birth: PartialDate | None = None


def _age_on(birth: PartialDate, day: dt.date) -> int:
    """Age in full years on `day`, as young as the partial birth date allows."""
    month, dom = birth.month or 12, birth.day or 31
    if birth.day is None and birth.month is not None:
        dom = calendar.monthrange(birth.year, month)[1]
    return day.year - birth.year - ((day.month, day.day) < (month, dom))


def _child_errors(named: NamedChild, *, identified_on, visit, worst_form: str, hazards: list, work: str) -> dict:
    errors = {}
    if not named.surname.strip():
        errors["surname"] = _("Give the child's surname.")
    if not named.first_name.strip():
        errors["first_name"] = _("Give the child's first name.")
    if named.sex not in ("M", "F", "U"):
        errors["sex"] = _("Choose the sex from the list.")
    today = timezone.localdate()
    if identified_on is None:
        errors["identified_on"] = _("Give the date the child was found at work.")
    elif identified_on > today:
        errors["identified_on"] = _("The date is in the future.")
    elif visit is not None and identified_on < visit.visited_on:
        errors["identified_on"] = _("The child cannot be found before the visit (%(date)s).") % {
            "date": _day(visit.visited_on)
        }
    if named.birth is not None:
        on = identified_on or today
        if (named.birth.year, named.birth.month or 1, named.birth.day or 1) > (on.year, on.month, on.day):
            errors["birth"] = _("The birth date is after the day the child was found.")
        elif _age_on(named.birth, on) >= ADULT_AGE:
            errors["birth"] = _(
                "Born %(birth)s, this person was an adult when found: the chain is for children under 18."
            ) % {"birth": str(named.birth)}
    if worst_form not in WorstForm.values:
        errors["worst_form"] = _("Choose the worst form of child labour (ILO C182).")
    if set(hazards) - set(Hazard.values):
        errors["hazards"] = _("Choose the hazards from the list.")
    elif worst_form == WorstForm.HAZARDOUS and not hazards:
        errors["hazards"] = _("Hazardous work: tick what makes it dangerous.")
    if not (work or "").strip():
        errors["work"] = _("Describe the work: what the child was doing.")
    return errors


def _person_of(named: NamedChild, *, district, agency, actor):
    """The child's person of the register: the one `person_match` is certain of, or a new one.
    Returns (person, matched)."""
    from safezone.people.services import person_known_or_registered

    return person_known_or_registered(
        agency=agency,
        surname=named.surname,
        first_name=named.first_name,
        patronymic=named.patronymic,
        sex=named.sex,
        birth=named.birth,
        district=district,
        actor=actor,
    )


def _new_step(child: WorkingChild, kind: str, due_on: dt.date, *, months: int = 0) -> ChainStep:
    """The next step of the child's current round, owned by the child's owner."""
    return ChainStep.objects.create(
        child=child, round=child.round, kind=kind, months=months, due_on=due_on, owner=child.owner, agency=child.agency
    )


def child_identify(
    *,
    actor,
    named: NamedChild,
    district,
    identified_on: dt.date | None,
    worst_form: str,
    hazards: list[str],
    work: str,
    visit: ObservationVisit | None = None,
    owner=None,
    request=None,
) -> WorkingChild:
    """A child found at work: matched to a person of the register (or registered), put on the chain
    with its first step, the referral. The owner is the actor unless another worker of the same
    agency who records child labour in the district is named. The child found on a visit belongs
    to the visit's district.

    The returned child carries `person_matched`: whether a person already known was reused.
    """
    if visit is not None:
        district = visit.district
    decision = _decide_district(
        actor,
        Action.RECORD_LABOUR,
        district.pk,
        object_type="territory",
        object_id=district.pk,
        request=request,
        extra={"step": "identify", "visit": visit.pk if visit else None},
    )
    agency = decision.membership.agency
    owner = owner or actor
    hazards = list(hazards or [])
    errors = _child_errors(
        named, identified_on=identified_on, visit=visit, worst_form=worst_form, hazards=hazards, work=work
    )
    if owner.pk != actor.pk and not may_own(owner, agency.pk, district.pk):
        errors["owner"] = _("Choose a worker of your agency who records child labour in this district.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        person, matched = _person_of(named, district=district, agency=agency, actor=actor)
        followed = WorkingChild.objects.filter(
            person=person, district_id__in=district_ids_for(actor, Action.VIEW_LABOUR, LABOUR)
        ).exclude(status=Status.CLOSED)
        if followed.exists():
            # Found again while still on the chain: that is a return to work, recorded on the child's page.
            raise ValidationError(
                _("This child is already on the chain in your districts: record the return to work on their page.")
            )
        child = WorkingChild.objects.create(
            person=person,
            district=district,
            visit=visit,
            identified_on=identified_on,
            worst_form=worst_form,
            hazards=sorted(set(hazards)),
            work=work.strip()[:200],
            status=Status.IDENTIFIED,
            agency=agency,
            owner=owner,
        )
        referral = _new_step(child, Step.REFERRAL, identified_on + dt.timedelta(days=step_days()[0]))
        _written(
            actor,
            agency,
            "labour.child_identified",
            request,
            "workingchild",
            child.pk,
            person=person.pk,
            person_matched=matched,
            chain_step=referral.pk,
        )
    child.person_matched = matched
    return child


# --- the chain ---------------------------------------------------------------------------------------
def _open_steps(child: WorkingChild) -> QuerySet[ChainStep]:
    return ChainStep.objects.filter(child=child, round=child.round, done_on__isnull=True).order_by(
        "due_on", "months", "pk"
    )


def _earliest_done_on(child: WorkingChild) -> dt.date:
    """The first day the next step may be done on: the day of the last step done, or of identification."""
    last = ChainStep.objects.filter(child=child, done_on__isnull=False).order_by("-done_on").first()
    return max(child.identified_on, last.done_on) if last else child.identified_on


def _service_checked(actor, child: WorkingChild, service_id: int, request):
    """The case's service delivery that protects the child: one of a case the actor may read, given to
    the child (or to no one in particular in a case the child takes part in). Refusals are recorded."""
    from safezone.access.services import AccessDenied
    from safezone.cases.selectors import service_unscoped, takes_part

    service = service_unscoped(service_id)
    purpose = case_purpose_for(actor)
    if service is None or purpose is None:
        raise ValidationError({"service": _("Choose a service of a case you work on.")})
    try:
        authorize(
            user=actor,
            action=Action.VIEW_CASE,
            purpose=purpose,
            obj=service.case,
            request=request,
            extra={"service": service.pk, "labour_child": child.pk},
        )
    except AccessDenied:
        raise ValidationError({"service": _("Choose a service of a case you work on.")}) from None
    if service.person_id not in (None, child.person_id) or not takes_part(service.case, child.person):
        raise ValidationError({"service": _("This service is not given to this child.")})
    return service


def _completion_errors(child: WorkingChild, step: ChainStep, *, done_on, result: str, service) -> dict:
    if step.done_on is not None or step.round != child.round:
        raise ValidationError(_("This step is already done."))
    first = _open_steps(child).first()
    if first is not None and first.pk != step.pk:
        raise ValidationError(
            _("Complete the earlier step first: %(step)s, due %(due)s.")
            % {"step": first.get_kind_display(), "due": _day(first.due_on)}
        )
    errors = {}
    if done_on is None:
        errors["done_on"] = _("Give the date the step was done.")
    elif done_on > timezone.localdate():
        errors["done_on"] = _("The date is in the future.")
    elif done_on < _earliest_done_on(child):
        errors["done_on"] = _("The step cannot be done before %(date)s, the day of the step before it.") % {
            "date": _day(_earliest_done_on(child))
        }
    if result not in RESULTS[step.kind]:
        errors["result"] = _("Choose the result of this step.")
    elif result == Result.NOT_REACHED and _open_steps(child).count() == 1:
        errors["result"] = _(
            "The last follow-up must find the child: does the alternative hold, or is the child back at work?"
        )
    if service is not None and step.kind != Step.PROTECTION:
        errors["service"] = _("A service is linked to the protection step only.")
    return errors


def _reenter(child: WorkingChild, step: ChainStep) -> None:
    """The child is back at work: the follow-ups still planned in this round are dropped (plans, not
    facts) and a new round starts from referral."""
    _open_steps(child).delete()
    child.round += 1
    child.status = Status.BACK_AT_WORK
    _new_step(child, Step.REFERRAL, step.done_on + dt.timedelta(days=step_days()[0]))


def _advance(child: WorkingChild, step: ChainStep) -> None:
    """What a step done leads to: the next step, or a new round, or the end of the chain; the child's
    status follows."""
    to_referral, to_protection, to_verification = step_days()
    if step.kind == Step.REFERRAL:
        _new_step(child, Step.PROTECTION, step.done_on + dt.timedelta(days=to_protection))
        child.status = Status.REFERRED
    elif step.kind == Step.PROTECTION:
        _new_step(child, Step.VERIFICATION, step.done_on + dt.timedelta(days=to_verification))
        child.status = Status.PROTECTED
    elif step.result == Result.BACK_AT_WORK:
        _reenter(child, step)
    elif step.kind == Step.VERIFICATION:
        for months in follow_up_months():
            _new_step(child, Step.FOLLOW_UP, add_months(step.done_on, months), months=months)
        child.status = Status.VERIFIED
    else:  # a follow-up that holds, or did not reach the child
        child.status = Status.TRACKING if _open_steps(child).exists() else Status.CLOSED


def step_complete(
    *,
    actor,
    step_id: int,
    expected_version: int,
    done_on: dt.date | None,
    result: str = "",
    note: str = "",
    service_id: int | None = None,
    request=None,
) -> ChainStep:
    """Record the child's next step as done on a date with its result (referral and protection are
    simply done; a verification or a follow-up holds or finds the child back at work; a follow-up
    may not reach the child), and start what follows. A protection step may name the case's service
    that protects the child. Refused when the chain changed since `expected_version`."""
    step = ChainStep.objects.select_related("child").get(pk=step_id)
    _may_record(actor, step.child, "complete", request, chain_step=step.pk, kind=step.kind)
    if not result and len(RESULTS[step.kind]) == 1:
        result = RESULTS[step.kind][0]
    # Decided before the transaction, like the step itself: a refusal keeps its audit event.
    service = _service_checked(actor, step.child, service_id, request) if service_id else None
    with transaction.atomic():
        child = WorkingChild.objects.select_for_update().get(pk=step.child_id)
        if child.version != expected_version:
            raise ChildChangedMeanwhile()
        step = ChainStep.objects.get(pk=step_id)
        errors = _completion_errors(child, step, done_on=done_on, result=result, service=service)
        if errors:
            raise ValidationError(errors)
        step.done_on, step.result, step.note, step.service = done_on, result, (note or "").strip(), service
        step.save()
        _advance(child, step)
        child.version += 1
        child.save()
        _written(
            actor,
            child.agency,
            "labour.step_completed",
            request,
            "workingchild",
            child.pk,
            chain_step=step.pk,
            kind=step.kind,
            result=result,
            round=step.round,
        )
    return step


def step_reassign(
    *, actor, step_id: int, owner, expected_version: int, whole_chain: bool = True, request=None
) -> ChainStep:
    """Give an open step to another worker of the child's agency who records child labour in the
    child's district; with `whole_chain`, the child and all its open steps (and the steps still to
    come) go to that worker."""
    step = ChainStep.objects.select_related("child").get(pk=step_id)
    _may_record(actor, step.child, "reassign", request, chain_step=step.pk, owner=owner.pk)
    with transaction.atomic():
        child = WorkingChild.objects.select_for_update().get(pk=step.child_id)
        if child.version != expected_version:
            raise ChildChangedMeanwhile()
        step = ChainStep.objects.get(pk=step_id)
        if step.done_on is not None:
            raise ValidationError(_("This step is done: its owner stays as it was."))
        if not may_own(owner, child.agency_id, child.district_id):
            raise ValidationError(
                {"owner": _("Choose a worker of the child's agency who records child labour in this district.")}
            )
        if step.owner_id == owner.pk and (not whole_chain or child.owner_id == owner.pk):
            raise ValidationError({"owner": _("This worker already owns it.")})
        step.owner = owner
        step.save(update_fields=["owner"])
        if whole_chain:
            child.owner = owner
            ChainStep.objects.filter(child=child, done_on__isnull=True).update(owner=owner)
        child.version += 1
        child.save()
        _written(
            actor,
            child.agency,
            "labour.step_reassigned",
            request,
            "workingchild",
            child.pk,
            chain_step=step.pk,
            owner=owner.pk,
            whole_chain=whole_chain,
        )
    return step


# --- monitored areas ---------------------------------------------------------------------------------
def area_add(*, actor, district, since: dt.date | None, settlement=None, school=None, request=None) -> MonitoredArea:
    """Start monitoring a settlement or a school of a district the actor records child labour in."""
    _decide_district(
        actor,
        Action.RECORD_LABOUR,
        district.pk,
        object_type="territory",
        object_id=district.pk,
        request=request,
        extra={"step": "area_add"},
    )
    errors = {}
    active = MonitoredArea.objects.filter(district=district).filter(
        Q(until__isnull=True) | Q(until__gte=timezone.localdate())
    )
    if settlement is None and school is None:
        errors["settlement"] = _("Choose a settlement or a school.")
    if settlement is not None:
        if settlement.level != "settlement" or settlement.parent_id != district.pk:
            errors["settlement"] = _("This settlement is not in the district.")
        elif school is None and active.filter(settlement=settlement, school__isnull=True).exists():
            errors["settlement"] = _("This settlement is already monitored.")
    if school is not None:
        if school.kind != "school" or school.district_id != district.pk:
            errors["school"] = _("This school is not in the district.")
        elif active.filter(school=school).exists():
            errors["school"] = _("This school is already monitored.")
    if since is None:
        errors["since"] = _("Give the date the monitoring starts.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        area = MonitoredArea.objects.create(district=district, settlement=settlement, school=school, since=since)
        _written(actor, None, "labour.area_added", request, "monitoredarea", area.pk, district=district.pk)
    return area


def area_end(*, actor, area_id: int, until: dt.date | None, request=None) -> MonitoredArea:
    """Stop monitoring an area from a date (its visits stay)."""
    area = MonitoredArea.objects.get(pk=area_id)
    _decide_district(
        actor,
        Action.RECORD_LABOUR,
        area.district_id,
        object_type="monitoredarea",
        object_id=area.pk,
        request=request,
        extra={"step": "area_end"},
    )
    with transaction.atomic():
        area = MonitoredArea.objects.select_for_update().get(pk=area_id)
        if area.until is not None:
            raise ValidationError(_("Monitoring of this area has already ended."))
        if until is None:
            raise ValidationError({"until": _("Give the date the monitoring ends.")})
        if until < area.since:
            raise ValidationError({"until": _("The end is before the start (%(date)s).") % {"date": _day(area.since)}})
        area.until = until
        area.save(update_fields=["until"])
        _written(actor, None, "labour.area_ended", request, "monitoredarea", area.pk, district=area.district_id)
    return area


# === selectors =========================================================================================
def labour_districts(user, action: str = Action.VIEW_LABOUR) -> list[int]:
    """The districts in which the user reads (or, with RECORD_LABOUR, records) child labour."""
    return district_ids_for(user, action, LABOUR)


def may_record_labour(user, child: WorkingChild | None = None) -> bool:
    """Whether the user may record on this child's chain (or anywhere, without a child). A hint for
    pages; the write itself is decided and recorded again."""
    if child is None:
        return bool(labour_districts(user, Action.RECORD_LABOUR))
    return decide(user, Action.RECORD_LABOUR, LABOUR, child).allowed


def child_for(user, pk, *, action: str = Action.VIEW_LABOUR, request=None) -> WorkingChild:
    """One child at work, if the policy lets the user take `action` on it (decided and recorded;
    AccessDenied or WorkingChild.DoesNotExist otherwise)."""
    child = WorkingChild.objects.select_related("person", "district", "agency", "owner", "visit").get(pk=pk)
    child.decision = authorize(user=user, action=action, purpose=LABOUR, obj=child, request=request)
    return child


def _overdue_q(today: dt.date) -> Exists:
    return Exists(ChainStep.objects.filter(child=OuterRef("pk"), done_on__isnull=True, due_on__lt=today))


def children_visible_to(user, *, today: dt.date | None = None) -> QuerySet[WorkingChild]:
    """The children at work in the districts the user reads, newest first, each with `overdue`."""
    today = today or timezone.localdate()
    return (
        WorkingChild.objects.filter(district_record_filter(user, Action.VIEW_LABOUR, LABOUR))
        .select_related("person", "district", "owner")
        .annotate(overdue=_overdue_q(today))
        .order_by("-identified_on", "-pk")
    )


def children_overdue(queryset: QuerySet[WorkingChild], *, today: dt.date | None = None) -> QuerySet[WorkingChild]:
    """Those of the children with a step past its due date."""
    return queryset.filter(_overdue_q(today or timezone.localdate()))


def children_of_worker(queryset: QuerySet[WorkingChild], user) -> QuerySet[WorkingChild]:
    """Those of the children the worker owns, or owns an open step of."""
    mine = ChainStep.objects.filter(child=OuterRef("pk"), done_on__isnull=True, owner=user)
    return queryset.filter(Q(owner=user) | Exists(mine))


def children_page_record(user, children: list[WorkingChild], request=None) -> None:
    """Record which children a page of the list showed the user, and which grants let them through."""
    record_list_read(
        user=user,
        action=Action.VIEW_LABOUR,
        purpose=LABOUR,
        object_type="workingchild",
        ids=[c.pk for c in children],
        request=request,
    )


def next_steps_of(children: list[WorkingChild]) -> dict[int, ChainStep]:
    """The next open step of each child (by key), for a page of the list."""
    steps = ChainStep.objects.filter(child__in=[c.pk for c in children], done_on__isnull=True).select_related("owner")
    found: dict[int, ChainStep] = {}
    for step in steps.order_by("child_id", "due_on", "months", "pk"):
        found.setdefault(step.child_id, step)
    return found


def next_step_of(child: WorkingChild) -> ChainStep | None:
    """The step of the child's chain to do next (None when the chain is closed)."""
    return _open_steps(child).select_related("owner").first()


@dataclass
class Round:
    """One round of a child's chain: from being found at work (the first time, or again) to the
    last follow-up; its steps each carry `state`: done, due or overdue."""

    number: int
    started_on: dt.date
    steps: list[ChainStep] = field(default_factory=list)

    @property
    def reentry(self) -> bool:
        return self.number > 1


def chain_of(child: WorkingChild, *, today: dt.date | None = None) -> list[Round]:
    """The child's chain as rounds of steps in order, the latest round last."""
    today = today or timezone.localdate()
    rounds: dict[int, Round] = {}
    back_on: dict[int, dt.date] = {}
    steps = ChainStep.objects.filter(child=child).select_related("owner", "service", "service__case")
    # In the order the steps were made, which is the order of the chain (a verification done early
    # may be due after the first follow-up it led to).
    for step in steps.order_by("round", "pk"):
        step.state = "done" if step.done_on else ("overdue" if step.due_on < today else "due")
        if step.result == Result.BACK_AT_WORK:
            back_on[step.round + 1] = step.done_on
        rounds.setdefault(step.round, Round(step.round, child.identified_on)).steps.append(step)
    for number, started in back_on.items():
        if number in rounds:
            rounds[number].started_on = started
    return [rounds[n] for n in sorted(rounds)]


def owners_for(child: WorkingChild):
    """The workers who may own the child's chain: of the child's agency, recording child labour in its district."""
    from safezone.accounts.selectors import users_with_roles

    candidates = users_with_roles(roles_allowed(Action.RECORD_LABOUR), child.agency).order_by("last_name", "first_name")
    return [u for u in candidates if may_own(u, child.agency_id, child.district_id)]


def owners_for_new_child(user):
    """Workers the user may name as owner of a child they find: their colleagues who record child
    labour for one of the user's agencies that do, the user first."""
    from safezone.accounts.selectors import users_with_roles

    agencies = {g.membership.agency_id: g.membership.agency for g in grants_for(user, Action.RECORD_LABOUR, LABOUR)}
    found = {user.pk: user}
    for agency in agencies.values():
        workers = users_with_roles(roles_allowed(Action.RECORD_LABOUR), agency).order_by("last_name", "first_name")
        for worker in workers:
            if any(g.membership.agency_id == agency.pk for g in grants_for(worker, Action.RECORD_LABOUR, LABOUR)):
                found.setdefault(worker.pk, worker)
    return list(found.values())


def case_purpose_for(user) -> str | None:
    """The purpose under which the user reads cases to link a service (case work first)."""
    purposes = purposes_for(user, Action.VIEW_CASE)
    for purpose in (Purpose.CASE_WORK, Purpose.COORDINATION, Purpose.SUPERVISION):
        if purpose in purposes:
            return purpose
    return None


def services_for_child(user, child: WorkingChild, *, request=None) -> list:
    """The services given to the child in cases the user may read (to link the protection step to);
    the cases shown are recorded as read when there are any."""
    from safezone.cases.selectors import cases_of_person, services_of

    purpose = case_purpose_for(user)
    if purpose is None:
        return []
    services = []
    for _participant, case in cases_of_person(user, child.person, purpose=purpose):
        services += [s for s in services_of(case) if s.person_id in (None, child.person_id)]
    if services:
        record_list_read(
            user=user,
            action=Action.VIEW_CASE,
            purpose=purpose,
            object_type="case",
            ids=sorted({s.case_id for s in services}),
            request=request,
            extra={"services": [s.pk for s in services], "labour_child": child.pk},
        )
    return services


def overdue_steps_for(user, *, today: dt.date | None = None) -> QuerySet[ChainStep]:
    """The user's own chain steps past their due date and not done, in the districts they still read."""
    today = today or timezone.localdate()
    return (
        ChainStep.objects.filter(owner=user, done_on__isnull=True, due_on__lt=today)
        .filter(district_record_filter(user, Action.VIEW_LABOUR, LABOUR, prefix="child__"))
        .select_related("child", "child__person", "child__district")
        .order_by("due_on", "pk")
    )


def overdue_steps_shown(user, *, request=None) -> dict:
    """What the work list shows of the chain: `shown` when the user reads child labour at all, and
    the user's overdue steps (recorded as one read of their children when there are any)."""
    if not purposes_for(user, Action.VIEW_LABOUR):
        return {"shown": False, "steps": []}
    steps = list(overdue_steps_for(user)[:50])
    if steps:
        record_list_read(
            user=user,
            action=Action.VIEW_LABOUR,
            purpose=LABOUR,
            object_type="workingchild",
            ids=sorted({s.child_id for s in steps}),
            request=request,
            extra={"overdue_steps": [s.pk for s in steps]},
        )
    return {"shown": True, "steps": steps}


def visits_visible_to(user) -> QuerySet[ObservationVisit]:
    """The observation visits in the districts the user reads, newest first, with the number of
    children identified on each."""
    return (
        ObservationVisit.objects.filter(district_record_filter(user, Action.VIEW_LABOUR, LABOUR))
        .select_related("district", "area", "area__settlement", "area__school", "agency", "recorded_by")
        .annotate(identified=Count("children"))
        .order_by("-visited_on", "-pk")
    )


def visit_for(user, pk, *, action: str = Action.RECORD_LABOUR, request=None) -> ObservationVisit:
    """One visit, if the user may take `action` in its district (decided and recorded)."""
    visit = ObservationVisit.objects.select_related("district").get(pk=pk)
    _decide_district(
        user, action, visit.district_id, object_type="observationvisit", object_id=visit.pk, request=request, extra=None
    )
    return visit


def visits_page_record(user, visits: list[ObservationVisit], request=None) -> None:
    """Record which visits (their notes may speak of children) a page showed the user."""
    record_list_read(
        user=user,
        action=Action.VIEW_LABOUR,
        purpose=LABOUR,
        object_type="observationvisit",
        ids=[v.pk for v in visits],
        request=request,
    )


def areas_open_in(district_ids: list[int], *, today: dt.date | None = None) -> QuerySet[MonitoredArea]:
    """The areas monitored today in these districts."""
    today = today or timezone.localdate()
    return (
        MonitoredArea.objects.filter(district_id__in=district_ids, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("district", "settlement", "school")
        .order_by("district__name_ru", "pk")
    )


def last_months(today: dt.date, count: int = 12) -> list[dt.date]:
    """The first days of the last `count` months, the current one last."""
    first = today.replace(day=1)
    return [add_months(first, -n) for n in range(count - 1, -1, -1)]


@dataclass
class DistrictCoverage:
    """What the monitoring of one district covers, in counts: areas monitored, visits a month,
    children at each step of the chain."""

    district: object
    areas: list = field(default_factory=list)
    areas_planned: int = 0
    areas_ended: int = 0
    visits: list[int] = field(default_factory=list)
    children: list[int] = field(default_factory=list)

    @property
    def visits_total(self) -> int:
        return sum(self.visits)

    @property
    def children_total(self) -> int:
        return sum(self.children)


def coverage_of(user, *, today: dt.date | None = None) -> tuple[list[dt.date], list[DistrictCoverage]]:
    """Per district the user reads: the areas monitored, visits per month over the last 12 months,
    and how many children are at each status of the chain (counts only, no one named)."""
    from safezone.directory.selectors import districts

    today = today or timezone.localdate()
    ids = labour_districts(user)
    months = last_months(today)
    rows = {d.pk: DistrictCoverage(d) for d in districts().filter(pk__in=ids)}
    open_now = list(areas_open_in(ids, today=today))
    for area in open_now:
        rows[area.district_id].areas.append(area)
    for area in MonitoredArea.objects.filter(district_id__in=ids).exclude(pk__in=[a.pk for a in open_now]):
        if area.since > today:
            rows[area.district_id].areas_planned += 1
        else:
            rows[area.district_id].areas_ended += 1
    per_month = (
        ObservationVisit.objects.filter(district_id__in=ids, visited_on__gte=months[0], visited_on__lte=today)
        .annotate(month=TruncMonth("visited_on"))
        .values("district_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(r["district_id"], _as_date(r["month"])): r["n"] for r in per_month}
    statuses = [s for s, _label in Status.choices]
    by_status = (
        WorkingChild.objects.filter(district_id__in=ids)
        .values("district_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    children = {(r["district_id"], r["status"]): r["n"] for r in by_status}
    for pk, row in rows.items():
        row.visits = [counts.get((pk, m), 0) for m in months]
        row.children = [children.get((pk, s), 0) for s in statuses]
    return months, list(rows.values())


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
