"""Writes to cases: intake, opening, incidents, changes. Each checked by access and audited."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.access.policy import Action
from safezone.access.services import authorize, authorize_for_agency
from safezone.audit.services import audit_record
from safezone.common.bulk import insert_with_history
from safezone.people.dates import PartialDate
from safezone.people.models import Person
from safezone.people.services import person_create

from .models import Case, Incident, IncidentForm, Participant


class ConcurrentEditError(Exception):
    """Someone else changed the record since the form was opened."""

    message = _(
        "Someone else changed this case while you were editing it. Reload the page and apply your change again."
    )


def case_open(
    *,
    actor,
    agency,
    purpose: str,
    kind: str,
    district,
    person: Person,
    role: str,
    summary: str = "",
    opened_on: dt.date | None = None,
    request=None,
) -> Case:
    """Open a case owned by `agency` and worked by `actor`, with its first participant."""
    authorize_for_agency(user=actor, action=Action.OPEN_CASE, purpose=purpose, agency=agency, request=request)
    case = Case(
        kind=kind,
        owner_agency=agency,
        owner_worker=actor,
        district=district,
        opened_on=opened_on or timezone.localdate(),
        summary=summary.strip(),
        created_by=actor,
    )
    case._history_user = actor
    with transaction.atomic():
        case.save()
        participant = Participant(case=case, person=person, role=role)
        participant._history_user = actor
        participant.save()
        audit_record(
            actor=actor,
            action="case.opened",
            request=request,
            purpose=purpose,
            object_type="case",
            object_id=case.pk,
            extra={"person": person.pk, "role": role},
        )
    return case


@dataclass
class IncidentData:
    """What a worker records about one incident."""

    occurred_on: dt.date
    place: str
    district: object
    forms: list = field(default_factory=list)
    place_detail: str = ""
    reported_to_police: bool = False
    police_reference: str = ""
    description: str = ""
    victim: Person | None = None
    alleged_perpetrator: Person | None = None


def incident_add(*, actor, case: Case, purpose: str, data: IncidentData, request=None) -> Incident:
    """Record an incident on a case; the victim and alleged perpetrator must take part in the case."""
    authorize(user=actor, action=Action.ADD_INCIDENT, purpose=purpose, obj=case, request=request)
    if data.occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The incident date is in the future.")})
    if data.occurred_on < case.opened_on - dt.timedelta(days=365 * 30):
        raise ValidationError({"occurred_on": _("The incident date is more than 30 years before the case.")})
    participant_ids = set(case.participants.values_list("person_id", flat=True))
    for name, person in (("victim", data.victim), ("alleged_perpetrator", data.alleged_perpetrator)):
        if person is not None and person.pk not in participant_ids:
            raise ValidationError({name: _("This person does not take part in the case.")})
    incident = Incident(
        case=case,
        occurred_on=data.occurred_on,
        place=data.place,
        place_detail=data.place_detail.strip(),
        district=data.district,
        reported_to_police=data.reported_to_police,
        police_reference=data.police_reference.strip(),
        description=data.description.strip(),
        victim=data.victim,
        alleged_perpetrator=data.alleged_perpetrator,
        created_by=actor,
    )
    incident._history_user = actor
    with transaction.atomic():
        incident.save()
        for form in data.forms:
            link = IncidentForm(incident=incident, form=form)
            link._history_user = actor
            link.save()
    return incident


def case_update(
    *, actor, case_id: int, expected_version: int, purpose: str, status: str, summary: str, request=None
) -> Case:
    """Change a case's status and summary, unless someone changed it since `expected_version`."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        authorize(user=actor, action=Action.EDIT_CASE, purpose=purpose, obj=case, request=request)
        if case.version != expected_version:
            raise ConcurrentEditError()
        if status == Case.Status.CLOSED and case.status != Case.Status.CLOSED:
            case.closed_on = max(timezone.localdate(), case.opened_on)
        elif status != Case.Status.CLOSED:
            case.closed_on = None
        case.status = status
        case.summary = summary.strip()
        case.version += 1
        case._history_user = actor
        case.save()
    return case


@dataclass
class NewPerson:
    """A person typed in at intake who is not yet in the register."""

    surname: str
    first_name: str
    patronymic: str = ""
    sex: str = "U"
    birth: PartialDate | None = None
    district: object = None
    snils: str = ""


@dataclass
class Intake:
    """Everything the intake form collects: who, which case, and the first incident."""

    agency: object
    kind: str
    district: object
    role: str
    incident: IncidentData
    existing_person_id: int | None = None
    new_person: NewPerson | None = None
    summary: str = ""


def intake_submit(*, actor, intake: Intake, purpose: str, request=None) -> Case:
    """Create or pick the person, open the case and record the first incident: all or nothing."""
    from safezone.people.selectors import person_for

    with transaction.atomic():
        if intake.existing_person_id:
            person = person_for(actor, intake.existing_person_id, purpose=purpose, request=request)
        else:
            new = intake.new_person
            person = person_create(
                actor=actor,
                agency=intake.agency,
                purpose=purpose,
                surname=new.surname,
                first_name=new.first_name,
                patronymic=new.patronymic,
                sex=new.sex,
                birth=new.birth,
                district=new.district,
                identifiers=[("snils", new.snils)] if new.snils else [],
                request=request,
            )
        case = case_open(
            actor=actor,
            agency=intake.agency,
            purpose=purpose,
            kind=intake.kind,
            district=intake.district,
            person=person,
            role=intake.role,
            summary=intake.summary,
            request=request,
        )
        incident = intake.incident
        if intake.role == Participant.Role.VICTIM or intake.role == Participant.Role.CHILD:
            incident.victim = person
        incident_add(actor=actor, case=case, purpose=purpose, data=incident, request=request)
    return case


@dataclass
class CaseBatch:
    """Cases to write in bulk; participants and incidents refer to positions in `cases`."""

    cases: list[Case] = field(default_factory=list)
    participants: list[tuple[int, Participant]] = field(default_factory=list)
    incidents: list[tuple[int, Incident, list[int]]] = field(default_factory=list)


def cases_bulk_create(*, batch: CaseBatch) -> list[Case]:
    """Write many cases at once with participants, incidents and history (demo generator, bulk loads).

    Runs in the caller's transaction; incident forms are given as ViolenceForm ids.
    """
    cases = insert_with_history(Case, batch.cases)
    for i, participant in batch.participants:
        participant.case = cases[i]
    insert_with_history(Participant, [p for _, p in batch.participants])
    for i, incident, _forms in batch.incidents:
        incident.case = cases[i]
    incidents = insert_with_history(Incident, [x for _, x, _ in batch.incidents])
    links = [
        IncidentForm(incident=incident, form_id=form_id)
        for incident, (_, _, form_ids) in zip(incidents, batch.incidents)
        for form_id in form_ids
    ]
    insert_with_history(IncidentForm, links)
    return cases
