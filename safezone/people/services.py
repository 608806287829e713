"""Writes to persons, their names, identifiers, households and relations."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from safezone.access.policy import Action
from safezone.access.services import authorize
from safezone.common.bulk import insert_values, insert_with_history
from safezone.common.errors import ChangedMeanwhile

from .dates import PartialDate
from .matching import person_keys
from .models import Contact, Household, HouseholdMember, Identifier, Person, PersonKey, PersonName, Relation


def keys_of(person: Person, other_names: list[PersonName] = ()) -> set[str]:
    """The search keys of a person with these other names (people.matching.person_keys)."""
    return person_keys(
        [person.surname, *(n.surname for n in other_names if n.surname)],
        [person.first_name, *(n.first_name for n in other_names if n.first_name)],
        person.birth_year,
        person.birth_month,
        person.birth_day,
    )


def person_keys_refresh(person: Person) -> None:
    """File the person afresh under the search keys of their current names and birth year
    (after any change to them: an edit, another name added, a merge). A record merged into this
    one lends its names: a search for how another agency wrote her finds the kept record."""
    merged = [
        PersonName(surname=p.surname, first_name=p.first_name, kind=PersonName.Kind.ALIAS)
        for p in Person.objects.filter(merged_into=person).only("surname", "first_name")
    ]
    keys = keys_of(person, list(person.other_names.all()) + merged)
    PersonKey.objects.filter(person=person).delete()
    PersonKey.objects.bulk_create([PersonKey(key=key, person=person) for key in sorted(keys)])


def other_name_add(*, person: Person, kind: str, surname: str = "", first_name: str = "", patronymic: str = ""):
    """Record another name the person is or was known by, and file them under it too."""
    if kind not in PersonName.Kind.values or not (surname.strip() or first_name.strip()):
        raise ValidationError(_("Give the kind of name and at least a surname or a first name."))
    with transaction.atomic():
        name = PersonName.objects.create(
            person=person,
            kind=kind,
            surname=surname.strip(),
            first_name=first_name.strip(),
            patronymic=patronymic.strip(),
        )
        person_keys_refresh(person)
    return name


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
    with transaction.atomic():
        person = person_register(
            agency=agency,
            surname=surname,
            first_name=first_name,
            patronymic=patronymic,
            sex=sex,
            birth=birth,
            district=district,
            actor=actor,
        )
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
    contacts: list[tuple[int, Contact]] = field(default_factory=list)


def persons_bulk_create(*, batch: PersonBatch) -> list[Person]:
    """Write many persons at once, with history rows (for the demo generator and bulk loads).

    Runs in the caller's transaction; returns the persons with their keys set.
    """
    names_by_person: dict[int, list[PersonName]] = {}
    for i, name in batch.other_names:
        names_by_person.setdefault(i, []).append(name)
    persons = insert_with_history(Person, batch.persons)
    insert_values(
        PersonKey,
        ["key", "person_id"],
        [(key, person.pk) for i, person in enumerate(persons) for key in keys_of(person, names_by_person.get(i, []))],
    )
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
    for i, contact in batch.contacts:
        contact.person = persons[i]
    insert_with_history(Contact, [c for _, c in batch.contacts])
    return persons


class PersonChangedMeanwhile(ChangedMeanwhile):
    """Someone else changed the person's record since the form was opened."""


def person_update(
    *,
    actor,
    person_id: int,
    expected_version: int,
    purpose: str,
    surname: str,
    first_name: str,
    patronymic: str,
    sex: str,
    birth: PartialDate | None,
    district,
    request=None,
) -> Person:
    """Change a person's names, sex, birth date and district, unless someone changed them meanwhile."""
    # Decide before the transaction: a refusal raised inside it would roll back its own audit event.
    authorize(
        user=actor, action=Action.EDIT_PERSON, purpose=purpose, obj=Person.objects.get(pk=person_id), request=request
    )
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        if person.version != expected_version:
            raise PersonChangedMeanwhile.of(person, expected_version)
        if not surname.strip() or not first_name.strip():
            raise ValidationError(_("Surname and first name are required."))
        person.surname, person.first_name, person.patronymic = surname.strip(), first_name.strip(), patronymic.strip()
        person.sex = sex
        person.birth_year = birth.year if birth else None
        person.birth_month = birth.month if birth else None
        person.birth_day = birth.day if birth else None
        person.district = district
        person.version += 1
        person._history_user = actor
        person.save()
        person_keys_refresh(person)
    return person


def contact_add(
    *, actor, person: Person, purpose: str, kind: str, value: str, is_safe: bool, note: str = "", request=None
):
    """Record a way to reach a person (encrypted at rest); only roles that see contacts may add one."""
    from safezone.access.policy import FieldGroup

    decision = authorize(
        user=actor, action=Action.EDIT_PERSON, purpose=purpose, obj=person, request=request, extra={"contact": kind}
    )
    if not decision.shows(FieldGroup.CONTACTS):
        raise ValidationError(_("Your role does not work with contact details."))
    if kind not in Contact.Kind.values or not value.strip():
        raise ValidationError(_("Choose the kind of contact and write it."))
    contact = Contact(
        person=person, kind=kind, value=value.strip(), is_safe=is_safe, note=note.strip(), created_by=actor
    )
    contact._history_user = actor
    contact.save()
    return contact


# --- retention ----------------------------------------------------------------------------------
def persons_forget(person_ids) -> int:
    """Delete the persons among these who no longer take part in any case (retention), with their
    names, identifiers, relations, contacts and the history of each. Returns how many went.

    A person still named elsewhere (another case, a record that protects them) is kept.
    """
    from django.db.models import ProtectedError

    from safezone.common.history import history_purge

    gone = 0
    for person in Person.objects.filter(pk__in=list(person_ids), participations__isnull=True):
        related = {
            PersonName: PersonName.objects.filter(person=person),
            Identifier: Identifier.objects.filter(person=person),
            Contact: Contact.objects.filter(person=person),
            HouseholdMember: HouseholdMember.objects.filter(person=person),
            Relation: Relation.objects.filter(person=person) | Relation.objects.filter(relative=person),
        }
        try:
            with transaction.atomic():
                for model, rows in related.items():
                    history_purge(model, rows.values_list("pk", flat=True))
                history_purge(Person, [person.pk])
                person.delete()
        except ProtectedError:
            continue
        gone += 1
    return gone


def person_register(
    *,
    agency,
    surname: str,
    first_name: str,
    patronymic: str = "",
    sex: str = "U",
    birth: PartialDate | None = None,
    district=None,
    actor=None,
) -> Person:
    """Register a person a feed or a list names and `people.selectors.person_match` did not find.

    Not a door: the caller has already authorised its own action (a school's roll, the list of
    teenagers at risk) and audits it.
    """
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
    person._history_user = actor
    with transaction.atomic():
        person.save()
        person_keys_refresh(person)
    return person


def person_known_or_registered(
    *,
    agency,
    surname: str,
    first_name: str,
    patronymic: str = "",
    sex: str = "U",
    birth: PartialDate,
    district=None,
    actor=None,
) -> tuple[Person, bool]:
    """The person a feed or a list names: the one `people.selectors.person_match` is certain of
    (True), or a newly registered one (False). Not a door: the caller has authorised its action."""
    from .matching import NameQuery
    from .selectors import person_match

    query = NameQuery(
        surname=surname,
        given=first_name,
        patronymic=patronymic,
        birth=birth,
        district_id=district.pk if district is not None else None,
    )
    person = person_match(query)
    if person is not None:
        return person, True
    registered = person_register(
        agency=agency,
        surname=surname,
        first_name=first_name,
        patronymic=patronymic,
        sex=sex,
        birth=birth,
        district=district,
        actor=actor,
    )
    return registered, False
