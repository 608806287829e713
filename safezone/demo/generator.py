"""The demo region's people and cases, as plain records: deterministic for a seed and a date.

Nothing here touches the database, so the same seed gives the same records anywhere;
safezone.demo.services writes them in bulk.
"""

import datetime as dt
import json
import random
from collections import deque
from dataclasses import dataclass, field

import iuliia

from safezone.accounts.models import Role
from safezone.directory.services import TERRITORY_FILE
from safezone.people.diminutives import DIMINUTIVES
from safezone.people.validators import inn_checksum, snils_checksum

from . import region
from .names import FEMALE_FIRST, MALE_FIRST, WeightedPool, patronymic, surname_pair

CASE_WORK_ROLES = {Role.CASEWORKER, Role.SUPERVISOR, Role.POLICE_OFFICER, Role.HELPLINE_OPERATOR, Role.SCHOOL_PEDAGOGUE}
YEARS_BACK = 3


@dataclass
class PersonRec:
    """One person to create; `key` is unique within one generation run."""

    key: int
    surname: str
    first_name: str
    patronymic: str
    sex: str
    birth: tuple[int, int | None, int | None] | None
    district: str
    agency: str
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    other_names: list[tuple[str, str, str, str]] = field(default_factory=list)
    contacts: list[tuple[str, str, bool]] = field(default_factory=list)


@dataclass
class IncidentRec:
    """One incident on a case."""

    occurred_on: dt.date
    place: str
    district: str
    forms: list[str]
    reported_to_police: bool
    police_reference: str
    victim: int | None
    alleged_perpetrator: int | None


@dataclass
class ReferralRec:
    """A case sent to another agency: on what basis, and what became of it."""

    to_agency: str
    status: str
    basis: str  # "consent", or a legal-ground code
    message: str
    sent_on: dt.date
    answered_on: dt.date | None
    ended_on: dt.date | None
    acceptor: str | None


@dataclass
class CaseRec:
    """One case with who takes part, what happened, and the family it is about."""

    kind: str
    status: str
    agency: str
    worker: str
    district: str
    opened_on: dt.date
    closed_on: dt.date | None
    summary: str
    participants: list[tuple[int, str]]
    incidents: list[IncidentRec]
    household: list[int]
    relations: list[tuple[int, int, str]]
    safe_contact: str = ""
    referral: ReferralRec | None = None
    sealed_from: str | None = None


@dataclass
class Chunk:
    """Cases generated together, with the persons first seen in them."""

    persons: list[PersonRec]
    cases: list[CaseRec]


# Short forms of each full first name (Анна -> Аня, Нюра...), for a record written from what a person said.
_SHORT_FORMS: dict[str, list[str]] = {}
for _short, _fulls in DIMINUTIVES.items():
    for _full in _fulls:
        _SHORT_FORMS.setdefault(_full, []).append(_short)
# A repeat victim whom the new agency did not find in the register and wrote down again, its own
# way: a second record of one person, for the data steward's queue (issue 5).
_P_WRITTEN_AGAIN = 0.3


def _weighted(rng: random.Random, options: dict):
    keys = list(options)
    return rng.choices(keys, weights=[options[k] for k in keys])[0]


_KINDS = {"dv": 62, "child": 28, "labour": 5, "trafficking": 5}
_SUMMARIES = {
    "dv": [
        "Обратилась через телефон доверия. Систематические побои и угрозы со стороны супруга.",
        "Сообщение из полиции после вызова на адрес. Конфликты на фоне злоупотребления алкоголем.",
        "Направлена из больницы после обращения за помощью с травмами.",
        "Угрозы и преследование со стороны бывшего партнёра после расставания.",
        "Контроль финансов и изоляция от родственников; в семье несовершеннолетние дети.",
    ],
    "child": [
        "Сигнал из школы: систематические пропуски занятий, ребёнок неопрятен, голоден.",
        "Родители злоупотребляют алкоголем, дети остаются без присмотра.",
        "Сообщение соседей о жестоком обращении с ребёнком.",
        "Семья в социально опасном положении по решению КДНиЗП.",
        "Подросток уходит из дома, состоит на учёте в ПДН.",
    ],
    "labour": [
        "Выявлен на рынке: подросток работает грузчиком в учебное время.",
        "Несовершеннолетний привлекается к попрошайничеству взрослыми.",
        "Подросток работает на автомойке без договора, в ночное время.",
        "Сообщение из школы: ученик пропускает занятия из-за работы на стройке.",
    ],
    "trafficking": [
        "Обещали работу за рубежом, удерживали документы.",
        "Вовлечение в сексуальную эксплуатацию через объявление о работе.",
        "Принудительный труд в сельском хозяйстве, документы изъяты работодателем.",
    ],
}
_FORMS = {
    "dv": {"physical": 0.7, "psychological": 0.8, "sexual": 0.1, "economic": 0.2, "stalking": 0.08},
    "child": {"neglect": 0.7, "physical": 0.3, "psychological": 0.4, "sexual": 0.05, "online": 0.04},
    "labour": {"child_labour": 1.0, "sexual_exploitation": 0.08, "psychological": 0.2},
    "trafficking": {"trafficking": 1.0, "sexual_exploitation": 0.5, "child_labour": 0.05},
}
_PLACES = {
    "dv": {"home": 80, "other_home": 8, "street": 8, "online": 2, "workplace": 2},
    "child": {"home": 70, "street": 15, "school": 10, "online": 5},
    "labour": {"workplace": 60, "street": 40},
    "trafficking": {"other": 40, "workplace": 30, "online": 30},
}
_POLICE = {"dv": 0.55, "child": 0.3, "labour": 0.5, "trafficking": 0.8}
_CERT_LETTERS = ["ОД", "ВО", "АН", "ЕК", "МЮ", "ОБ", "ЛО", "СП"]
_SAFE_CONTACT = [
    "Звонить только на мобильный с 10 до 12, представляться из поликлиники. Сообщений не оставлять.",
    "Безопасно писать в мессенджер. Если ответит мужчина — «ошиблись номером».",
    "Связь только через сестру. Кодовое слово «сирень» — значит, говорить нельзя.",
    "Домой не звонить. Встречи в центре по вторникам, после 14:00.",
    "Звонить на рабочий телефон в будни. Дома телефон проверяет партнёр.",
]
_STREETS = ["ул. Ленина", "ул. Мира", "Советский пр.", "ул. Гагарина", "ул. Пушкинская", "ул. Чкалова", "наб. VI Армии"]
_REFERRAL_MESSAGES = {
    "dv": "Пострадавшей нужна консультация и безопасное жильё. Риск высокий, повторные угрозы.",
    "child": "Семья в социально опасном положении, нужна оценка и план помощи ребёнку.",
    "labour": "Подросток работает вместо учёбы, нужна проверка условий и помощь семье.",
    "trafficking": "Признаки торговли людьми, нужна защита и юридическая помощь.",
}
_LEGAL_GROUNDS = {
    "dv": "vital_interests",
    "child": "child_in_danger",
    "labour": "child_in_danger",
    "trafficking": "crime_report",
}


class DemoGenerator:
    """Generates the demo's cases chunk by chunk; the same seed and date give the same records."""

    def __init__(self, *, seed: int, today: dt.date, territory_file=TERRITORY_FILE):
        self.rng = random.Random(seed)
        self.today = today
        data = json.loads(open(territory_file, encoding="utf-8").read())
        self.districts = [(d["code"], d["population"]) for d in data["districts"]]
        self.district_pool = WeightedPool([c for c, _ in self.districts], [p for _, p in self.districts])
        self.next_key = 1
        # Pairs of victim and perpetrator keys seen before: repeat victimisation reuses them.
        self.repeat_pool: deque = deque(maxlen=2000)
        self._owners = self._owner_table()
        self._agencies = {a[0]: a for a in region.AGENCIES}
        self._workers = self._worker_table()
        self._police = sorted(u for u, role, _a, _s in region.STAFF if role == Role.POLICE_OFFICER)

    # --- static structure -------------------------------------------------------------
    @staticmethod
    def _owner_table() -> dict:
        """For each case kind and district: (agency code, workers) candidates with weights."""
        workers: dict[str, list[str]] = {}
        for username, role, agency, _staff in region.STAFF:
            if role in CASE_WORK_ROLES:
                workers.setdefault(agency, []).append(username)
        agencies = {a[0]: a for a in region.AGENCIES}
        table: dict = {}
        for kind, kinds in region.CASE_OWNERS.items():
            for code, agency in agencies.items():
                if code not in workers or agency[1] not in kinds:
                    continue
                served = agency[7]
                weight = kinds[agency[1]] * (0.2 if served == region.ALL else 1.0)
                table.setdefault(kind, []).append((code, served, weight, workers[code]))
        return table

    @staticmethod
    def _worker_table() -> dict[str, list[str]]:
        workers: dict[str, list[str]] = {}
        for username, role, agency, _staff in region.STAFF:
            if role in CASE_WORK_ROLES:
                workers.setdefault(agency, []).append(username)
        return workers

    def _serves(self, code: str, district: str) -> bool:
        served = self._agencies[code][7]
        return served == region.ALL or district in served

    def _referral(self, kind: str, owner: str, district: str, opened: dt.date) -> ReferralRec | None:
        rng = self.rng
        owner_kind = self._agencies[owner][1]
        kinds = region.REFERRAL_TARGETS.get(owner_kind, {})
        targets = [
            (code, kinds[a[1]])
            for code, a in self._agencies.items()
            if a[1] in kinds and code != owner and code in self._workers and self._serves(code, district)
        ]
        if not targets:
            return None
        to = rng.choices([t for t, _ in targets], weights=[w for _, w in targets])[0]
        sent = min(self.today, opened + dt.timedelta(days=rng.randrange(0, 11)))
        age = (self.today - sent).days
        weights = (
            {"pending": 40, "accepted": 35, "declined": 10, "revoked": 5, "completed": 10}
            if age < 30
            else {"pending": 2, "accepted": 25, "declined": 10, "revoked": 5, "completed": 58}
        )
        status = _weighted(rng, weights)
        answered = None if status == "pending" else min(self.today, sent + dt.timedelta(days=rng.randrange(0, 6)))
        if status == "revoked" and rng.random() < 0.5:
            answered = None  # revoked before anyone answered
        ended = None
        if status in ("completed", "revoked"):
            ended = min(self.today, (answered or sent) + dt.timedelta(days=rng.randrange(1, 60)))
        acceptor = rng.choice(self._workers[to]) if answered and status != "declined" else None
        basis = "consent" if rng.random() < 0.7 else _LEGAL_GROUNDS[kind]
        return ReferralRec(
            to_agency=to,
            status=status,
            basis=basis,
            message=_REFERRAL_MESSAGES[kind],
            sent_on=sent,
            answered_on=answered,
            ended_on=ended,
            acceptor=acceptor,
        )

    def _phone(self) -> str:
        n = self.rng.randrange(0, 10**9)
        return f"+7 9{n // 10**7:02d} {n // 10**4 % 1000:03d}-{n // 100 % 100:02d}-{n % 100:02d}"

    def pool_keys(self) -> set[int]:
        """Keys of earlier persons that later chunks may still refer to."""
        return {k for pair in self.repeat_pool for k in pair[:2]}

    # --- people -----------------------------------------------------------------------
    def _birth(self, age: int, partial_share: float) -> tuple[int, int | None, int | None]:
        born = self.today - dt.timedelta(days=age * 365 + self.rng.randrange(365))
        r = self.rng.random()
        if r < partial_share * 0.3:
            return (born.year, None, None)
        if r < partial_share:
            return (born.year, born.month, None)
        return (born.year, born.month, born.day)

    def _snils(self) -> str:
        first = f"{self.rng.randrange(1_002_000, 999_999_999):09d}"
        return f"{first}{snils_checksum(first):02d}"

    def _person(
        self,
        *,
        sex: str,
        age: int,
        district: str,
        agency: str,
        surname: tuple[str, str] | None = None,
        father: str | None = None,
        partial_share: float = 0.15,
    ) -> PersonRec:
        rng = self.rng
        male_form, female_form = surname or surname_pair(rng)
        female = sex == "F"
        first = (FEMALE_FIRST if female else MALE_FIRST).draw(rng)
        person = PersonRec(
            key=self.next_key,
            surname=female_form if female else male_form,
            first_name=first,
            patronymic=patronymic(father or MALE_FIRST.draw(rng), female),
            sex=sex,
            birth=self._birth(age, partial_share),
            district=district,
            agency=agency,
        )
        self.next_key += 1
        if rng.random() < 0.6:
            person.identifiers.append(("snils", self._snils()))
        if age >= 14 and rng.random() < 0.4:
            person.identifiers.append(("passport", f"19{rng.randrange(0, 25):02d}{rng.randrange(1, 999_999):06d}"))
        if age < 14 and rng.random() < 0.5:
            roman = rng.choice(["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"])
            person.identifiers.append(
                ("birth_certificate", f"{roman}-{rng.choice(_CERT_LETTERS)} {rng.randrange(1, 999_999):06d}")
            )
        if age >= 18 and rng.random() < 0.05:
            first_ten = f"35{rng.randrange(0, 99_999_999):08d}"
            person.identifiers.append(("inn", first_ten + inn_checksum(first_ten)))
        return person

    def _written_again(self, identity: tuple, district: str, agency: str) -> PersonRec:
        """A second record of a person, as another agency writes it: in Latin letters, by a short
        first name, without the patronymic, with a partial or day-and-month-swapped birth date."""
        rng = self.rng
        surname, first, patr, sex, birth = identity
        if rng.random() < 0.25:
            surname, first = (iuliia.ICAO_DOC_9303.translate(x) for x in (surname, first))
        elif rng.random() < 0.35 and first in _SHORT_FORMS:
            first = rng.choice(_SHORT_FORMS[first])
        if rng.random() < 0.4:
            patr = ""
        year, month, day = birth
        r = rng.random()
        if r < 0.2 and month and day and day <= 12:
            birth = (year, day, month)
        elif r < 0.35 and month:
            birth = (year, month, None)
        person = PersonRec(
            key=self.next_key, surname=surname, first_name=first, patronymic=patr, sex=sex, birth=birth,
            district=district, agency=agency,
        )  # fmt: skip
        self.next_key += 1
        return person

    # --- cases ------------------------------------------------------------------------
    def _owner(self, kind: str, district: str) -> tuple[str, str]:
        options = [
            (code, weight, workers)
            for code, served, weight, workers in self._owners[kind]
            if served == region.ALL or district in served
        ]
        code, _weight, workers = self.rng.choices(options, weights=[o[1] for o in options])[0]
        return code, self.rng.choice(workers)

    def _dates(self) -> tuple[dt.date, str, dt.date | None]:
        rng = self.rng
        # Skewed towards recent months: registers grow as more agencies join.
        days_ago = int(YEARS_BACK * 365 * rng.random() ** 1.3)
        opened = self.today - dt.timedelta(days=days_ago)
        r = rng.random()
        closed_share, monitoring_share = (
            (0.8, 0.1) if days_ago > 365 else (0.5, 0.2) if days_ago > 180 else (0.15, 0.15)
        )
        if r < closed_share:
            closed = opened + dt.timedelta(days=rng.randrange(0, max(1, min(days_ago, 300)) + 1))
            return opened, "closed", min(closed, self.today)
        if r < closed_share + monitoring_share:
            return opened, "monitoring", None
        return opened, "open", None

    def _incidents(
        self,
        kind: str,
        district: str,
        opened: dt.date,
        closed: dt.date | None,
        victim: int | None,
        perpetrator: int | None,
    ) -> list[IncidentRec]:
        rng = self.rng
        count = rng.choices([1, 2, 3, 4], weights=[55, 25, 12, 8])[0]
        end = closed or self.today
        span = max(0, (end - opened).days)
        incidents = []
        for i in range(count):
            occurred = (
                opened - dt.timedelta(days=rng.randrange(0, 15))
                if i == 0
                else opened + dt.timedelta(days=rng.randrange(0, span + 1))
            )
            forms = [f for f, p in _FORMS[kind].items() if rng.random() < p] or [next(iter(_FORMS[kind]))]
            reported = rng.random() < _POLICE[kind]
            incidents.append(
                IncidentRec(
                    occurred_on=min(occurred, self.today),
                    place=_weighted(rng, _PLACES[kind]),
                    district=district if rng.random() < 0.92 else self.district_pool.draw(rng),
                    forms=forms,
                    reported_to_police=reported,
                    police_reference=f"КУСП № {rng.randrange(100, 99_999)}" if reported else "",
                    victim=victim,
                    alleged_perpetrator=perpetrator,
                )
            )
        return incidents

    def _case(self, persons: list[PersonRec]) -> CaseRec:
        rng = self.rng
        kind = _weighted(rng, _KINDS)
        repeat = None
        if kind == "dv" and self.repeat_pool and rng.random() < 0.12:
            repeat = rng.choice(self.repeat_pool)
        district = repeat[2] if repeat else self.district_pool.draw(rng)
        agency, worker = self._owner(kind, district)
        opened, status, closed = self._dates()
        participants: list[tuple[int, str]] = []
        household: list[int] = []
        relations: list[tuple[int, int, str]] = []
        victim = perpetrator = None

        def new(**kwargs) -> PersonRec:
            p = self._person(district=district, agency=agency, **kwargs)
            persons.append(p)
            return p

        if kind == "dv":
            if repeat:
                victim, perpetrator, _district, identity = repeat
                if rng.random() < _P_WRITTEN_AGAIN:
                    again = self._written_again(identity, district, agency)
                    persons.append(again)
                    victim = again.key
                participants += [(victim, "victim"), (perpetrator, "perpetrator")]
            else:
                female_victim = rng.random() < 0.88
                family = surname_pair(rng)
                v_age = max(18, min(80, int(rng.gauss(36, 11))))
                v = new(sex="F" if female_victim else "M", age=v_age, surname=family)
                p = new(
                    sex="M" if female_victim else "F",
                    age=max(18, v_age + rng.randint(-4, 8)),
                    surname=family if rng.random() < 0.6 else None,
                    partial_share=0.3,
                )
                if female_victim and rng.random() < 0.3:
                    v.other_names.append(("maiden", surname_pair(rng)[1], v.first_name, v.patronymic))
                victim, perpetrator = v.key, p.key
                participants += [(v.key, "victim"), (p.key, "perpetrator")]
                household += [v.key, p.key]
                relations.append((p.key, v.key, rng.choices(["spouse", "partner", "former_partner"], [5, 3, 2])[0]))
                father = p.first_name if not female_victim or p.sex == "M" else None
                for _ in range(rng.choices([0, 1, 2, 3], weights=[45, 30, 18, 7])[0]):
                    c = new(
                        sex=rng.choice("FM"),
                        age=rng.randrange(0, min(18, max(1, v_age - 17))),
                        surname=family,
                        father=father,
                    )
                    participants.append((c.key, "child"))
                    household.append(c.key)
                    relations.append((v.key, c.key, "parent"))
                identity = (v.surname, v.first_name, v.patronymic, v.sex, v.birth)
                self.repeat_pool.append((victim, perpetrator, district, identity))
        elif kind in ("child", "labour"):
            family = surname_pair(rng)
            age = rng.randrange(0, 18) if kind == "child" else rng.randrange(10, 18)
            father_name = MALE_FIRST.draw(rng)
            child = new(sex=rng.choice("FM"), age=age, surname=family, father=father_name)
            mother = new(sex="F", age=age + rng.randrange(18, 40), surname=family)
            victim = child.key
            participants += [(child.key, "child"), (mother.key, "caregiver")]
            household += [child.key, mother.key]
            relations.append((mother.key, child.key, "parent"))
            if rng.random() < 0.4:
                father = new(sex="M", age=age + rng.randrange(20, 45), surname=family, partial_share=0.3)
                father.first_name = father_name
                participants.append((father.key, "caregiver"))
                household.append(father.key)
                relations.append((father.key, child.key, "parent"))
                if kind == "child" and rng.random() < 0.35:
                    perpetrator = father.key
                    participants.append((father.key, "perpetrator"))
            if kind == "labour" and rng.random() < 0.5:
                employer = new(sex="M", age=rng.randrange(25, 60), partial_share=0.5)
                perpetrator = employer.key
                participants.append((employer.key, "perpetrator"))
        else:  # trafficking
            v = new(sex="F" if rng.random() < 0.75 else "M", age=rng.randrange(16, 36))
            p = new(sex="M", age=rng.randrange(22, 55), partial_share=0.5)
            victim, perpetrator = v.key, p.key
            participants += [(v.key, "victim"), (p.key, "perpetrator")]

        safe_contact = ""
        victim_rec = next((p for p in persons if p.key == victim), None)
        if victim_rec is not None and kind in ("dv", "trafficking"):
            if rng.random() < 0.6:
                victim_rec.contacts.append(("phone", self._phone(), rng.random() < 0.6))
            if rng.random() < 0.3:
                victim_rec.contacts.append(("address", f"{rng.choice(_STREETS)}, д. {rng.randrange(1, 120)}", False))
            if rng.random() < 0.6:
                safe_contact = rng.choice(_SAFE_CONTACT)
        referral = self._referral(kind, agency, district, opened) if rng.random() < 0.18 else None
        sealed_from = None
        if rng.random() < 0.005:
            candidates = [u for u in self._police if u != worker]
            sealed_from = rng.choice(candidates) if candidates else None
        return CaseRec(
            kind=kind,
            status=status,
            agency=agency,
            worker=worker,
            district=district,
            opened_on=opened,
            closed_on=closed,
            summary=rng.choice(_SUMMARIES[kind]),
            participants=participants,
            incidents=self._incidents(kind, district, opened, closed, victim, perpetrator),
            household=household if len(household) > 1 else [],
            relations=relations,
            safe_contact=safe_contact,
            referral=referral,
            sealed_from=sealed_from,
        )

    def chunks(self, total: int, size: int = 2000):
        """Yield Chunks until `total` cases have been generated."""
        made = 0
        while made < total:
            persons: list[PersonRec] = []
            n = min(size, total - made)
            cases = [self._case(persons) for _ in range(n)]
            made += n
            yield Chunk(persons=persons, cases=cases)
