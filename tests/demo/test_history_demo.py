"""The demo's two years of history: meeting referrals, helpline contacts and shelter stays in every
quarter, population figures for every district, and nothing dated after the demo's today."""

import datetime as dt
import random
from collections import Counter, defaultdict

import pytest

from safezone.demo.generator import DemoGenerator
from safezone.demo.history import CasePool, SeenCase, history_start, quarters
from safezone.demo.meetings import QUIET_DAYS, referral_rows
from safezone.demo.population import SHARES, SOURCE, split
from safezone.demo.services_delivered import FACILITIES, WEST, stay_plan
from safezone.stats.dimensions import AGE_BANDS

from .conftest import SMALL

TODAY = dt.date(2026, 11, 30)


def pool_of(seed: int, n: int, today=TODAY) -> CasePool:
    """The pool a demo of `n` cases would draw its history from (person keys stand for their ids)."""
    pool = CasePool(today)
    generator = DemoGenerator(seed=seed, today=today)
    cases = (rec for chunk in generator.chunks(n, size=500) for rec in chunk.cases)
    for pk, rec in enumerate(cases, start=1):
        pool.add(
            SeenCase(
                pk=pk,
                kind=rec.kind,
                district=rec.district,
                worker=1,
                opened_on=rec.opened_on,
                closed_on=rec.closed_on,
                victim=next((k for k, role in rec.participants if role in ("victim", "child")), None),
                perpetrator=next((k for k, role in rec.participants if role == "perpetrator"), None),
                incidents=sorted((i.occurred_on, i.reported_to_police) for i in rec.incidents),
            )
        )
    return pool


@pytest.fixture(scope="module")
def region_pool():
    return pool_of(1, 2000)


def _quarters_2025_2026(until: dt.date):
    return [(first, end) for first, end in quarters(dt.date(2025, 1, 1), until) if first.year in (2025, 2026)]


@pytest.mark.no_database
def test_the_history_starts_two_years_back_on_the_first_of_a_month():
    assert history_start(TODAY) == dt.date(2024, 11, 1)
    assert history_start(dt.date(2026, 1, 15)) == dt.date(2024, 1, 1)
    assert quarters(dt.date(2024, 11, 1), TODAY)[:2] == [
        (dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
        (dt.date(2025, 1, 1), dt.date(2025, 3, 31)),
    ]
    assert quarters(dt.date(2024, 11, 1), TODAY)[-1] == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


@pytest.mark.no_database
def test_meeting_referrals_spread_over_two_years_on_all_four_grounds(region_pool):
    rows = referral_rows(region_pool, TODAY, random.Random(1))
    cases = {c.pk: c for c in region_pool.cases}
    last = TODAY - dt.timedelta(days=QUIET_DAYS)
    assert Counter(r.rule for r in rows).keys() == {"high_risk", "police_incidents", "repeat", "judgement"}
    assert all(history_start(TODAY) <= r.referred_on <= last for r in rows)
    assert all(cases[r.case_id].open_on(r.referred_on) for r in rows)
    assert all(r.status == "discussed" and r.victim_id == cases[r.case_id].victim for r in rows)
    for first, end in _quarters_2025_2026(last):
        in_quarter = [r for r in rows if first <= r.referred_on <= end]
        assert len(in_quarter) >= (10 if end <= last else 1), first  # a region's quarter, not a token
    # A repeat follows an earlier referral of the same victim and alleged perpetrator within a year.
    earlier = defaultdict(list)
    for r in sorted(rows, key=lambda r: r.referred_on):
        pair = (r.victim_id, r.alleged_perpetrator_id)
        if r.rule == "repeat":
            assert any(0 < (r.referred_on - d).days <= 365 for d in earlier[pair]), r.referred_on
        earlier[pair].append(r.referred_on)


@pytest.mark.no_database
def test_a_small_demo_still_has_a_meeting_referral_and_a_shelter_stay_in_every_quarter():
    pool = pool_of(SMALL["seed"], SMALL["cases"])
    last = TODAY - dt.timedelta(days=QUIET_DAYS)
    referrals = referral_rows(pool, TODAY, random.Random(7))
    stays = stay_plan(pool, [f[3] for f in FACILITIES[:3]], TODAY, random.Random(7))
    for first, end in _quarters_2025_2026(last):
        assert any(first <= r.referred_on <= end for r in referrals), first
        assert any(s.started_on <= end and (s.ended_on is None or s.ended_on > first) for s in stays), first


@pytest.mark.no_database
def test_shelter_stays_never_take_more_places_than_a_shelter_has(region_pool):
    places = [f[3] for f in FACILITIES[:3]]
    stays = stay_plan(region_pool, places, TODAY, random.Random(1))
    nights = Counter()
    for s in stays:
        assert history_start(TODAY) <= s.started_on <= TODAY - dt.timedelta(days=60)
        assert s.ended_on is None or s.started_on < s.ended_on <= TODAY
        assert (s.ended_on is None) == (s.outcome == "")
        assert s.case.kind in ("dv", "trafficking") and s.case.open_on(s.started_on)
        assert (s.shelter == 2) == (s.case.district in WEST)  # the shelter of her part of the region
        for n in range(((s.ended_on or TODAY) - s.started_on).days):
            nights[(s.shelter, s.started_on + dt.timedelta(days=n))] += 1
    assert max(nights.values()) <= max(places)
    assert all(count <= places[shelter] for (shelter, _day), count in nights.items())
    # Full enough for the occupancy indicator to say something: a third of the place-nights or more.
    days = (TODAY - dt.timedelta(days=60) - history_start(TODAY)).days
    assert sum(nights.values()) > days * sum(places) / 3


@pytest.mark.no_database
def test_population_shares_add_up_and_look_like_an_older_russian_region():
    assert list(SHARES) == AGE_BANDS
    assert sum(f + m for f, m in SHARES.values()) == pytest.approx(100)
    counts = split(310_000)
    assert sum(counts.values()) == 310_000 and len(counts) == 2 * len(AGE_BANDS)
    women = sum(n for (sex, _band), n in counts.items() if sex == "F")
    assert 0.53 < women / 310_000 < 0.56
    assert counts[("F", "60+")] > 1.7 * counts[("M", "60+")]  # women live longer
    assert counts[("M", "0-6")] > counts[("F", "0-6")]  # more boys are born
    assert sum(split(7)[k] for k in split(7)) == 7  # a tiny district still adds up


# --- the session's small demo (tests/demo/conftest.py) --------------------------------------------
HISTORY_FACTS = """
import datetime as dt, json
from collections import Counter
from django.db.models import Max, Sum
from safezone.directory.models import Territory
from safezone.hotline.models import Contact
from safezone.meetings.models import MeetingReferral
from safezone.cases.models import ServiceDelivery
from safezone.stats.models import FACT_MODELS, PopulationFigure
from safezone.stats.periods import parse_period
from safezone.stats.selectors import element_counts

today = dt.date(2026, 11, 30)
quarters = [f"{y}Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]
counts = {
    code: {q: element_counts(code, parse_period(q), today=today).total for q in quarters}
    for code in ("meeting_referrals", "contacts", "shelter_nights", "cases_opened", "incidents")
}
districts = {t.code: t.population for t in Territory.objects.filter(level="district")}
figures = {}
for code, year, total, rows in (
    PopulationFigure.objects.values_list("district__code", "year")
    .annotate(total=Sum("count"), rows=Sum(1)).values_list("district__code", "year", "total", "rows")
):
    figures.setdefault(code, {})[year] = [total, rows]
print(json.dumps({
    "counts": counts,
    "districts": districts,
    "figures": figures,
    "sources": sorted(set(PopulationFigure.objects.values_list("source", flat=True))),
    "bands": sorted(set(PopulationFigure.objects.values_list("sex", "age_band"))),
    "latest": {
        "meeting_referral": MeetingReferral.objects.aggregate(d=Max("referred_on"))["d"],
        "contact": Contact.objects.aggregate(d=Max("started_at"))["d"],
        "stay": ServiceDelivery.objects.aggregate(d=Max("started_on"))["d"],
        "fact": max(m.objects.aggregate(d=Max("day"))["d"] or dt.date.min for m in set(FACT_MODELS.values())),
    },
    "rules": sorted(set(MeetingReferral.objects.values_list("rule", flat=True))),
}, default=str))
"""


@pytest.fixture(scope="module")
def history(small_demo):
    return small_demo.facts(HISTORY_FACTS)


def test_every_quarter_of_2025_and_2026_has_meeting_referrals_contacts_and_shelter_nights(history):
    for code in ("meeting_referrals", "contacts", "shelter_nights", "cases_opened"):
        empty = [q for q, n in history["counts"][code].items() if not n]
        assert empty == [], code
    # The busy last two months of the helpline, and the fewer calls a day before them.
    contacts = history["counts"]["contacts"]
    assert contacts["2026Q4"] > contacts["2026Q2"] > 0


def test_nothing_in_the_demo_is_dated_after_its_today(history):
    latest = history["latest"]
    assert latest["meeting_referral"] <= str(SMALL["today"])
    assert latest["contact"][:10] <= str(SMALL["today"])
    assert latest["stay"] <= str(SMALL["today"]) and latest["fact"] <= str(SMALL["today"])


def test_population_figures_exist_for_every_district_by_sex_and_age_band_for_three_years(history):
    districts, figures = history["districts"], history["figures"]
    assert len(districts) == 28 and all(districts.values())  # the territory file gives every population
    assert sorted(figures) == sorted(districts)
    for code, years in figures.items():
        assert sorted(years) == ["2024", "2025", "2026"], code
        assert all(rows == 2 * len(AGE_BANDS) for _total, rows in years.values()), code
        assert years["2024"][0] == districts[code]
        assert years["2024"][0] > years["2025"][0] > years["2026"][0]  # the region shrinks
    assert history["bands"] == sorted([s, b] for s in "FM" for b in AGE_BANDS)
    assert history["sources"] == [SOURCE]


def test_the_small_demo_refers_cases_to_the_meeting_on_known_grounds(history):
    assert "judgement" in history["rules"]  # a quiet quarter's referral, and the meetings' own
    assert set(history["rules"]) <= {"high_risk", "police_incidents", "repeat", "judgement"}
