"""Aggregate exports: DHIS2 dataValueSets JSON, ADX XML and open-data CSV carry only figures that
passed disclosure control, none of the hidden ones can be worked out from what they publish, a
receiving system's codes are applied or their absence refused, and every export is decided and
recorded."""

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from safezone.audit.models import AuditEvent
from safezone.stats.exports import (
    ADX_NAMESPACE,
    CSV_HEADER,
    ExportValue,
    UnmappedCodes,
    _codes_needed,
    adx_period,
    csv_safe,
    export_build,
    mappings_csv,
    mappings_import,
    parse_data_value_set,
    render_adx,
    render_csv,
    render_dhis2,
)
from safezone.stats.models import CaseFact, CodeMapping
from safezone.stats.periods import parse_period

pytestmark = pytest.mark.django_db

Q1 = parse_period("2026Q1")
THRESHOLD = settings.SAFEZONE_STATS_MIN_CELL if hasattr(settings, "SAFEZONE_STATS_MIN_CELL") else 5

# (district code, sex, age band) -> incidents in 2026Q1: big cells, small ones (1..4) to hide, zeros.
INCIDENTS = {
    ("vologda", "F", "18-29"): 12,
    ("vologda", "F", "30-44"): 9,
    ("vologda", "M", "18-29"): 2,
    ("vologda", "M", "30-44"): 7,
    ("vologda", "", "18-29"): 6,
    ("sokolsky", "F", "18-29"): 8,
    ("sokolsky", "F", "30-44"): 3,
    ("sokolsky", "M", "18-29"): 6,
    ("sokolsky", "M", "30-44"): 11,
    ("vologodsky", "F", "18-29"): 1,
    ("vologodsky", "F", "30-44"): 14,
    ("vologodsky", "M", "30-44"): 5,
    ("cherepovets", "F", "18-29"): 20,
    ("cherepovets", "F", "30-44"): 6,
    ("cherepovets", "M", "18-29"): 9,
    ("cherepovets", "M", "30-44"): 4,
    ("cherepovets", "F", ""): 7,
}
# district -> cases opened by sex
CASES = {("vologda", "F"): 15, ("vologda", "M"): 2, ("sokolsky", "F"): 9, ("sokolsky", "M"): 6, ("cherepovets", "F"): 3}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def facts(world):
    """Incidents and cases opened in the first quarter of 2026, written straight into the projection."""
    from safezone.directory.models import Territory

    CaseFact.objects.all().delete()
    districts = {t.code: t for t in Territory.objects.filter(level=Territory.Level.DISTRICT)}
    rows = []
    for n, ((district, sex, band), value) in enumerate(INCIDENTS.items()):
        rows.append(
            CaseFact(
                element="incidents",
                unit=f"i{n}",
                day=date(2026, 2, 10),
                district_id=districts[district].pk,
                agency_id=world.crisis.pk,
                sex=sex,
                age_band=band,
                value=value,
            )
        )
    # Incidents of no known district count in the region's figures only.
    rows.append(CaseFact(element="incidents", unit="nowhere", day=date(2026, 3, 1), sex="F", age_band="18-29", value=3))
    for n, ((district, sex), value) in enumerate(CASES.items()):
        rows.append(
            CaseFact(
                element="cases_opened",
                unit=f"c{n}",
                day=date(2026, 1, 20),
                district_id=districts[district].pk,
                agency_id=world.crisis.pk,
                sex=sex,
                value=value,
            )
        )
    CaseFact.objects.bulk_create(rows)
    return districts


def test_the_dhis2_export_has_the_documented_data_value_set_structure(facts):
    jsonschema = pytest.importorskip("jsonschema")
    schema = {
        "type": "object",
        "required": ["dataSet", "period", "completeDate", "dataValues"],
        "additionalProperties": False,
        "properties": {
            "dataSet": {"type": "string", "minLength": 1},
            "period": {"type": "string", "pattern": r"^\d{4}(Q[1-4]|\d{2}|W\d{1,2})?$"},
            "orgUnit": {"type": "string"},
            "completeDate": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "dataValues": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["dataElement", "period", "orgUnit", "categoryOptionCombo", "value"],
                    "additionalProperties": False,
                    "properties": {
                        "dataElement": {"type": "string", "minLength": 1},
                        "period": {"type": "string", "const": "2026Q1"},
                        "orgUnit": {"type": "string", "minLength": 1},
                        "categoryOptionCombo": {"type": "string", "minLength": 1},
                        "attributeOptionCombo": {"type": "string"},
                        "value": {"type": "string", "pattern": r"^\d+$"},
                    },
                },
            },
        },
    }
    document = json.loads(render_dhis2(export_build(Q1, data_set="dv_quarterly")))
    jsonschema.validate(document, schema)
    assert document["dataSet"] == "dv_quarterly"
    combos = {v["categoryOptionCombo"] for v in document["dataValues"] if v["dataElement"] == "incidents"}
    assert {"F_18-29", "M_30-44", "unknown_18-29", "F_unknown"} <= combos
    assert {v["categoryOptionCombo"] for v in document["dataValues"] if v["dataElement"] == "cases_opened"} == {
        "F",
        "M",
    }


def test_the_dhis2_export_round_trips_through_its_parser(facts):
    export = export_build(Q1)
    parsed = parse_data_value_set(render_dhis2(export))
    assert [(p["dataElement"], p["period"], p["orgUnit"], p["categoryOptionCombo"], p["value"]) for p in parsed] == [
        (v.data_element, "2026Q1", v.org_unit, v.combo, v.value) for v in export.values
    ]
    assert {p["dataElement"] for p in parsed} == {"incidents", "cases_opened"}


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"dataValues": {}}',
        '{"dataValues": [{"period": "2026Q1", "orgUnit": "x", "value": "1"}]}',
        '{"dataValues": [{"dataElement": "a", "period": "2026Q1", "orgUnit": "x", "value": "many"}]}',
        '{"surprise": 1, "dataValues": []}',
    ],
)
def test_the_parser_refuses_what_is_not_a_data_value_set(text):
    with pytest.raises(ValueError):
        parse_data_value_set(text)


def test_adx_is_well_formed_and_uses_the_namespace_and_documented_attributes(facts, world):
    root = ET.fromstring(render_adx(export_build(Q1, data_set="dv_quarterly")).encode())
    ns = {"adx": ADX_NAMESPACE}
    assert root.tag == f"{{{ADX_NAMESPACE}}}adx" and root.get("exported")
    groups = root.findall("adx:group", ns)
    assert groups
    for group in groups:
        assert set(group.attrib) == {"dataSet", "orgUnit", "period", "completeDate"}
        assert group.get("period") == "2026-01-01/P3M"
        date.fromisoformat(group.get("completeDate"))
        for value in group.findall("adx:dataValue", ns):
            assert value.get("dataElement") and value.get("value").isdigit()
    cherepovets = next(g for g in groups if g.get("orgUnit") == "cherepovets")
    found = {
        (v.get("dataElement"), v.get("sex"), v.get("age_band"), v.get("value"))
        for v in cherepovets.findall("adx:dataValue", ns)
    }
    assert ("incidents", "F", "18-29", "20") in found
    cases = [v for v in root.iter(f"{{{ADX_NAMESPACE}}}dataValue") if v.get("dataElement") == "cases_opened"]
    assert cases and all(v.get("sex") in ("F", "M") and v.get("age_band") is None for v in cases)
    assert any(g.get("orgUnit") == world.region.code for g in groups)


@pytest.mark.parametrize(
    "code, expected",
    [
        ("202602", "2026-02-01/P1M"),
        ("2026Q3", "2026-07-01/P3M"),
        ("2026", "2026-01-01/P1Y"),
        ("2026W05", "2026-01-26/P7D"),
    ],
)
def test_adx_periods_are_an_iso_start_and_duration(code, expected):
    assert adx_period(parse_period(code)) == expected


def _published_numbers(export) -> list[int]:
    numbers = [v["value"] for v in parse_data_value_set(render_dhis2(export))]
    root = ET.fromstring(render_adx(export).encode())
    numbers += [int(v.get("value")) for v in root.iter(f"{{{ADX_NAMESPACE}}}dataValue")]
    rows = list(csv.DictReader(io.StringIO(render_csv(export).lstrip("\ufeff"))))
    numbers += [int(r["value"]) for r in rows if r["value"] != ""]
    return numbers


def test_no_exported_value_lies_between_one_and_the_threshold(facts):
    export = export_build(Q1)
    assert export.suppressed, "the test data must contain cells to hide"
    numbers = _published_numbers(export)
    assert numbers and not [n for n in numbers if 0 < n < THRESHOLD]


def recoverable(values: list[ExportValue], region: str) -> list[ExportValue]:
    """The suppressed figures that what an export publishes (in any of its formats) determines, by
    linear algebra.

    Unknowns: every district's figure for every combination, with "unknown" (no known district) as
    one more district. Equations: each published figure of a district is its value; each published
    figure of the region is the sum of the combination's district figures. A hidden figure is
    determined exactly when its unit vector lies in the row space of the equations."""
    cells = sorted({(v.data_element, v.combo, v.org_unit) for v in values if v.org_unit != region})
    cells += sorted({(v.data_element, v.combo, "unknown") for v in values} - set(cells))
    position = {cell: k for k, cell in enumerate(cells)}
    equations = [np.zeros(len(cells))]
    for v in values:
        if v.suppressed:
            continue
        row = np.zeros(len(cells))
        if v.org_unit == region:
            for (element, combo, _unit), k in position.items():
                if element == v.data_element and combo == v.combo:
                    row[k] = 1
        else:
            row[position[(v.data_element, v.combo, v.org_unit)]] = 1
        equations.append(row)
    matrix = np.array(equations)
    found = []
    # The equations of one combination share no unknown with another's: solve each apart.
    for group in sorted({(v.data_element, v.combo) for v in values}):
        columns = [k for cell, k in position.items() if cell[:2] == group]
        block = matrix[:, columns]
        block = block[np.any(block != 0, axis=1)]
        rank = np.linalg.matrix_rank(block) if len(block) else 0
        for v in values:
            if v.suppressed and v.org_unit != region and (v.data_element, v.combo) == group:
                unit = np.zeros((1, len(columns)))
                unit[0, columns.index(position[(v.data_element, v.combo, v.org_unit)])] = 1
                if np.linalg.matrix_rank(np.vstack([block, unit]) if len(block) else unit) == rank:
                    found.append(v)
    return found


def test_the_export_totals_do_not_reveal_a_suppressed_cell(facts, world):
    export = export_build(Q1)
    published = [*export.values, *export.suppressed, *export.unlocated]
    assert [v for v in export.suppressed if v.org_unit != world.region.code], "the test data must hide cells"
    assert export.unlocated, "the test data must have incidents of no known district"
    assert recoverable(published, world.region.code) == []


def test_the_recovery_check_finds_a_cell_that_a_lone_suppression_would_reveal(world):
    """Proof that the check above can fail: one hidden figure in a combination whose region total
    and other district figures are published."""
    region = world.region.code

    def value(unit, number):
        return ExportValue("s", "e", unit, unit, (("sex", "F"),), number, "primary" if number is None else "")

    lone = [value("a", 7), value("b", None), value("unknown", 0), value(region, 19)]
    assert [v.org_unit for v in recoverable(lone, region)] == ["b"]
    pair = [value("a", None), value("b", None), value("unknown", 0), value(region, 19)]
    assert recoverable(pair, region) == []


def test_the_csv_is_open_data_with_a_bom_a_suppressed_column_and_no_formulas(facts):
    text = render_csv(export_build(Q1))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == CSV_HEADER
    hidden = [r for r in rows if r["suppressed"]]
    assert hidden and all(r["value"] == "" for r in hidden)
    assert {r["suppressed"] for r in hidden} <= {"primary", "secondary", "agency"}
    shown = next(r for r in rows if r["org_unit"] == "cherepovets" and r["category_option_combo"] == "F_18-29")
    assert shown["value"] == "20" and shown["disaggregation"] == "sex=F; age_band=18-29"
    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("18-29") == "18-29"


def _map_everything(receiver: str, export) -> None:
    for kind, ours in _codes_needed(export):
        CodeMapping.objects.create(receiver=receiver, kind=kind, ours=ours, theirs=f"X_{ours}")


def test_a_receivers_mapping_is_applied_to_every_code(facts):
    _map_everything("moh", export_build(Q1, data_set="dv_quarterly"))
    document = json.loads(render_dhis2(export_build(Q1, data_set="dv_quarterly", receiver="moh")))
    assert document["dataSet"] == "X_dv_quarterly"
    for v in document["dataValues"]:
        assert v["dataElement"].startswith("X_") and v["orgUnit"].startswith("X_")
        assert v["categoryOptionCombo"].startswith("X_")
    assert {
        "dataElement": "X_incidents",
        "orgUnit": "X_cherepovets",
        "categoryOptionCombo": "X_F_18-29",
    }.items() <= next(
        v for v in document["dataValues"] if v["categoryOptionCombo"] == "X_F_18-29" and v["orgUnit"] == "X_cherepovets"
    ).items()


def test_adx_writes_a_receivers_combination_as_their_attributes(facts):
    _map_everything("adx-moh", export_build(Q1, data_set="dv_quarterly"))
    CodeMapping.objects.filter(receiver="adx-moh", ours="F_18-29").update(theirs="SEX=FEMALE;AGE=Y18_29")
    root = ET.fromstring(render_adx(export_build(Q1, data_set="dv_quarterly", receiver="adx-moh")).encode())
    values = [v.attrib for v in root.iter(f"{{{ADX_NAMESPACE}}}dataValue")]
    mapped = [v for v in values if "SEX" in v]
    assert mapped and all(v["dataElement"] == "X_incidents" and v["AGE"] == "Y18_29" for v in mapped)
    assert {"dataElement": "X_incidents", "SEX": "FEMALE", "AGE": "Y18_29", "value": "20"} in mapped
    assert all("sex" not in v for v in values)


def test_an_export_for_a_receiver_with_missing_codes_is_refused_with_the_list(facts, tmp_path):
    _map_everything("moh", export_build(Q1, data_set="dv_quarterly"))
    CodeMapping.objects.filter(receiver="moh", ours__in=["sokolsky", "M_30-44"]).delete()
    with pytest.raises(UnmappedCodes) as refused:
        export_build(Q1, data_set="dv_quarterly", receiver="moh")
    assert set(refused.value.missing) == {("org_unit", "sokolsky"), ("category_option_combo", "M_30-44")}
    out = tmp_path / "x.json"
    with pytest.raises(CommandError, match="sokolsky"):
        call_command("export_aggregates", "--period=2026Q1", "--format=dhis2", f"--out={out}", "--receiver=moh")
    assert not out.exists()
    allowed = export_build(Q1, data_set="dv_quarterly", receiver="moh", allow_unmapped=True)
    assert {v["orgUnit"] for v in json.loads(render_dhis2(allowed))["dataValues"]} >= {"sokolsky", "X_vologda"}


def test_a_dry_run_writes_no_file_and_says_what_it_would_export(facts, tmp_path):
    out = tmp_path / "q1.json"
    stdout = io.StringIO()
    call_command("export_aggregates", "--period=2026Q1", "--format=dhis2", f"--out={out}", "--dry-run", stdout=stdout)
    assert not out.exists() and os.listdir(tmp_path) == []
    text = stdout.getvalue()
    assert "dv_quarterly\tincidents\t" in text and "Dry run" in text
    export = export_build(Q1)
    assert f"{len(export.values)} values and {len(export.suppressed)} suppressed" in text
    assert "incidents\tvologda\tM_18-29\tprimary" in text


def test_the_command_writes_the_whole_file_and_records_the_export(facts, tmp_path):
    out = tmp_path / "q1.xml"
    call_command("export_aggregates", "--period=2026Q1", "--format=adx", f"--out={out}", stdout=io.StringIO())
    assert os.listdir(tmp_path) == ["q1.xml"]  # no temporary file left beside it
    ET.fromstring(out.read_bytes())
    event = AuditEvent.objects.filter(action="stats.export").last()
    assert event.extra["period"] == "2026Q1" and event.extra["format"] == "adx" and event.extra["values"] > 0


@pytest.mark.parametrize(
    "args, named",
    [
        (["--period=2026Q5", "--format=dhis2"], "2026Q1 (a quarter)"),
        (["--period=2026Q1", "--format=xls"], "dhis2, adx, csv"),
    ],
)
def test_a_bad_period_or_format_is_refused_with_the_accepted_values(db, tmp_path, args, named):
    with pytest.raises(CommandError, match=named.replace("(", r"\(").replace(")", r"\)")):
        call_command("export_aggregates", *args, f"--out={tmp_path / 'x'}")
    assert os.listdir(tmp_path) == []


# --- the pages ---------------------------------------------------------------------------------------


def test_the_analyst_exports_from_the_page_and_the_export_is_recorded(facts, world, client_for):
    client = client_for(world.alex)
    assert client.get("/stats/exports/").status_code == 200
    response = client.post("/stats/exports/", {"period": "2026Q1", "format": "dhis2", "data_set": "dv_quarterly"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    values = parse_data_value_set(b"".join(response).decode() if response.streaming else response.content.decode())
    event = AuditEvent.objects.filter(actor=world.alex, action="stats.export").last()
    assert event.decision == "allow" and event.purpose == "statistics"
    assert {k: event.extra[k] for k in ("period", "format", "data_set", "values")} == {
        "period": "2026Q1",
        "format": "dhis2",
        "data_set": "dv_quarterly",
        "values": len(values),
    }
    assert event.extra["suppressed"] > 0


def test_a_dry_run_from_the_page_shows_a_summary_and_sends_no_file(facts, world, client_for):
    response = client_for(world.alex).post("/stats/exports/", {"period": "2026Q1", "format": "adx", "dry_run": "on"})
    assert response.status_code == 200 and "Content-Disposition" not in response
    body = response.content.decode()
    assert 'id="per-element"' in body and "M_18-29" in body
    assert AuditEvent.objects.filter(actor=world.alex, action="stats.export").last().extra["dry_run"] is True


def test_a_missing_mapping_on_the_page_lists_the_codes(facts, world, client_for):
    CodeMapping.objects.create(receiver="moh", kind="data_set", ours="helpline", theirs="HL")
    response = client_for(world.alex).post(
        "/stats/exports/", {"period": "2026Q1", "format": "dhis2", "receiver": "moh"}
    )
    assert response.status_code == 400
    assert "incidents" in response.content.decode() and 'id="missing-codes"' in response.content.decode()


@pytest.mark.parametrize("name", ["kira", "anna"])
def test_roles_without_the_export_right_are_refused_and_the_refusal_is_recorded(facts, world, client_for, name):
    user = getattr(world, name)
    client = client_for(user)
    assert client.get("/stats/exports/").status_code == 403
    response = client.post("/stats/exports/", {"period": "2026Q1", "format": "csv"})
    assert response.status_code == 403 and b"vologda" not in response.content
    event = AuditEvent.objects.filter(actor=user, action="stats.export").last()
    assert event.decision == "deny" and event.extra["period"] == "2026Q1" and event.extra["values"] == 0


def test_the_analyst_adds_deletes_and_round_trips_mappings(world, client_for):
    client = client_for(world.alex)
    assert client.get("/stats/exports/mappings/").status_code == 200
    client.post("/stats/exports/mappings/", {"receiver": "moh", "kind": "org_unit", "ours": "vologda", "theirs": "OU1"})
    mapping = CodeMapping.objects.get(receiver="moh", ours="vologda")
    assert mapping.theirs == "OU1"
    text = client.get("/stats/exports/mappings.csv?receiver=moh").content.decode()
    assert text.startswith("\ufeff") and "moh,org_unit,vologda,OU1" in text
    client.post(f"/stats/exports/mappings/{mapping.pk}/delete/")
    assert not CodeMapping.objects.exists()
    upload = io.BytesIO(text.encode())
    upload.name = "mappings.csv"
    client.post("/stats/exports/mappings/import/", {"file": upload})
    assert list(CodeMapping.objects.values_list("receiver", "kind", "ours", "theirs")) == [
        ("moh", "org_unit", "vologda", "OU1")
    ]
    assert AuditEvent.objects.filter(actor=world.alex, action="stats.define").count() >= 5


def test_a_bad_mapping_file_names_the_row_and_changes_nothing(world):
    text = "receiver,kind,ours,theirs\nmoh,org_unit,vologda,OU1\nmoh,planet,mars,M\n"
    with pytest.raises(Exception, match="Row 3, field kind"):
        mappings_import(actor=world.alex, text=text)
    assert not CodeMapping.objects.exists()
    assert mappings_csv().splitlines() == ["\ufeffreceiver,kind,ours,theirs"]


@pytest.mark.parametrize("name", ["kira", "anna"])
def test_only_those_who_define_indicators_see_or_change_mappings(world, client_for, name):
    user = getattr(world, name)
    client = client_for(user)
    assert client.get("/stats/exports/mappings/").status_code == 403
    response = client.post(
        "/stats/exports/mappings/", {"receiver": "x", "kind": "org_unit", "ours": "a", "theirs": "b"}
    )
    assert response.status_code == 403
    assert client.get("/stats/exports/mappings.csv").status_code == 403
    assert not CodeMapping.objects.exists()
    assert AuditEvent.objects.filter(actor=user, action="stats.define", decision="deny").exists()


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/stats/exports/"),
        ("post", "/stats/exports/"),
        ("get", "/stats/exports/mappings/"),
        ("post", "/stats/exports/mappings/1/delete/"),
        ("get", "/stats/exports/mappings.csv"),
        ("post", "/stats/exports/mappings/import/"),
    ],
)
def test_a_signed_out_visitor_is_sent_to_sign_in(db, client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/account/login/" in response["Location"]
