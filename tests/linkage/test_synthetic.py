"""The synthetic linkage data: reproducible, well-formed, and as varied as its brief says."""

import csv
import random
import re
from collections import Counter

import pytest

from safezone.linkage.synthetic import COLUMNS, _snils_ok, records, surname_pair, true_pairs, write_csv
from safezone.people.diminutives import DIMINUTIVES

pytestmark = pytest.mark.no_database

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@pytest.fixture(scope="module")
def sample():
    return records(5000, seed=11)


def test_same_seed_same_records_other_seed_other_records():
    assert records(1500, seed=7) == records(1500, seed=7)
    assert records(1500, seed=7)[0] != records(1500, seed=8)[0]


def test_records_are_well_formed(sample):
    rows, truth = sample
    assert len(rows) == 5000
    assert all(list(row) == COLUMNS for row in rows)
    assert all(isinstance(value, str) for row in rows for value in row.values())
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == 5000
    assert all(re.fullmatch(r"r\d{7}", i) for i in ids)
    assert set(truth) == set(ids)
    assert all(row["birth_date"] == "" or _DATE.match(row["birth_date"]) for row in rows)
    assert {row["sex"] for row in rows} <= {"F", "M", ""}
    # Each person has 1 to 4 records.
    assert set(Counter(truth.values()).values()) <= {1, 2, 3, 4}


def test_true_pairs_are_all_pairs_within_a_person(sample):
    _, truth = sample
    pairs = true_pairs(truth)
    assert len(pairs) == sum(k * (k - 1) // 2 for k in Counter(truth.values()).values())
    assert all(a < b and truth[a] == truth[b] for a, b in pairs)


def test_snils_check_digits():
    assert _snils_ok("112-233-445 95")
    assert _snils_ok("11223344595")
    assert not _snils_ok("112-233-445 96")
    rows, _ = records(5000, seed=3)
    given = [row["snils"] for row in rows if row["snils"]]
    assert len(given) > 1000
    assert sum(map(_snils_ok, given)) >= 0.9 * len(given)
    assert all(re.fullmatch(r"\d{11}|\d{3}-\d{3}-\d{3} \d{2}", s) for s in given)


def test_variation_in_loose_proportions(sample):
    rows, _ = sample
    n = len(rows)
    latin = sum(1 for row in rows if row["surname"] and not _CYRILLIC.search(row["surname"]))
    short = sum(1 for row in rows if row["first_name"].capitalize() in DIMINUTIVES)
    no_patronymic = sum(1 for row in rows if not row["patronymic"])
    caps = sum(1 for row in rows if len(row["surname"]) > 1 and row["surname"].isupper())
    no_snils = sum(1 for row in rows if not row["snils"])
    assert 0.14 * n < latin < 0.26 * n
    assert 0.02 * n < short < 0.15 * n
    assert 0.28 * n < no_patronymic < 0.42 * n
    assert 0.05 * n < caps < 0.15 * n
    assert 0.58 * n < no_snils < 0.72 * n


def test_records_of_one_person_differ_but_share_something(sample):
    rows, truth = sample
    by_person = {}
    for row in rows:
        by_person.setdefault(truth[row["id"]], []).append(row)
    groups = [group for group in by_person.values() if len(group) > 1]
    # Agencies vary: most multi-record people are not written identically everywhere.
    identical = sum(1 for group in groups if all(row | {"id": ""} == group[0] | {"id": ""} for row in group))
    assert identical < 0.1 * len(groups)


def test_write_csv_round_trips(sample, tmp_path):
    rows, _ = sample
    path = tmp_path / "records.csv"
    write_csv(path, rows)
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        assert list(reader) == rows


def test_surnames_fall_off_as_in_a_real_region():
    """A few surnames are common (the commonest about 1.5% of people, 250 of them about a third),
    tens of thousands are rare: as many namesakes as a real register has, not more."""
    rng = random.Random(2)
    counts = Counter(surname_pair(rng)[0] for _ in range(200_000)).most_common()
    assert 0.01 < counts[0][1] / 200_000 < 0.025
    assert 0.3 < sum(c for _, c in counts[:250]) / 200_000 < 0.45
    assert len(counts) > 20_000
