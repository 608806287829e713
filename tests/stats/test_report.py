"""The governor's quarterly report: a PDF made from disclosure-controlled figures, with a commentary
that follows them and never quotes a hidden one; the command, and the page that makes it in the
background for the analyst who asked and no one else."""

import datetime as dt
import hashlib
import re
import zlib
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from safezone.audit.models import AuditEvent
from safezone.directory.models import Territory
from safezone.stats.models import CaseFact, ContactFact, LabourFact, PopulationFigure, SchoolFact, ServiceFact
from safezone.stats.report import quarter_of, report_build, report_html, report_pdf

QUARTER = "2026Q1"
TODAY = dt.date(2026, 5, 4)


def _facts(model, element, day, district, count, **columns):
    """`count` counted as one fact row with that value (the sums need no more)."""
    # A unit is a pseudonym of at most 24 characters (PostgreSQL holds it to that).
    unit = hashlib.sha256(f"{element}-{day}-{count}".encode()).hexdigest()[:24]
    model.objects.create(element=element, unit=unit, day=day, district=district, value=count, **columns)


def quarter_facts(w, *, quarter=None, districts=None) -> None:
    """A quarter of the region's figures (2026Q1 unless said), with one small cell (3 girls of
    14–17) and one small total (3 meeting referrals)."""
    quarter = quarter or quarter_of(QUARTER)
    day = quarter.start + dt.timedelta(days=40)
    vologda, sokol = (districts or [w.vologda, w.sokolsky])[:2]
    _facts(CaseFact, "cases_opened", day, vologda, 200, sex="F", age_band="30-44")
    _facts(CaseFact, "cases_opened", day, sokol, 112, sex="F", age_band="18-29")
    for sex, band, p_sex, p_band, relationship, form, n in [
        ("F", "30-44", "M", "30-44", "spouse", "physical", 60),
        ("F", "18-29", "M", "18-29", "partner", "psychological", 40),
        ("M", "0-6", "M", "30-44", "parent", "neglect", 17),
        ("F", "14-17", "M", "45-59", "parent", "physical", 3),
    ]:
        common = {"sex": sex, "age_band": band, "perpetrator_sex": p_sex, "perpetrator_age_band": p_band}
        _facts(CaseFact, "incidents", day, vologda, n, relationship=relationship, **common)
        _facts(CaseFact, "incident_forms", day, vologda, n, form=form, **common)
    _facts(CaseFact, "meeting_referrals", day, vologda, 3, category="high_risk")
    _facts(ContactFact, "contacts", day, vologda, 50, category="call")
    _facts(ContactFact, "contact_issues", day, vologda, 30, category="violence_physical")
    _facts(ContactFact, "contact_issues", day, vologda, 20, category="domestic_violence")
    for month in quarter.months():
        _facts(ServiceFact, "shelter_nights", month.start, vologda, 50, sex="F", age_band="30-44")
        _facts(ServiceFact, "shelter_place_nights", month.start, vologda, 200)
    SchoolFact.objects.bulk_create(
        SchoolFact(element="flagged_pupils", unit=f"p{i}", subject=f"s{i}", day=day, district=vologda, sex="MF"[i % 2])
        for i in range(12)
    )
    last_month = quarter.months()[-1].start
    _facts(LabourFact, "children_in_chain", last_month, vologda, 6, category="identified")
    _facts(LabourFact, "children_in_chain", last_month, vologda, 7, category="tracking")


def earlier_facts(w, *, quarter=None) -> None:
    """The previous quarter (289 cases, 80 contacts, 10 meeting referrals) and a year earlier (340 cases)."""
    quarter = quarter or quarter_of(QUARTER)
    before, year_ago = quarter.previous().start + dt.timedelta(days=35), quarter.same_last_year().start
    _facts(CaseFact, "cases_opened", before, w.vologda, 289, sex="F")
    _facts(CaseFact, "meeting_referrals", before, w.vologda, 10, category="high_risk")
    _facts(ContactFact, "contacts", before, w.vologda, 80, category="call")
    _facts(CaseFact, "cases_opened", year_ago + dt.timedelta(days=35), w.vologda, 340, sex="F")


def population(w, *, year=2026) -> None:
    for district in (w.vologda, w.sokolsky):
        for sex in "FM":
            for band in ("18-29", "30-44", "45-59", "60+"):
                PopulationFigure.objects.create(
                    district=district, year=year, sex=sex, age_band=band, count=10000, source="Росстат"
                )


@pytest.fixture
def english():
    """Sentences in English, so the assertions do not wait for the Russian catalogue."""
    with translation.override("en"):
        yield


@pytest.fixture
def var(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def pdf_pages(pdf: bytes) -> int:
    """The pages a PDF declares: its /Type /Page objects, also inside compressed object streams."""
    texts = [pdf]
    for m in re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", pdf):
        try:
            texts.append(zlib.decompress(pdf[m.end() : m.end() + int(m[1])]))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", text)) for text in texts)


def _headline(report, code):
    return next(h for h in report.headlines if h.code == code)


# --- the commentary ---------------------------------------------------------------------------


def test_a_rise_against_the_previous_quarter_and_a_fall_against_last_year_are_written_out(world, english):
    quarter_facts(world)
    earlier_facts(world)
    report = report_build(quarter_of(QUARTER), today=TODAY)
    cases = _headline(report, "cases_opened")
    assert cases.value == 312
    assert [(c.direction, c.percent, c.before) for c in cases.changes] == [("rise", 8, 289), ("fall", 8, 340)]
    assert cases.text.startswith("312 cases were opened")
    assert "8\u00a0% more than in the previous quarter (289)" in cases.text
    assert "8\u00a0% less than a year earlier (Q1 2025: 340)" in cases.text or "less than a year earlier" in cases.text


def test_a_fall_beyond_the_threshold_is_called_out(world, english):
    quarter_facts(world)
    earlier_facts(world)
    report = report_build(quarter_of(QUARTER), today=TODAY)
    contacts = _headline(report, "contacts")
    assert contacts.changes[0].direction == "fall" and contacts.changes[0].percent == 38
    assert "38\u00a0% less than in the previous quarter (80)" in contacts.text
    called_out = report.commentary[-1]
    assert "falls:" in called_out and "helpline contacts" in called_out
    # +8 % is below the threshold of 10 %: not called out.
    assert "cases opened" not in called_out


def test_a_figure_without_earlier_data_says_there_is_nothing_to_compare_with(world, english):
    quarter_facts(world)
    report = report_build(quarter_of(QUARTER), today=TODAY)
    incidents = _headline(report, "incidents")
    assert [c.direction for c in incidents.changes] == ["none", "none"]
    assert incidents.text.startswith("120 incidents were recorded")
    assert "no figures of earlier periods to compare with" in incidents.text
    assert "%" not in incidents.text


def test_a_suppressed_figure_is_never_quoted_in_a_sentence(world, english):
    quarter_facts(world)
    earlier_facts(world)
    report = report_build(quarter_of(QUARTER), today=TODAY)
    meetings = _headline(report, "meeting_referrals")
    assert meetings.value is None
    assert [c.direction for c in meetings.changes] == ["withheld", "withheld"]
    assert "too small to publish" in meetings.text
    assert not re.search(r"\d", meetings.text)  # neither the 3 nor the 10 before it, nor a percentage
    everything = " ".join(report.commentary + report.targets.sentences)
    assert "70\u00a0%" not in everything  # (3 − 10) / 10: a change computed from the hidden figure


def test_a_figure_that_barely_moved_is_about_the_same_and_not_called_out(english):
    from safezone.stats.report import HEADLINES, headline, notable_sentence

    opening = dict(HEADLINES)["incidents"]
    same = headline("incidents", opening, 1003, 1000, 1300, quarter_of(QUARTER))
    assert [(c.direction, c.percent) for c in same.changes] == [("same", 0), ("fall", 23)]
    assert "about as many as in the previous quarter" in same.text and "23\u00a0% less" in same.text
    assert notable_sentence([same]).startswith("No figure moved by 10\u00a0%")


def test_a_quarter_with_nothing_says_so_in_each_section(world, english):
    report = report_build(quarter_of(QUARTER), today=TODAY)
    assert report.commentary == ["No figures were recorded in the quarter."]
    for section in report.sections:
        assert section.empty and not section.tables, section.key
    html = report_html(quarter_of(QUARTER), today=TODAY)
    assert "<table" not in html.split('id="page-victims"')[1]


# --- the tables ---------------------------------------------------------------------------------


class _Cells(HTMLParser):
    """The printed figures: the text of every numeric cell of the report's figure tables."""

    def __init__(self):
        super().__init__()
        self.cells, self._in_figure, self._in_cell, self._text = [], 0, False, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "figure" in (attrs.get("class") or ""):
            self._in_figure += 1
        if tag == "td" and self._in_figure and "num" in (attrs.get("class") or ""):
            self._in_cell, self._text = True, ""

    def handle_endtag(self, tag):
        if tag == "table" and self._in_figure:
            self._in_figure -= 1
        if tag == "td" and self._in_cell:
            self.cells.append(self._text.strip())
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self._text += data


def test_no_small_cell_is_printed_in_the_report(world, settings):
    quarter_facts(world)
    earlier_facts(world)
    html = report_html(quarter_of(QUARTER), today=TODAY)
    parser = _Cells()
    parser.feed(html)
    assert len(parser.cells) > 20
    for text in parser.cells:
        if text in ("×", "—") or text.endswith("%"):
            continue
        value = int(re.sub(r"\s", "", text))
        assert value == 0 or value >= settings.SAFEZONE_STATS_MIN_CELL, text
    # The 3 girls of 14–17 are hidden, with the footnote that says why.
    victims = html.split('id="table-victims"')[1].split("</table>")[0]
    assert "×" in victims
    assert "×" in html.split('id="table-victims"')[1].split('class="legend"')[0] + "×"
    assert 'class="legend"' in html.split('id="table-victims"')[1].split("</section>")[0]


def test_the_targets_are_read_against_the_domain_standards(world, english):
    quarter_facts(world)
    population(world)
    report = report_build(quarter_of(QUARTER), today=TODAY)
    rows = {row["name"]: row for row in report.targets.tables}
    assert len(rows) == 2
    # Meeting cases: 3 referrals are too few to publish a rate made of them.
    meeting = next(r for n, r in rows.items() if "meeting" in n.lower() or "встреч" in n.lower())
    assert meeting["value"] == "×"
    assert meeting["target"] == "9.86"  # 40 a year, pro rata for the 90 days of the quarter
    # Shelter places: 600 place-nights in 90 days are 6.67 places for 160,000 inhabitants: 0.42 per 10,000.
    shelter = next(r for n, r in rows.items() if r is not meeting)
    assert shelter["value"] == "0.42" and shelter["target"] == "1" and shelter["share"] == "42\u00a0%"
    assert any("0.42" in s and "below the target of 1" in s for s in report.targets.sentences)


def test_the_report_asks_a_bounded_number_of_queries_however_many_districts_have_figures(world):
    quarter_facts(world)
    with CaptureQueriesContext(connection) as few:
        report_html(quarter_of(QUARTER), today=TODAY)
    more = list(Territory.objects.filter(level=Territory.Level.DISTRICT).exclude(pk__in=[world.vologda.pk])[:6])
    for a, b in zip(more[::2], more[1::2]):
        quarter_facts(world, districts=[a, b])
    with CaptureQueriesContext(connection) as many:
        report_html(quarter_of(QUARTER), today=TODAY)
    # (On PostgreSQL each count sets its session options in one more statement.)
    assert len(many.captured_queries) == len(few.captured_queries) < 200


# --- the PDF and the command ----------------------------------------------------------------------


def test_the_pdf_has_a_title_page_and_a_page_per_part(world):
    quarter_facts(world)
    pdf, pages = report_pdf(quarter_of(QUARTER), today=TODAY)
    assert pdf.startswith(b"%PDF")
    assert pages >= 3
    assert pdf_pages(pdf) == pages


def test_the_command_writes_the_pdf_and_says_how_many_pages(world, tmp_path, capsys):
    quarter_facts(world)
    out = tmp_path / "q1.pdf"
    call_command("report", "quarterly", QUARTER, "--out", str(out))
    said = capsys.readouterr().out
    assert out.read_bytes().startswith(b"%PDF")
    pages = pdf_pages(out.read_bytes())
    assert pages >= 3 and f"{pages}" in said.splitlines()[-1]
    assert re.search(r"\[\d+/\d+\]", said)  # progress
    assert list(tmp_path.iterdir()) == [out]  # no spare file left behind
    event = AuditEvent.objects.filter(action="stats.view").last()
    assert event.extra["report"] == "quarterly" and event.extra["period"] == QUARTER


@pytest.mark.parametrize("period", ["2026Q5", "2026", "202601", "2026W05", "first quarter", ""])
def test_a_period_that_is_not_a_quarter_is_refused_with_the_form_to_write(world, tmp_path, period):
    out = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match="2026Q1"):
        call_command("report", "quarterly", period, "--out", str(out))
    assert not out.exists()


def test_a_failed_report_leaves_the_earlier_file_untouched(world, tmp_path, monkeypatch):
    out = tmp_path / "q1.pdf"
    out.write_bytes(b"%PDF earlier")

    def broken(*args, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr("safezone.stats.report.report_pdf", broken)
    with pytest.raises(RuntimeError):
        call_command("report", "quarterly", QUARTER, "--out", str(out))
    assert out.read_bytes() == b"%PDF earlier"


# --- the page -------------------------------------------------------------------------------------


@pytest.fixture
def worker(monkeypatch):
    """The worker: takes what is queued, does it and stops (`manage.py db_worker --batch`)."""
    # The worker closes connections between tasks; the test's transaction must survive it.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    return lambda: call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_the_analyst_makes_the_report_in_the_background_and_downloads_it(world, client_for, var, worker):
    quarter_facts(world)
    client = client_for(world.alex)
    page = client.get("/stats/report/")
    assert page.status_code == 200 and b'name="period"' in page.content
    response = client.post("/stats/report/", {"period": QUARTER})
    assert response.status_code == 302
    job_url = response["Location"]
    started = AuditEvent.objects.filter(actor=world.alex, action="stats.view").last()
    assert started.decision == "allow" and started.extra == {"report": "quarterly", "period": QUARTER}
    waiting = client.get(job_url, headers={"HX-Request": "true"})
    assert b"hx-trigger" in waiting.content and b"<progress" in waiting.content
    worker()
    done = client.get(job_url, headers={"HX-Request": "true"})
    assert b"hx-trigger" not in done.content
    download = re.search(rb'href="([^"]+report\.pdf)"', done.content)[1].decode()
    pdf = client.get(download)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "governor-report-2026Q1.pdf" in pdf["Content-Disposition"]
    listed = client.get("/stats/report/")
    assert download.encode() in listed.content


def test_only_the_starter_sees_their_report(world, client_for, var, worker):
    quarter_facts(world)
    job_url = client_for(world.alex).post("/stats/report/", {"period": QUARTER})["Location"]
    worker()
    kira = client_for(world.kira)  # a coordinator: she may see figures, but this is not her report
    assert kira.get(job_url).status_code == 404
    assert kira.get(job_url + "report.pdf").status_code == 404
    assert job_url.encode() not in kira.get("/stats/report/").content


def test_a_caseworker_is_refused_the_report_and_the_refusal_is_audited(world, client_for, var):
    client = client_for(world.anna)
    assert client.get("/stats/report/").status_code == 403
    assert client.post("/stats/report/", {"period": QUARTER}).status_code == 403
    refusal = AuditEvent.objects.filter(actor=world.anna, action="stats.view").last()
    assert refusal.decision == "deny" and refusal.extra == {"report": "quarterly", "period": QUARTER}
    assert not list((var / "reports").glob("*.json")) if (var / "reports").exists() else True


def test_a_quarter_not_offered_is_refused_on_the_page(world, client_for, var):
    response = client_for(world.alex).post("/stats/report/", {"period": "2026Q7"})
    assert response.status_code == 200 and b"is-invalid" in response.content


def test_the_action_plan_indicators_are_read_for_the_quarter(world, english):
    from safezone.programmes.models import Level
    from safezone.programmes.services import (
        ElementInput,
        IndicatorInput,
        PlanInput,
        actual_enter,
        element_create,
        indicator_create,
        plan_create,
    )

    quarter_facts(world)
    report = report_build(quarter_of(QUARTER), today=TODAY)
    assert report.plan.empty  # no plan yet: the part says so

    actor = world.alex
    plan = plan_create(actor=actor, data=PlanInput("План", "Plan", dt.date(2025, 1, 1), dt.date(2027, 12, 31)))
    goal = element_create(actor=actor, plan=plan, level=Level.GOAL, parent=None, data=ElementInput("1", "Цель"))
    indicator_create(
        actor=actor,
        element=goal,
        data=IndicatorInput("1-a", "Открыто случаев", Decimal(400), 2026, baseline=Decimal(100), baseline_year=2024,
                            registry_code="cases_opened"),
    )  # fmt: skip
    hand = indicator_create(
        actor=actor,
        element=goal,
        data=IndicatorInput("1-b", "Обучено специалистов", Decimal(200), 2027, baseline=Decimal(0), baseline_year=2024),
    )
    actual_enter(
        actor=actor,
        indicator=hand,
        expected_version=hand.version,
        period=QUARTER,
        value=Decimal(10),
        source="Отчёт учебного центра",
    )
    report = report_build(quarter_of(QUARTER), today=TODAY)
    rows = {row["code"]: row for row in report.plan.tables}
    assert rows["1-a"]["value"] == "312" and rows["1-a"]["percent"] == "71\u00a0%"
    assert rows["1-b"]["value"] == "10" and rows["1-b"]["standing"] == "behind"
    assert report.plan.sentences[0] == (
        "Of 2 indicators of the action plan: 0 reached their target, 1 on track, 1 behind, "
        "0 without a figure for the quarter."
    )
    assert "Behind:" in report.plan.sentences[-1]
    assert "Обучено специалистов" in report_html(quarter_of(QUARTER), today=TODAY)
