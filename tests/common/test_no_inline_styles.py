"""The Content-Security-Policy allows no inline style: a style="" attribute in a template would be
dropped by the browser (a progress bar without its width), so none may be written. Templates that
WeasyPrint turns into PDF (they carry an @page rule) never reach a browser and keep their styles."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_carries_an_inline_style():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if "@page" not in path.read_text(encoding="utf-8")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if 'style="' in line or "<style" in line
    ]
    assert offenders == []
