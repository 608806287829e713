"""The pseudonymised projection: the fact tables statistics read, built from the registers.

One builder per domain. A builder names the units (cases, contacts...) that changed since a time,
and turns a batch of units into facts. A refresh deletes the facts of the changed units and writes
their new ones, in one transaction per batch, so a figure never counts a unit twice or half.

Cases and helpline contacts are refreshed incrementally (their rows carry the times they changed);
shelter stays, school flags and the child-labour chain are small and change with the calendar
(a stay's nights grow every day), so they are rebuilt whole on every refresh. Deleted source rows
(retention) leave the projection on the next full refresh (`stats_refresh --full`, nightly).

This module, and only it, reads the registers directly: it is the "pseudonymised projection" of
DESIGN.md rule 1. What it writes carries no name, no id of a person or case, only keyed hashes.
"""

import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from safezone.assessments.models import Assessment
from safezone.cases.models import Case, Closure, Incident, IncidentForm, Participant, Referral, ServiceDelivery
from safezone.common.bulk import insert_values
from safezone.directory.models import Facility
from safezone.hotline.models import Contact
from safezone.meetings.models import MeetingReferral
from safezone.people.models import Person, Relation
from safezone.schools.calendar import quarter_bounds
from safezone.schools.models import ChainStep, SupportPlan, Tier, WarningFlag, WorkingChild

from .dimensions import age_band, sex_code
from .models import FACT_MODELS, Domain, Refresh
from .periods import month_of
from .pseudonyms import pseudonymiser

BATCH = 2000


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment else None


class _People:
    """Sex and birth date of the persons a batch names, read once per batch."""

    def __init__(self, ids: Iterable[int]):
        ids = {i for i in ids if i}
        self.rows = {
            row[0]: row[1:]
            for row in Person.objects.filter(pk__in=ids).values_list(
                "pk", "sex", "birth_year", "birth_month", "birth_day"
            )
        }

    def sex(self, pk) -> str:
        row = self.rows.get(pk)
        return sex_code(row[0]) if row else ""

    def band(self, pk, on: date) -> str:
        row = self.rows.get(pk)
        return age_band(row[1], row[2], row[3], on) if row else ""


def _relationships(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """What the alleged perpetrator is to the victim, for (victim, perpetrator) pairs."""
    if not pairs:
        return {}
    victims, perpetrators = {v for v, _p in pairs}, {p for _v, p in pairs}
    found: dict[tuple[int, int], str] = {}
    # `person` is the `kind` of `relative`: first the perpetrator as the victim's <kind>, then the
    # victim as the perpetrator's <kind> (a parent who is the victim makes the perpetrator a child).
    # Two lookups led by `person` (the unique index's first column), not one over both ids.
    for person, relative, kind in Relation.objects.filter(person_id__in=perpetrators).values_list(
        "person_id", "relative_id", "kind"
    ):
        if (relative, person) in pairs:
            found.setdefault((relative, person), kind)
    for person, relative, kind in Relation.objects.filter(person_id__in=victims).values_list(
        "person_id", "relative_id", "kind"
    ):
        if (person, relative) in pairs:
            found.setdefault((person, relative), {"parent": "child", "guardian": "ward"}.get(kind, kind))
    return found


class Builder(ABC):
    """Turns units of one domain into facts."""

    domain: str
    incremental = True

    @abstractmethod
    def all_units(self) -> Iterator[int]:
        """Every unit of the domain (a full refresh)."""

    @abstractmethod
    def facts(self, units: list[int]) -> Iterator:
        """The facts of these units (unsaved rows of the domain's fact table)."""

    def changed_since(self, moment: datetime) -> set[int]:
        """The units changed at or after a time; a builder that cannot tell answers all of them."""
        return set(self.all_units())


class CaseBuilder(Builder):
    """Cases opened and closed, incidents and their forms, assessments, referrals, meeting referrals."""

    domain = Domain.CASES

    def __init__(self):
        self.unit = pseudonymiser("case")
        self.person = pseudonymiser("person")

    def all_units(self):
        return Case.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=BATCH)

    def changed_since(self, moment):
        day = timezone.localdate(moment)
        changed = set(Case.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))
        changed |= set(Incident.objects.filter(created_at__gte=moment).values_list("case_id", flat=True))
        changed |= set(Assessment.objects.filter(answered_at__gte=moment).values_list("case_id", flat=True))
        changed |= set(
            Referral.objects.filter(
                Q(sent_at__gte=moment) | Q(answered_at__gte=moment) | Q(ended_at__gte=moment)
            ).values_list("case_id", flat=True)
        )
        changed |= set(MeetingReferral.objects.filter(referred_on__gte=day).values_list("case_id", flat=True))
        changed |= set(Closure.objects.filter(decided_at__gte=moment).values_list("case_id", flat=True))
        return changed

    def facts(self, units):
        model = FACT_MODELS[self.domain]
        cases = list(
            Case.objects.filter(pk__in=units).values_list(
                "pk", "kind", "district_id", "owner_agency_id", "owner_agency__kind", "opened_on", "closed_on"
            )
        )
        victims: dict[int, int] = {}
        children: dict[int, int] = {}
        for case_id, person_id, role in (
            Participant.objects.filter(case_id__in=units, role__in=["victim", "child"])
            .order_by("pk")
            .values_list("case_id", "person_id", "role")
        ):
            (victims if role == "victim" else children).setdefault(case_id, person_id)
        # Who a case is counted for: its first victim, else its first child.
        main = {**children, **victims}
        incidents = list(
            Incident.objects.filter(case_id__in=units).values_list(
                "pk",
                "case_id",
                "occurred_on",
                "district_id",
                "victim_id",
                "alleged_perpetrator_id",
                "reported_to_police",
            )
        )
        forms = defaultdict(list)
        for incident_id, code in IncidentForm.objects.filter(incident__case_id__in=units).values_list(
            "incident_id", "form__code"
        ):
            forms[incident_id].append(code)
        assessments = list(
            Assessment.objects.filter(case_id__in=units).values_list(
                "case_id", "person_id", "answered_at", "band", "instrument_code"
            )
        )
        referrals = list(
            Referral.objects.filter(case_id__in=units).values_list(
                "case_id", "from_agency_id", "to_agency__kind", "status", "sent_at", "answered_at"
            )
        )
        meetings = list(
            MeetingReferral.objects.filter(case_id__in=units).values_list("case_id", "victim_id", "rule", "referred_on")
        )
        people = _People(
            [*main.values()]
            + [i[4] for i in incidents]
            + [i[5] for i in incidents]
            + [a[1] for a in assessments]
            + [m[1] for m in meetings]
        )
        related = _relationships({(i[4], i[5]) for i in incidents if i[4] and i[5]})
        info = {}
        for pk, kind, district, agency, agency_kind, opened, closed in cases:
            info[pk] = (district, agency, agency_kind)
            who = main.get(pk)
            common = dict(
                unit=self.unit(pk),
                subject=self.person(who),
                district_id=district,
                agency_id=agency,
                agency_kind=agency_kind or "",
                sex=people.sex(who),
                category=kind,
            )
            yield model(element="cases_opened", day=opened, age_band=people.band(who, opened), **common)
            if closed:
                yield model(element="cases_closed", day=closed, age_band=people.band(who, closed), **common)
        for pk, case_id, day, district, victim, perpetrator, police in incidents:
            case_district, agency, agency_kind = info[case_id]
            common = dict(
                unit=self.unit(case_id),
                subject=self.person(victim),
                day=day,
                district_id=district or case_district,
                agency_id=agency,
                agency_kind=agency_kind or "",
                sex=people.sex(victim),
                age_band=people.band(victim, day),
                perpetrator_sex=people.sex(perpetrator),
                perpetrator_age_band=people.band(perpetrator, day),
                relationship=related.get((victim, perpetrator), ""),
            )
            yield model(element="incidents", category="police" if police else "not_reported", **common)
            for code in forms.get(pk, []):
                yield model(element="incident_forms", form=code, **common)
        for case_id, person, answered_at, band, instrument in assessments:
            district, agency, agency_kind = info[case_id]
            day = _local_day(answered_at)
            yield model(
                element="assessments",
                unit=self.unit(case_id),
                subject=self.person(person),
                day=day,
                district_id=district,
                agency_id=agency,
                agency_kind=agency_kind or "",
                sex=people.sex(person),
                age_band=people.band(person, day),
                category=band,
                form=instrument,
            )
        for case_id, from_agency, to_kind, status, sent_at, answered_at in referrals:
            district = info[case_id][0]
            sent = _local_day(sent_at)
            common = dict(unit=self.unit(case_id), day=sent, district_id=district, agency_id=from_agency)
            yield model(element="referrals", agency_kind=to_kind or "", category=status, **common)
            accepted_in_time = (
                answered_at is not None
                and status in ("accepted", "completed")
                and (_local_day(answered_at) - sent).days <= 5
            )
            if accepted_in_time:
                yield model(element="referrals_accepted_5d", agency_kind=to_kind or "", **common)
        for case_id, victim, rule, day in meetings:
            district, agency, agency_kind = info[case_id]
            yield model(
                element="meeting_referrals",
                unit=self.unit(case_id),
                subject=self.person(victim),
                day=day,
                district_id=district,
                agency_id=agency,
                agency_kind=agency_kind or "",
                sex=people.sex(victim),
                age_band=people.band(victim, day),
                category=rule,
            )


class ContactBuilder(Builder):
    """Helpline contacts taken, and each of their issues."""

    domain = Domain.HELPLINE

    def __init__(self):
        self.unit = pseudonymiser("contact")
        self.caller = pseudonymiser("caller")

    def all_units(self):
        return Contact.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=BATCH)

    def changed_since(self, moment):
        return set(Contact.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))

    def facts(self, units):
        model = FACT_MODELS[self.domain]
        rows = (
            Contact.objects.filter(pk__in=units)
            .exclude(status=Contact.Status.WAITING)
            .values_list(
                "pk", "started_at", "district_id", "agency_id", "agency__kind", "type", "sex", "age_band",
                "categories", "caller_hash",
            )
        )  # fmt: skip
        for pk, started, district, agency, agency_kind, kind, sex, band, categories, caller in rows:
            common = dict(
                unit=self.unit(pk),
                subject=self.caller(caller) if caller else "",
                day=_local_day(started),
                district_id=district,
                agency_id=agency,
                agency_kind=agency_kind or "",
                sex=sex_code(sex),
                age_band=band or "",
            )
            yield model(element="contacts", category=kind or "", **common)
            for code in categories or []:
                yield model(element="contact_issues", category=code, **common)


class ServiceBuilder(Builder):
    """Shelter nights of each stay in each month, and each shelter's place-nights."""

    domain = Domain.SERVICES
    incremental = False

    def __init__(self, today: date):
        self.today = today
        self.stay = pseudonymiser("service")
        self.facility = pseudonymiser("facility")
        self.person = pseudonymiser("person")

    def all_units(self):
        yield 0  # one unit: the whole domain

    def facts(self, units):
        model = FACT_MODELS[self.domain]
        stays = ServiceDelivery.objects.filter(kind=ServiceDelivery.Kind.SHELTER_STAY, facility__isnull=False)
        rows = list(
            stays.values_list(
                "pk",
                "person_id",
                "started_on",
                "ended_on",
                "facility__district_id",
                "facility__agency_id",
                "facility__agency__kind",
            )
        )
        people = _People(r[1] for r in rows)
        for pk, person, start, end, district, agency, agency_kind in rows:
            last = min(end or self.today, self.today)
            for month in _months_between(start, last):
                nights = (min(month.end, last) - max(month.start, start)).days
                if nights <= 0:
                    continue
                yield model(
                    element="shelter_nights",
                    unit=self.stay(pk),
                    subject=self.person(person),
                    day=max(month.start, start),
                    district_id=district,
                    agency_id=agency,
                    agency_kind=agency_kind,
                    sex=people.sex(person),
                    age_band=people.band(person, max(month.start, start)),
                    value=nights,
                )
        shelters = Facility.objects.filter(kind=Facility.Kind.SHELTER, is_active=True)
        first = stays.order_by("started_on").values_list("started_on", flat=True).first() or self.today
        for pk, district, agency, agency_kind, places in shelters.values_list(
            "pk", "district_id", "agency_id", "agency__kind", "places"
        ):
            for month in _months_between(first.replace(day=1), self.today):
                days = (min(month.end, self.today + timedelta(days=1)) - month.start).days
                yield model(
                    element="shelter_place_nights",
                    unit=self.facility(pk),
                    day=month.start,
                    district_id=district,
                    agency_id=agency,
                    agency_kind=agency_kind,
                    value=places * days,
                )


def _months_between(start: date, last: date):
    month = month_of(start)
    while month.start <= last:
        yield month
        month = month_of(month.end)


class SchoolBuilder(Builder):
    """Pupils flagged (at risk or high) in each school quarter, and support plans opened."""

    domain = Domain.SCHOOLS
    incremental = False

    def __init__(self):
        self.pupil = pseudonymiser("pupil")
        self.person = pseudonymiser("person")

    def all_units(self):
        yield 0

    def facts(self, units):
        model = FACT_MODELS[self.domain]
        rank = {Tier.AT_RISK: 1, Tier.HIGH: 2}
        highest: dict[tuple, str] = {}
        pupils = {}
        flags = WarningFlag.objects.filter(tier__in=rank).values_list(
            "pupil_id", "year", "quarter", "tier", "pupil__person_id", "pupil__school__district_id", "pupil__school_id"
        )
        for pupil, year, quarter, tier, person, district, school in flags:
            key = (pupil, year, quarter)
            if rank[tier] > rank.get(highest.get(key), 0):
                highest[key] = tier
            pupils[pupil] = (person, district, school)
        plans = list(
            SupportPlan.objects.values_list(
                "pupil_id", "opened_on", "pupil__person_id", "pupil__school__district_id", "pupil__school_id"
            )
        )
        people = _People([p[0] for p in pupils.values()] + [p[2] for p in plans])
        for (pupil, year, quarter), tier in highest.items():
            person, district, school = pupils[pupil]
            day = quarter_bounds(year, quarter)[0]
            yield model(
                element="flagged_pupils",
                unit=self.pupil(pupil),
                subject=self.person(person),
                day=day,
                district_id=district,
                agency_id=school,
                agency_kind="school",
                sex=people.sex(person),
                age_band=people.band(person, day),
                category=tier,
            )
        for pupil, opened, person, district, school in plans:
            yield model(
                element="support_plans",
                unit=self.pupil(pupil),
                subject=self.person(person),
                day=opened,
                district_id=district,
                agency_id=school,
                agency_kind="school",
                sex=people.sex(person),
                age_band=people.band(person, opened),
            )


# A step of the chain done, and where it leaves the child.
_STEP_STATUS = {"referral": "referred", "protection": "protected", "verification": "verified"}


class LabourBuilder(Builder):
    """Each child of the monitoring chain at the end of each month since they were identified, at
    the step reached by then."""

    domain = Domain.LABOUR
    incremental = False

    def __init__(self, today: date):
        self.today = today
        self.child = pseudonymiser("working_child")
        self.person = pseudonymiser("person")

    def all_units(self):
        yield 0

    def facts(self, units):
        model = FACT_MODELS[self.domain]
        children = list(
            WorkingChild.objects.values_list(
                "pk", "person_id", "district_id", "agency_id", "agency__kind", "identified_on", "worst_form"
            )
        )
        steps = defaultdict(list)
        for child, kind, months, done, result in (
            ChainStep.objects.filter(done_on__isnull=False)
            .order_by("done_on", "pk")
            .values_list("child_id", "kind", "months", "done_on", "result")
        ):
            steps[child].append((done, kind, months, result))
        last_follow_up = max((m for s in steps.values() for _d, k, m, _r in s if k == "follow_up"), default=12)
        people = _People(c[1] for c in children)
        for pk, person, district, agency, agency_kind, identified, worst in children:
            for month in _months_between(identified, self.today):
                end = min(month.last_day, self.today)
                status = "identified"
                for done, kind, months, result in steps[pk]:
                    if done > end:
                        break
                    if result == "back_at_work":
                        status = "back_at_work"
                    elif kind == "follow_up":
                        status = "closed" if months >= last_follow_up else "tracking"
                    else:
                        status = _STEP_STATUS.get(kind, status)
                yield model(
                    element="children_in_chain",
                    unit=self.child(pk),
                    subject=self.person(person),
                    day=month.start,
                    district_id=district,
                    agency_id=agency,
                    agency_kind=agency_kind,
                    sex=people.sex(person),
                    age_band=people.band(person, end),
                    category=status,
                    form=worst,
                )


def builders(today: date) -> list[Builder]:
    return [CaseBuilder(), ContactBuilder(), ServiceBuilder(today), SchoolBuilder(), LabourBuilder(today)]


def _batches(units: Iterable[int]) -> Iterator[list[int]]:
    batch = []
    for unit in units:
        batch.append(unit)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(builder: Builder, units: list[int], *, replace: str) -> int:
    """Write the facts of these units in one transaction, first deleting the domain's facts
    (`replace="all"`), those of these units (`"units"`) or none (`"none"`: cleared before)."""
    model = FACT_MODELS[builder.domain]
    facts = list(builder.facts(units))
    with transaction.atomic():
        if replace == "all":
            model.objects.all().delete()
        elif replace == "units":
            # The facts carry only the units' pseudonyms: delete by those.
            codes = {builder.unit(u) for u in units}
            model.objects.filter(unit__in=codes).delete()
        _insert(model, facts)
    return len(facts)


def _insert(model, facts: list) -> None:
    """Write facts as plain rows (COPY on PostgreSQL): the ORM's bulk_create compiled every value
    and was most of a refresh's time."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    adapt_day = connection.ops.adapt_datefield_value
    rows = [
        tuple(adapt_day(getattr(fact, f.attname)) if f.name == "day" else getattr(fact, f.attname) for f in fields)
        for fact in facts
    ]
    insert_values(model, [f.column for f in fields], rows)


def _vacuum(model) -> None:
    """After a rebuild on PostgreSQL: fresh planner statistics, and the visibility map that lets a
    count read the covering index alone (autovacuum would come later). Not inside a transaction."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")


def projection_refresh(*, full: bool = False, today: date | None = None, progress=None) -> list[Refresh]:
    """Bring the fact tables up to date: per domain, the units changed since the last refresh (all of
    them when `full` or never refreshed). `progress(domain, done_units, total_units)` is told along
    the way. Returns one Refresh row per domain."""
    today = today or timezone.localdate()
    done = []
    for builder in builders(today):
        started = timezone.now()
        clock = time.perf_counter()
        last = Refresh.objects.filter(domain=builder.domain).first()
        whole = full or not builder.incremental or last is None
        units_done = facts = 0
        if whole:
            units = list(builder.all_units())
            if builder.incremental:
                # Whole domain: clear it once, then write batch by batch.
                FACT_MODELS[builder.domain].objects.all().delete()
            for batch in _batches(units):
                facts += _write(builder, batch, replace="none" if builder.incremental else "all")
                units_done += len(batch)
                if progress:
                    progress(builder.domain, units_done, len(units))
        else:
            # A little overlap with the last refresh: a row written while it ran is not missed.
            units = sorted(builder.changed_since(last.watermark - timedelta(minutes=5)))
            for batch in _batches(units):
                facts += _write(builder, batch, replace="units")
                units_done += len(batch)
                if progress:
                    progress(builder.domain, units_done, len(units))
        if whole and builder.incremental:
            _vacuum(FACT_MODELS[builder.domain])
        done.append(
            Refresh.objects.create(
                domain=builder.domain,
                full=whole,
                started_at=started,
                watermark=started,
                units=units_done,
                facts=facts,
                seconds=round(time.perf_counter() - clock, 3),
            )
        )
    return done
