"""The district's list of teenagers at risk, kept together by police juvenile inspectors and the social
workers of the agencies that keep it (access.policy.TEEN_AGENCY_KINDS): who is on it and why, the
outreach contacts with them, who was taken off and why.

Writes (services) and reads (selectors) of the list. Every one is decided by `access` on the teen's
district and leaves its trace in the audit log; a list records which teenagers it showed.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DateField, F, Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import Decision, decide, district_ids_for, district_record_filter
from safezone.access.services import authorize, enforce, record_list_read
from safezone.audit.services import audit_record
from safezone.common.errors import ChangedMeanwhile
from safezone.directory.selectors import districts
from safezone.people.dates import PartialDate
from safezone.people.models import Sex
from safezone.people.services import person_known_or_registered

from .models import Outreach, Teen

CHILD_PROTECTION = Purpose.CHILD_PROTECTION
# Why a teenager is on the list: the flags of a Teen, in the order the pages show them.
REASONS = ("street_presence", "runs_away", "offences", "substance_use")
# Teenagers: 10 to 17 years old on the day they are put on the list (younger children and adults
# are helped through a case, not through this list).
MIN_AGE, MAX_AGE = 10, 17
NOTE_MAX = 4000


def reason_choices() -> list[tuple[str, str]]:
    """(field, label) of each reason, as the model names them."""
    return [(name, Teen._meta.get_field(name).verbose_name) for name in REASONS]


class TeenChangedMeanwhile(ChangedMeanwhile):
    """Someone else changed the teenager's entry since the form was opened."""

    message = gettext_lazy(
        "Someone else changed this entry of the list while you were editing it. "
        "Reload the page and apply your change again."
    )


class AlreadyListed(ValidationError):
    """The person is on the list already (active): not added twice. `teen` is the entry;
    `visible` whether the user may open it (it may be another district's)."""

    def __init__(self, message: str, *, teen: Teen, visible: bool):
        super().__init__(message, code="listed")
        self.teen, self.visible = teen, visible


# --- deciding -------------------------------------------------------------------------------------
def _refuse(user, action: str, purpose: str, rule: str, request) -> None:
    enforce(Decision(False, rule), user=user, action=action, purpose=purpose, object_type="teen",
            object_id="", request=request, extra=None)  # fmt: skip


def teen_list_authorize(*, user, action: str = Action.VIEW_TEENS, purpose: str = CHILD_PROTECTION, request=None):
    """Refuse (recorded in the audit log, then AccessDenied) a user who keeps no district's list of
    teenagers at risk for `action`: a role without it, or one in an agency of a kind that does not
    keep the list (a crisis centre). Records nothing when the user keeps one: the list or the record
    the user then reads is recorded on its own."""
    if district_ids_for(user, action, purpose):
        return
    decision = decide(user, action, purpose)
    _refuse(user, action, purpose, decision.rule if not decision.allowed else "agency-keeps-no-teen-list", request)


def _decide_in(actor, action: str, purpose: str, district, request, **extra) -> Decision:
    """Decide (and record) the actor's `action` on the list of this district (a teenager not yet on it)."""
    return enforce(
        decide(actor, action, purpose, Teen(district=district)),
        user=actor,
        action=action,
        purpose=purpose,
        object_type="teen",
        object_id="",
        request=request,
        extra={"district": district.pk, **extra},
    )


def _audit(actor, decision: Decision, event: str, purpose: str, teen_id: int, request, **extra) -> None:
    audit_record(
        actor=actor,
        agency=decision.membership.agency if decision.membership is not None else None,
        action=event,
        request=request,
        purpose=purpose,
        object_type="teen",
        object_id=teen_id,
        extra=extra or None,
    )


# --- checking what was typed ----------------------------------------------------------------------
def _district_errors(user, district, errors: dict) -> None:
    if district is None or district.pk not in district_ids_for(user, Action.EDIT_TEENS, CHILD_PROTECTION):
        errors["district"] = _("Choose one of the districts whose list you keep.")


def _reason_errors(reasons, errors: dict) -> set[str]:
    chosen = set(reasons or ())
    if chosen - set(REASONS):
        errors["reasons"] = _("Choose the reasons from the list.")
    elif not chosen:
        errors["reasons"] = _("Tick at least one reason why the teenager is at risk.")
    return chosen


def _not_after_today(day, field: str, errors: dict, today: dt.date) -> None:
    if day is not None and day > today:
        errors[field] = _("The date cannot be in the future.")


def _note(note: str, errors: dict, field: str = "note") -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors[field] = _("Write at most %(n)d characters.") % {"n": NOTE_MAX}
    return note


def _age_errors(birth_date, added_on, errors: dict) -> None:
    if birth_date is None:
        errors["birth_date"] = _("Write the full date of birth.")
        return
    if birth_date > min(added_on, timezone.localdate()):
        errors["birth_date"] = _("The date of birth is after the day of listing.")
        return
    age = PartialDate(birth_date.year, birth_date.month, birth_date.day).age_on(added_on)
    if not MIN_AGE <= age <= MAX_AGE:
        errors["birth_date"] = _(
            "The list is for teenagers of %(low)d to %(high)d years; on %(day)s this person is %(age)d."
        ) % {"low": MIN_AGE, "high": MAX_AGE, "day": date_format(added_on, "SHORT_DATE_FORMAT"), "age": age}


def _listed_already(user, person, today: dt.date) -> None:
    existing = Teen.objects.filter(person=person, removed_on__isnull=True).select_related("district").first()
    if existing is None:
        return
    visible = decide(user, Action.VIEW_TEENS, CHILD_PROTECTION, existing).allowed
    values = {
        "name": person.full_name,
        "district": existing.district.name,
        "date": date_format(existing.added_on, "SHORT_DATE_FORMAT"),
    }
    if visible:
        message = _("%(name)s is already on the list of %(district)s, since %(date)s: open that entry.") % values
    else:
        message = (
            _(
                "%(name)s is already on the list of %(district)s; ask the juvenile inspectors or social workers "
                "there before listing the teenager again."
            )
            % values
        )
    raise AlreadyListed(message, teen=existing, visible=visible)


# --- writes ---------------------------------------------------------------------------------------
def teen_add(
    *,
    actor,
    surname: str,
    first_name: str,
    birth_date: dt.date | None,
    district,
    reasons,
    patronymic: str = "",
    sex: str = Sex.UNKNOWN,
    note: str = "",
    added_on: dt.date | None = None,
    purpose: str = CHILD_PROTECTION,
    request=None,
) -> Teen:
    """Put a teenager on the list of one of the actor's districts. The person is found in the register
    (same names and birth date: `people.selectors.person_match`) or registered; a person already on
    a list is refused (AlreadyListed), and so is anyone not 10 to 17 years old on the day of listing."""
    teen_list_authorize(user=actor, action=Action.EDIT_TEENS, purpose=purpose, request=request)
    today = timezone.localdate()
    added_on = added_on or today
    errors: dict = {}
    surname, first_name, patronymic = (surname or "").strip(), (first_name or "").strip(), (patronymic or "").strip()
    if not surname:
        errors["surname"] = _("Write the surname.")
    if not first_name:
        errors["first_name"] = _("Write the first name.")
    if sex not in Sex.values:
        errors["sex"] = _("Choose from the list.")
    _not_after_today(added_on, "added_on", errors, today)
    _age_errors(birth_date, added_on, errors)
    _district_errors(actor, district, errors)
    chosen = _reason_errors(reasons, errors)
    note = _note(note, errors)
    if errors:
        raise ValidationError(errors)
    decision = _decide_in(actor, Action.EDIT_TEENS, purpose, district, request, step="add")
    birth = PartialDate(birth_date.year, birth_date.month, birth_date.day)
    try:
        with transaction.atomic():
            person, matched = person_known_or_registered(
                agency=decision.membership.agency,
                surname=surname,
                first_name=first_name,
                patronymic=patronymic,
                sex=sex,
                birth=birth,
                district=district,
                actor=actor,
            )
            if matched:
                _listed_already(actor, person, today)
            teen = Teen.objects.create(
                person=person,
                district=district,
                note=note,
                added_on=added_on,
                added_by=actor,
                agency=decision.membership.agency,
                **{name: name in chosen for name in REASONS},
            )
    except IntegrityError:
        # Another worker listed the same person a moment ago: say so, as if it had been first.
        _listed_already(actor, person, today)
        raise
    _audit(actor, decision, "teen.added", purpose, teen.pk, request, person=person.pk, matched=matched)
    return teen


def _locked_current(teen_id: int, expected_version: int) -> Teen:
    teen = Teen.objects.select_for_update().get(pk=teen_id)
    if teen.version != expected_version:
        raise TeenChangedMeanwhile()
    if teen.removed_on is not None:
        raise ValidationError(_("This teenager was taken off the list; the entry can no longer be changed."))
    return teen


def teen_update(
    *,
    actor,
    teen_id: int,
    expected_version: int,
    reasons,
    note: str,
    district,
    purpose: str = CHILD_PROTECTION,
    request=None,
) -> Teen:
    """Change why a teenager is on the list, the note, or the district (to another of the actor's),
    unless someone changed the entry since `expected_version`."""
    current = Teen.objects.get(pk=teen_id)
    decision = authorize(user=actor, action=Action.EDIT_TEENS, purpose=purpose, obj=current, request=request,
                         extra={"step": "edit"})  # fmt: skip
    errors: dict = {}
    if district is None or district.pk != current.district_id:
        _district_errors(actor, district, errors)
    chosen = _reason_errors(reasons, errors)
    note = _note(note, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        teen = _locked_current(teen_id, expected_version)
        values = {"district_id": district.pk, "note": note, **{name: name in chosen for name in REASONS}}
        changed = [name for name, value in values.items() if getattr(teen, name) != value]
        for name, value in values.items():
            setattr(teen, name, value)
        teen.version += 1
        teen.save()
    _audit(actor, decision, "teen.updated", purpose, teen.pk, request, fields=changed)
    return teen


def teen_remove(
    *,
    actor,
    teen_id: int,
    expected_version: int,
    reason: str,
    removed_on: dt.date | None = None,
    purpose: str = CHILD_PROTECTION,
    request=None,
) -> Teen:
    """Take a teenager off the list, saying why (turned 18, moved away, the risk is gone); the entry
    and its outreach stay, off the default list."""
    current = Teen.objects.get(pk=teen_id)
    decision = authorize(user=actor, action=Action.EDIT_TEENS, purpose=purpose, obj=current, request=request,
                         extra={"step": "remove"})  # fmt: skip
    today = timezone.localdate()
    removed_on = removed_on or today
    errors: dict = {}
    reason = (reason or "").strip()
    max_length = Teen._meta.get_field("removed_reason").max_length
    if not reason:
        errors["reason"] = _("Say why the teenager is taken off the list.")
    elif len(reason) > max_length:
        errors["reason"] = _("Write at most %(n)d characters.") % {"n": max_length}
    _not_after_today(removed_on, "removed_on", errors, today)
    if removed_on < current.added_on:
        errors["removed_on"] = _("The teenager cannot be taken off the list before being put on it.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        teen = _locked_current(teen_id, expected_version)
        teen.removed_on, teen.removed_reason = removed_on, reason
        teen.version += 1
        teen.save()
    _audit(actor, decision, "teen.removed", purpose, teen.pk, request)
    return teen


def outreach_log(
    *,
    actor,
    teen_id: int,
    happened_on: dt.date,
    kind: str,
    note: str = "",
    purpose: str = CHILD_PROTECTION,
    request=None,
) -> Outreach:
    """Log one outreach contact with a teenager on the list (by the actor, for the agency that
    lets the actor keep this district's list)."""
    teen = Teen.objects.get(pk=teen_id)
    decision = authorize(user=actor, action=Action.EDIT_TEENS, purpose=purpose, obj=teen, request=request,
                         extra={"step": "outreach"})  # fmt: skip
    errors: dict = {}
    if teen.removed_on is not None:
        raise ValidationError(_("This teenager was taken off the list; log no more contacts here."))
    if kind not in Outreach.Kind.values:
        errors["kind"] = _("Choose how the contact happened.")
    if happened_on is None:
        errors["happened_on"] = _("Write the date of the contact.")
    _not_after_today(happened_on, "happened_on", errors, timezone.localdate())
    note = _note(note, errors)
    if errors:
        raise ValidationError(errors)
    outreach = Outreach.objects.create(
        teen=teen, happened_on=happened_on, kind=kind, worker=actor, agency=decision.membership.agency, note=note
    )
    _audit(actor, decision, "teen.outreach", purpose, teen.pk, request, outreach=outreach.pk, kind=kind)
    return outreach


# --- reads ----------------------------------------------------------------------------------------
def teen_for(user, pk, *, action: str = Action.VIEW_TEENS, purpose: str = CHILD_PROTECTION, request=None) -> Teen:
    """One teenager of the list, if the policy lets the user take `action` on it (decided on its
    district, audited; raises AccessDenied or Teen.DoesNotExist)."""
    teen = Teen.objects.select_related("person", "district", "agency", "added_by").get(pk=pk)
    authorize(user=user, action=action, purpose=purpose, obj=teen, request=request)
    return teen


def may_edit_teen(user, teen: Teen) -> bool:
    """Whether the page should offer the user to change this entry (not recorded: the change is)."""
    return teen.removed_on is None and decide(user, Action.EDIT_TEENS, CHILD_PROTECTION, teen).allowed


def teen_districts(user, action: str = Action.VIEW_TEENS):
    """The districts whose list the user keeps (reads, for VIEW_TEENS; adds to, for EDIT_TEENS)."""
    return districts().filter(pk__in=district_ids_for(user, action, CHILD_PROTECTION))


def may_add_teens(user) -> bool:
    """Whether the user puts teenagers on some district's list."""
    return bool(district_ids_for(user, Action.EDIT_TEENS, CHILD_PROTECTION))


def teens_visible_to(user) -> QuerySet[Teen]:
    """The teenagers of the lists the user reads (active and taken off), each with `last_outreach`
    (its latest contact, or None) and `quiet_since` (that, or the day of listing)."""
    return (
        Teen.objects.filter(district_record_filter(user, Action.VIEW_TEENS, CHILD_PROTECTION))
        .select_related("person", "district")
        .annotate(last_outreach=Max("outreach__happened_on"))
        .annotate(quiet_since=Coalesce("last_outreach", "added_on", output_field=DateField()))
    )


@dataclass(frozen=True)
class TeenFilters:
    """What a worker narrows the list to. `quiet_days`: no contact (nor listing) in that many days."""

    district: object = None
    reason: str = ""
    quiet_days: int | None = None
    removed: bool = False


def teens_found(user, filters: TeenFilters = TeenFilters(), *, today: dt.date | None = None) -> QuerySet[Teen]:
    """The teenagers the user reads that fit the filters: those on the list now (with `removed`, those
    taken off too), the longest without contact first."""
    rows = teens_visible_to(user)
    if not filters.removed:
        rows = rows.filter(removed_on__isnull=True)
    if filters.district is not None:
        rows = rows.filter(district=filters.district)
    if filters.reason in REASONS:
        rows = rows.filter(Q(**{filters.reason: True}))
    if filters.quiet_days:
        since = (today or timezone.localdate()) - dt.timedelta(days=filters.quiet_days)
        rows = rows.filter(quiet_since__lte=since)
    return rows.order_by(F("removed_on").asc(nulls_first=True), "quiet_since", "person__surname", "pk")


def teens_page_record(user, teens: list[Teen], request=None, **extra) -> None:
    """Record which teenagers a page of the list showed the user, and which grants let them through."""
    record_list_read(
        user=user,
        action=Action.VIEW_TEENS,
        purpose=CHILD_PROTECTION,
        object_type="teen",
        ids=[t.pk for t in teens],
        request=request,
        extra=extra or None,
    )


def outreach_of(teen: Teen) -> list[Outreach]:
    """The outreach contacts with a teenager already authorised for the user, newest first."""
    return list(teen.outreach.select_related("worker", "agency").order_by("-happened_on", "-pk"))


def teen_reasons(teen: Teen) -> list[str]:
    """The labels of the reasons why the teenager is on the list."""
    return [label for name, label in reason_choices() if getattr(teen, name)]


def teen_age(teen: Teen, on: dt.date | None = None) -> int | None:
    """The teenager's age in whole years on a day (today by default)."""
    birth = teen.person.birth_date
    return birth.age_on(on or timezone.localdate()) if birth is not None else None
