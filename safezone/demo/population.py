"""The demo region's population by district, year, sex and age band: the denominators of the
indicators per 10,000 inhabitants or adult women.

Each district's population (Territory.population, of the order of the 2021 census) is split by the
shares below, a rounded age-sex structure of a Russian region of the North-West after the 2021
census: an older population than the country's (about 27 % aged 60 and over), women the majority
from the age of 30 and nearly two thirds of those aged 60 and over. An estimate for the demo, not
official statistics; the source of each figure says so.
"""

import datetime as dt

from django.db import transaction

from safezone.directory.models import Territory
from safezone.stats.dimensions import AGE_BANDS
from safezone.stats.services import population_set

SOURCE = "демо: оценка по долям переписи 2021"

# Per cent of the whole population in each age band, by sex (the twelve shares add up to 100).
SHARES = {
    #          F      M
    "0-6": (3.70, 3.90),
    "7-13": (4.30, 4.50),
    "14-17": (2.15, 2.25),
    "18-29": (5.55, 5.65),
    "30-44": (11.10, 10.70),
    "45-59": (10.35, 8.85),
    "60+": (17.60, 9.40),
}
# The region loses about 0.8 % of its people a year (natural decline, people moving away); the
# territory file's figures stand for the earliest year loaded.
DECLINE = 0.008
YEARS = 3

assert list(SHARES) == AGE_BANDS and round(sum(f + m for f, m in SHARES.values()), 6) == 100


def split(total: int) -> dict[tuple[str, str], int]:
    """`total` people shared out by sex and age band, whole numbers adding up to `total` (largest
    remainders get the odd ones)."""
    exact = {
        (sex, band): total * share / 100
        for band, pair in SHARES.items()
        for sex, share in zip(("F", "M"), pair, strict=True)
    }
    counts = {key: int(value) for key, value in exact.items()}
    short = total - sum(counts.values())
    for key in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:short]:
        counts[key] += 1
    return counts


def demo_population(today: dt.date) -> int:
    """Population figures of every district for the last YEARS years up to today's; returns how many."""
    districts = Territory.objects.filter(level=Territory.Level.DISTRICT, population__isnull=False).order_by("code")
    first = today.year - YEARS + 1
    made = 0
    with transaction.atomic():
        for district in districts:
            for year in range(first, today.year + 1):
                total = round(district.population * (1 - DECLINE) ** (year - first))
                for (sex, band), count in split(total).items():
                    population_set(district=district, year=year, sex=sex, age_band=band, count=count, source=SOURCE)
                    made += 1
    return made
