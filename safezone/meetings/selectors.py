"""Reads about meeting referrals, and which rules call for one."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from safezone.assessments.selectors import latest_assessment
from safezone.cases.selectors import incident_pairs, police_incidents_since

from .models import Meeting, MeetingReferral

# The risk checklist's own trigger for the meeting (assessments/instruments/dv_risk.v*.json).
HIGH_RISK_TRIGGER = "meeting_referral_high_risk"
YEAR = dt.timedelta(days=365)


@dataclass(frozen=True)
class Trigger:
    """A rule that calls for a meeting referral, with the facts behind it."""

    rule: str
    explanation: str
    victim_id: int | None = None
    alleged_perpetrator_id: int | None = None


def meeting_referrals_of(case):
    """Meeting referrals of a case already authorised for the user, newest first."""
    return MeetingReferral.objects.filter(case=case).select_related("referred_by", "victim", "alleged_perpetrator")


def pending_meeting_referral(case) -> MeetingReferral | None:
    return MeetingReferral.objects.filter(case=case, status=MeetingReferral.Status.PENDING).first()


def meeting_triggers(case, *, today: dt.date | None = None) -> list[Trigger]:
    """The rules that call for referring this case to the multi-agency risk meeting now.

    None while a referral is pending. Each names its rule: the risk checklist scored high;
    SAFEZONE_MEETING_POLICE_INCIDENTS (3) or more incidents reported to police in 12 months; or a
    repeat: an incident between the same victim and alleged perpetrator within 12 months after
    their last meeting referral (in any case).
    """
    if pending_meeting_referral(case) is not None:
        return []
    today = today or timezone.localdate()
    found = []
    checklist = latest_assessment(case, "dv_risk")
    if checklist is not None and HIGH_RISK_TRIGGER in checklist.triggers:
        found.append(
            Trigger(
                MeetingReferral.Rule.HIGH_RISK,
                _("The risk checklist of %(date)s scored %(score)d.")
                % {"date": f"{checklist.answered_at:%d.%m.%Y}", "score": checklist.score},
            )
        )
    threshold = getattr(settings, "SAFEZONE_MEETING_POLICE_INCIDENTS", 3)
    reported = police_incidents_since(case, today - YEAR)
    if reported >= threshold:
        found.append(
            Trigger(
                MeetingReferral.Rule.POLICE_INCIDENTS,
                _("%(n)d incidents reported to police in the last 12 months.") % {"n": reported},
            )
        )
    for victim_id, perpetrator_id, occurred_on in reversed(incident_pairs(case)):
        last = (
            MeetingReferral.objects.filter(
                victim_id=victim_id, alleged_perpetrator_id=perpetrator_id, referred_on__lt=occurred_on
            )
            .order_by("-referred_on")
            .first()
        )
        if last is not None and occurred_on <= last.referred_on + YEAR:
            found.append(
                Trigger(
                    MeetingReferral.Rule.REPEAT,
                    _("A new incident on %(date)s, within 12 months of the referral of %(referred)s.")
                    % {"date": f"{occurred_on:%d.%m.%Y}", "referred": f"{last.referred_on:%d.%m.%Y}"},
                    victim_id,
                    perpetrator_id,
                )
            )
            break
    return found


# --- meetings ------------------------------------------------------------------------------------
def working_days_after(day: dt.date, n: int) -> dt.date:
    """The date n working days (Monday to Friday) after `day`."""
    while n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def minutes_due_on(meeting) -> dt.date:
    """Minutes are due within 3 working days of the meeting (SAFEZONE_MINUTES_WORKING_DAYS)."""
    days = getattr(settings, "SAFEZONE_MINUTES_WORKING_DAYS", 3)
    return working_days_after(timezone.localtime(meeting.scheduled_at).date(), days)


def meeting_purpose(user) -> str | None:
    """The purpose under which the user sees meetings: chairing (coordination) or sitting on them."""
    from safezone.access.policy import Action, Purpose
    from safezone.access.selectors import purposes_for

    purposes = purposes_for(user, Action.VIEW_MEETING)
    for purpose in (Purpose.COORDINATION, Purpose.MEETING):
        if purpose in purposes:
            return purpose
    return None


def _user_agency_ids(user) -> list[int]:
    from safezone.accounts.selectors import memberships_of

    return [m.agency_id for m in memberships_of(user)]


def meetings_for(user):
    """The meetings the user's agencies chair or sit on (none for a role that does not see meetings)."""
    from django.db.models import Q

    if meeting_purpose(user) is None:
        return Meeting.objects.none()
    ids = _user_agency_ids(user)
    return (
        Meeting.objects.filter(Q(chair_agency_id__in=ids) | Q(member_agencies__in=ids))
        .distinct()
        .select_related("district", "chair", "chair_agency")
    )


def meeting_for(user, pk, *, request=None):
    """One meeting the user's agency chairs or sits on; the look is decided and audited."""
    from safezone.access.policy import Action
    from safezone.access.selectors import Decision, decide
    from safezone.access.services import enforce

    meeting = Meeting.objects.select_related("district", "chair", "chair_agency").get(pk=pk)
    purpose = meeting_purpose(user) or "meeting"
    decision = decide(user, Action.VIEW_MEETING, purpose)
    if decision.allowed and not meetings_for(user).filter(pk=pk).exists():
        decision = Decision(False, "not-a-member-of-this-meeting")
    enforce(
        decision,
        user=user,
        action=Action.VIEW_MEETING,
        purpose=purpose,
        object_type="meeting",
        object_id=pk,
        request=request,
        extra=None,
    )
    meeting.purpose = purpose
    return meeting


def agenda_of(meeting):
    """The agenda of a meeting already authorised for the user: cases, research by agency, actions."""
    from .models import AgendaItem

    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("case", "case__district", "case__owner_agency", "referral")
        .prefetch_related("research__agency", "actions__owner_agency")
        .order_by("position", "pk")
    )


def unfinished_actions_before(meeting):
    """Actions of the area's earlier meetings still open or not done: they come back to this one."""
    from .models import MeetingAction

    return list(
        MeetingAction.objects.filter(
            item__meeting__district=meeting.district,
            item__meeting__scheduled_at__lt=meeting.scheduled_at,
            status__in=["open", "not_done"],
        )
        .select_related("item__case", "item__meeting", "owner_agency")
        .order_by("due_on", "pk")
    )


def repeat_windows_lapsing(user, *, purpose: str, today: dt.date | None = None):
    """Cases whose 12-month repeat window (from their last meeting referral) ends this month, among
    those the user may list: after it, a new incident is no longer a repeat."""
    from django.db.models import Max

    from safezone.access.policy import Action
    from safezone.access.selectors import case_filter

    today = today or timezone.localdate()
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    rows = (
        MeetingReferral.objects.filter(case_filter(user, Action.LIST_CASES, purpose, "case__"))
        .values("case_id", "case__opened_on", "case__district__name_ru")
        .annotate(last=Max("referred_on"))
        .filter(last__gt=first - YEAR - dt.timedelta(days=1), last__lt=following - YEAR)
        .order_by("last", "case_id")
    )
    return [
        {
            "case_id": r["case_id"],
            "reference": f"{r['case__opened_on']:%Y}-{r['case_id']:06d}",
            "district": r["case__district__name_ru"],
            "last_referral": r["last"],
            "lapses_on": r["last"] + YEAR,
        }
        for r in rows
    ]
