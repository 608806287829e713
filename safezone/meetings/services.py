"""Writes about meetings: referring a case to the multi-agency risk meeting."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.access.policy import Action
from safezone.access.services import authorize
from safezone.audit.services import audit_record
from safezone.cases.selectors import incident_pairs

from .models import MeetingReferral
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
