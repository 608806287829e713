"""How alike a typed name (and birth date) and a person in the register are: keys to look up, and a score.

Pure functions, no database: `person_keys` says what a person is filed under (PersonKey rows),
`NameQuery.keys` what to look up for what was typed, `NameQuery.score` how well one candidate
fits. Intake search uses them; batch linkage uses the same normalisation in its own models.
"""

from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz.distance import JaroWinkler

from .dates import PartialDate
from .names import consonants, given_name_keys, patronymic_keys, surname_key, words

# Parts of the name score: the surname says the most, the patronymic the least.
_WEIGHTS = {"surname": 0.5, "given": 0.35, "patronymic": 0.15}
# The birth date's share of the score when both sides know it.
_BIRTH_SHARE = 0.2


def _surname_keys(surnames) -> list[str]:
    return list(dict.fromkeys(k for s in surnames for w in words(s) for k in surname_key(w)))


def _given_keys(names) -> list[str]:
    return list(dict.fromkeys(k for n in names for w in words(n)[:1] for k in given_name_keys(w)))


def person_keys(
    surnames: list[str], given_names: list[str], birth_year: int | None, birth_month=None, birth_day=None
) -> set[str]:
    """What one person is filed under for search. Each surname (in every spelling and gender) alone
    (`s:`, for a search by surname only), and with the first name's initial: as it is (`i:`), by
    its consonants (`c:`, typos in vowels) and by its first three letters (`p:`, typos further
    on); each first name (with its full forms) with the birth year (`y:`, typos in the surname);
    and the full birth date with the initial (`d:`, a misspelt surname of a common first name).
    A typo spoils some of these keys, rarely all; a common surname alone is filed
    under ten thousand persons in a million, with an initial under a few hundred."""
    keys = set()
    given = _given_keys(given_names)
    initials = {g[0] for g in given if g}
    for key in _surname_keys(surnames):
        keys.add(f"s:{key}")
        for i in initials:
            keys |= {f"i:{key}:{i}", f"c:{consonants(key)}:{i}", f"p:{key[:3]}:{i}"}
    if birth_year:
        keys |= {f"y:{g}:{birth_year}" for g in given}
        if birth_month and birth_day:
            keys |= {f"d:{birth_year}-{birth_month}-{birth_day}:{i}" for i in initials}
    return {k[:80] for k in keys}


def birth_score(typed: PartialDate | None, known: PartialDate | None) -> float | None:
    """How well a typed birth date fits a known one (None when either is unknown).

    Typed dates go wrong in familiar ways: day and month swapped, one digit of the day or the
    year off. Each is less sure than an exact match, but far from a different date.
    """
    if typed is None or known is None:
        return None
    t, k = typed, known
    same_year = t.year == k.year
    near_year = abs(t.year - k.year) == 1 or (sum(a != b for a, b in zip(str(t.year), str(k.year))) == 1)
    if t.month is None or k.month is None:
        return 0.9 if same_year else (0.5 if near_year else 0.0)
    if t.day is None or k.day is None:
        month_fits = t.month == k.month
        return (1.0 if month_fits else 0.6) if same_year else (0.5 if near_year and month_fits else 0.0)
    if (t.month, t.day) == (k.month, k.day):
        return 1.0 if same_year else (0.6 if near_year else 0.0)
    if not same_year:
        return 0.0
    if (t.month, t.day) == (k.day, k.month):
        return 0.9
    if t.month == k.month:
        return 0.75
    if t.day == k.day:
        return 0.7
    return 0.0


# Two unrelated Russian names are 0.5 to 0.7 alike by Jaro-Winkler (shared endings and letters);
# below this floor a part counts as not matching at all, and above it the scale is stretched.
_FLOOR = 0.75


def _best(typed: list[str], known: list[str]) -> float:
    """How alike the closest typed and known keys are: Jaro-Winkler stretched from the floor to 1."""
    best = max((JaroWinkler.normalized_similarity(a, b) for a in typed for b in known), default=0.0)
    return max(0.0, (best - _FLOOR) / (1 - _FLOOR))


def _initial_fits(initial: str, known: list[str]) -> float:
    return 1.0 if any(k.startswith(initial) for k in known) else 0.0


@dataclass(frozen=True)
class Reading:
    """One way to read what was typed: which word is the surname, which the first name."""

    surname: tuple[str, ...]
    given: tuple[str, ...] = ()
    patronymic: tuple[str, ...] = ()


@dataclass
class Candidate:
    """A person's names and birth date as the score reads them."""

    surnames: list[str]
    given_names: list[str]
    patronymics: list[str]
    birth: PartialDate | None = None
    district_id: int | None = None

    @cached_property
    def surname_keys(self) -> list[str]:
        return _surname_keys(self.surnames)

    @cached_property
    def given_keys(self) -> list[str]:
        return _given_keys(self.given_names)

    @cached_property
    def patronymic_keys(self) -> list[str]:
        return [k for p in self.patronymics for w in words(p)[:1] for k in patronymic_keys(w)]


@dataclass
class NameQuery:
    """What a worker typed: names (in separate fields, or all in one box), maybe a birth date."""

    surname: str = ""
    given: str = ""
    patronymic: str = ""
    birth: PartialDate | None = None
    district_id: int | None = None
    readings: list[Reading] = field(init=False)

    def __post_init__(self):
        s, g, p = words(self.surname), words(self.given), words(self.patronymic)
        readings = [Reading(tuple(s), tuple(g[:1]), tuple(p[:1]))]
        if s and g:  # the surname typed in the first-name box, or the other way round
            readings.append(Reading(tuple(g[:1]), tuple(s[:1]), tuple(p[:1])))
        self.readings = [r for r in readings if r.surname]

    @classmethod
    def from_text(cls, text: str, birth: PartialDate | None = None, district_id: int | None = None) -> "NameQuery":
        """A query typed in one box: "Кузнецова Анна Сергеевна", "Anna Kuznecova", "Kuznecova A. S."."""
        query = cls(birth=birth, district_id=district_id)
        w = words(text)
        # Surname first (the register's order), first name first, or surname last after both.
        orders = {1: [(0, None, None)], 2: [(0, 1, None), (1, 0, None)]}.get(
            len(w), [(0, 1, 2), (1, 0, None), (2, 0, 1)]
        )
        readings = [
            Reading((w[si],), (w[gi],) if gi is not None else (), (w[pi],) if pi is not None else ())
            for si, gi, pi in (orders if w else [])
        ]
        query.readings = list(dict.fromkeys(r for r in readings if len(r.surname[0]) > 1))
        return query

    def __bool__(self) -> bool:
        return bool(self.readings)

    @property
    def names_a_person(self) -> bool:
        """Surname and full first name typed: enough to say that someone like this is known
        elsewhere (a surname alone would let anyone fish for families)."""
        return any(r.given and len(r.given[0]) > 1 for r in self.readings)

    def keys(self) -> set[str]:
        """PersonKey keys to look up: any person filed under one of them is a candidate. With a
        first name (or its initial) typed, the keys carry the initial; a surname alone looks up
        everyone with that surname."""
        keys = set()
        for r in self.readings:
            given = _given_keys(r.given) if r.given and len(r.given[0]) > 1 else []
            initials = {g[0] for g in given} | {surname_key(w)[0][:1] for w in r.given if len(w) == 1}
            initials.discard("")
            for key in _surname_keys(r.surname):
                if not initials:
                    keys.add(f"s:{key}")
                for i in initials:
                    keys |= {f"i:{key}:{i}", f"c:{consonants(key)}:{i}", f"p:{key[:3]}:{i}"}
            if self.birth:
                keys |= {f"y:{g}:{self.birth.year}" for g in given}
            b = self.birth
            if b and b.month and b.day:
                days = {(b.month, b.day)} | ({(b.day, b.month)} if b.day <= 12 else set())  # swapped too
                keys |= {f"d:{b.year}-{m}-{d}:{i}" for m, d in days for i in initials}
        return {k[:80] for k in keys}

    def _name_score(self, r: Reading, c: Candidate) -> float:
        parts = {"surname": sum(_best(list(surname_key(w)), c.surname_keys) for w in r.surname) / len(r.surname)}
        if r.given:
            word = r.given[0]
            parts["given"] = (
                _initial_fits(surname_key(word)[0][:1], c.given_keys)
                if len(word) == 1
                else _best(list(given_name_keys(word)), c.given_keys)
            )
        if r.patronymic and c.patronymic_keys:
            word = r.patronymic[0]
            parts["patronymic"] = (
                _initial_fits(surname_key(word)[0][:1], c.patronymic_keys)
                if len(word) == 1
                else _best(list(patronymic_keys(word)), c.patronymic_keys)
            )
        weight = sum(_WEIGHTS[k] for k in parts)
        return sum(_WEIGHTS[k] * v for k, v in parts.items()) / weight

    def score(self, c: Candidate) -> float:
        """How well the candidate fits what was typed, 0..1 (the best of the readings)."""
        name = max((self._name_score(r, c) for r in self.readings), default=0.0)
        birth = birth_score(self.birth, c.birth)
        if birth is not None:
            total = (1 - _BIRTH_SHARE) * name + _BIRTH_SHARE * birth
        elif self.birth is not None:
            total = 0.95 * name  # a date was typed, the register has none: a little less sure
        else:
            total = name
        if self.district_id and c.district_id == self.district_id:
            total = min(1.0, total + 0.02)
        return round(total, 3)
