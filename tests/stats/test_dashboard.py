"""The statistics pages: the dashboard and its downloads publish no small figure, bad filters get a
clear 400, only analysts and coordinators get in (and every refusal is recorded), and indicator
definitions are versioned data that analysts define with a confirmation step."""

import csv
import hashlib
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from safezone.audit.models import AuditEvent
from safezone.stats.models import CaseFact, ContactFact, Indicator
from safezone.stats.views import _safe

pytestmark = pytest.mark.django_db

PERIOD = "2026Q2"
DAY = date(2026, 5, 12)


def _incidents(world, district, sex, band, count, *, relationship="spouse"):
    for i in range(count):
        CaseFact.objects.create(
            element="incidents",
            unit=hashlib.sha256(f"{district.pk}-{sex}-{band}-{relationship}-{i}".encode()).hexdigest()[:24],
            day=DAY,
            district_id=district.pk,
            sex=sex,
            age_band=band,
            relationship=relationship,
        )


@pytest.fixture
def facts(world):
    """Incidents in two districts with some small cells: Vologda F 30-44 12, F 18-29 3, M 30-44 2;
    Sokolsky F 30-44 6, M 45-59 1; and 3 cases opened (a small indicator numerator)."""
    _incidents(world, world.vologda, "F", "30-44", 12)
    _incidents(world, world.vologda, "F", "18-29", 3)
    _incidents(world, world.vologda, "M", "30-44", 2, relationship="partner")
    _incidents(world, world.sokolsky, "F", "30-44", 6)
    _incidents(world, world.sokolsky, "M", "45-59", 1, relationship="partner")
    for i in range(3):
        CaseFact.objects.create(
            element="cases_opened", unit=f"case-{i}", day=DAY, district_id=world.vologda.pk, sex="F"
        )
    return world


def _data_rows(text: str) -> list[list[str]]:
    """The table of a CSV download: the rows before the blank line that starts the notes."""
    rows = []
    for row in csv.reader(io.StringIO(text)):
        if not row:
            break
        rows.append(row)
    return rows


def _no_small(values) -> list:
    """The published numbers among values; fails on any from 1 to 4."""
    numbers = [int(v) for v in values if isinstance(v, int) or (isinstance(v, str) and v.isdigit())]
    small = [n for n in numbers if 0 < n < 5]
    assert not small, f"small figures published: {small}"
    return numbers


# --- access --------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["alex", "kira"])
def test_analysts_and_coordinators_see_the_dashboard_and_the_read_is_recorded(facts, client_for, who):
    user = getattr(facts, who)
    response = client_for(user).get(f"/stats/?period={PERIOD}")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(actor=user, action="stats.view").last()
    assert event.decision == "allow"
    assert event.extra["page"] == "dashboard" and event.extra["period"] == PERIOD


@pytest.mark.parametrize("who", ["anna", "dasha", "nemo"])
@pytest.mark.parametrize(
    "url",
    ["/stats/", f"/stats/download/incidents.csv?rows=district&period={PERIOD}", "/stats/definitions/"],
)
def test_roles_without_statistics_are_refused_and_the_refusal_is_recorded(facts, client_for, who, url):
    user = getattr(facts, who)
    before = AuditEvent.objects.count()
    response = client_for(user).get(url)
    assert response.status_code == 403
    assert "data-value" not in response.content.decode()  # not a figure
    denial = AuditEvent.objects.filter(actor=user, action="stats.view").last()
    assert denial is not None and denial.seq > before and denial.decision == "deny"


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/stats/"),
        ("get", "/stats/download/incidents.csv?rows=district"),
        ("get", "/stats/definitions/"),
        ("post", "/stats/definitions/new/"),
    ],
)
def test_a_signed_out_visitor_is_sent_to_sign_in(world, client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert not Indicator.objects.filter(created_by__isnull=False).exists()


# --- no small figure leaves ----------------------------------------------------------------------
def test_a_csv_download_publishes_no_figure_from_1_to_4_and_says_what_it_hid(facts, client_for):
    response = client_for(facts.alex).get(f"/stats/download/incidents.csv?rows=district&columns=sex&period={PERIOD}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith("\ufeff".encode())  # Excel reads the Cyrillic as UTF-8
    text = raw.decode("utf-8-sig")
    rows = _data_rows(text)
    numbers = _no_small(v for row in rows[1:] for v in row[1:])
    assert 24 in numbers  # the grand total: big enough to publish
    assert any("x" in row[1:] for row in rows)
    notes = text.split("\n\n", 1)[1] if "\n\n" in text else text.split("\r\n\r\n", 1)[1]
    assert "Sokol" in notes or "Сокол" in notes  # the hidden cells are named in the notes


def test_an_xlsx_download_publishes_no_figure_from_1_to_4_and_has_a_notes_sheet(facts, client_for):
    response = client_for(facts.alex).get(
        f"/stats/download/incidents.xlsx?rows=age_band&columns=sex&period={PERIOD}&district={facts.vologda.pk}"
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    figures, notes = book.worksheets
    cells = [cell.value for row in figures.iter_rows(min_row=2, min_col=2) for cell in row]
    assert 17 in _no_small(cells)  # Vologda's grand total
    assert "x" in cells
    assert any(row[0] == "x" for row in notes.iter_rows(values_only=True))


def test_the_dashboard_shows_no_small_figure_in_any_table_or_indicator(facts, client_for):
    body = client_for(facts.alex).get(f"/stats/?period={PERIOD}").content.decode()
    published = [int(v) for v in re.findall(r'data-value="(\d+)"', body)]
    assert published and not [n for n in published if 0 < n < 5]
    assert 'class="text-end text-muted suppressed"' in body
    # Three cases opened: the indicator "cases opened" is hidden, not computed.
    indicators = body.split('id="table-indicators"')[1].split("</table>")[0]
    row = next(r for r in indicators.split("<tr>") if "?code=cases_opened" in r)
    assert "suppressed" in row and 'data-value="3"' not in row


def test_the_dashboard_follows_the_district_filter(facts, client_for):
    body = client_for(facts.alex).get(f"/stats/?period={PERIOD}&district={facts.sokolsky.pk}").content.decode()
    table = body.split('id="table-cases-by-district"')[1].split("</table>")[0]
    assert "Сокол" in table and "Вологда" not in table


def test_a_changed_period_kind_keeps_the_period_it_was_in(facts, client_for):
    response = client_for(facts.alex).get("/stats/?kind=month&period=2026Q2")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(actor=facts.alex, action="stats.view").last()
    assert event.extra["period"] == "202606"


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_written_as_text(facts, client_for):
    for i in range(6):
        ContactFact.objects.create(element="contact_issues", unit=f"c{i}", day=DAY, category="=HYPERLINK(1)")
    text = (
        client_for(facts.alex)
        .get(f"/stats/download/contact_issues.csv?rows=category&period={PERIOD}")
        .content.decode("utf-8-sig")
    )
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text
    assert _safe("+1") == "'+1" and _safe("@x") == "'@x" and _safe("-") == "'-" and _safe("Вологда") == "Вологда"


# --- bad parameters ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url, named",
    [
        ("/stats/?period=2026Q9", "2026Q9"),
        ("/stats/?period=2026W05", "period"),
        ("/stats/?period=2031", "period"),
        ("/stats/?district=999999", "district"),
        (f"/stats/download/incidents.csv?rows=colour&period={PERIOD}", "rows"),
        (f"/stats/download/incidents.csv?rows=district&columns=district&period={PERIOD}", "columns"),
        (f"/stats/download/incidents.xlsx?rows=district&columns=form&period={PERIOD}", "columns"),
        ("/stats/download/incidents.csv?period=2026Q0", "period"),
    ],
)
def test_bad_parameters_get_400_with_a_message_naming_them(facts, client_for, url, named):
    response = client_for(facts.alex).get(url)
    assert response.status_code == 400
    assert named in response.content.decode()


def test_an_unknown_data_element_is_not_found(facts, client_for):
    assert client_for(facts.alex).get(f"/stats/download/nothing.csv?period={PERIOD}").status_code == 404


# --- definitions ---------------------------------------------------------------------------------
def test_the_definitions_page_documents_every_current_element_and_indicator(facts, client_for):
    body = client_for(facts.kira).get("/stats/definitions/").content.decode()
    for code in ("cases_opened", "incident_forms", "children_in_chain", "meeting_cases_per_10k_women"):
        assert f"<code>{code}</code>" in body
    assert "meeting_referrals / population" in body  # the formula, in words
    assert "× 10" in body
    assert "/stats/definitions/new/" not in body  # a coordinator may not define


def test_an_analyst_defines_a_new_version_after_confirming_and_the_old_one_is_kept(facts, client_for):
    client = client_for(facts.alex)
    old = Indicator.objects.get(code="meeting_repeat_share", is_current=True)
    form = client.get("/stats/definitions/new/?code=meeting_repeat_share").context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data["factor"] = 1000
    first = client.post("/stats/definitions/new/", data)
    page = first.content.decode()
    assert first.status_code == 200 and 'name="confirm" value="yes"' in page
    assert 'id="changes"' in page and "1000" in page
    assert Indicator.objects.filter(code="meeting_repeat_share").count() == 1  # nothing saved yet
    done = client.post("/stats/definitions/new/", {**data, "confirm": "yes"})
    assert done.status_code == 302
    versions = list(Indicator.objects.filter(code="meeting_repeat_share").order_by("version"))
    assert [(v.version, v.is_current, v.factor) for v in versions] == [
        (old.version, False, old.factor),
        (old.version + 1, True, 1000),
    ]
    assert versions[-1].created_by == facts.alex
    history = client.get("/stats/definitions/?code=meeting_repeat_share").content.decode()
    assert f"indicator-meeting_repeat_share-v{old.version}" in history
    assert f"indicator-meeting_repeat_share-v{old.version + 1}" in history


def test_a_new_indicator_needs_known_elements_their_disaggregations_and_a_factor_of_one_or_more(facts, client_for):
    client = client_for(facts.alex)
    data = {
        "code": "police_share",
        "name_ru": "Доля сообщённых в полицию",
        "name_en": "Reported to the police",
        "description_ru": "Инциденты, о которых сообщено в полицию, %.",
        "description_en": "Incidents reported to the police, %.",
        "numerator": "incidents",
        "numerator_filter": "form=physical",  # incidents have no form: incident_forms has
        "denominator": "incidents",
        "denominator_filter": "",
        "factor": "0",
    }
    response = client.post("/stats/definitions/new/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "numerator_filter" in errors and "factor" in errors
    assert client.post("/stats/definitions/new/", {**data, "numerator": "nothing"}).status_code == 400
    assert not Indicator.objects.filter(code="police_share").exists()
    data.update(numerator_filter="category=police", factor="100", confirm="yes")
    assert client.post("/stats/definitions/new/", data).status_code == 302
    created = Indicator.objects.get(code="police_share")
    assert created.version == 1 and created.is_current and created.numerator_filter == {"category": ["police"]}


def test_a_coordinator_may_not_define_an_indicator_and_the_refusal_is_recorded(facts, client_for):
    response = client_for(facts.kira).get("/stats/definitions/new/")
    assert response.status_code == 403
    denial = AuditEvent.objects.filter(actor=facts.kira, action="stats.define").last()
    assert denial.decision == "deny"


def test_an_analyst_asks_for_fresh_figures_once_and_the_worker_brings_them(world, client_for, monkeypatch):
    from django.core.management import call_command

    from safezone.stats.models import Refresh

    client = client_for(world.alex)
    page = client.get("/stats/")
    assert b"Bring the figures up to date" in page.content or "Обновить".encode() in page.content
    assert client.post("/stats/refresh/", {"next": "/stats/?kind=quarter"})["Location"] == "/stats/?kind=quarter"
    # A second ask while the first waits queues nothing more.
    client.post("/stats/refresh/")
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path="safezone.stats.tasks.projection_refresh_task").count() == 1
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert Refresh.objects.filter(domain="cases").exists()
    assert CaseFact.objects.filter(element="cases_opened").count() == 4  # the world's cases


def test_a_coordinator_may_not_ask_for_a_refresh(world, client_for):
    assert client_for(world.kira).post("/stats/refresh/").status_code == 403
    assert AuditEvent.objects.filter(actor=world.kira, action="stats.define").last().decision == "deny"
