"""Reads of the helpline: one contact through `access`, the operator's own work, the calls waiting,
a caller's history, the callbacks due. Every read of a contact is decided and audited."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast, ExtractHour
from django.utils import timezone
from django.utils.translation import gettext_lazy

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import agencies_acting_for
from safezone.access.services import authorize, record_list_read
from safezone.accounts.selectors import users_with_ids
from safezone.directory.selectors import districts

from .models import AgeBand, Callback, CallerProfile, Contact, Shift

HELPLINE = Purpose.HELPLINE


def contact_for(user, pk, *, action: str = Action.VIEW_CONTACTS, request=None) -> Contact:
    """One contact, if the policy lets the user take `action` on it (raises AccessDenied or DoesNotExist)."""
    contact = Contact.objects.select_related("district", "operator", "agency").get(pk=pk)
    authorize(user=user, action=action, purpose=HELPLINE, obj=contact, request=request)
    return contact


def _record_read(user, object_type: str, ids: list, request, action: str = Action.VIEW_CONTACTS, **extra) -> None:
    """Record that a page of the helpline showed these records to the user (and the grants that let it)."""
    record_list_read(
        user=user, action=action, purpose=HELPLINE, object_type=object_type, ids=ids, request=request, extra=extra
    )


def helpline_agency_ids(user, action: str = Action.VIEW_CONTACTS) -> list[int]:
    """The agencies whose helpline the user works on (or reads) for `action`."""
    return [agency.pk for agency in agencies_acting_for(user, action, HELPLINE)]


def contacts_visible_to(user) -> QuerySet[Contact]:
    """The contacts of the helplines the user reads, newest first."""
    return (
        Contact.objects.filter(agency_id__in=helpline_agency_ids(user))
        .select_related("district", "operator")
        .order_by("-started_at", "-pk")
    )


def contact_operators(user):
    """The operators who logged contacts on the helplines the user reads (the list's filter), by name."""
    from safezone.accounts.selectors import users_with_ids

    return users_with_ids(
        Contact.objects.filter(agency_id__in=helpline_agency_ids(user)).values("operator_id").distinct()
    )


def contacts_page_record(user, contacts: list[Contact], request=None) -> None:
    """Record which contacts a page of the list showed the user, and which grants let them through."""
    _record_read(user, "contact", [c.pk for c in contacts], request)


def waiting_calls(user) -> list[Contact]:
    """Calls the exchange announced that no operator took yet and that have not ended, oldest first.
    Only what the operator needs to pick one: the line, the time, whether the caller is known."""
    if not helpline_agency_ids(user, Action.LOG_CONTACT):
        return []
    calls = list(
        Contact.objects.filter(status=Contact.Status.WAITING, ended_at__isnull=True).order_by("started_at", "pk")[:20]
    )
    known = set(
        Contact.objects.filter(caller_hash__in=[c.caller_hash for c in calls if c.caller_hash])
        .exclude(status=Contact.Status.WAITING)
        .values_list("caller_hash", flat=True)
    )
    blocked = set(
        CallerProfile.objects.filter(
            caller_hash__in=[c.caller_hash for c in calls if c.caller_hash], blocked_at__isnull=False
        ).values_list("caller_hash", flat=True)
    )
    for call in calls:
        call.known_caller = bool(call.caller_hash) and call.caller_hash in known
        call.blocked_caller = call.caller_hash in blocked
    return calls


def my_open_contacts(user) -> QuerySet[Contact]:
    """The operator's contacts still being logged (a dropped browser finds its draft here)."""
    return Contact.objects.filter(operator=user, status=Contact.Status.OPEN).order_by("-started_at")


def caller_history(user, contact: Contact, *, request=None) -> dict:
    """What the helpline knows about this contact's caller: earlier contacts, notes, whether blocked.
    Recorded in the audit log as a read of the earlier contacts."""
    if not contact.caller_hash:
        return {"known": False, "hidden": True, "earlier": [], "count": 0, "notes": [], "profile": None}
    earlier_qs = (
        Contact.objects.filter(caller_hash=contact.caller_hash, agency_id__in=helpline_agency_ids(user))
        .exclude(pk=contact.pk)
        .exclude(status=Contact.Status.WAITING)
        .order_by("-started_at")
    )
    earlier = list(earlier_qs[:10])
    profile = CallerProfile.objects.filter(caller_hash=contact.caller_hash).first()
    notes = list(profile.notes.select_related("author")[:20]) if profile else []
    if earlier:
        _record_read(user, "contact", [c.pk for c in earlier], request, caller_of=contact.pk)
    return {
        "known": bool(earlier or notes),
        "hidden": False,
        "earlier": earlier,
        "count": earlier_qs.count(),
        "notes": notes,
        "profile": profile,
    }


def callbacks_for(user, *, status: str = Callback.Status.PENDING) -> QuerySet[Callback]:
    """The callbacks of the user's helplines, by status; pending ones soonest first."""
    qs = Callback.objects.filter(agency_id__in=helpline_agency_ids(user, Action.LOG_CONTACT), status=status)
    qs = qs.select_related("contact", "created_by", "done_by")
    return qs.order_by("due_at", "pk") if status == Callback.Status.PENDING else qs.order_by("-done_at", "-pk")


def callback_for(user, pk, *, request=None) -> Callback:
    """One callback, if the user logs contacts on its helpline (decided on its contact, audited)."""
    callback = Callback.objects.select_related("contact").get(pk=pk)
    authorize(
        user=user,
        action=Action.LOG_CONTACT,
        purpose=HELPLINE,
        obj=callback.contact,
        request=request,
        extra={"callback": callback.pk},
    )
    return callback


def callbacks_page_record(user, callbacks: list[Callback], request=None) -> None:
    """Record that a page of the queue showed these callbacks (and their numbers) to the user."""
    _record_read(
        user,
        "contact",
        [c.contact_id for c in callbacks],
        request,
        action=Action.LOG_CONTACT,
        callbacks=[c.pk for c in callbacks],
    )


def callbacks_due_count(user) -> int:
    """How many callbacks of the user's helplines are due now or overdue."""
    return callbacks_for(user).filter(due_at__lte=timezone.now()).count()


# --- shifts, coverage and contact figures ---------------------------------------------------------
DAY_SECONDS = 24 * 3600


def _day_start(day: date) -> datetime:
    """Local midnight at the start of `day`: the helpline's days are the region's days."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _period_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """From local midnight of `since` to the local midnight after `until` (both days included)."""
    return _day_start(since), _day_start(until + timedelta(days=1))


def open_shift_of(user) -> Shift | None:
    """The user's shift that is on now, if any."""
    return Shift.objects.filter(operator=user, ended_at__isnull=True).select_related("agency").first()


def shifts_page_record(user, shifts: list[Shift], request=None) -> None:
    """Record which shifts a page showed the user: their handover notes may speak of callers."""
    if shifts:
        _record_read(user, "shift", [s.pk for s in shifts], request)


def latest_handovers(user, limit: int = 3, *, request=None) -> list[Shift]:
    """The last ended shifts of the user's helplines with their handover notes, newest first: what
    the operator starting a shift reads first. The read is recorded."""
    shifts = list(
        Shift.objects.filter(agency_id__in=helpline_agency_ids(user), ended_at__isnull=False)
        .select_related("operator")
        .order_by("-ended_at", "-pk")[:limit]
    )
    shifts_page_record(user, shifts, request)
    return shifts


def shifts_for(user, *, since: date, until: date, operator=None) -> QuerySet[Shift]:
    """The shifts of the helplines the user reads that overlap the days from `since` to `until`
    (local, both included), newest first; only one operator's if `operator` (a user or a key) is given."""
    start, end = _period_bounds(since, until)
    shifts = Shift.objects.filter(agency_id__in=helpline_agency_ids(user), started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )
    if operator is not None:
        shifts = shifts.filter(operator=operator)
    return shifts.select_related("operator", "agency").order_by("-started_at", "-pk")


def shift_operators(user):
    """The operators who have had shifts on the helplines the user reads (the list's filter), by name."""
    return users_with_ids(Shift.objects.filter(agency_id__in=helpline_agency_ids(user)).values("operator_id"))


@dataclass(frozen=True)
class Gap:
    """A stretch of one day with nobody on shift, in local time."""

    start: datetime
    end: datetime
    to_midnight: bool  # ends where the day ends: shown as 24:00, not as 00:00

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class DayCoverage:
    """One day of the helpline: how long someone was on shift, against 24 hours, and the gaps."""

    day: date
    seconds: float
    gaps: list[Gap]
    future: bool  # the day has not begun: nothing is staffed yet, and nothing is a gap yet

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    @property
    def share(self) -> float:
        return self.seconds / DAY_SECONDS

    @property
    def percent(self) -> float:
        return round(100 * self.share, 1)


@dataclass(frozen=True)
class Coverage:
    """Days of the helpline in a period, and the period's staffed time as a share of round-the-clock (24/7)."""

    since: date
    until: date
    days: list[DayCoverage]

    @property
    def hours(self) -> float:
        return sum(d.seconds for d in self.days) / 3600

    @property
    def share(self) -> float:
        return sum(d.seconds for d in self.days) / (DAY_SECONDS * len(self.days)) if self.days else 0.0

    @property
    def percent(self) -> float:
        return round(100 * self.share, 1)

    @property
    def gap_count(self) -> int:
        return sum(len(d.gaps) for d in self.days)


def _staffed_intervals(agency_ids: list[int], start: datetime, end: datetime, now: datetime) -> list[list[datetime]]:
    """The union of the shifts' intervals within [start, end), in order: two operators on at once
    staff the line once. A shift still on counts up to now."""
    rows = (
        Shift.objects.filter(agency_id__in=agency_ids, started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .values_list("started_at", "ended_at")
    )
    intervals = sorted((max(began, start), min(ended or now, end)) for began, ended in rows)
    merged: list[list[datetime]] = []
    for began, ended in intervals:
        if ended <= began:
            continue
        if merged and began <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], ended)
        else:
            merged.append([began, ended])
    return merged


def coverage(user, *, since: date, until: date) -> Coverage:
    """Per day from `since` to `until` (local days): the hours someone was on shift on the user's
    helplines (the union of the shifts, clipped to the day, so overlapping shifts count once; a shift
    crossing midnight counts on both days), against 24, and the gaps when nobody was. Today's gaps
    run up to now; the hours still to come are no gap yet, but the share is always against 24."""
    start, end = _period_bounds(since, until)
    now = timezone.now()
    merged = _staffed_intervals(helpline_agency_ids(user), start, end, now)
    days, first = [], 0
    day = since
    while day <= until:
        low, high = _day_start(day), _day_start(day + timedelta(days=1))
        seen = min(high, now)  # past this instant nothing is a gap yet
        seconds, gaps, cursor = 0.0, [], low
        while first < len(merged) and merged[first][1] <= low:
            first += 1  # intervals over before this day: never needed again
        for began, ended in merged[first:]:
            if began >= high:
                break
            began, ended = max(began, low), min(ended, high)
            seconds += (ended - began).total_seconds()
            if began > cursor and cursor < seen:
                gaps.append(_gap(cursor, min(began, seen), high))
            cursor = max(cursor, ended)
        if cursor < seen:
            gaps.append(_gap(cursor, seen, high))
        days.append(DayCoverage(day=day, seconds=seconds, gaps=gaps, future=low >= now))
        day += timedelta(days=1)
    return Coverage(since=since, until=until, days=days)


def _gap(start: datetime, end: datetime, day_end: datetime) -> Gap:
    return Gap(start=timezone.localtime(start), end=timezone.localtime(end), to_midnight=end == day_end)


class FigureRow(NamedTuple):
    """One line of a table of figures: a code, what people read, how many contacts."""

    code: str | int | None
    label: str
    count: int


NOT_RECORDED = gettext_lazy("not recorded")


@dataclass(frozen=True)
class ContactFigures:
    """How many contacts a helpline had in a period, and of what kind. Channel and hour count every
    contact, missed calls too (they say when people call); type, issue, district and age band count
    the answered ones (a missed call says nothing about them)."""

    since: date
    until: date
    total: int
    answered: int
    missed: int
    ringing: int  # announced, not taken, not hung up yet
    unassigned: int  # taken by no helpline yet: missed or ringing
    channels: list[FigureRow] = field(default_factory=list)
    types: list[FigureRow] = field(default_factory=list)
    categories: list[FigureRow] = field(default_factory=list)
    districts: list[FigureRow] = field(default_factory=list)
    age_bands: list[FigureRow] = field(default_factory=list)
    hours: list[FigureRow] = field(default_factory=list)

    @property
    def missed_percent(self) -> float:
        return round(100 * self.missed / (self.answered + self.missed), 1) if self.answered + self.missed else 0.0


def _counts_by(contacts: QuerySet[Contact], name: str) -> dict:
    """Contacts per value of one column, counted by the database (GROUP BY)."""
    return {row[name]: row["n"] for row in contacts.order_by().values(name).annotate(n=Count("pk"))}


def _rows(counts: dict, choices) -> list[FigureRow]:
    """A row per choice (zeros too: periods compare line by line), then values no longer among the
    choices, then the blanks."""
    counts = dict(counts)
    rows = [FigureRow(code, label, counts.pop(code, 0)) for code, label in choices]
    blank = counts.pop("", 0) + counts.pop(None, 0)
    rows += [FigureRow(code, str(code), n) for code, n in sorted(counts.items(), key=lambda item: str(item[0]))]
    if blank:
        rows.append(FigureRow("", NOT_RECORDED, blank))
    return rows


def contact_figures(user, *, since: date, until: date) -> ContactFigures:
    """Counts of the contacts of the user's helplines that began from `since` to `until` (local days):
    by channel, type, issue (a contact with several issues counts under each), district, the caller's
    age band and the hour of day (local), and answered against missed (a call announced by the
    exchange that nobody took before the caller hung up). Counted by the database, not row by row."""
    ids = helpline_agency_ids(user)
    start, end = _period_bounds(since, until)
    # A call the exchange announced has no agency until an operator takes it, so a missed call never
    # gets one. The region has one helpline: its unassigned calls are that helpline's and are counted
    # here. With a second helpline the exchange would have to say whose line the call came in on.
    mine = Q(agency_id__in=ids) | Q(agency__isnull=True, status=Contact.Status.WAITING)
    contacts = (
        Contact.objects.filter(mine, started_at__gte=start, started_at__lt=end) if ids else Contact.objects.none()
    )
    waiting = Q(status=Contact.Status.WAITING)
    totals = contacts.aggregate(
        total=Count("pk"),
        answered=Count("pk", filter=~waiting),
        missed=Count("pk", filter=waiting & Q(ended_at__isnull=False)),
        ringing=Count("pk", filter=waiting & Q(ended_at__isnull=True)),
        unassigned=Count("pk", filter=Q(agency__isnull=True)),
    )
    answered = contacts.exclude(waiting)
    # Issues are a JSON list. Unnesting it differs between SQLite (json_each) and PostgreSQL
    # (jsonb_array_elements_text); a count per code over the list as text (`"code"`, quotes included,
    # so no code matches inside another) is one portable query.
    codes = list(Contact.Category.choices)
    as_text = answered.annotate(categories_text=Cast("categories", TextField()))
    per_code = as_text.aggregate(
        none=Count("pk", filter=Q(categories_text="[]")),
        **{f"c{i}": Count("pk", filter=Q(categories_text__contains=f'"{code}"')) for i, (code, _) in enumerate(codes)},
    )
    by_hour = _counts_by(contacts.annotate(hour=ExtractHour("started_at")), "hour")
    by_district = _counts_by(answered, "district")
    names = {t.pk: str(t) for t in districts().filter(pk__in=[pk for pk in by_district if pk is not None])}
    district_rows = sorted(
        (FigureRow(pk, names.get(pk, f"#{pk}"), n) for pk, n in by_district.items() if pk is not None),
        key=lambda row: (-row.count, row.label),
    )
    if by_district.get(None):
        district_rows.append(FigureRow(None, NOT_RECORDED, by_district[None]))
    category_rows = [FigureRow(code, label, per_code[f"c{i}"]) for i, (code, label) in enumerate(codes)]
    if per_code["none"]:
        category_rows.append(FigureRow("", NOT_RECORDED, per_code["none"]))
    return ContactFigures(
        since=since,
        until=until,
        **totals,
        channels=_rows(_counts_by(contacts, "channel"), Contact.Channel.choices),
        types=_rows(_counts_by(answered, "type"), Contact.Type.choices),
        categories=category_rows,
        districts=district_rows,
        age_bands=_rows(_counts_by(answered, "age_band"), AgeBand.choices),
        hours=[FigureRow(hour, f"{hour:02d}:00–{hour + 1:02d}:00", by_hour.get(hour, 0)) for hour in range(24)],
    )
