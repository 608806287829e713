"""Person search: finds a person however the name was written, and only as far as the user may know."""

from safezone.access.policy import Purpose
from safezone.access.services import seal_add
from safezone.audit.models import AuditEvent
from safezone.people.dates import PartialDate
from safezone.people.matching import NameQuery
from safezone.people.models import PersonKey
from safezone.people.selectors import person_search
from safezone.people.services import other_name_add, person_keys_refresh

CW = Purpose.CASE_WORK


def search(user, text, birth=None, purpose=Purpose.INTAKE):
    return person_search(user, query=NameQuery.from_text(text, birth), purpose=purpose)


def test_search_reads_latin_spellings_case_and_the_letter_yo(world):
    assert search(world.olga, "elkin petr").found == [world.petya]
    assert search(world.olga, "ЁЛКИНА олеся").found[0] == world.olesya
    assert search(world.anna, "Kuznetsova Mariya Sergeyevna").found[0] == world.maria


def test_search_tolerates_typos_short_forms_and_swapped_dates(world):
    found = search(world.anna, "Кузнецва Маша", PartialDate(1988, 12, 3)).found  # 12.03.1988 typed as 03.12
    assert found[0] == world.maria and found[0].score >= 0.85
    # Sasha is Александра; Ivan has another surname form; both stay below Maria.
    assert search(world.anna, "Кузнецова Саша").found[0] == world.sasha


def test_a_birth_date_ranks_the_right_person_first(world):
    sasha_first = search(world.anna, "Кузнецова", PartialDate(2015, 6)).found
    assert sasha_first[0] == world.sasha
    maria_first = search(world.anna, "Кузнецова", PartialDate(1988, 3, 12)).found
    assert maria_first[0] == world.maria


def test_search_finds_other_names_too(world):
    other_name_add(person=world.maria, kind="maiden", surname="Белова")
    assert search(world.anna, "Belova Maria").found == [world.maria]
    # The keys follow the names: without the maiden name she is no longer found by it.
    world.maria.other_names.all().delete()
    person_keys_refresh(world.maria)
    assert search(world.anna, "Belova Maria").found == []


def test_keys_follow_an_edit_of_the_name(world, client_for):
    client_for(world.anna).post(
        f"/people/{world.maria.pk}/edit/",
        {"surname": "Петрова", "first_name": "Мария", "sex": "F", "version": 1, "birth_date": "12.03.1988"},
    )
    assert PersonKey.objects.filter(person=world.maria, key="s:petrov").exists()
    assert not PersonKey.objects.filter(person=world.maria, key="s:kuznecov").exists()


def test_a_person_the_user_may_not_see_shows_only_as_known_to_another_agency(world, client_for):
    # Elena is in Boris's case; Anna (own cases only) may not see her.
    result = search(world.anna, "Смирнова Елена")
    assert result.found == []
    assert [flag.agencies for flag in result.known_elsewhere] == [[world.crisis]]
    body = client_for(world.anna).get("/cases/intake/persons/?surname=Smirnova&first_name=Lena").content.decode()
    assert "Known to another agency" in body or "Известен другой организации" in body
    assert "Смирнова" not in body and "Олеговна" not in body and "1992" not in body
    event = AuditEvent.objects.filter(actor=world.anna, action="person.search").last()
    assert event.extra["ids"] == [] and event.extra["known_elsewhere"] == 1


def test_a_surname_alone_says_nothing_about_other_agencies(world):
    assert search(world.anna, "Смирнова").known_elsewhere == []


def test_a_sealed_person_does_not_appear_at_all(world):
    seal_add(actor=world.sveta, case=world.case_b, purpose=CW, reason="Родственница сотрудницы", user=world.anna)
    result = search(world.anna, "Смирнова Елена")
    assert result.found == [] and result.known_elsewhere == []
    # Boris, whose case it is, still finds her.
    assert search(world.boris, "Смирнова Елена").found == [world.elena]


def test_roles_without_flag_and_tag_learn_nothing_of_other_agencies(world):
    assert not search(world.alex, "Смирнова Елена")  # analyst: no search at all
    dpo = search(world.dasha, "Смирнова Елена", purpose=Purpose.DATA_PROTECTION)
    assert dpo.found == [world.elena] and dpo.known_elsewhere == []


def test_an_unrelated_name_finds_nobody(world):
    assert not search(world.anna, "Петров Семён")


def test_a_badly_misspelt_surname_is_found_by_the_first_name_and_birth_date(world):
    # Two slips in the surname (and the date typed day first): the surname keys miss, the first
    # name with the year and the full date with the initial still find her.
    found = search(world.anna, "Кзунецвоа Мария", PartialDate(1988, 12, 3)).found
    assert found and found[0] == world.maria
