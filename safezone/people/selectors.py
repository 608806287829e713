"""Reads of persons. Every one goes through the access policy (DESIGN.md rule 1)."""

from django.db.models import QuerySet

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import person_filter
from safezone.access.services import authorize, record_list_read
from safezone.common.text import search_key

from .models import Person, Relation


def persons_visible_to(user, *, purpose: str, action: str = Action.VIEW_PERSON) -> QuerySet[Person]:
    """Persons the user may reach for this purpose (not audited: callers record what they show)."""
    return Person.objects.filter(person_filter(user, action, purpose))


def person_for(user, pk, *, purpose: str, request=None, action: str = Action.VIEW_PERSON) -> Person:
    """One person for a person page: decided, audited, or AccessDenied / Person.DoesNotExist.

    The decision rides on the person as `person.decision` (which sensitive fields it shows).
    """
    person = Person.objects.select_related("district", "registered_by").get(pk=pk)
    person.decision = authorize(user=user, action=action, purpose=purpose, obj=person, request=request)
    return person


def person_details(user, person: Person, *, purpose: str) -> dict:
    """What a person page shows beyond the person row, for a person already authorised.

    Relatives appear only when the user may reach them too, each with what they are to
    this person (her child, his spouse).
    """
    visible = persons_visible_to(user, purpose=purpose)
    relations = [
        (Relation.INVERSE.get(r.kind, r.get_kind_display()), r.relative)
        for r in Relation.objects.filter(person=person, relative__in=visible).select_related("relative")
    ] + [
        (r.get_kind_display(), r.person)
        for r in Relation.objects.filter(relative=person, person__in=visible).select_related("person")
    ]
    from safezone.access.policy import FieldGroup

    shows_contacts = getattr(person, "decision", None) is not None and person.decision.shows(FieldGroup.CONTACTS)
    return {
        "other_names": list(person.other_names.all()),
        "identifiers": list(person.identifiers.all()),
        "relations": relations,
        "contacts": list(person.contacts.all()) if shows_contacts else None,
    }


def person_search(
    user, *, query: str, birth_year: int | None = None, purpose: str = Purpose.INTAKE, request=None, limit: int = 10
) -> list[Person]:
    """Persons the user may reach whose name contains every word typed; audited as a search.

    Issue 5 replaces the matching with Cyrillic/Latin-aware ranking.
    """
    words = search_key(query).split()
    if not words:
        return []
    qs = persons_visible_to(user, purpose=purpose, action=Action.SEARCH_PERSONS)
    for word in words:
        qs = qs.filter(search_key__contains=word)
    if birth_year:
        qs = qs.filter(birth_year=birth_year)
    results = list(qs.select_related("district").order_by("surname", "first_name", "pk")[:limit])
    record_list_read(
        user=user,
        action=Action.SEARCH_PERSONS,
        purpose=purpose,
        object_type="person",
        ids=[p.pk for p in results],
        request=request,
        extra={"query_words": len(words)},
    )
    return results


def person_unscoped(pk) -> Person:
    """One person by key, not yet decided: callers must authorize before showing anything."""
    return Person.objects.select_related("district").get(pk=pk)
