"""The region's territory: loaded from its data file, repeatably, all or nothing."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safezone.directory.models import Territory
from safezone.directory.services import TERRITORY_FILE, TerritoryDataError, territory_load


def test_vologda_oblast_has_two_city_districts_and_twenty_six_municipal_districts(world):
    districts = Territory.objects.filter(level="district")
    assert districts.filter(kind="city_district").count() == 2
    assert districts.filter(kind="municipal_district").count() == 26
    assert all(d.name_en and d.name_ru and d.population for d in districts)
    assert all(d.children.exists() for d in districts)
    region = Territory.objects.get(level="region")
    assert 1_000_000 < region.population < 1_200_000
    assert sum(d.population for d in districts) == region.population


def test_loading_the_file_again_changes_nothing(world):
    result = territory_load(data=json.loads(TERRITORY_FILE.read_text(encoding="utf-8")))
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == Territory.objects.count()


def test_a_changed_name_is_updated_in_place(world):
    data = json.loads(TERRITORY_FILE.read_text(encoding="utf-8"))
    data["districts"][0]["name_en"] = "Vologda City"
    result = territory_load(data=data)
    assert (result.created, result.updated) == (0, 1)
    assert Territory.objects.get(code="vologda").name_en == "Vologda City"


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["districts"][3].pop("name_ru"), "district 4: field “name_ru” is missing"),
        (lambda d: d["districts"][1].update(kind="county"), "district 2: field “kind” has unknown value “county”"),
        (lambda d: d["districts"][2]["settlements"][0].update(population="many"), "district 3, settlement 1"),
        (lambda d: d["districts"][5].update(code="vologda"), "code “vologda” is used twice"),
    ],
)
def test_a_bad_entry_is_named_and_nothing_is_written(world, mutate, message):
    from django.utils import translation

    data = json.loads(TERRITORY_FILE.read_text(encoding="utf-8"))
    data["districts"][0]["name_en"] = "changed before the bad entry"
    mutate(data)
    with translation.override("en"), pytest.raises(TerritoryDataError, match=message):
        territory_load(data=data)
    assert Territory.objects.get(code="vologda").name_en == "Vologda (city)"


def test_the_command_reports_a_missing_file_clearly(world, tmp_path):
    with pytest.raises(CommandError, match="not found|не найден"):
        call_command("load_territory", str(tmp_path / "nothing.json"))


def test_the_command_reports_invalid_json_with_its_line(world, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"region": \n  oops}', encoding="utf-8")
    with pytest.raises(CommandError, match="line 2|строка 2"):
        call_command("load_territory", str(bad))
