"""The governor's report for the demo region: `manage.py report` on the small demo writes a PDF whose
pages, rendered as images (PDFium, saved beside the other test output), are none of them blank,
whose charts are drawn in colour, and whose every part has a table or chart (no empty section)."""

from pathlib import Path

import pypdfium2 as pdfium
import pytest

QUARTER = "2026Q3"

SECTIONS = f"""
import json
from datetime import date
from django.utils import translation
from safezone.stats.report import report_build, quarter_of
translation.activate("ru")
r = report_build(quarter_of("{QUARTER}"), today=date(2026, 11, 30))
parts = [r.targets, r.plan, *r.sections]
print(json.dumps({{p.key: {{"empty": str(p.empty), "tables": len(p.tables), "charts": len(p.charts)}} for p in parts}}))
"""


def _ink(image) -> int:
    grey = image.convert("L")
    return sum(count for level, count in enumerate(grey.histogram()) if level < 235)


def _colour(image) -> int:
    saturation = image.convert("RGB").convert("HSV").split()[1]
    return sum(saturation.histogram()[100:])


@pytest.fixture
def pages_folder(request) -> Path:
    folder = Path(request.config.getoption("--output", default="test-results")) / "demo-governors-report"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_demo_regions_report_has_pages_with_ink_real_charts_and_no_empty_part(small_demo, tmp_path, pages_folder):
    out = tmp_path / "report.pdf"
    done = small_demo.manage("report", "quarterly", QUARTER, "--out", str(out))
    assert done.returncode == 0, done.stderr
    document = pdfium.PdfDocument(out.read_bytes())
    assert len(document) >= 10
    coloured = 0
    for i in range(len(document)):
        image = document[i].render(scale=1).to_pil()
        image.save(pages_folder / f"page-{i + 1:02d}.png")
        assert _ink(image) > 2000, f"page {i + 1} is blank"
        coloured += _colour(image) > 2000
    assert coloured >= 5, coloured  # the trend, forms, helpline, shelters, pupils, the chain...

    parts = small_demo.facts(SECTIONS)
    for key, part in parts.items():
        assert not part["empty"], f"{key}: {part['empty']}"
        assert part["tables"] or part["charts"], key
    assert len(parts) == 12  # the targets, the action plan and every breakdown were looked at
