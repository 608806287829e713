"""Writes to cases: intake, opening, incidents, changes. Each checked by access and audited."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from safezone.access.models import LegalGround
from safezone.access.policy import Action, Purpose, roles_allowed
from safezone.access.selectors import Decision, decide, decide_for_agency
from safezone.access.services import authorize, authorize_for_agency, case_grant_add, case_grants_end, enforce
from safezone.accounts.selectors import users_with_roles
from safezone.accounts.services import notify
from safezone.audit.services import audit_record
from safezone.common.bulk import insert_with_history
from safezone.common.errors import ChangedMeanwhile
from safezone.people.dates import PartialDate
from safezone.people.models import Person
from safezone.people.services import person_create

from .models import (
    Attendance,
    Case,
    Closure,
    Goal,
    Incident,
    IncidentForm,
    Participant,
    PlanAction,
    ProgrammeSession,
    Referral,
    Reopening,
    SafetyCheck,
    ServiceDelivery,
)


def users_who_may(action: str, agency):
    """The active users of an agency whose roles allow `action` (whom to tell about a referral)."""
    return users_with_roles(roles_allowed(action), agency)


class ConcurrentEditError(ChangedMeanwhile):
    """Someone else changed the case since the form was opened."""

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
    *,
    actor,
    case_id: int,
    expected_version: int,
    purpose: str,
    status: str,
    summary: str | None = None,
    safe_contact: str | None = None,
    request=None,
) -> Case:
    """Change a case's status (and summary or safe-contact instructions, when given and the user's
    role may see them), unless someone changed it since `expected_version`."""
    from safezone.access.policy import FieldGroup

    # Decide before the transaction: a refusal raised inside it would roll back its own audit event.
    decision = authorize(
        user=actor, action=Action.EDIT_CASE, purpose=purpose, obj=Case.objects.get(pk=case_id), request=request
    )
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.version != expected_version:
            raise ConcurrentEditError.of(case, expected_version)
        if case.status == Case.Status.CLOSED:
            raise ClosureError(_("The case is closed: reopen it, with a reason, before changing it."))
        # Closing goes through a request and a supervisor's approval (case_closure_request).
        if status not in (Case.Status.OPEN, Case.Status.MONITORING):
            raise ValidationError({"status": _("Choose open or monitoring; to close the case, ask for closure.")})
        case.status = status
        # A field the role may not see is never overwritten from a form that did not show it.
        if summary is not None and decision.shows(FieldGroup.NARRATIVE):
            case.summary = summary.strip()
        if safe_contact is not None and decision.shows(FieldGroup.SAFE_CONTACT):
            case.safe_contact = safe_contact.strip()
        case.version += 1
        case._history_user = actor
        case.save()
    return case


# --- closure and reopening --------------------------------------------------------------------
class ClosureError(ValidationError):
    """A closure step that the case's state does not allow (already closed, a request waiting...)."""


def _closure_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def case_closure_request(
    *, actor, case_id: int, expected_version: int, reason: str, note: str, purpose: str, request=None
) -> Closure:
    """Ask to close a case, with a reason; the agency's supervisors are told and one of them decides."""
    case = Case.objects.get(pk=case_id)
    authorize(user=actor, action=Action.CLOSE_CASE, purpose=purpose, obj=case, request=request)
    if reason not in Closure.Reason.values:
        raise ValidationError({"reason": _("Choose the reason for closing from the list.")})
    if reason == Closure.Reason.OTHER and len(note.strip()) < 10:
        raise ValidationError({"note": _("Explain the reason in at least 10 characters.")})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.version != expected_version:
            raise ConcurrentEditError.of(case, expected_version)
        if case.status == Case.Status.CLOSED:
            raise ClosureError(_("The case is already closed."))
        if case.closures.filter(status=Closure.Status.PENDING).exists():
            raise ClosureError(_("A request to close this case is already waiting for approval."))
        closure = Closure(case=case, reason=reason, note=note.strip(), requested_by=actor)
        closure._history_user = actor
        closure.save()
    approvers = [u for u in users_who_may(Action.APPROVE_CLOSURE, case.owner_agency) if u.pk != actor.pk]
    notify(
        users=approvers,
        text=_("Case %(ref)s: closing asked for, waiting for your approval.") % {"ref": case.reference},
        url=_closure_url(case),
    )
    audit_record(
        actor=actor,
        action="case.closure_requested",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=case.pk,
        extra={"closure": closure.pk, "reason": reason},
    )
    return closure


def _pending_closure(closure_id: int) -> Closure:
    closure = Closure.objects.select_for_update().select_related("case").get(pk=closure_id)
    if closure.status != Closure.Status.PENDING:
        raise ClosureError(_("This request has already been answered."))
    return closure


def case_closure_decide(
    *, actor, closure_id: int, approve: bool, note: str = "", purpose: str, request=None
) -> Closure:
    """A supervisor approves a request to close a case (the case is closed today) or sends it back
    with a note. Nobody approves their own request."""
    current = Closure.objects.select_related("case").get(pk=closure_id)
    authorize(
        user=actor,
        action=Action.APPROVE_CLOSURE,
        purpose=purpose,
        obj=current.case,
        request=request,
        extra={"closure": closure_id, "approve": approve},
    )
    if current.requested_by_id == actor.pk:
        raise ValidationError(_("Another supervisor must approve a request you made yourself."))
    if not approve and len(note.strip()) < 10:
        raise ValidationError({"decision_note": _("Say in at least 10 characters why the case stays open.")})
    with transaction.atomic():
        closure = _pending_closure(closure_id)
        closure.status = Closure.Status.APPROVED if approve else Closure.Status.REJECTED
        closure.decided_by, closure.decided_at, closure.decision_note = actor, timezone.now(), note.strip()
        closure._history_user = actor
        closure.save()
        if approve:
            case = Case.objects.select_for_update().get(pk=closure.case_id)
            case.status, case.closed_on = Case.Status.CLOSED, max(timezone.localdate(), case.opened_on)
            case.version += 1
            case._history_user = actor
            case.save()
    case = closure.case
    text = (
        _("Case %(ref)s was closed: your request was approved.")
        if approve
        else _("Case %(ref)s stays open: your request to close it was sent back.")
    )
    notify(users=[closure.requested_by], text=text % {"ref": case.reference}, url=_closure_url(case))
    audit_record(
        actor=actor,
        action="case.closed" if approve else "case.closure_rejected",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=case.pk,
        extra={"closure": closure.pk},
    )
    return closure


def case_closure_withdraw(*, actor, closure_id: int, purpose: str, request=None) -> Closure:
    """The person who asked takes back a request to close a case that is still waiting."""
    current = Closure.objects.select_related("case").get(pk=closure_id)
    authorize(
        user=actor,
        action=Action.CLOSE_CASE,
        purpose=purpose,
        obj=current.case,
        request=request,
        extra={"closure": closure_id},
    )
    if current.requested_by_id != actor.pk:
        raise ValidationError(_("Only the person who asked can withdraw the request."))
    with transaction.atomic():
        closure = _pending_closure(closure_id)
        closure.status = Closure.Status.WITHDRAWN
        closure._history_user = actor
        closure.save()
    audit_record(
        actor=actor,
        action="case.closure_withdrawn",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=closure.case_id,
        extra={"closure": closure.pk},
    )
    return closure


def case_reopen(*, actor, case_id: int, expected_version: int, reason: str, purpose: str, request=None) -> Reopening:
    """Reopen a closed case with a reason (not once its personal data was anonymised)."""
    case = Case.objects.get(pk=case_id)
    authorize(user=actor, action=Action.CLOSE_CASE, purpose=purpose, obj=case, request=request)
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Say in at least 10 characters why the case is reopened.")})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.version != expected_version:
            raise ConcurrentEditError.of(case, expected_version)
        if case.status != Case.Status.CLOSED:
            raise ClosureError(_("Only a closed case can be reopened."))
        if case.anonymised_at is not None:
            raise ClosureError(_("This case was anonymised under the retention schedule and cannot be reopened."))
        reopening = Reopening(case=case, reason=reason.strip(), reopened_by=actor)
        reopening._history_user = actor
        reopening.save()
        case.status, case.closed_on = Case.Status.OPEN, None
        case.version += 1
        case._history_user = actor
        case.save()
    audit_record(
        actor=actor,
        action="case.reopened",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=case.pk,
        extra={"reopening": reopening.pk},
    )
    return reopening


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
    safety: "SafetyAnswers | None" = None


def intake_submit(*, actor, intake: Intake, purpose: str, request=None) -> Case:
    """Create or pick the person, open the case and record the first incident: all or nothing.

    Every decision that can refuse is taken before the transaction opens, so that a refusal
    keeps its audit event (a rolled-back transaction would take the event with it).
    """
    from safezone.people.selectors import person_for

    person = None
    if intake.existing_person_id:
        person = person_for(actor, intake.existing_person_id, purpose=purpose, request=request)
    else:
        authorize(user=actor, action=Action.CREATE_PERSON, purpose=purpose, request=request)
    authorize_for_agency(user=actor, action=Action.OPEN_CASE, purpose=purpose, agency=intake.agency, request=request)
    with transaction.atomic():
        if person is None:
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
        if intake.role in (Participant.Role.VICTIM, Participant.Role.CHILD):
            incident.victim = person
        incident_add(actor=actor, case=case, purpose=purpose, data=incident, request=request)
        if intake.safety is not None:
            safety_check_record(
                actor=actor, case=case, person=person, answers=intake.safety, purpose=purpose, request=request
            )
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


# --- referrals -----------------------------------------------------------------------------------
OPEN_REFERRAL = [Referral.Status.PENDING, Referral.Status.ACCEPTED]


class ReferralStateError(Exception):
    """The referral is no longer in a state that allows this step (someone answered it meanwhile)."""

    message = _("This referral was already answered or ended: reload the page.")


def _consent_covers(consent, case, to_agency) -> bool:
    from django.utils import timezone as tz

    today = tz.localdate()
    return (
        consent.case_id in (None, case.pk)
        and consent.given_on <= today
        and (consent.withdrawn_on is None or consent.withdrawn_on > today)
        and Purpose.CASE_WORK in consent.purposes
        and consent.agencies.filter(pk=to_agency.pk).exists()
        and case.participants.filter(person_id=consent.person_id).exists()
    )


def referral_send(
    *, actor, case: Case, to_agency, message: str, purpose: str, consent=None, legal_ground: str = "", request=None
) -> Referral:
    """Send a case to another agency with what is shared, under a consent or a named legal ground."""
    decision = authorize(user=actor, action=Action.REFER_CASE, purpose=purpose, obj=case, request=request)
    errors = {}
    if to_agency.pk == case.owner_agency_id:
        errors["to_agency"] = _("The case already belongs to this agency.")
    elif case.referrals.filter(
        to_agency=to_agency, status__in=[Referral.Status.PENDING, Referral.Status.ACCEPTED]
    ).exists():
        errors["to_agency"] = _("This agency already has a referral of this case that is open.")
    if not message.strip():
        errors["message"] = _("Write what you share with the agency.")
    if consent is None and not legal_ground:
        errors["legal_ground"] = _("Without the person's consent, name the legal ground for sharing.")
    if legal_ground and legal_ground not in LegalGround.values:
        errors["legal_ground"] = _("Choose a legal ground from the list.")
    if consent is not None and not _consent_covers(consent, case, to_agency):
        errors["consent"] = _("This consent does not cover sharing with this agency for case work, or was withdrawn.")
    if errors:
        raise ValidationError(errors)
    from_agency = decision.membership.agency if decision.membership else case.owner_agency
    referral = Referral(
        case=case,
        from_agency=from_agency,
        from_user=actor,
        to_agency=to_agency,
        message=message.strip(),
        consent=consent,
        legal_ground=legal_ground,
    )
    referral._history_user = actor
    referral.save()
    audit_record(
        actor=actor,
        agency=from_agency,
        action="referral.sent",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=case.pk,
        extra={
            "referral": referral.pk,
            "to": to_agency.pk,
            "consent": getattr(consent, "pk", None),
            "legal_ground": legal_ground,
        },
    )
    notify(
        users=users_who_may(Action.ANSWER_REFERRAL, to_agency),
        text=_("New referral from %(agency)s") % {"agency": from_agency.short_name},
        url=reverse("cases:referrals"),
    )
    return referral


def _locked(referral: Referral, *allowed) -> Referral:
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if current.status not in allowed:
        raise ReferralStateError()
    return current


def _authorize_answer(actor, referral: Referral, request) -> None:
    """Only the receiving agency answers (and completes) a referral."""
    authorize_for_agency(
        user=actor,
        action=Action.ANSWER_REFERRAL,
        purpose=Purpose.CASE_WORK,
        agency=referral.to_agency,
        request=request,
        extra={"referral": referral.pk},
    )


def referral_accept(*, actor, referral: Referral, request=None) -> Referral:
    """Accept a referral for one's agency: the accepting worker joins the case team."""
    _authorize_answer(actor, referral, request)
    with transaction.atomic():
        referral = _locked(referral, Referral.Status.PENDING)
        referral.status, referral.accepted_by, referral.answered_at = Referral.Status.ACCEPTED, actor, timezone.now()
        referral.version += 1
        referral._history_user = actor
        referral.save()
        case_grant_add(case=referral.case, agency=referral.to_agency, user=actor, source="referral", referral=referral)
    notify(
        users=[referral.from_user],
        text=_("%(agency)s accepted your referral of case %(ref)s")
        % {"agency": referral.to_agency.short_name, "ref": referral.case.reference},
        url=reverse("cases:detail", args=[referral.case_id]),
    )
    return referral


def referral_decline(*, actor, referral: Referral, reason: str, request=None) -> Referral:
    """Decline a referral, saying why; the case stays with the sending agency."""
    _authorize_answer(actor, referral, request)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    with transaction.atomic():
        referral = _locked(referral, Referral.Status.PENDING)
        referral.status, referral.answered_at, referral.reason = (
            Referral.Status.DECLINED,
            timezone.now(),
            reason.strip(),
        )
        referral.version += 1
        referral._history_user = actor
        referral.save()
    notify(
        users=[referral.from_user],
        text=_("%(agency)s declined your referral of case %(ref)s: %(reason)s")
        % {"agency": referral.to_agency.short_name, "ref": referral.case.reference, "reason": referral.reason[:120]},
        url=reverse("cases:detail", args=[referral.case_id]),
    )
    return referral


def _end(referral: Referral, *, actor, status: str, reason: str, allowed: tuple) -> Referral:
    with transaction.atomic():
        referral = _locked(referral, *allowed)
        referral.status, referral.ended_at, referral.reason = status, timezone.now(), reason.strip()
        referral.version += 1
        referral._history_user = actor
        referral.save()
        case_grants_end(referral=referral)
    return referral


def referral_complete(*, actor, referral: Referral, reason: str = "", request=None) -> Referral:
    """The work asked for is done: the receiving worker leaves the case team."""
    receiving = decide_for_agency(actor, Action.ANSWER_REFERRAL, Purpose.CASE_WORK, referral.to_agency)
    if receiving.allowed:
        _authorize_answer(actor, referral, request)
    else:
        authorize(
            user=actor,
            action=Action.REFER_CASE,
            purpose=Purpose.CASE_WORK,
            obj=referral.case,
            request=request,
            extra={"referral": referral.pk},
        )
    return _end(
        referral, actor=actor, status=Referral.Status.COMPLETED, reason=reason, allowed=(Referral.Status.ACCEPTED,)
    )


def referral_revoke(*, actor, referral: Referral, reason: str, request=None) -> Referral:
    """The sending side takes a referral back: the receiving worker leaves the case team."""
    decision = decide(actor, Action.REFER_CASE, Purpose.CASE_WORK, referral.case)
    if (
        decision.allowed
        and decision.membership is not None
        and decision.membership.agency_id != referral.from_agency_id
    ):
        # A team member may refer the case onward, but only the sending agency takes a referral back.
        decision = Decision(False, "not-the-sending-agency")
    enforce(
        decision,
        user=actor,
        action=Action.REFER_CASE,
        purpose=Purpose.CASE_WORK,
        object_type="case",
        object_id=referral.case_id,
        request=request,
        extra={"referral": referral.pk},
    )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is revoked.")})
    referral = _end(
        referral,
        actor=actor,
        status=Referral.Status.REVOKED,
        reason=reason,
        allowed=(Referral.Status.PENDING, Referral.Status.ACCEPTED),
    )
    if referral.accepted_by_id:
        notify(
            users=[referral.accepted_by],
            text=_("The referral of case %(ref)s was revoked: %(reason)s")
            % {"ref": referral.case.reference, "reason": referral.reason[:120]},
        )
    return referral


def referrals_bulk_create(*, referrals: list[Referral]) -> list[Referral]:
    """Write referrals in bulk with history rows (the demo region, bulk loads); their dates are kept."""
    return insert_with_history(Referral, referrals)


def casework_bulk_create(*, goals=(), actions=(), closures=()) -> None:
    """Write plans (goals, then their actions) and closure requests in bulk with history rows (the
    demo region); their dates are kept."""
    insert_with_history(Goal, list(goals))
    for action in actions:
        action.goal_id = action.goal.pk if action.goal is not None else None
    insert_with_history(PlanAction, list(actions))
    insert_with_history(Closure, list(closures))


# --- safety first --------------------------------------------------------------------------------
@dataclass
class SafetyAnswers:
    """The first questions of every intake and assessment."""

    safe_to_talk: str = "not_asked"
    safe_phone: str = ""
    safe_address: str = ""
    code_word: str = ""
    messages_ok: str = "not_asked"
    knows_about_referrals: str = "not_asked"
    agrees_to_referrals: str = "not_asked"
    note: str = ""


def safety_check_record(
    *, actor, case: Case, person: Person, answers: SafetyAnswers, purpose: str, request=None
) -> SafetyCheck:
    """Record the safety questions asked of a person taking part in a case."""
    authorize(user=actor, action=Action.RECORD_SAFETY, purpose=purpose, obj=case, request=request)
    if not case.participants.filter(person=person).exists():
        raise ValidationError({"person": _("This person does not take part in the case.")})
    choices = set(SafetyCheck.Answer.values)
    for name in ("safe_to_talk", "messages_ok", "knows_about_referrals", "agrees_to_referrals"):
        if getattr(answers, name) not in choices:
            raise ValidationError({name: _("Choose yes, no or not asked.")})
    check = SafetyCheck(
        case=case,
        person=person,
        recorded_by=actor,
        **{name: value.strip() if isinstance(value, str) else value for name, value in vars(answers).items()},
    )
    check._history_user = actor
    check.save()
    audit_record(
        actor=actor,
        action="case.safety_checked",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=case.pk,
        extra={"safety_check": check.pk, "person": person.pk},
    )
    return check


# --- plans and actions ---------------------------------------------------------------------------
class ActionChangedMeanwhile(ChangedMeanwhile):
    """Someone else changed the action since the page was opened."""

    message = _(
        "Someone else changed this action while you were working on it. Reload the page and apply your change again."
    )


def case_agency_ids(case: Case) -> set[int]:
    """The agencies working on a case: its owner and the agencies of its active case team."""
    from safezone.access.selectors import team_of

    return {case.owner_agency_id} | {g.agency_id for g in team_of(case) if g.ended_at is None}


def goal_add(*, actor, case: Case, text: str, purpose: str, request=None) -> Goal:
    """Add a goal to the case plan."""
    authorize(user=actor, action=Action.EDIT_CASE, purpose=purpose, obj=case, request=request)
    if not text.strip():
        raise ValidationError({"text": _("Write the goal.")})
    goal = Goal(case=case, text=text.strip(), created_by=actor)
    goal._history_user = actor
    goal.save()
    return goal


def plan_action_add(
    *, actor, case: Case, text: str, agency, due_on: dt.date, purpose: str, worker=None, goal=None, request=None
) -> PlanAction:
    """Give an agency working on the case (and a worker there) something to do by a date."""
    from safezone.accounts.selectors import colleagues_in

    authorize(user=actor, action=Action.EDIT_CASE, purpose=purpose, obj=case, request=request)
    errors = {}
    if not text.strip():
        errors["text"] = _("Write what is to be done.")
    if agency.pk not in case_agency_ids(case):
        errors["agency"] = _("This agency does not work on the case: refer the case to it first.")
    elif worker is not None and not colleagues_in(agency).filter(pk=worker.pk).exists():
        errors["worker"] = _("This worker does not belong to the agency.")
    if due_on < timezone.localdate():
        errors["due_on"] = _("The due date has passed already.")
    if goal is not None and goal.case_id != case.pk:
        errors["goal"] = _("This goal belongs to another case.")
    if errors:
        raise ValidationError(errors)
    action = PlanAction(
        case=case, goal=goal, text=text.strip(), agency=agency, worker=worker, due_on=due_on, created_by=actor
    )
    action._history_user = actor
    action.save()
    audit_record(
        actor=actor,
        action="case.action_added",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=case.pk,
        extra={"action": action.pk, "agency": agency.pk},
    )
    return action


def plan_action_set_status(
    *, actor, action_id: int, expected_version: int, status: str, purpose: str, note: str = "", request=None
) -> PlanAction:
    """Mark an action done, not possible (circumstances changed), not done, or open again."""
    current = PlanAction.objects.select_related("case").get(pk=action_id)
    authorize(
        user=actor,
        action=Action.EDIT_CASE,
        purpose=purpose,
        obj=current.case,
        request=request,
        extra={"action": action_id},
    )
    if status not in PlanAction.Status.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    if status in (PlanAction.Status.NOT_POSSIBLE, PlanAction.Status.NOT_DONE) and not note.strip():
        raise ValidationError({"note": _("Say why the action was not done.")})
    with transaction.atomic():
        action = PlanAction.objects.select_for_update().get(pk=action_id)
        if action.version != expected_version:
            raise ActionChangedMeanwhile.of(action, expected_version)
        action.status, action.status_note = status, note.strip()
        action.closed_on = None if status == PlanAction.Status.OPEN else timezone.localdate()
        action.version += 1
        action._history_user = actor
        action.save()
    return action


# --- retention -----------------------------------------------------------------------------------
RETENTION_ACTIONS = ("anonymise", "delete")


def retention_schedule_check(schedule: dict) -> None:
    """Refuse a schedule that names an unknown case kind or action, or a negative period."""
    for kind, rule in schedule.items():
        if kind not in Case.Kind.values:
            kinds = ", ".join(Case.Kind.values)
            raise ValidationError(f"SAFEZONE_RETENTION: unknown case kind {kind!r}; one of {kinds}")
        if rule.get("action") not in RETENTION_ACTIONS or int(rule.get("years", -1)) < 0:
            raise ValidationError(f"SAFEZONE_RETENTION: {kind} needs anonymise:YEARS or delete:YEARS")


def _case_rows(case_ids):
    """The rows hanging on these cases that carry personal data, by model, for anonymisation."""
    from safezone.cases import models as m

    return {
        m.Participant: m.Participant.objects.filter(case_id__in=case_ids),
        m.SafetyCheck: m.SafetyCheck.objects.filter(case_id__in=case_ids),
        m.Incident: m.Incident.objects.filter(case_id__in=case_ids),
        m.Referral: m.Referral.objects.filter(case_id__in=case_ids),
        m.Goal: m.Goal.objects.filter(case_id__in=case_ids),
        m.PlanAction: m.PlanAction.objects.filter(case_id__in=case_ids),
        m.Closure: m.Closure.objects.filter(case_id__in=case_ids),
        m.Reopening: m.Reopening.objects.filter(case_id__in=case_ids),
        m.ServiceDelivery: m.ServiceDelivery.objects.filter(case_id__in=case_ids),
    }


def cases_anonymise(case_ids: list[int]) -> list[int]:
    """Strip these cases of everything that names or describes a person, keep what the figures need
    (kind, district, agency, dates, incidents' dates and forms, referrals' and actions' states).

    Free text is emptied, the people and their safety answers go, the past versions of every row
    go with them. Returns the ids of the persons who took part (to forget those left in no case).
    """
    from safezone.access.services import consents_forget
    from safezone.assessments.services import assessments_forget
    from safezone.common.history import history_purge
    from safezone.meetings.services import meetings_forget

    rows = _case_rows(case_ids)
    person_ids = set(rows[Participant].values_list("person_id", flat=True))
    for model, qs in rows.items():
        history_purge(model, qs.values_list("pk", flat=True))
    history_purge(Case, case_ids)
    rows[Participant].delete()
    rows[SafetyCheck].delete()
    rows[Incident].update(description="", place_detail="", victim=None, alleged_perpetrator=None)
    rows[Referral].update(message="", reason="", consent=None)
    rows[Goal].update(text="")
    rows[PlanAction].update(text="", status_note="")
    rows[Closure].update(note="", decision_note="")
    rows[Reopening].update(reason="")
    rows[ServiceDelivery].update(person=None, outcome_note="")
    meetings_forget(case_ids)
    assessments_forget(case_ids)
    consents_forget(case_ids)
    Case.objects.filter(pk__in=case_ids).update(summary="", safe_contact="", anonymised_at=timezone.now())
    return sorted(person_ids)


def cases_delete(case_ids: list[int]) -> list[int]:
    """Delete these cases with everything on them and its history. Returns the ids of the persons
    who took part (to forget those left in no case)."""
    from safezone.access.services import consents_forget
    from safezone.assessments.services import assessments_forget
    from safezone.common.history import history_purge
    from safezone.meetings.services import meetings_forget

    rows = _case_rows(case_ids)
    person_ids = set(rows[Participant].values_list("person_id", flat=True))
    for model, qs in rows.items():
        history_purge(model, qs.values_list("pk", flat=True))
    history_purge(Case, case_ids)
    meetings_forget(case_ids)  # the referral's couple is protected: named no more before the case goes
    rows[Referral].update(consent=None)  # a referral's consent is protected; it goes with the case
    assessments_forget(case_ids)
    consents_forget(case_ids)
    Case.objects.filter(pk__in=case_ids).delete()
    return sorted(person_ids)


@dataclass
class RetentionReport:
    """What one run of the retention schedule did, or would do (dry run)."""

    anonymised: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    persons_forgotten: int = 0
    dry_run: bool = True


def retention_apply(*, today, schedule: dict, dry_run: bool, batch: int = 500, progress=None) -> RetentionReport:
    """Apply the retention schedule to the closed cases it has come due for.

    Each batch is one transaction with one audit event per case; a second run finds nothing left
    to do (anonymised cases are marked, deleted ones are gone). A dry run changes nothing.
    """
    from safezone.people.services import persons_forget

    from .selectors import retention_due

    retention_schedule_check(schedule)
    due = retention_due(today, schedule)
    report = RetentionReport(dry_run=dry_run)
    if dry_run:
        report.anonymised, report.deleted = due["anonymise"], due["delete"]
        return report
    for action, ids in (("anonymise", due["anonymise"]), ("delete", due["delete"])):
        run = cases_anonymise if action == "anonymise" else cases_delete
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            with transaction.atomic():
                person_ids = run(chunk)
                report.persons_forgotten += persons_forget(person_ids)
                for case_id in chunk:
                    audit_record(
                        actor=None,
                        action=f"retention.{action}",
                        object_type="case",
                        object_id=case_id,
                        extra={"today": today.isoformat()},
                    )
            (report.anonymised if action == "anonymise" else report.deleted).extend(chunk)
            if progress:
                progress(len(chunk))
    return report


# --- services delivered --------------------------------------------------------------------------
class ServiceChangedMeanwhile(ChangedMeanwhile):
    """Someone else changed the service since the page was opened."""

    message = _(
        "Someone else changed this service while you were working on it. Reload the page and apply your change again."
    )


# Kinds of service that take a place only when a facility is chosen: medical care may be given in
# a medical service of the agency (counted) or elsewhere (recorded without a place).
FACILITY_OPTIONAL = frozenset({ServiceDelivery.Kind.MEDICAL})
# Facilities whose participants meet in sessions, each with its attendance: group programmes, the
# rehabilitation programme and the family self-help groups of a rehabilitation centre.
SESSION_FACILITY_KINDS = frozenset({"programme", "rehabilitation", "self_help"})


def place_holder(service, counts: str) -> tuple:
    """What one place of a facility is taken by, as the facility counts (directory.Facility.counts):
    places, one service each; families, one case each (a family is one case, however many of it
    come); children, one child each (the same child twice is still one)."""
    if counts == "families":
        return ("case", service.case_id)
    if counts == "children" and service.person_id is not None:
        return ("person", service.person_id)
    return ("service", service.pk if service.pk is not None else id(service))


def _peak_occupancy(stays, start, end, counts: str = "places") -> int:
    """The most places these stays fill on one day between start and end (end None: open-ended).
    A stay fills its place from its first day up to the day before it ends; the stays of one
    holder (place_holder: a family, a child) fill one place while any of them lasts."""
    spans: dict[tuple, list] = {}
    for s in stays:
        first = max(s.started_on, start)
        last = s.ended_on if end is None or (s.ended_on is not None and s.ended_on < end) else end
        if last is not None and last <= first:
            continue
        spans.setdefault(place_holder(s, counts), []).append((first, last))
    events = []
    for intervals in spans.values():
        intervals.sort(key=lambda span: span[0])
        merged = [list(intervals[0])]
        for first, last in intervals[1:]:
            current = merged[-1]
            if current[1] is None or first <= current[1]:  # overlapping or back to back: one place
                current[1] = None if current[1] is None or last is None else max(current[1], last)
            else:
                merged.append([first, last])
        for first, last in merged:
            events.append((first, 1))
            if last is not None:
                events.append((last, -1))
    peak = current = 0
    for _day, step in sorted(events):  # on the same day a leaving (-1) frees the place first
        current += step
        peak = max(peak, current)
    return peak


def _full_message(facility) -> str:
    values = {"name": facility.name, "places": facility.places}
    if facility.counts == "families":
        return (
            ngettext(
                "%(name)s is full on some of these days: it takes %(places)d family and has no room for another.",
                "%(name)s is full on some of these days: it takes %(places)d families and has no room for another.",
                facility.places,
            )
            % values
        )
    if facility.counts == "children":
        return (
            ngettext(
                "%(name)s is full on some of these days: it takes %(places)d child and has no room for another.",
                "%(name)s is full on some of these days: it takes %(places)d children and has no room for another.",
                facility.places,
            )
            % values
        )
    return _("%(name)s is full on some of these days: %(places)d places, all taken.") % values


def _check_places(facility, *, start, end, excluding=None, newcomer=None) -> None:
    """Refuse a place that would overbook the facility on any day of [start, end). Call inside the
    transaction that holds the facility's row lock, so that two workers cannot both take the last place.
    `newcomer`: the service about to be recorded (its family or child may hold a place already)."""
    stays = ServiceDelivery.objects.filter(facility=facility).filter(
        models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=start)
    )
    if end is not None:
        stays = stays.filter(started_on__lt=end)
    if excluding is not None:
        stays = stays.exclude(pk=excluding)
    newcomer = newcomer or ServiceDelivery(started_on=start, ended_on=end)
    if _peak_occupancy([*stays, newcomer], start, end, facility.counts) > facility.places:
        raise ValidationError({"facility": _full_message(facility)})


def _service_dates(started_on, ended_on) -> None:
    if ended_on is not None and ended_on < started_on:
        raise ValidationError({"ended_on": _("The service cannot end before it starts.")})


def service_record(
    *,
    actor,
    case: Case,
    kind: str,
    agency,
    started_on,
    purpose: str,
    person=None,
    facility=None,
    ended_on=None,
    request=None,
) -> ServiceDelivery:
    """Record a service an agency of the user gives in a case; a stay or place in a facility is
    refused when it would overbook it."""
    from safezone.directory.models import Facility

    authorize(user=actor, action=Action.RECORD_SERVICE, purpose=purpose, obj=case, request=request)
    authorize_for_agency(user=actor, action=Action.RECORD_SERVICE, purpose=purpose, agency=agency, request=request)
    errors = {}
    if kind not in ServiceDelivery.Kind.values:
        errors["kind"] = _("Choose a service from the list.")
    needed = ServiceDelivery.FACILITY_KIND.get(kind)
    if needed and facility is None and kind not in FACILITY_OPTIONAL:
        errors["facility"] = _("Choose the shelter or programme that gives the place.")
    if facility is not None and (facility.kind != needed or facility.agency_id != agency.pk or not facility.is_active):
        errors["facility"] = _("Choose an active place of this kind run by this agency.")
    if person is not None and not Participant.objects.filter(case=case, person=person).exists():
        errors["person"] = _("Choose a person who takes part in the case.")
    elif person is None and facility is not None and facility.counts == "children":
        # A place counted in children is the child's: without one, no one could tell who holds it.
        errors["person"] = _("Choose the child who takes the place.")
    if errors:
        raise ValidationError(errors)
    _service_dates(started_on, ended_on)
    with transaction.atomic():
        service = ServiceDelivery(
            case=case,
            person=person,
            kind=kind,
            agency=agency,
            worker=actor,
            facility=facility,
            started_on=started_on,
            ended_on=ended_on,
            created_by=actor,
        )
        if facility is not None:
            service.facility = Facility.objects.select_for_update().get(pk=facility.pk)
            _check_places(service.facility, start=started_on, end=ended_on, newcomer=service)
        service._history_user = actor
        service.save()
    audit_record(
        actor=actor,
        action="service.recorded",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=case.pk,
        extra={"service": service.pk, "kind": kind},
    )
    return service


def service_end(
    *, actor, service_id: int, expected_version: int, ended_on, outcome: str, note: str = "", purpose: str, request=None
) -> ServiceDelivery:
    """Record when and how a service ended, unless someone changed it since `expected_version`."""
    current = ServiceDelivery.objects.select_related("case").get(pk=service_id)
    authorize(
        user=actor,
        action=Action.RECORD_SERVICE,
        purpose=purpose,
        obj=current.case,
        request=request,
        extra={"service": service_id},
    )
    if outcome not in ServiceDelivery.Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome from the list.")})
    _service_dates(current.started_on, ended_on)
    with transaction.atomic():
        service = ServiceDelivery.objects.select_for_update().get(pk=service_id)
        if service.version != expected_version:
            raise ServiceChangedMeanwhile.of(service, expected_version)
        service.ended_on, service.outcome, service.outcome_note = ended_on, outcome, note.strip()
        service.version += 1
        service._history_user = actor
        service.save()
    audit_record(
        actor=actor,
        action="service.ended",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=service.case_id,
        extra={"service": service.pk, "outcome": outcome},
    )
    return service


def attendance_record(*, actor, session, service: ServiceDelivery, status: str, purpose: str, request=None):
    """Mark whether a participant of a group programme, the rehabilitation programme or a family
    self-help group came to one of its sessions (again: replaces)."""
    authorize(user=actor, action=Action.RECORD_SERVICE, purpose=purpose, obj=service.case, request=request)
    if service.facility_id != session.facility_id:
        raise ValidationError({"session": _("This session belongs to another programme.")})
    if status not in Attendance.Status.values:
        raise ValidationError({"status": _("Choose from the list.")})
    row, _created = Attendance.objects.update_or_create(session=session, delivery=service, defaults={"status": status})
    audit_record(
        actor=actor,
        action="service.attendance",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=service.case_id,
        extra={"service": service.pk, "session": session.pk, "status": status},
    )
    return row


def services_bulk_create(*, services=(), sessions=(), attendance=()) -> None:
    """Write services, programme sessions and attendance in bulk with history rows (the demo region)."""
    insert_with_history(ServiceDelivery, list(services))
    insert_with_history(ProgrammeSession, list(sessions))
    for row in attendance:
        row.session_id, row.delivery_id = row.session.pk, row.delivery.pk
    insert_with_history(Attendance, list(attendance))


def programme_session_add(*, actor, facility, held_on, topic: str = "", purpose: str, request=None) -> ProgrammeSession:
    """Add a session of a group programme, the rehabilitation programme or a family self-help group
    run by one of the user's agencies."""
    authorize_for_agency(
        user=actor, action=Action.RECORD_SERVICE, purpose=purpose, agency=facility.agency, request=request
    )
    if facility.kind not in SESSION_FACILITY_KINDS:
        raise ValidationError(
            {"facility": _("Sessions belong to group programmes, rehabilitation programmes and self-help groups.")}
        )
    if ProgrammeSession.objects.filter(facility=facility, held_on=held_on).exists():
        raise ValidationError({"held_on": _("This programme already has a session on this day.")})
    session = ProgrammeSession(facility=facility, held_on=held_on, topic=topic.strip()[:200])
    session._history_user = actor
    session.save()
    return session
