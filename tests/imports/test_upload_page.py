"""The import page: staff check a file (a dry run with its report), then import it whole; a refused
file shows its problems and is not kept; others do not get the page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safezone.audit.models import AuditEvent
from safezone.directory.models import Agency
from tests.imports.test_agencies_import import GOOD_ROWS, _csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(world, client_for, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return client_for(world.root)


def _upload(client, content: str, name="agencies.csv"):
    file = SimpleUploadedFile(name, content.encode("utf-8-sig"), content_type="text/csv")
    return client.post("/imports/", {"type": "agencies", "file": file})


def test_staff_check_a_file_and_then_import_it_whole(staff, tmp_path):
    checked = _upload(staff, _csv(GOOD_ROWS))
    assert checked.status_code == 200
    result, token = checked.context["result"], checked.context["token"]
    assert result.dry_run and not result.refused and result.counts["created"] == 3
    assert not Agency.objects.filter(code="school-1").exists()  # a check changes nothing
    assert list((tmp_path / "imports").glob(f"{token}.*"))
    done = staff.post("/imports/", {"type": "agencies", "token": token, "file_name": "agencies.csv"})
    assert done.status_code == 200 and not done.context["result"].refused
    assert Agency.objects.get(code="school-1").name_ru == "Средняя школа № 1"
    assert not list((tmp_path / "imports").glob(f"{token}.*"))  # the waiting file is gone
    assert AuditEvent.objects.filter(action="import.done", actor__username="root").exists()
    again = staff.post("/imports/", {"type": "agencies", "token": token, "file_name": "agencies.csv"})
    assert again.status_code == 302  # the token was used up: nothing is imported twice by it


def test_a_refused_file_shows_row_and_column_and_is_not_kept(staff, tmp_path):
    bad = GOOD_ROWS[:1] + [["school-1", "school", '=HYPERLINK("http://x")', "", "vologda", "", ""]]
    checked = _upload(staff, _csv(bad))
    result = checked.context["result"]
    assert result.refused and checked.context["token"] == ""
    rows = {(p.row, p.field) for p in result.problems}
    assert (3, "Название") in rows
    assert not list((tmp_path / "imports").iterdir())
    assert "Ничего не импортировано" in checked.content.decode() or "Nothing was imported" in checked.content.decode()


def test_a_forged_token_imports_nothing(staff):
    response = staff.post("/imports/", {"type": "agencies", "token": "../../secret_key"})
    assert response.status_code == 302
    assert not Agency.objects.filter(code="school-1").exists()


def test_the_import_page_is_for_staff_only(world, client_for):
    for user in (world.anna, world.sveta, world.dasha):
        assert client_for(user).get("/imports/").status_code == 404
