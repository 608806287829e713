"""Person pages. Thin: the selectors decide and audit."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from safezone.access.http import chosen_purpose, refused_as_404
from safezone.access.policy import Action
from safezone.cases.selectors import cases_of_person

from .selectors import person_details, person_for


@login_required
@refused_as_404
def person_detail(request, pk: int):
    """One person: names, documents, relatives and cases the user may also see."""
    purpose = chosen_purpose(request, Action.VIEW_PERSON)
    person = person_for(request.user, pk, purpose=purpose, request=request)
    context = {
        "person": person,
        "purpose": purpose,
        **person_details(request.user, person, purpose=purpose),
        "cases": cases_of_person(request.user, person, purpose=purpose),
    }
    return render(request, "people/person_detail.html", context)
