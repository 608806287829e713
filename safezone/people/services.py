"""Writes to persons, their names, identifiers, households and relations."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from safezone.access.policy import Action
from safezone.access.services import authorize
from safezone.common.bulk import insert_with_history
from safezone.common.text import search_key

from .dates import PartialDate
from .models import Household, HouseholdMember, Identifier, Person, PersonName, Relation


def person_search_key(person: Person, other_names: list[PersonName] = ()) -> str:
    """The text person search compares: all names of the person, lower-cased and folded."""
    parts = [person.surname, person.first_name, person.patronymic]
    for name in other_names:
        parts += [name.surname, name.first_name, name.patronymic]
    return search_key(*parts)[:400]


def identifier_normalize(kind: str, value: str) -> str:
    """The stored form of a document number, or ValidationError naming the problem."""
    normalizer = Identifier.NORMALIZERS.get(kind)
    if normalizer is None:
        raise ValidationError(f"unknown document kind: {kind}")
    return normalizer(value)


def person_create(
    *,
    actor,
    agency,
    purpose: str,
    surname: str,
    first_name: str,
    patronymic: str = "",
    sex: str = "U",
    birth: PartialDate | None = None,
    district=None,
    identifiers: list[tuple[str, str]] = (),
    request=None,
) -> Person:
    """Register a person (with document numbers) on behalf of an agency; checked and audited."""
    authorize(user=actor, action=Action.CREATE_PERSON, purpose=purpose, request=request)
    person = Person(
        surname=surname.strip(),
        first_name=first_name.strip(),
        patronymic=patronymic.strip(),
        sex=sex,
        birth_year=birth.year if birth else None,
        birth_month=birth.month if birth else None,
        birth_day=birth.day if birth else None,
        district=district,
        registered_by=agency,
        created_by=actor,
    )
    person.search_key = person_search_key(person)
    person._history_user = actor
    with transaction.atomic():
        person.save()
        for kind, value in identifiers:
            Identifier.objects.create(person=person, kind=kind, value=identifier_normalize(kind, value))
    return person


@dataclass
class PersonBatch:
    """Persons to write in bulk, with what hangs on them; relations refer to positions in `persons`."""

    persons: list[Person] = field(default_factory=list)
    other_names: list[tuple[int, PersonName]] = field(default_factory=list)
    identifiers: list[tuple[int, Identifier]] = field(default_factory=list)
    households: list[tuple[Household, list[int]]] = field(default_factory=list)
    relations: list[tuple[int, int, str]] = field(default_factory=list)


def persons_bulk_create(*, batch: PersonBatch) -> list[Person]:
    """Write many persons at once, with history rows (for the demo generator and bulk loads).

    Runs in the caller's transaction; returns the persons with their keys set.
    """
    names_by_person: dict[int, list[PersonName]] = {}
    for i, name in batch.other_names:
        names_by_person.setdefault(i, []).append(name)
    for i, person in enumerate(batch.persons):
        person.search_key = person_search_key(person, names_by_person.get(i, []))
    persons = insert_with_history(Person, batch.persons)
    for i, name in batch.other_names:
        name.person = persons[i]
    insert_with_history(PersonName, [n for _, n in batch.other_names])
    for i, identifier in batch.identifiers:
        identifier.person = persons[i]
    insert_with_history(Identifier, [x for _, x in batch.identifiers])
    households = insert_with_history(Household, [h for h, _ in batch.households])
    members = [
        HouseholdMember(household=household, person=persons[i])
        for household, (_, indexes) in zip(households, batch.households)
        for i in indexes
    ]
    insert_with_history(HouseholdMember, members)
    relations = [Relation(person=persons[a], relative=persons[b], kind=kind) for a, b, kind in batch.relations]
    insert_with_history(Relation, relations)
    return persons
