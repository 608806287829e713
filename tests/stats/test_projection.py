"""The pseudonymised projection: facts built from the registers carry keyed hashes, never an id
or a name; a refresh rewrites only the cases that changed; the registry keeps old versions."""

import datetime as dt
from datetime import timedelta

import pytest
from django.db import models
from django.test import override_settings
from django.utils import timezone

from safezone.cases.models import Case, Incident, IncidentForm, ViolenceForm
from safezone.stats import definitions
from safezone.stats.models import FACT_MODELS, CaseFact, DataElement, Refresh
from safezone.stats.periods import parse_period
from safezone.stats.projection import projection_refresh
from safezone.stats.pseudonyms import pseudonym
from safezone.stats.selectors import element_counts
from safezone.stats.services import definitions_sync

from ..world import TODAY

pytestmark = pytest.mark.django_db


def test_the_worlds_cases_become_facts_with_their_disaggregations(world):
    projection_refresh(full=True, today=TODAY)
    assert CaseFact.objects.filter(element="cases_opened").count() == 4
    incident = CaseFact.objects.get(element="incidents")
    # Maria (born 12 March 1988) and Ivan (born 1985), spouses, on the day of the incident.
    assert (incident.sex, incident.age_band, incident.perpetrator_sex, incident.perpetrator_age_band) == (
        "F",
        "30-44",
        "M",
        "30-44",
    )
    assert incident.relationship == "spouse"
    assert incident.category == "police"
    assert incident.district_id == world.vologda.pk
    assert list(CaseFact.objects.filter(element="incident_forms").values_list("form", flat=True)) == ["physical"]
    # Sasha is Maria's child: a parent who is the victim makes the perpetrator the victim's "child".
    opened_c = CaseFact.objects.get(element="cases_opened", unit=pseudonym("case", world.case_c.pk))
    assert (opened_c.category, opened_c.sex) == ("child", "M")


def test_a_fact_holds_no_id_of_a_case_or_a_person(world):
    projection_refresh(full=True, today=TODAY)
    ids = {str(pk) for pk in Case.objects.values_list("pk", flat=True)}
    for model in FACT_MODELS.values():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey):
                # Territory and agency only: nothing that leads back to a case or a person.
                assert field.related_model._meta.app_label == "directory", field
    for fact in CaseFact.objects.all():
        assert fact.unit not in ids and len(fact.unit) == 24
    # Maria's two cases give one subject: a person is recognised across cases without a name.
    subjects = set(
        CaseFact.objects.filter(
            element="cases_opened",
            unit__in=[pseudonym("case", world.case_a.pk), pseudonym("case", world.case_d.pk)],
        ).values_list("subject", flat=True)
    )
    assert subjects == {pseudonym("person", world.maria.pk)}


def test_another_key_gives_other_pseudonyms(world):
    before = pseudonym("case", world.case_a.pk)
    with override_settings(SAFEZONE_STATS_KEY="another key kept elsewhere"):
        assert pseudonym("case", world.case_a.pk) != before


def test_a_refresh_rewrites_only_the_cases_that_changed(world):
    projection_refresh(full=True, today=TODAY)
    long_ago = timezone.now() - timedelta(days=1)
    Case.objects.update(updated_at=long_ago)
    Incident.objects.update(created_at=long_ago)
    Refresh.objects.update(watermark=timezone.now() - timedelta(hours=1))
    untouched = list(CaseFact.objects.filter(unit=pseudonym("case", world.case_a.pk)).values_list("pk", flat=True))

    incident = Incident.objects.create(
        case=world.case_b,
        occurred_on=TODAY - dt.timedelta(days=3),
        place="home",
        district=world.vologda,
        victim=world.elena,
        created_by=world.boris,
    )
    IncidentForm.objects.create(incident=incident, form=ViolenceForm.objects.get(code="psychological"))
    refreshes = {r.domain: r for r in projection_refresh(today=TODAY)}

    assert refreshes["cases"].units == 1 and not refreshes["cases"].full
    assert CaseFact.objects.filter(element="incidents").count() == 2
    assert CaseFact.objects.filter(element="cases_opened").count() == 4
    # Case A's facts were not rewritten.
    assert list(CaseFact.objects.filter(unit=pseudonym("case", world.case_a.pk)).values_list("pk", flat=True)) == (
        untouched
    )


def test_figures_count_in_the_database_by_period_and_option(world):
    projection_refresh(full=True, today=TODAY)
    quarter = parse_period("2026Q4")
    counts = element_counts("cases_opened", quarter, by=("district",))
    opened = {
        c.district_id for c in (world.case_a, world.case_b, world.case_c, world.case_d) if c.opened_on >= quarter.start
    }
    assert counts.total == sum(
        1 for c in (world.case_a, world.case_b, world.case_c, world.case_d) if c.opened_on >= quarter.start
    )
    assert {k[0] for k in counts.values} == opened
    assert element_counts("cases_opened", quarter, filters={"category": ["child"]}).total == (
        1 if world.case_c.opened_on >= quarter.start else 0
    )


def test_a_distinct_element_counts_each_person_once_and_a_stock_reads_the_last_month(world):
    day = dt.date(2026, 1, 15)
    for unit, subject, when in [("u1", "p1", day), ("u2", "p1", day), ("u3", "p2", day)]:
        FACT_MODELS["schools"].objects.create(element="flagged_pupils", unit=unit, subject=subject, day=when)
    assert element_counts("flagged_pupils", parse_period("2026Q1")).total == 2
    for month in (1, 2, 3):
        FACT_MODELS["labour"].objects.create(
            element="children_in_chain", unit="c1", subject="k1", day=dt.date(2026, month, 1), category=f"s{month}"
        )
    counts = element_counts("children_in_chain", parse_period("2026Q1"), by=("category",), today=TODAY)
    assert counts.values == {("s3",): 1}


def test_a_changed_definition_becomes_a_new_version_and_the_old_one_stays(monkeypatch):
    definitions_sync()
    first = DataElement.objects.get(code="incidents", is_current=True)
    row = list(definitions.ELEMENTS["incidents"])
    row[7] = row[7] + " (Revised.)"
    monkeypatch.setitem(definitions.ELEMENTS, "incidents", tuple(row))
    definitions_sync()
    definitions_sync()  # unchanged now: no third version
    versions = DataElement.objects.filter(code="incidents").order_by("version")
    assert [(v.version, v.is_current) for v in versions] == [(first.version, False), (first.version + 1, True)]
    assert versions.last().description_en.endswith("(Revised.)")


def test_an_indicator_divides_by_the_population_and_a_stock_of_places_by_the_days(world):
    from safezone.stats.selectors import indicator_values
    from safezone.stats.services import population_set

    definitions_sync()
    for sex, band, count in [("F", "30-44", 6000), ("F", "7-13", 3000), ("M", "30-44", 11000)]:
        population_set(district=world.vologda, year=2026, sex=sex, age_band=band, count=count, source="test")
    quarter = parse_period("2026Q1")
    for day in (dt.date(2026, 1, 10), dt.date(2026, 2, 10), dt.date(2026, 3, 10)):
        CaseFact.objects.create(element="meeting_referrals", unit="m", day=day, district_id=world.vologda.pk)
    # 3 referrals per 6,000 adult women, per 10,000.
    assert indicator_values("meeting_cases_per_10k_women", quarter)[None].value == 5
    # 12 places every night of the quarter in a district of 20,000: 6 per 10,000.
    FACT_MODELS["services"].objects.create(
        element="shelter_place_nights", unit="s", day=quarter.start, district_id=world.vologda.pk, value=12 * 90
    )
    by_district = indicator_values("shelter_places_per_10k", quarter, by_district=True)
    assert by_district[None].value == 6 and by_district[world.vologda.pk].value == 6
    assert by_district[world.sokolsky.pk].value is None  # no population known: no rate
