"""Writes about meetings: referring a case to the multi-agency risk meeting."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import agencies_acting_for
from safezone.access.services import authorize, authorize_for_agency
from safezone.audit.services import audit_record
from safezone.cases.selectors import incident_pairs
from safezone.common.errors import ChangedMeanwhile

from .models import AgendaItem, Meeting, MeetingAction, MeetingReferral, Research
from .selectors import meeting_triggers, pending_meeting_referral


def meeting_referral_make(*, actor, case, rule: str, purpose: str, reason: str = "", request=None) -> MeetingReferral:
    """Refer a case to the multi-agency risk meeting under a rule that holds now, or on professional
    judgement with a written reason."""
    authorize(
        user=actor, action=Action.REFER_CASE, purpose=purpose, obj=case, request=request, extra={"meeting_rule": rule}
    )
    if pending_meeting_referral(case) is not None:
        raise ValidationError(_("The case is already waiting for a meeting."))
    victim_id = perpetrator_id = None
    if rule == MeetingReferral.Rule.JUDGEMENT:
        if len(reason.strip()) < 20:
            raise ValidationError({"reason": _("Explain your judgement in at least 20 characters.")})
    else:
        holding = {t.rule: t for t in meeting_triggers(case)}
        if rule not in holding:
            raise ValidationError({"rule": _("This rule does not call for a referral of this case now.")})
        reason = reason or str(holding[rule].explanation)
        victim_id, perpetrator_id = holding[rule].victim_id, holding[rule].alleged_perpetrator_id
    if victim_id is None:
        # The pair the repeat rule will look for: the latest incident that names both.
        pairs = incident_pairs(case)
        if pairs:
            victim_id, perpetrator_id, _when = pairs[-1]
    referral = MeetingReferral(
        case=case,
        rule=rule,
        reason=reason.strip(),
        victim_id=victim_id,
        alleged_perpetrator_id=perpetrator_id,
        referred_by=actor,
        referred_on=timezone.localdate(),
    )
    referral._history_user = actor
    referral.save()
    audit_record(
        actor=actor,
        action="meeting.referred",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=case.pk,
        extra={"meeting_referral": referral.pk, "rule": rule},
    )
    return referral


# --- the meeting itself --------------------------------------------------------------------------
class MeetingError(ValidationError):
    """A step the meeting's state does not allow (minutes already issued, not a member...)."""


class ResearchChangedMeanwhile(ChangedMeanwhile):
    """Someone of the agency changed the research since the page was opened."""

    message = _(
        "Someone else changed this text while you were editing it. Reload the page and apply your change again."
    )


def _audit(actor, action: str, meeting, request, purpose: str, **extra) -> None:
    audit_record(
        actor=actor,
        action=action,
        request=request,
        purpose=purpose,
        object_type="meeting",
        object_id=meeting.pk,
        extra=extra,
    )


def _chair_only(actor, meeting, request) -> None:
    """Only the meeting's chair records its agenda, decisions, actions and minutes."""
    authorize_for_agency(
        user=actor,
        action=Action.RUN_MEETING,
        purpose=Purpose.COORDINATION,
        agency=meeting.chair_agency,
        request=request,
    )
    if meeting.chair_id != actor.pk:
        raise MeetingError(_("Only the chair of this meeting can do this."))


def _open(meeting) -> None:
    if meeting.status in (Meeting.Status.MINUTES_ISSUED, Meeting.Status.CANCELLED):
        raise MeetingError(_("The minutes of this meeting are issued: it can no longer change."))


def meeting_plan(*, actor, district, scheduled_at, members, kind: str = "regular", request=None) -> Meeting:
    """Plan a risk meeting of an area, chaired by the user for their body, with member agencies."""
    agencies = agencies_acting_for(actor, Action.RUN_MEETING, Purpose.COORDINATION)
    if not agencies:
        authorize(user=actor, action=Action.RUN_MEETING, purpose=Purpose.COORDINATION, request=request)
    chair_agency = agencies[0]
    authorize_for_agency(
        user=actor, action=Action.RUN_MEETING, purpose=Purpose.COORDINATION, agency=chair_agency, request=request
    )
    errors = {}
    if not chair_agency.districts_served.filter(pk=district.pk).exists():
        errors["district"] = _("Your body does not serve this area.")
    if kind not in Meeting.Kind.values:
        errors["kind"] = _("Choose regular or emergency.")
    if not members:
        errors["members"] = _("Name at least one member agency.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting = Meeting(
            district=district, kind=kind, scheduled_at=scheduled_at, chair=actor, chair_agency=chair_agency
        )
        meeting._history_user = actor
        meeting.save()
        meeting.member_agencies.set(members)
    _audit(actor, "meeting.planned", meeting, request, Purpose.COORDINATION)
    return meeting


def agenda_build(*, actor, meeting, request=None) -> int:
    """Put every pending meeting referral of the area's cases that the chair may read on the agenda."""
    from safezone.access.selectors import case_filter

    _chair_only(actor, meeting, request)
    _open(meeting)
    reachable = case_filter(actor, Action.VIEW_CASE, Purpose.COORDINATION, "case__")
    pending = (
        MeetingReferral.objects.filter(
            reachable, status=MeetingReferral.Status.PENDING, case__district=meeting.district
        )
        .exclude(case__agenda_items__meeting=meeting)
        .order_by("referred_on", "pk")
    )
    added = 0
    with transaction.atomic():
        position = meeting.agenda.count()
        for referral in pending:
            position += 1
            AgendaItem.objects.create(meeting=meeting, case_id=referral.case_id, referral=referral, position=position)
            added += 1
    _audit(actor, "meeting.agenda_built", meeting, request, Purpose.COORDINATION, added=added)
    return added


def agenda_add_case(*, actor, meeting, case, request=None) -> AgendaItem:
    """Put a named case on the agenda (an emergency meeting, or a case without a referral)."""
    _chair_only(actor, meeting, request)
    _open(meeting)
    authorize(user=actor, action=Action.VIEW_CASE, purpose=Purpose.COORDINATION, obj=case, request=request)
    if meeting.agenda.filter(case=case).exists():
        raise MeetingError(_("The case is already on the agenda."))
    item = AgendaItem.objects.create(
        meeting=meeting, case=case, referral=pending_meeting_referral(case), position=meeting.agenda.count() + 1
    )
    _audit(actor, "meeting.case_added", meeting, request, Purpose.COORDINATION, case=case.pk)
    return item


def _member_agency(actor, meeting):
    """The user's agency that sits on this meeting (or chairs it), or None."""
    from safezone.accounts.selectors import memberships_of

    members = set(meeting.member_agencies.values_list("pk", flat=True)) | {meeting.chair_agency_id}
    return next((m.agency for m in memberships_of(actor) if m.agency_id in members), None)


def research_record(*, actor, item, text: str, expected_version: int | None = None, request=None) -> Research:
    """Record (or replace) what the user's agency knows about a case on the agenda, before the meeting."""
    authorize(
        user=actor,
        action=Action.RESEARCH_MEETING,
        purpose=Purpose.MEETING,
        obj=item.case,
        request=request,
        extra={"meeting": item.meeting_id},
    )
    agency = _member_agency(actor, item.meeting)
    if agency is None:
        raise MeetingError(_("Your agency does not sit on this meeting."))
    _open(item.meeting)
    if len(text.strip()) < 5:
        raise ValidationError({"text": _("Write what your agency knows (at least a few words).")})
    with transaction.atomic():
        research = Research.objects.select_for_update().filter(item=item, agency=agency).first()
        if research is None:
            research = Research(item=item, agency=agency, author=actor, text=text.strip())
        else:
            if expected_version is not None and research.version != expected_version:
                raise ResearchChangedMeanwhile.of(research, expected_version)
            research.text, research.author = text.strip(), actor
            research.version += 1
        research._history_user = actor
        research.save()
    _audit(actor, "meeting.research", item.meeting, request, Purpose.MEETING, case=item.case_id, agency=agency.pk)
    return research


def decision_record(*, actor, item, decision: str, request=None) -> AgendaItem:
    """The chair records the meeting's summary and decision on one case."""
    _chair_only(actor, item.meeting, request)
    _open(item.meeting)
    item.decision = decision.strip()
    item._history_user = actor
    item.save()
    _audit(actor, "meeting.decision", item.meeting, request, Purpose.COORDINATION, case=item.case_id)
    return item


def meeting_action_add(*, actor, item, owner_agency, text: str, due_on, request=None) -> MeetingAction:
    """The chair gives a member agency an action on a case, with a due date."""
    _chair_only(actor, item.meeting, request)
    _open(item.meeting)
    members = set(item.meeting.member_agencies.values_list("pk", flat=True)) | {item.meeting.chair_agency_id}
    errors = {}
    if owner_agency.pk not in members:
        errors["owner_agency"] = _("Give the action to an agency that sits on the meeting.")
    if not text.strip():
        errors["text"] = _("Say what is to be done.")
    if due_on < item.meeting.scheduled_at.date():
        errors["due_on"] = _("The due date cannot be before the meeting.")
    if errors:
        raise ValidationError(errors)
    action = MeetingAction(item=item, owner_agency=owner_agency, text=text.strip(), due_on=due_on)
    action._history_user = actor
    action.save()
    _audit(actor, "meeting.action_added", item.meeting, request, Purpose.COORDINATION, case=item.case_id)
    return action


def meeting_action_set_status(
    *, actor, action_id: int, expected_version: int, status: str, note: str = "", request=None
) -> MeetingAction:
    """Mark a meeting action done, not possible (circumstances changed), not done, or open: the
    owner agency's workers or the chair."""
    current = MeetingAction.objects.select_related("item__meeting", "item__case").get(pk=action_id)
    meeting = current.item.meeting
    agency = _member_agency(actor, meeting)
    if meeting.chair_id != actor.pk:
        authorize(
            user=actor,
            action=Action.RESEARCH_MEETING,
            purpose=Purpose.MEETING,
            obj=current.item.case,
            request=request,
            extra={"meeting_action": action_id},
        )
        if agency is None or agency.pk != current.owner_agency_id:
            raise MeetingError(_("Only the agency that owns the action, or the chair, can change it."))
    if status not in dict(MeetingAction._meta.get_field("status").choices):
        raise ValidationError({"status": _("Choose a status from the list.")})
    if status in ("not_possible", "not_done") and not note.strip():
        raise ValidationError({"note": _("Say why the action was not done.")})
    with transaction.atomic():
        action = MeetingAction.objects.select_for_update().get(pk=action_id)
        if action.version != expected_version:
            raise ResearchChangedMeanwhile.of(action, expected_version)
        action.status, action.status_note = status, note.strip()
        action.closed_on = None if status == "open" else timezone.localdate()
        action.version += 1
        action._history_user = actor
        action.save()
    _audit(actor, "meeting.action_status", meeting, request, Purpose.MEETING, case=current.item.case_id, status=status)
    return action


def meeting_hold(*, actor, meeting, request=None) -> Meeting:
    """Mark the meeting held: the referrals of its agenda are discussed."""
    _chair_only(actor, meeting, request)
    _open(meeting)
    with transaction.atomic():
        meeting.status = Meeting.Status.HELD
        meeting.version += 1
        meeting._history_user = actor
        meeting.save()
        MeetingReferral.objects.filter(agenda_items__meeting=meeting, status=MeetingReferral.Status.PENDING).update(
            status=MeetingReferral.Status.DISCUSSED
        )
    _audit(actor, "meeting.held", meeting, request, Purpose.COORDINATION)
    return meeting


def minutes_issue(*, actor, meeting, request=None) -> bytes:
    """Issue the minutes of a held meeting: the PDF is made, fingerprinted and the meeting closed for changes."""
    import hashlib

    from .minutes import minutes_pdf

    _chair_only(actor, meeting, request)
    if meeting.status != Meeting.Status.HELD:
        raise MeetingError(_("Minutes are issued after the meeting is held, once."))
    pdf = minutes_pdf(meeting)
    with transaction.atomic():
        meeting.status = Meeting.Status.MINUTES_ISSUED
        meeting.minutes_issued_at, meeting.minutes_issued_by = timezone.now(), actor
        meeting.minutes_sha256 = hashlib.sha256(pdf).hexdigest()
        meeting.version += 1
        meeting._history_user = actor
        meeting.save()
    _audit(actor, "meeting.minutes_issued", meeting, request, Purpose.COORDINATION, sha256=meeting.minutes_sha256)
    return pdf


def meetings_forget(case_ids) -> None:
    """Retention: strip what the meetings hold about these cases (reasons, research, decisions, action
    texts, the couple named by a referral) and the history of each; the agenda and dates stay."""
    from safezone.common.history import history_purge

    ids = list(case_ids)
    referrals = MeetingReferral.objects.filter(case_id__in=ids)
    items = AgendaItem.objects.filter(case_id__in=ids)
    research = Research.objects.filter(item__case_id__in=ids)
    actions = MeetingAction.objects.filter(item__case_id__in=ids)
    for model, rows in (
        (MeetingReferral, referrals),
        (AgendaItem, items),
        (Research, research),
        (MeetingAction, actions),
    ):
        history_purge(model, rows.values_list("pk", flat=True))
    research.delete()
    referrals.update(reason="", victim=None, alleged_perpetrator=None)
    items.update(decision="")
    actions.update(text="", status_note="")
