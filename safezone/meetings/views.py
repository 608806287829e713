"""Referring a case to the multi-agency risk meeting from the case page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safezone.access.http import chosen_purpose, refused_as_404
from safezone.access.policy import Action
from safezone.cases.selectors import case_for

from .services import meeting_referral_make


@login_required
@require_POST
@refused_as_404
def refer_to_meeting(request, case_pk: int):
    """Put the case forward for the meeting under a rule that holds, or on professional judgement."""
    purpose = chosen_purpose(request, Action.REFER_CASE)
    case = case_for(request.user, case_pk, purpose=purpose, request=request, action=Action.REFER_CASE)
    try:
        meeting_referral_make(
            actor=request.user,
            case=case,
            rule=request.POST.get("rule", ""),
            purpose=purpose,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The case was referred to the multi-agency risk meeting."))
    return redirect("cases:detail", pk=case.pk)
