"""Intake search latency on a seeded database (run by bench/linkage.py search with DATABASE_URL set).

Queries are names of persons drawn from the register, written the way another agency would:
in Latin by an official scheme, with a typo, a short first name, the birth date partial or with
day and month swapped. Prints one JSON line: p50/p95 per user and how often the drawn person
came back in the first ten (for the data-protection officer, who may see every person).
"""

import json
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safezone.settings")

import django  # noqa: E402

django.setup()

import iuliia  # noqa: E402
from django.conf import settings  # noqa: E402

from safezone.access.policy import Purpose  # noqa: E402
from safezone.accounts.models import User  # noqa: E402
from safezone.people.dates import PartialDate  # noqa: E402
from safezone.people.diminutives import DIMINUTIVES  # noqa: E402
from safezone.people.matching import NameQuery  # noqa: E402
from safezone.people.models import Person  # noqa: E402
from safezone.people.selectors import person_search  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
SHORT = {}
for short, fulls in DIMINUTIVES.items():
    for full in fulls:
        SHORT.setdefault(full, short)


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def written_by_another_agency(person: Person, rng: random.Random) -> NameQuery:
    surname, first = (
        person.surname,
        SHORT.get(person.first_name, person.first_name) if rng.random() < 0.2 else person.first_name,
    )
    if rng.random() < 0.2:
        surname = _typo(surname, rng)
    if rng.random() < 0.3:
        scheme = rng.choice([iuliia.ICAO_DOC_9303, iuliia.MVD_310, iuliia.WIKIPEDIA, iuliia.GOST_779_ALT])
        surname, first = scheme.translate(surname), scheme.translate(first)
    birth = None
    if person.birth_year and rng.random() < 0.7:
        month, day = person.birth_month, person.birth_day
        if month and day and day <= 12 and rng.random() < 0.2:
            month, day = day, month
        birth = (
            PartialDate(person.birth_year, month if rng.random() < 0.8 else None, None)
            if rng.random() < 0.3
            else PartialDate(person.birth_year, month, day if month else None)
        )
    return NameQuery(surname=surname, given=first, birth=birth)


def main():
    settings.DEBUG = False
    rng = random.Random(1)
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    persons = []
    while len(persons) < SAMPLES:
        person = (
            Person.objects.filter(pk__gte=rng.randrange(1, top + 1), merged_into__isnull=True).order_by("pk").first()
        )
        if person is not None:
            persons.append(person)
    queries = [(p, written_by_another_agency(p, rng)) for p in persons]
    result = {"persons": Person.objects.count(), "vendor": django.db.connection.vendor, "users": []}
    for username, purpose in (("dpo", Purpose.DATA_PROTECTION), ("crisis.worker1", Purpose.INTAKE)):
        user = User.objects.get(username=username)
        for _, query in queries[:5]:
            person_search(user, query=query, purpose=purpose)  # warm the caches
        times, hits, dated, dated_hits = [], 0, 0, 0
        for person, query in queries:
            started = time.perf_counter()
            found = person_search(user, query=query, purpose=purpose)
            times.append((time.perf_counter() - started) * 1000)
            hits += person in found.found
            if query.birth is not None:  # without a date, a common name fits thousands: no ranking can tell
                dated += 1
                dated_hits += person in found.found
        times.sort()
        result["users"].append(
            {
                "user": username,
                "p50": round(statistics.median(times), 1),
                "p95": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 1),
                "found_in_first_ten": round(hits / len(queries), 3),
                "found_in_first_ten_with_birth_date": round(dated_hits / max(dated, 1), 3),
            }
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
