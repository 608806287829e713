"""The governor's report in a real Chromium: alex chooses the last quarter, watches the background
task's progress, downloads the PDF; then the PDF's pages are checked as images (rendered by PDFium
through pypdfium2, one PNG per page saved in the test's output folder): none is blank, and the
pages with charts have coloured bars or lines."""

import re

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from safezone.stats.periods import period_containing
from safezone.stats.report import report_html
from safezone.stats.services import definitions_sync
from tests.browser.test_browser import shoot, sign_in
from tests.stats.test_report import earlier_facts, pdf_pages, population, quarter_facts

pytestmark = pytest.mark.browser


def _ink(image: Image.Image) -> int:
    """Pixels that are not (nearly) white."""
    grey = image.convert("L")
    return sum(count for level, count in enumerate(grey.histogram()) if level < 235)


def _colour(image: Image.Image) -> int:
    """Pixels of a clear colour (bars, lines), not grey text or grid."""
    saturation = image.convert("RGB").convert("HSV").split()[1]
    return sum(saturation.histogram()[100:])


def test_the_analyst_makes_the_governors_report_and_its_pages_are_not_blank(
    live_server, live_world, page, output_path, settings, tmp_path, monkeypatch
):
    w, base = live_world, live_server.url
    settings.VAR_DIR = tmp_path
    definitions_sync()  # the transactional tests' flush removed the registry's rows
    quarter = period_containing(timezone.localdate(), "quarter").previous()
    quarter_facts(w, quarter=quarter)
    earlier_facts(w, quarter=quarter)
    population(w, year=quarter.start.year)

    sign_in(page, base, "alex")
    page.wait_for_url(re.compile(r"/$|/cases/|/stats/"))
    page.goto(f"{base}/stats/report/")
    expect(page.locator("#id_period")).to_have_value(quarter.code)  # the last finished quarter
    shoot(page, output_path, "report-1-choose")
    page.locator("#report-start").click()
    page.wait_for_url(re.compile(r"/stats/report/jobs/[\w-]+/$"))
    expect(page.locator("#report-progress progress")).to_be_visible()
    shoot(page, output_path, "report-2-waiting")

    # The worker takes the task (in this thread: the test's database connection).
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    expect(page.locator("#report-download")).to_be_visible(timeout=15000)  # the page polls by itself
    shoot(page, output_path, "report-3-ready")
    pdf = page.request.get(base + page.locator("#report-download").get_attribute("href")).body()
    assert pdf.startswith(b"%PDF")
    pages = pdf_pages(pdf)
    assert pages >= 3

    # The PDF's pages as images.
    document = pdfium.PdfDocument(pdf)
    coloured_pages = 0
    for i in range(len(document)):
        image = document[i].render(scale=1).to_pil()
        image.save(output_path_for(output_path, i))
        assert _ink(image) > 2000, f"page {i + 1} is blank"
        coloured_pages += _colour(image) > 2000
    # The charts (districts, forms, relationships, trend, helpline, meetings, schools, chain...).
    assert coloured_pages >= 4, coloured_pages

    # The same HTML laid out in Chromium: every part has something in it.
    page.goto("about:blank")  # out of the site, whose Content-Security-Policy would drop the report's <style>
    page.set_content(report_html(quarter))
    # No part is empty: each says in words when it has nothing, and none prints an empty table.
    assert page.locator("table.figure tbody tr").count() > 20
    for i in range(page.locator("section.part").count()):
        part = page.locator("section.part").nth(i)
        assert part.locator("table, .chart, p, li").count() > 0


def output_path_for(output_path, i: int):
    from pathlib import Path

    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"report-page-{i + 1:02d}.png"
