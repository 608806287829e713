"""Name keys: every spelling of one Russian name folds to one key, and different names stay apart."""

import iuliia
import pytest
from faker.providers.person.ru_RU import Provider
from hypothesis import given, settings
from hypothesis import strategies as st

from safezone.demo.names import patronymic
from safezone.people.dates import PartialDate
from safezone.people.matching import Candidate, NameQuery, birth_score, person_keys
from safezone.people.names import (
    consonants,
    given_name_keys,
    patronymic_keys,
    skeleton,
    skeletons,
    surname_key,
    words,
)

pytestmark = pytest.mark.no_database

NAMES = sorted(
    set(Provider.last_names_male)
    | set(Provider.last_names_female)
    | set(Provider.first_names_male)
    | set(Provider.first_names_female)
    | set(Provider.middle_names_male)
    | set(Provider.middle_names_female)
)
# The official schemes: passports since 2013 (ICAO 9303) and before (MVD 310, 782), GOST 7.79
# systems A and B, GOST 52535, ISO 9, BGN/PCGN, UNGEGN, ALA-LC, scientific, and the everyday
# ones of Wikipedia, Yandex and the Moscow metro. (Telegram's informal scheme writes ж as j and
# щ as sc, which no key can tell from й and с+ц: the score's typo tolerance covers it.)
SCHEMES = [
    "ICAO_DOC_9303", "MVD_310", "MVD_782", "GOST_779", "GOST_779_ALT", "GOST_52535", "GOST_52290",
    "GOST_7034", "GOST_16876", "ISO_9_1954", "ISO_9_1968", "BGN_PCGN", "UNGEGN_1987", "ALA_LC",
    "BS_2979", "SCIENTIFIC", "WIKIPEDIA", "YANDEX_MAPS", "YANDEX_MONEY", "MOSMETRO",
]  # fmt: skip
LOOKALIKES = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "К": "K", "М": "M", "Т": "T"}


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(NAMES), scheme=st.sampled_from(SCHEMES))
def test_every_official_transliteration_folds_to_the_cyrillic_key(name, scheme):
    latin = getattr(iuliia, scheme).translate(name)
    assert skeleton(name) in skeletons(*words(latin)), (name, scheme, latin)


def test_every_name_in_every_scheme_folds_the_same():
    """The property above, checked exhaustively: 1,100 names x 20 schemes."""
    misses = [
        (name, scheme)
        for name in NAMES
        for scheme in SCHEMES
        if skeleton(name) not in skeletons(*words(getattr(iuliia, scheme).translate(name)))
    ]
    assert misses == []


@given(name=st.sampled_from(NAMES), data=st.data())
def test_case_stray_spaces_and_yo_do_not_change_the_key(name, data):
    upper = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    mixed = "".join(ch.upper() if up else ch.lower() for ch, up in zip(name, upper))
    padded = data.draw(st.sampled_from(["", " ", "  ", "\t"])) + mixed + data.draw(st.sampled_from(["", " ", "\n"]))
    assert words(padded) == [mixed]
    assert skeleton(mixed) == skeleton(name) == skeleton(name.replace("ё", "е").replace("Ё", "Е"))


@given(name=st.sampled_from(NAMES), data=st.data())
def test_latin_lookalike_letters_inside_a_cyrillic_word_are_read_as_cyrillic(name, data):
    spots = [i for i, ch in enumerate(name) if ch in LOOKALIKES]
    chosen = data.draw(st.sets(st.sampled_from(spots), max_size=max(0, len(name) // 2 - 1))) if spots else set()
    typed = "".join(LOOKALIKES[ch] if i in chosen else ch for i, ch in enumerate(name))
    assert skeleton(words(typed)[0]) == skeleton(name)


@given(pair=st.sampled_from(list(zip(Provider.last_names_male, Provider.last_names_female))))
def test_a_surname_has_one_key_for_the_woman_and_the_man(pair):
    male, female = pair
    assert surname_key(male) == surname_key(female)


@given(father=st.sampled_from(sorted(set(Provider.first_names_male))))
def test_a_patronymic_has_one_key_for_the_daughter_and_the_son(father):
    daughter, son = patronymic(father, female=True), patronymic(father, female=False)
    assert set(patronymic_keys(daughter)) & set(patronymic_keys(son))


@given(text=st.text(max_size=60))
def test_any_text_gives_keys_of_plain_lowercase_letters(text):
    for word in words(text):
        for key in (*skeletons(word), *surname_key(word), *given_name_keys(word), *patronymic_keys(word)):
            assert key == "" or (key.isascii() and key.isalpha() and key.islower())
        assert consonants(skeleton(word)) is not None


@pytest.mark.parametrize(
    "short, full",
    [("Аня", "Анна"), ("Саша", "Александр"), ("Саша", "Александра"), ("Дима", "Дмитрий"), ("Катя", "Екатерина"),
     ("Sasha", "Александр"), ("Anja", "Анна"), ("Серёжа", "Sergei"), ("Наташа", "Natalia")],
)  # fmt: skip
def test_a_short_form_reaches_its_full_names(short, full):
    assert skeleton(full) in given_name_keys(short)


@pytest.mark.parametrize(
    "a, b",
    [("Петров-Водкин", "Петрова"), ("Толстая", "Tolstoy"), ("Чайковская", "Tchaikovsky"), ("Ёлкина", "Elkin"),
     ("Хабибуллина", "Khabibulina"), ("Щукина", "Schukin"), ("Максимов", "Maximova"), ("Цой", "Tsoi")],
)  # fmt: skip
def test_surname_spellings_met_in_agency_records_share_a_key(a, b):
    assert set(k for w in words(a) for k in surname_key(w)) & set(k for w in words(b) for k in surname_key(w))


@pytest.mark.parametrize("a, b", [("Иванов", "Петров"), ("Кузнецова", "Кузьмина"), ("Анна", "Алла")])
def test_different_names_keep_different_keys(a, b):
    assert skeleton(a) != skeleton(b)


def test_a_person_is_filed_under_each_surname_initial_and_year():
    keys = person_keys(["Кузнецова", "Белова"], ["Аня"], 2011)
    assert {"s:kuznecov", "s:belov", "i:kuznecov:a", "c:kzncv:a", "p:kuz:a", "y:ana:2011", "y:ania:2011"} <= keys
    assert person_keys(["Кузнецова"], ["Анна"], None) & {k for k in keys if k.startswith("y:")} == set()


@pytest.mark.parametrize(
    "typed, known, score",
    [((2011, 3, 5), (2011, 3, 5), 1.0), ((2011, 5, 3), (2011, 3, 5), 0.9), ((2011, 3, 6), (2011, 3, 5), 0.75),
     ((2011, None, None), (2011, 3, 5), 0.9), ((2012, 3, 5), (2011, 3, 5), 0.6), ((1990, 1, 1), (2011, 3, 5), 0.0)],
)  # fmt: skip
def test_birth_dates_typed_the_usual_wrong_ways_still_fit(typed, known, score):
    assert birth_score(PartialDate(*typed), PartialDate(*known)) == score


def test_the_score_ranks_spellings_of_one_girl_above_other_people():
    anna = Candidate(["Кузнецова"], ["Анна"], ["Сергеевна"], PartialDate(2011, 3, 5))
    same = [
        NameQuery.from_text("Kuznecova Anja"),
        NameQuery.from_text("Кузнецова Анна Сергеевна", PartialDate(2011)),
        NameQuery.from_text("Kuznetsova A. S.", PartialDate(2011, 3, 6)),
        NameQuery.from_text("Анна Кузнецова", PartialDate(2011, 5, 3)),
        NameQuery(surname="Кузнецва", given="Аня"),
    ]
    others = [NameQuery.from_text("Петрова Анна"), NameQuery.from_text("Кузьмина Мария", PartialDate(1990))]
    assert min(q.score(anna) for q in same) >= 0.85
    assert max(q.score(anna) for q in others) < 0.65
