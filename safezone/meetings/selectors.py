"""Reads about meeting referrals, and which rules call for one."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from safezone.assessments.selectors import latest_assessment
from safezone.cases.selectors import incident_pairs, police_incidents_since

from .models import MeetingReferral

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
