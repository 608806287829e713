"""The data-protection officer's pages: who looked at a person or a case, what a user did, and a
person's access history as a file (subject access request). Every page is itself audited."""

import csv

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from safezone.access.http import refused_as_404
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import grants_for
from safezone.access.services import NOT_FOUND_MESSAGE, AccessDenied, authorize
from safezone.accounts.selectors import user_by_id
from safezone.cases.selectors import case_by_reference, case_ids_of_person
from safezone.common.paging import page_of, query_without_page
from safezone.people.matching import NameQuery
from safezone.people.selectors import person_search, person_unscoped

from .selectors import events_about, events_by, filtered

DPO = Purpose.DATA_PROTECTION


def _events_page(request, events, **context):
    page = page_of(filtered(events, request.GET), request.GET.get("page"), per_page=50)
    return {"page": page, "query": query_without_page(request), "params": request.GET, **context}


@login_required
def home(request):
    """Find the person, case or user whose trail to read (one audit event: the search, or the page)."""
    query = request.GET.get("q", "").strip()
    if query:
        search = NameQuery.from_text(query[:200])
        persons = person_search(request.user, query=search, purpose=DPO, request=request, limit=25).found
        if not grants_for(request.user, Action.SEARCH_PERSONS, DPO):
            raise Http404(NOT_FOUND_MESSAGE)
    else:
        persons = []
        try:
            authorize(user=request.user, action=Action.READ_AUDIT, purpose=DPO, request=request, extra={"page": "home"})
        except AccessDenied:
            raise Http404(NOT_FOUND_MESSAGE) from None
    case = case_by_reference(request.GET.get("case", "")) if request.GET.get("case") else None
    return render(
        request,
        "audit/home.html",
        {"query": query, "persons": persons, "case": case, "case_query": request.GET.get("case", "")},
    )


@login_required
@refused_as_404
def person_trail(request, pk: int):
    """Who looked at this person: directly, in lists and searches, and through their cases."""
    person = person_unscoped(pk)
    authorize(user=request.user, action=Action.READ_AUDIT, purpose=DPO, obj=person, request=request)
    direct = events_about("person", [person.pk])
    via_cases = events_about("case", case_ids_of_person(person))
    events = (direct | via_cases).distinct()
    return render(request, "audit/trail.html", _events_page(request, events, subject=person, kind="person"))


@login_required
@refused_as_404
def case_trail(request, pk: int):
    """Who looked at this case, and what was decided each time."""
    from safezone.cases.selectors import case_unscoped

    case = case_unscoped(pk)
    authorize(user=request.user, action=Action.READ_AUDIT, purpose=DPO, obj=case, request=request)
    return render(
        request, "audit/trail.html", _events_page(request, events_about("case", [case.pk]), subject=case, kind="case")
    )


@login_required
@refused_as_404
def user_trail(request, pk: int):
    """Everything one user did."""
    subject = user_by_id(pk)
    authorize(user=request.user, action=Action.READ_AUDIT, purpose=DPO, request=request, extra={"user": pk})
    return render(
        request, "audit/trail.html", _events_page(request, events_by(subject.pk), subject=subject, kind="user")
    )


@login_required
@reauthentication_required
@refused_as_404
def person_export(request, pk: int):
    """A person's access history as CSV, for a subject access request."""
    person = person_unscoped(pk)
    authorize(user=request.user, action=Action.EXPORT_AUDIT, purpose=DPO, obj=person, request=request)
    events = (events_about("person", [person.pk]) | events_about("case", case_ids_of_person(person))).distinct()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="access-history-{person.pk}-{timezone.localdate():%Y%m%d}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Time"), _("Agency"), _("Action"), _("Decision"), _("Purpose"), _("Record")])
    for e in events.order_by("seq").iterator():
        # Who looked is given by agency, not by name: the officer adds names if the law requires it.
        writer.writerow(
            [
                timezone.localtime(e.occurred_at).strftime("%d.%m.%Y %H:%M"),
                e.agency.name if e.agency else "",
                e.action,
                e.decision,
                e.purpose,
                f"{e.object_type} {e.object_id}".strip(),
            ]
        )
    return response
