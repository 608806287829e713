"""Assessment pages: answering a questionnaire on a case, and reading an answered one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safezone.access.http import chosen_purpose, refused_as_404
from safezone.access.policy import Action, FieldGroup
from safezone.cases.selectors import case_details, case_for
from safezone.cases.services import safety_check_record

from .forms import AssessmentForm
from .instruments import UnknownInstrument, instrument, instruments_for
from .selectors import assessment_for
from .services import assessment_record


def _known_safety(case) -> dict:
    """What the last safety questions recorded, to start from (whether it is safe to talk is asked
    anew every time); nothing for a role that does not see safe-contact instructions."""
    from safezone.access.policy import FieldGroup
    from safezone.cases.selectors import latest_safety_check

    latest = latest_safety_check(case)
    decision = getattr(case, "decision", None)
    if latest is None or decision is None or not decision.shows(FieldGroup.SAFE_CONTACT):
        return {}
    kept = ("safe_phone", "safe_address", "code_word", "messages_ok", "knows_about_referrals", "agrees_to_referrals")
    return {"person": latest.person_id, **{name: getattr(latest, name) for name in kept}}


@login_required
@refused_as_404
def assessment_new(request, case_pk: int):
    """Answer a questionnaire about a person in the case: safety questions first."""
    purpose = chosen_purpose(request, Action.EDIT_CASE)
    case = case_for(request.user, case_pk, purpose=purpose, request=request, action=Action.EDIT_CASE)
    code = request.POST.get("instrument") or request.GET.get("instrument", "")
    try:
        chosen = instrument(code)
    except UnknownInstrument:
        raise Http404() from None
    if chosen.code not in {i.code for i in instruments_for(case.kind)}:
        raise Http404()
    participants = case_details(case)["participants"]
    form = AssessmentForm(
        request.POST or None, instrument=chosen, participants=participants, initial=_known_safety(case)
    )
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        try:
            with transaction.atomic():
                safety_check_record(
                    actor=request.user,
                    case=case,
                    person=person,
                    answers=form.safety_answers(),
                    purpose=purpose,
                    request=request,
                )
                assessment = assessment_record(
                    actor=request.user,
                    case=case,
                    person=person,
                    instrument_code=chosen.code,
                    answers=form.answers(),
                    notes=form.cleaned_data["notes"],
                    purpose=purpose,
                    request=request,
                )
        except ValidationError as exc:
            for field, errors in getattr(exc, "error_dict", {"__all__": exc.error_list}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The assessment was saved."))
            return redirect("assessments:detail", pk=assessment.pk)
    return render(
        request,
        "assessments/assessment_form.html",
        {"case": case, "form": form, "instrument": chosen, "purpose": purpose},
    )


@login_required
@refused_as_404
def assessment_detail(request, pk: int):
    """An answered questionnaire: result, what it calls for, and each answer."""
    purpose = chosen_purpose(request, Action.VIEW_CASE)
    assessment = assessment_for(request.user, pk, purpose=purpose, request=request)
    used = assessment.instrument
    answers = [(item, assessment.answers.get(item.code)) for item in used.items]
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "assessment": assessment,
            "instrument": used,
            "answers": answers,
            "purpose": purpose,
            "band": used.band(assessment.band),
            "triggers": [used.trigger(code) for code in assessment.triggers],
            "shows_notes": assessment.decision.shows(FieldGroup.NARRATIVE),
        },
    )
