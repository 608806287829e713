"""Reads of persons. Every one goes through the access policy (DESIGN.md rule 1)."""

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db.models import Count, QuerySet

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import grants_for, person_filter, persons_reachable_among, sealed_case_ids
from safezone.access.services import authorize, record_list_read

from .matching import Candidate, NameQuery
from .models import Person, PersonKey, Relation


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


@dataclass
class KnownElsewhere:
    """A person the user may not see who fits the search: only who to ask, never who it is."""

    agencies: list
    score: float


@dataclass
class PersonSearch:
    """What a person search shows: the persons the user may see, best first, each with `.score`;
    and, where the policy allows it, that other agencies know someone who fits."""

    found: list[Person] = field(default_factory=list)
    known_elsewhere: list[KnownElsewhere] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.found or self.known_elsewhere)


def _candidates(query: NameQuery) -> list[Person]:
    """Persons filed under any key of the query, those under the most keys first."""
    keys = sorted(query.keys())
    if not keys:
        return []
    ids = (
        PersonKey.objects.filter(key__in=keys)
        .values("person_id")
        .annotate(hits=Count("key"))
        .order_by("-hits", "person_id")
        .values_list("person_id", flat=True)[: settings.SAFEZONE_SEARCH_CANDIDATES]
    )
    return list(Person.objects.filter(pk__in=list(ids)).select_related("district").prefetch_related("other_names"))


def _as_candidate(person: Person) -> Candidate:
    others = list(person.other_names.all())
    return Candidate(
        surnames=[person.surname, *(n.surname for n in others if n.surname)],
        given_names=[person.first_name, *(n.first_name for n in others if n.first_name)],
        patronymics=[person.patronymic, *(n.patronymic for n in others if n.patronymic)],
        birth=person.birth_date,
        district_id=person.district_id,
    )


def _known_elsewhere(user, purpose: str, query: NameQuery, scored: list[tuple[float, Person]]) -> list[KnownElsewhere]:
    """Flag and tag: for close matches the user may not see, the agencies that know them.

    A person in a case sealed against the user is left out altogether: the seal exists because
    someone there must not learn that the person is known.
    """
    close = [(score, p) for score, p in scored if score >= settings.SAFEZONE_FLAG_MIN_SCORE]
    if not close or not query.names_a_person or not grants_for(user, Action.FLAG_PERSON, purpose):
        return []
    ids = [p.pk for _, p in close]
    participants = apps.get_model("cases", "Participant").objects.filter(person_id__in=ids)
    sealed = set(participants.filter(case_id__in=sealed_case_ids(user)).values_list("person_id", flat=True))
    holders: dict[int, dict] = {}
    for person_id, agency in (
        (row.person_id, row.case.owner_agency) for row in participants.select_related("case__owner_agency")
    ):
        holders.setdefault(person_id, {})[agency.pk] = agency
    flags = []
    for score, person in close:
        if person.pk in sealed:
            continue
        agencies = holders.get(person.pk) or (
            {person.registered_by_id: person.registered_by} if person.registered_by_id else {}
        )
        if agencies:
            flags.append(KnownElsewhere(agencies=sorted(agencies.values(), key=lambda a: a.name), score=score))
    return flags


def person_search(
    user, *, query: NameQuery, purpose: str = Purpose.INTAKE, request=None, limit: int = 10
) -> PersonSearch:
    """Persons who fit what was typed, tolerant of script, transliteration, typos, short forms and
    partial or swapped dates (people.matching); audited as a search.

    The user sees the persons they may reach; a close match they may not reach shows only as
    "known to another agency" (when their role may learn that), and a sealed one not at all.
    """
    if not query:
        return PersonSearch()
    scored = [(query.score(_as_candidate(p)), p) for p in _candidates(query)]
    scored = sorted(
        ((score, p) for score, p in scored if score >= settings.SAFEZONE_SEARCH_MIN_SCORE),
        key=lambda sp: (-sp[0], sp[1].surname, sp[1].first_name, sp[1].pk),
    )
    visible = persons_reachable_among(user, Action.SEARCH_PERSONS, purpose, [p.pk for _, p in scored])
    found = []
    for score, person in scored:
        if person.pk in visible and len(found) < limit:
            person.score = score
            found.append(person)
    hidden = [(score, p) for score, p in scored if p.pk not in visible][:limit]
    result = PersonSearch(found=found, known_elsewhere=_known_elsewhere(user, purpose, query, hidden))
    record_list_read(
        user=user,
        action=Action.SEARCH_PERSONS,
        purpose=purpose,
        object_type="person",
        ids=[p.pk for p in found],
        request=request,
        extra={"known_elsewhere": len(result.known_elsewhere)},
    )
    return result


def person_unscoped(pk) -> Person:
    """One person by key, not yet decided: callers must authorize before showing anything."""
    return Person.objects.select_related("district").get(pk=pk)


def person_match(query: NameQuery) -> Person | None:
    """The one person of the register who is certainly the one named (same names, read through
    transliteration and short forms, and the same full birth date), or None.

    A system read, not a search: a feed (a school's roll) or a list (teenagers at risk, children at
    work) links to a person already known instead of registering them twice, and shows the user
    nothing of that person beyond what they typed. Two persons that fit equally well are left for
    linkage: None.
    """
    birth = query.birth
    if not query or birth is None or not birth.is_full:
        return None
    best = [
        p
        for p in _candidates(query)
        if p.birth_date == birth and query.score(_as_candidate(p)) >= settings.SAFEZONE_MATCH_SCORE
    ]
    return best[0] if len(best) == 1 else None
