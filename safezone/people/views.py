"""Person pages. Thin: the selectors and services decide and audit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safezone.access.http import chosen_purpose, refused_as_404
from safezone.access.policy import Action
from safezone.cases.selectors import cases_of_person

from .forms import ContactForm, PersonForm
from .selectors import person_details, person_for
from .services import PersonChangedMeanwhile, contact_add, person_update


@login_required
@refused_as_404
def person_detail(request, pk: int):
    """One person: names, documents, contacts (for roles that use them), relatives and cases."""
    purpose = chosen_purpose(request, Action.VIEW_PERSON)
    person = person_for(request.user, pk, purpose=purpose, request=request)
    context = {
        "person": person,
        "purpose": purpose,
        **person_details(request.user, person, purpose=purpose),
        "cases": cases_of_person(request.user, person, purpose=purpose),
        "may_edit": request.user.has_perm(Action.EDIT_PERSON, person),
        "contact_form": ContactForm(),
    }
    return render(request, "people/person_detail.html", context)


@login_required
@refused_as_404
def person_edit(request, pk: int):
    """Change a person's names, birth date and district; a concurrent change is detected."""
    purpose = chosen_purpose(request, Action.EDIT_PERSON)
    if request.method != "POST":
        person = person_for(request.user, pk, purpose=purpose, request=request, action=Action.EDIT_PERSON)
        initial = {
            "surname": person.surname,
            "first_name": person.first_name,
            "patronymic": person.patronymic,
            "sex": person.sex,
            "birth_date": str(person.birth_date or ""),
            "district": person.district_id,
            "version": person.version,
        }
        return render(
            request,
            "people/person_form.html",
            {"person": person, "form": PersonForm(initial=initial), "purpose": purpose},
        )
    form = PersonForm(request.POST)
    if not form.is_valid():
        person = person_for(request.user, pk, purpose=purpose, request=request, action=Action.EDIT_PERSON)
        return render(request, "people/person_form.html", {"person": person, "form": form, "purpose": purpose})
    d = form.cleaned_data
    try:
        person_update(
            actor=request.user,
            person_id=pk,
            expected_version=d["version"],
            purpose=purpose,
            surname=d["surname"],
            first_name=d["first_name"],
            patronymic=d["patronymic"],
            sex=d["sex"],
            birth=d["birth_date"],
            district=d["district"],
            request=request,
        )
    except PersonChangedMeanwhile as exc:
        messages.error(request, exc.explain())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The record was saved."))
    return redirect("people:detail", pk=pk)


@login_required
@require_POST
@refused_as_404
def contact_new(request, pk: int):
    """Add a way to reach the person."""
    purpose = chosen_purpose(request, Action.EDIT_PERSON)
    form = ContactForm(request.POST)
    if not form.is_valid():
        # Decide first (one audited decision), so a refusal reads the same whatever was posted.
        person_for(request.user, pk, purpose=purpose, request=request, action=Action.EDIT_PERSON)
        messages.error(request, _("Choose the kind of contact and write it."))
        return redirect("people:detail", pk=pk)
    person = person_for(request.user, pk, purpose=purpose, request=request)
    try:
        contact_add(actor=request.user, person=person, purpose=purpose, request=request, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The contact was recorded."))
    return redirect("people:detail", pk=pk)
