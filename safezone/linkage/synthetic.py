"""Synthetic people and the records agencies write about them, for evaluating record linkage.

`records(n)` draws true people (sex, surname, first name, patronymic, birth date, SNILS, an address in
one of 26 Vologda-oblast districts) and writes each of them into 1 to 4 records, as police, a school, a
clinic or a crisis centre would: now and then in Latin, with a typo, a short first name, a maiden
surname, a partial or mistyped birth date, no SNILS, Latin look-alike letters, in capitals. The truth
(record id -> person id) comes with the records, so a linker's precision and recall can be measured.

Deterministic for a seed: every draw comes from one `random.Random(seed)`, never the global one.
"""

import calendar
import csv
import datetime
import itertools
import random
from collections import defaultdict

import iuliia

from safezone.demo.names import FEMALE_FIRST, MALE_FIRST, SURNAMES, WeightedPool, patronymic
from safezone.people.diminutives import DIMINUTIVES
from safezone.people.validators import snils_checksum

COLUMNS = ["id", "surname", "first_name", "patronymic", "sex", "birth_date", "snils", "address", "district"]

# --- the population ------------------------------------------------------------------------------
# Ages are counted on this day; the oldest person is 80 on it.
_TODAY = datetime.date(2026, 11, 30)
_TODAY_ORD = _TODAY.toordinal()
_CHILD_DAYS = (_TODAY - datetime.date(2008, 11, 30)).days  # fewer days old than this: under 18
_OVER_20_DAYS = (_TODAY - datetime.date(2006, 11, 30)).days  # at least this many: 20 or older
_MAX_DAYS = (_TODAY - datetime.date(1945, 12, 1)).days  # born after 1945-11-30: at most 80
# Agencies that protect children see far more of them than the census would: about 40% of people.
_P_CHILD = 0.40
_P_FEMALE = 0.52
_P_MAIDEN = 0.5  # a woman over 20 took her husband's surname and records may still carry her own
_P_FLAT = 0.8  # the rest live in private houses (villages): no flat number at all
# How many records one person has, as cumulative shares: 45% one, 30% two, 15% three, 10% four.
_COPIES = ((0.45, 1), (0.75, 2), (0.90, 3), (1.01, 4))

# The 26 municipal districts of Vologda oblast.
_DISTRICTS = (
    "Бабаевский Бабушкинский Белозерский Вашкинский Великоустюгский Верховажский Вожегодский Вологодский "
    "Вытегорский Грязовецкий Кадуйский Кирилловский Кичменгско-Городецкий Междуреченский Никольский "
    "Нюксенский Сокольский Сямженский Тарногский Тотемский Усть-Кубинский Устюженский Харовский "
    "Чагодощенский Череповецкий Шекснинский"
).split()
# Street kinds as written in short and in full; agencies pick either.
_KINDS = {"ул.": "улица", "пр-т": "проспект", "пер.": "переулок", "наб.": "набережная", "пл.": "площадь"}
_STREETS = [
    ("ул.", name)
    for name in (
        "Ленина,Мира,Советская,Октябрьская,Первомайская,Садовая,Школьная,Центральная,Молодёжная,Лесная,"
        "Новая,Полевая,Заречная,Гагарина,Пушкина,Комсомольская,Пролетарская,Кирова,Горького,Чехова,"
        "Лермонтова,Некрасова,Гоголя,Калинина,Свердлова,Чкалова,Труда,Строителей,Северная,Южная,Зелёная,"
        "Солнечная,Рабочая,Речная,Луговая,Дружбы,Ленинградская,Вологодская,Карла Маркса,Энгельса,Фрунзе,"
        "Дзержинского,Маяковского,Герцена,Ломоносова,Жуковского,Железнодорожная,Пионерская"
    ).split(",")
] + [
    ("пр-т", "Победы"),
    ("пр-т", "Строителей"),
    ("пр-т", "Металлургов"),
    ("пр-т", "Луначарского"),
    ("пер.", "Школьный"),
    ("пер.", "Почтовый"),
    ("пер.", "Клубный"),
    ("пер.", "Садовый"),
    ("наб.", "VI Армии"),
    ("наб.", "Реки Сухоны"),
    ("пл.", "Революции"),
    ("пл.", "Торговая"),
]

# --- how agencies write a record (probability per record) -----------------------------------------
_P_LATIN = 0.20
_P_TYPO_SURNAME = 0.08
_P_TYPO_FIRST = 0.05
_P_TYPO_PATRONYMIC = 0.05
_P_TYPO_FIRST_LETTER = 0.10  # people check the first letter (paper files are sorted by it): seldom wrong
_P_DIMINUTIVE = 0.12
_P_NO_PATRONYMIC = 0.35
_P_MAIDEN_FORM = 0.15
_P_SWAP_NAMES = 0.02
# Birth date: the error drawn first (on the full date), then how much of the date is written.
_P_DATE_SWAP, _P_DATE_DAY, _P_DATE_YEAR = 0.03, 0.06, 0.07  # cumulative: 3%, 3%, 1%
_P_DATE_NONE, _P_DATE_YEAR_ONLY, _P_DATE_MONTH = 0.05, 0.13, 0.17  # cumulative: 5%, 8%, 4%
_P_NO_SEX = 0.20
_P_NO_SNILS = 0.65
_P_SNILS_TYPO = 0.02
_P_NO_ADDRESS = 0.30
_P_NO_FLAT = 0.20
_P_NO_DISTRICT = 0.10
_P_LOOKALIKE = 0.02
_P_CAPS = 0.10
_P_NO_YO = 0.50

# The schemes Russian names meet in Latin: passports (ICAO, the old MVD orders), GOST, Wikipedia, BGN, chat.
_SCHEMES = (
    iuliia.ICAO_DOC_9303,
    iuliia.MVD_310,
    iuliia.MVD_782,
    iuliia.GOST_779_ALT,
    iuliia.WIKIPEDIA,
    iuliia.BGN_PCGN,
    iuliia.TELEGRAM,
    iuliia.GOST_52535,
)
_BGN = _SCHEMES.index(iuliia.BGN_PCGN)
# iuliia's BGN/PCGN passes ё through as the Cyrillic letter; the scheme writes ë.
_BGN_YO = str.maketrans({"ё": "ë", "Ё": "Ë"})


def _short_forms() -> dict[str, tuple[str, ...]]:
    """Full name -> its short forms: DIMINUTIVES turned round, kept in its order so draws are reproducible."""
    forms: dict[str, tuple[str, ...]] = {}
    for short, fulls in DIMINUTIVES.items():
        for full in fulls:
            forms[full] = forms.get(full, ()) + (short,)
    return forms


_SHORT = _short_forms()

_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщыьэюя"
_LATIN = "abcdefghijklmnopqrstuvwxyz"
# Letters mistaken for each other by ear or on the keyboard: most real substitutions are of these.
_CONFUSED = {
    "а": "оя",
    "о": "аё",
    "е": "иэ",
    "и": "еыйя",
    "ы": "и",
    "й": "и",
    "я": "ае",
    "э": "е",
    "т": "д",
    "д": "т",
    "с": "зш",
    "з": "с",
    "б": "п",
    "п": "б",
    "в": "ф",
    "ф": "в",
    "г": "к",
    "к": "г",
    "ж": "ш",
    "ш": "щж",
    "щ": "ш",
    "ц": "с",
    "ь": "ъ",
    "н": "м",
    "м": "н",
    "л": "д",
}
# Latin letters that look like Cyrillic ones: a keyboard left in English for a letter or two.
_LOOKALIKE = dict(zip("аеорсухАЕОРСУХ", "aeopcyxAEOPCYX"))


# --- surnames ------------------------------------------------------------------------------------
# A region's people carry tens of thousands of surnames, a few of them common: Faker's 250 (the
# commonest, about a third of people) would make one surname in 250 fit every fourth record, far
# more namesakes than a real register has. So the 250 carry 35% of people and 30,000 surnames
# composed from Russian syllables and suffixes the other 65%, each list with a gently falling
# frequency (rank^-0.6): the commonest surname is about 1.5% of people (Smirnov and Ivanov are
# each about that in Russia), the rarest a handful of people in a million.
_ONSETS = (
    "б в г д ж з к л м н п р с т ф х ц ч ш бл бр вл вр гл гр др жд зв зл кл кр пл пр св ск сл см сн ст тр хр шм"
).split()
_VOWELS = "а а о о е и у я ы ю".split()
_CODAS = ["", "", "", "", "н", "р", "л", "к", "ш", "т", "с", "д", "ст", "шк", "чк", "льн"]
# (male, female) endings, by how common they are.
_SUFFIXES = WeightedPool(
    [("ов", "ова"), ("ев", "ева"), ("ин", "ина"), ("ский", "ская"), ("цкий", "цкая"), ("ых", "ых"),
     ("енко", "енко"), ("ук", "ук"), ("кин", "кина"), ("ёв", "ёва")],
    [38, 12, 20, 9, 3, 5, 4, 1, 7, 1],
)  # fmt: skip
_HEAD_SHARE, _TAIL, _FALL = 0.35, 30_000, 0.6


def _composed_surnames(count: int) -> list[tuple[str, str]]:
    """`count` distinct surnames (male and female forms) composed from syllables, none of Faker's."""
    rng = random.Random(20261130)
    known = {male for male, _ in SURNAMES}
    found: dict[str, str] = {}
    while len(found) < count:
        stem = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + (rng.choice(_CODAS) if i else "")
            for i in range(2 if rng.random() < 0.8 else 3)
        )
        if stem[-1] in "аоеиуяыю":
            stem += rng.choice("нлркшт")  # a suffix goes after a consonant: Мегин-ов, not Меги-ин
        male, female = _SUFFIXES.draw(rng)
        name = (stem + male).capitalize()
        if name not in known and name not in found:
            found[name] = (stem + female).capitalize()
    return list(found.items())


def _surname_pool() -> WeightedPool:
    tail = _composed_surnames(_TAIL)
    head_weights = [(rank + 1) ** -_FALL for rank in range(len(SURNAMES))]
    tail_weights = [(rank + 1) ** -_FALL for rank in range(len(tail))]
    head_scale = _HEAD_SHARE / sum(head_weights)
    tail_scale = (1 - _HEAD_SHARE) / sum(tail_weights)
    return WeightedPool(
        SURNAMES + tail, [w * head_scale for w in head_weights] + [w * tail_scale for w in tail_weights]
    )


_SURNAME_POOL = None


def surname_pair(rng: random.Random) -> tuple[str, str]:
    """A family surname in its male and female forms, as often as in a real region."""
    global _SURNAME_POOL
    if _SURNAME_POOL is None:
        _SURNAME_POOL = _surname_pool()
    return _SURNAME_POOL.draw(rng)


def _snils_ok(text: str) -> bool:
    """Whether a SNILS (any formatting) has 11 digits whose last two are the check number of the first nine."""
    digits = "".join(c for c in text if c.isdigit())
    return len(digits) == 11 and snils_checksum(digits[:9]) == int(digits[9:])


def _person(rng: random.Random) -> tuple:
    """One true person, as a flat tuple (the fields `_record` unpacks)."""
    rand = rng.random
    female = rand() < _P_FEMALE
    male_form, female_form = surname_pair(rng)
    surname = female_form if female else male_form
    first = (FEMALE_FIRST if female else MALE_FIRST).draw(rng)
    patr = patronymic(MALE_FIRST.draw(rng), female)
    # int(rand() * n) rather than randrange in the hot path: several times faster, and as good a draw here.
    days = int(rand() * _CHILD_DAYS) if rand() < _P_CHILD else _CHILD_DAYS + int(rand() * (_MAX_DAYS + 1 - _CHILD_DAYS))
    born = datetime.date.fromordinal(_TODAY_ORD - days)
    maiden = ""
    if female and days >= _OVER_20_DAYS and rand() < _P_MAIDEN:
        while not maiden or maiden == surname:
            maiden = surname_pair(rng)[1]
    # Numbers up to 001-001-998 were issued before check digits existed: draw above them.
    nine = f"{1_002_000 + int(rand() * 998_998_000):09d}"
    snils = f"{nine}{snils_checksum(nine):02d}"
    street = _STREETS[int(rand() * len(_STREETS))]
    house = str(1 + int(rand() ** 2 * 90))  # low numbers are commoner: most streets are short
    if rand() < 0.05:
        house += "абв"[rng.randrange(3)]
    flat = str(1 + int(rand() * 150)) if rand() < _P_FLAT else ""
    district = _DISTRICTS[int(rand() * len(_DISTRICTS))]
    return (female, surname, maiden, first, patr, born.year, born.month, born.day, snils, street, house, flat, district)


def _typo(rng: random.Random, word: str, letters: str) -> str:
    """The word with one slip: a letter substituted, dropped, inserted, or two neighbours swapped."""
    n = len(word)
    if n < 2:
        return word
    rand = rng.random
    low = word.lower()
    first = rand() < _P_TYPO_FIRST_LETTER
    kind = rand()
    if kind < 0.4:  # substitute
        i = 0 if first else rng.randrange(1, n)
        old = low[i]
        near = _CONFUSED.get(old) if letters is _CYRILLIC else None
        new = near[rng.randrange(len(near))] if near and rand() < 0.6 else letters[rng.randrange(len(letters))]
        if new == old:
            new = letters[(letters.find(new) + 1) % len(letters)]
        out = low[:i] + new + low[i + 1 :]
    elif kind < 0.65:  # drop
        i = 0 if first else rng.randrange(1, n)
        out = low[:i] + low[i + 1 :]
    elif kind < 0.85:  # insert: half the time a doubled letter, the commonest slip
        i = 0 if first else rng.randrange(1, n + 1)
        new = low[i - 1] if i and rand() < 0.5 else letters[rng.randrange(len(letters))]
        out = low[:i] + new + low[i:]
    else:  # swap neighbours
        i = 0 if first or n == 2 else rng.randrange(1, n - 1)
        out = low[:i] + low[i + 1] + low[i] + low[i + 2 :]
    # Typos happen before a record is put in capitals: a name starts with a capital here.
    return out[:1].upper() + out[1:] if word[0].isupper() else out


def _birth_date(rng: random.Random, year: int, month: int, day: int) -> str:
    """The birth date as one record writes it: maybe wrong, maybe only the year or the year and month."""
    rand = rng.random
    err = rand()
    swapped = False
    if err < _P_DATE_SWAP:
        # Day and month read the other way round (foreign or hand-written forms); only a valid date if day <= 12.
        swapped = day <= 12 and day != month
    elif err < _P_DATE_DAY:
        # One digit of the day mistyped, still a real date of that month.
        last = calendar.monthrange(year, month)[1]
        text = f"{day:02d}"
        for _ in range(10):
            pos = rng.randrange(2)
            digit = str(rng.randrange(10))
            wrong = int(text[:pos] + digit + text[pos + 1 :])
            if wrong != day and 1 <= wrong <= last:
                day = wrong
                break
    elif err < _P_DATE_YEAR:
        year += 1 if rand() < 0.5 else -1
        if month == 2 and day == 29:
            day = 28
    shape = rand()
    if shape < _P_DATE_NONE:
        return ""
    if shape < _P_DATE_YEAR_ONLY:
        return f"{year:04d}"
    if shape < _P_DATE_MONTH:
        return f"{year:04d}-{month:02d}"
    if swapped:
        return f"{year:04d}-{day:02d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _address(rng: random.Random, street: tuple[str, str], house: str, flat: str) -> str:
    """The address as one agency writes it: street kind short or in full, with or without д./кв."""
    rand = rng.random
    kind, name = street
    place = f"{kind} {name}" if rand() < 0.7 else f"{_KINDS[kind]} {name}"
    if flat and rand() < _P_NO_FLAT:
        flat = ""
    style = rand()
    if style < 0.6:  # as printed forms have it
        return f"{place}, д. {house}, кв. {flat}" if flat else f"{place}, д. {house}"
    if style < 0.85:
        return f"{place}, {house}, {flat}" if flat else f"{place}, {house}"
    return f"{place} {house}-{flat}" if flat else f"{place} {house}"


def _record(rng: random.Random, person: tuple, person_id: int, latin_cache: list[dict[str, str]]) -> dict:
    """One agency's record of a person; its "id" holds the person id until `records` numbers the records."""
    rand = rng.random
    female, surname, maiden, first, patr, year, month, day, snils, street, house, flat, district = person
    if maiden and rand() < _P_MAIDEN_FORM:
        surname = maiden
    if rand() < _P_DIMINUTIVE:
        shorts = _SHORT.get(first)
        if shorts:
            first = shorts[int(rand() * len(shorts))]
    if rand() < _P_NO_PATRONYMIC:
        patr = ""
    if rand() < _P_NO_YO:
        surname = surname.replace("ё", "е").replace("Ё", "Е")
        first = first.replace("ё", "е")
        patr = patr.replace("ё", "е")
    latin = rand() < _P_LATIN
    if latin:
        # One scheme for the whole record: an agency's system transliterates every field the same way.
        scheme = int(rand() * len(_SCHEMES))
        cache = latin_cache[scheme]
        names = []
        for text in (surname, first, patr):
            out = cache.get(text)
            if out is None:
                out = _SCHEMES[scheme].translate(text)
                if scheme == _BGN:
                    out = out.translate(_BGN_YO)
                cache[text] = out
            names.append(out)
        surname, first, patr = names
        letters = _LATIN
    else:
        letters = _CYRILLIC
    if rand() < _P_TYPO_SURNAME:
        surname = _typo(rng, surname, letters)
    if rand() < _P_TYPO_FIRST:
        first = _typo(rng, first, letters)
    if patr and rand() < _P_TYPO_PATRONYMIC:
        patr = _typo(rng, patr, letters)
    if rand() < _P_SWAP_NAMES:
        surname, first = first, surname
    sex = "" if rand() < _P_NO_SEX else ("F" if female else "M")
    birth = _birth_date(rng, year, month, day)
    if rand() < _P_NO_SNILS:
        snils = ""
    else:
        if rand() < _P_SNILS_TYPO:
            pos = rng.randrange(11)
            snils = snils[:pos] + str((int(snils[pos]) + rng.randrange(1, 10)) % 10) + snils[pos + 1 :]
        if rand() < 0.5:
            snils = f"{snils[0:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:11]}"
    address = "" if rand() < _P_NO_ADDRESS else _address(rng, street, house, flat)
    if rand() < _P_NO_DISTRICT:
        district = ""
    if rand() < _P_CAPS:
        # Some systems (police forms above all) keep the whole record in capitals.
        surname, first, patr, address, district = (
            surname.upper(),
            first.upper(),
            patr.upper(),
            address.upper(),
            district.upper(),
        )
    if not latin and rand() < _P_LOOKALIKE:
        surname, first, patr = (
            "".join(_LOOKALIKE[c] if c in _LOOKALIKE and rand() < 0.5 else c for c in text)
            for text in (surname, first, patr)
        )
    return {
        "id": person_id,
        "surname": surname,
        "first_name": first,
        "patronymic": patr,
        "sex": sex,
        "birth_date": birth,
        "snils": snils,
        "address": address,
        "district": district,
    }


def records(n: int, *, seed: int = 1) -> tuple[list[dict], dict[str, int]]:
    """Exactly `n` records (dicts keyed by COLUMNS, all values str) and the truth: record id -> person id.

    Records come in random order with ids "r0000001"...: neither order nor id tells which share a person.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    rng = random.Random(seed)
    rand = rng.random
    latin_cache: list[dict[str, str]] = [{} for _ in _SCHEMES]
    rows: list[dict] = []
    person_id = 0
    while len(rows) < n:
        person_id += 1
        person = _person(rng)
        draw = rand()
        copies = next(k for share, k in _COPIES if draw < share)
        for _ in range(min(copies, n - len(rows))):
            rows.append(_record(rng, person, person_id, latin_cache))
    rng.shuffle(rows)
    width = max(7, len(str(n)))
    truth: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        record_id = f"r{number:0{width}d}"
        truth[record_id] = row["id"]
        row["id"] = record_id
    return rows, truth


def true_pairs(truth: dict[str, int]) -> set[tuple[str, str]]:
    """Every pair (a, b), a < b, of record ids that describe the same person."""
    by_person: dict[int, list[str]] = defaultdict(list)
    for record_id, person_id in truth.items():
        by_person[person_id].append(record_id)
    return {pair for ids in by_person.values() for pair in itertools.combinations(sorted(ids), 2)}


def write_csv(path, rows: list[dict]) -> None:
    """Write the records as a UTF-8 CSV file with a COLUMNS header, one record a line."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
