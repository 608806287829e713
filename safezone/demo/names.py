"""Russian names for the demo, from Faker's ru_RU data, weighted so common names are common."""

import bisect
import itertools
import random

from faker.providers.person.ru_RU import Provider

# Faker draws uniformly from its lists, where Авксентий is as likely as Сергей; these carry more weight.
_COMMON_MALE = set(
    "Александр Алексей Андрей Борис Вадим Валерий Василий Виктор Виталий Владимир Владислав Вячеслав "
    "Геннадий Георгий Григорий Дмитрий Евгений Егор Иван Игорь Илья Кирилл Константин Леонид Максим "
    "Михаил Никита Николай Олег Павел Роман Руслан Сергей Станислав Степан Юрий Ярослав Матвей Тимофей "
    "Денис Анатолий".split()
)
_COMMON_FEMALE = set(
    "Александра Алина Анастасия Анна Валентина Валерия Вера Вероника Виктория Галина Дарья Евгения "
    "Екатерина Елена Елизавета Ирина Ксения Лариса Любовь Людмила Маргарита Марина Мария Надежда Наталья "
    "Нина Оксана Ольга Полина Светлана София Татьяна Юлия".split()
)


class WeightedPool:
    """Draws items with given weights, fast (cumulative weights and bisect)."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


MALE_FIRST = WeightedPool(
    Provider.first_names_male, [30 if n in _COMMON_MALE else 1 for n in Provider.first_names_male]
)
FEMALE_FIRST = WeightedPool(
    Provider.first_names_female, [20 if n in _COMMON_FEMALE else 1 for n in Provider.first_names_female]
)
# Faker's male and female surname lists are parallel: Смирнов / Смирнова.
SURNAMES = list(zip(Provider.last_names_male, Provider.last_names_female))
_KNOWN_PATRONYMICS = set(Provider.middle_names_male)
_SPECIAL = {
    "Илья": ("Ильич", "Ильинична"),
    "Лев": ("Львович", "Львовна"),
    "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"),
    "Михаил": ("Михайлович", "Михайловна"),
    "Яков": ("Яковлевич", "Яковлевна"),
}


def patronymic(father_first_name: str, female: bool) -> str:
    """The patronymic a child of a man with this first name carries (Russian rules, common cases)."""
    name = father_first_name
    if name in _SPECIAL:
        return _SPECIAL[name][1 if female else 0]
    if name.endswith("ий") or name.endswith("ей") or name.endswith("ай"):
        stem = name[:-1] + "е" if not name.endswith("ий") else name[:-2] + "ье"
        male, fem = stem + "вич", stem + "вна"
    elif name.endswith("а") or name.endswith("я"):
        male, fem = name[:-1] + "ич", name[:-1] + "ична"
    elif name.endswith("ь"):
        male, fem = name[:-1] + "евич", name[:-1] + "евна"
    else:
        male, fem = name + "ович", name + "овна"
    # Faker's list knows some irregular forms (Аркадьевич for Аркадий): prefer it where it has one.
    if male not in _KNOWN_PATRONYMICS and name.endswith("ий") and (name[:-2] + "иевич") in _KNOWN_PATRONYMICS:
        male, fem = name[:-2] + "иевич", name[:-2] + "иевна"
    return fem if female else male


def surname_pair(rng: random.Random) -> tuple[str, str]:
    """A family surname in its male and female forms."""
    return SURNAMES[rng.randrange(len(SURNAMES))]
