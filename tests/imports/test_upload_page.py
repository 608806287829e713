"""The import page: staff check a file (a dry run with its report), then import it whole; a refused
file shows its problems and is not kept; others do not get the page. A large file is checked and
imported by the background worker while its page shows a live progress bar, then the report; only
the one who started it sees it."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from safezone.audit.models import AuditEvent
from safezone.directory.models import Agency
from safezone.imports import attempts, services
from safezone.imports.models import ImportAttempt

pytestmark = pytest.mark.django_db

HEADER = ["Код", "Тип", "Название", "Название (англ.)", "Район", "Телефон", "Эл. почта"]
ROWS = [
    ["school-77", "school", "Средняя школа № 77", "Secondary school No. 77", "vologda", "+7 8172 72-00-77", ""],
    ["kdn-kharovsk", "комиссия по делам несовершеннолетних", "КДН Харовск", "", "sokolsky", "", ""],
    ["ngo-dawn", "ngo", "Рассвет", "Dawn", "vologda-oblast", "", ""],
]
FORMULA = ["school-78", "school", '=HYPERLINK("http://x")', "", "vologda", "", ""]


def _csv(rows) -> str:
    return "\r\n".join(";".join(cells) for cells in [HEADER, *rows]) + "\r\n"


@pytest.fixture
def staff(world, client_for, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return client_for(world.root)


@pytest.fixture
def large(monkeypatch):
    """Every file counts as large: it goes to the background worker, and progress is written at once."""
    monkeypatch.setattr(services, "PROGRESS_FROM_BYTES", 100)
    monkeypatch.setattr(attempts._Progress, "EVERY_SECONDS", 0)


@pytest.fixture
def work(monkeypatch):
    """The worker: takes what is queued, does it and stops (`manage.py db_worker --batch`)."""
    # Inside a test's transaction every connection looks old to the worker (see tests/linkage).
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    return lambda: call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def _upload(client, content: str, name="agencies.csv"):
    file = SimpleUploadedFile(name, content.encode("utf-8-sig"), content_type="text/csv")
    return client.post("/imports/", {"type": "agencies", "file": file})


def _fragment(client, attempt) -> str:
    return client.get(f"/imports/attempts/{attempt.pk}/", headers={"HX-Request": "true"}).content.decode()


def test_staff_check_a_file_and_then_import_it_whole(staff, tmp_path):
    checked = _upload(staff, _csv(ROWS))
    assert checked.status_code == 200
    result, token = checked.context["result"], checked.context["token"]
    assert result.dry_run and not result.refused and result.counts["created"] == 3
    assert not Agency.objects.filter(code="school-77").exists()  # a check changes nothing
    assert list((tmp_path / "imports").glob(f"{token}.*"))
    assert not ImportAttempt.objects.exists()  # a small file is checked there and then
    done = staff.post("/imports/", {"type": "agencies", "token": token, "file_name": "agencies.csv"})
    assert done.status_code == 200 and not done.context["result"].refused
    assert Agency.objects.get(code="school-77").name_ru == "Средняя школа № 77"
    assert not list((tmp_path / "imports").glob(f"{token}.*"))  # the waiting file is gone
    assert AuditEvent.objects.filter(action="import.done", actor__username="root").exists()
    again = staff.post("/imports/", {"type": "agencies", "token": token, "file_name": "agencies.csv"})
    assert again.status_code == 302  # the token was used up: nothing is imported twice by it


def test_a_refused_file_shows_row_and_column_and_is_not_kept(staff, tmp_path):
    checked = _upload(staff, _csv(ROWS[:1] + [FORMULA]))
    result = checked.context["result"]
    assert result.refused and checked.context["token"] == ""
    rows = {(p.row, p.field) for p in result.problems}
    assert (3, "Название") in rows
    assert not list((tmp_path / "imports").iterdir())
    assert "Ничего не импортировано" in checked.content.decode() or "Nothing was imported" in checked.content.decode()


def test_a_forged_token_imports_nothing(staff):
    response = staff.post("/imports/", {"type": "agencies", "token": "../../secret_key"})
    assert response.status_code == 302
    assert not Agency.objects.filter(code="school-77").exists()


def test_the_import_page_is_for_staff_only(world, client_for):
    for user in (world.anna, world.sveta, world.dasha):
        assert client_for(user).get("/imports/").status_code == 404


def test_a_large_file_is_checked_in_the_background_with_a_live_progress_bar_then_its_report(
    staff, large, work, tmp_path, monkeypatch
):
    response = _upload(staff, _csv(ROWS))
    attempt = ImportAttempt.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/attempts/{attempt.pk}/"
    assert attempt.status == "queued" and attempt.dry_run and attempt.task_id and attempt.started_by.username == "root"
    assert list((tmp_path / "imports").glob(f"{attempt.token}.*"))  # the file waits for the worker
    page = staff.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'role="progressbar"' in page and 'aria-valuenow="0"' in page
    assert "<script>" not in page and 'style="' not in page

    # What the page shows while the worker is in each pass of the pipeline.
    seen = []
    update = attempts._Progress.update

    def update_and_look(bar, n=1):
        update(bar, n)
        seen.append(_fragment(staff, attempt))

    monkeypatch.setattr(attempts._Progress, "update", update_and_look)
    work()

    assert seen, "the pipeline reported no progress"
    for fragment in seen:
        assert 'hx-trigger="every 1s"' in fragment and "<html" not in fragment
        assert re.search(r'role="progressbar"[^>]*aria-valuenow="\d+"', fragment)
    texts = " ".join(seen)
    assert re.search(r"Проверка: \d+ %", texts) and re.search(r"Импорт: \d+ %", texts)  # the dry run writes too

    attempt.refresh_from_db()
    assert attempt.status == "checked" and attempt.report["counts"]["created"] == 3
    assert attempt.rows_done == attempt.rows_total == 3 and attempt.bytes_total > 0
    assert not Agency.objects.filter(code="school-77").exists()  # a check changes nothing
    assert list((tmp_path / "imports").glob(f"{attempt.token}.*"))  # kept for its import
    assert not list((tmp_path / "imports").glob("*.progress"))
    report = _fragment(staff, attempt)
    assert "hx-trigger" not in report and 'role="progressbar"' not in report
    assert "Строк: 3; новых: 3" in report or "Rows: 3; new: 3" in report
    assert 'id="import-run" data-confirm=' in report and attempt.token in report  # it still asks first
    assert AuditEvent.objects.filter(action="import.dry_run", actor__username="root").count() == 1


def test_the_bar_counts_the_rows_and_how_far_each_pass_got(staff, large, work, monkeypatch):
    rows = [[f"ngo-{i}", "ngo", f"Фонд {i}", "", "vologda", "", ""] for i in range(2500)]
    _upload(staff, _csv(rows))
    attempt = ImportAttempt.objects.get()
    seen = []
    update = attempts._Progress.update

    def update_and_look(bar, n=1):
        update(bar, n)
        seen.append(_fragment(staff, attempt))

    monkeypatch.setattr(attempts._Progress, "update", update_and_look)
    work()
    texts = " ".join(seen)
    # The check reads 1,000 rows of about 2,500 lines; the import writes 500 rows of the 2,500 checked.
    assert re.search(r"Проверка: 40 %, 1\s000 (строк|rows)", texts) and 'aria-valuenow="40"' in texts
    assert re.search(r"Импорт: 20 %, 500 (строк|rows)", texts)
    attempt.refresh_from_db()
    assert attempt.status == "checked" and attempt.rows_done == 2500 and attempt.percent == 100


def test_the_import_after_a_background_check_runs_in_the_background_once(staff, large, work, tmp_path):
    _upload(staff, _csv(ROWS))
    work()
    checked = ImportAttempt.objects.get()
    assert checked.status == "checked", checked.error
    form = {"type": "agencies", "token": checked.token, "file_name": "forged.csv"}
    response = staff.post("/imports/", form)
    run = ImportAttempt.objects.get(dry_run=False)
    assert response.status_code == 302 and response["Location"] == f"/imports/attempts/{run.pk}/"
    assert run.status == "queued" and run.file_name == "agencies.csv"  # the checked file's name, not the form's
    assert not Agency.objects.filter(code="school-77").exists()  # nothing before the worker
    again = staff.post("/imports/", form)  # a second click while it waits
    assert again["Location"] == f"/imports/attempts/{run.pk}/" and ImportAttempt.objects.count() == 2

    work()

    run.refresh_from_db()
    assert run.status == "done" and run.report["counts"]["created"] == 3
    assert Agency.objects.get(code="school-77").name_ru == "Средняя школа № 77"
    assert not list((tmp_path / "imports").iterdir())  # the waiting file is gone
    fragment = _fragment(staff, run)
    assert "hx-trigger" not in fragment and ("импортирован" in fragment or "Imported" in fragment)
    assert 'id="import-run"' not in fragment
    events = AuditEvent.objects.filter(actor__username="root", object_type="import")
    assert sorted(events.values_list("action", flat=True)) == ["import.done", "import.dry_run"]  # one per attempt
    listing = staff.get("/imports/").content.decode()
    assert f"/imports/attempts/{run.pk}/" in listing and f"/imports/attempts/{checked.pk}/" in listing
    assert staff.post("/imports/", form).status_code == 302
    assert ImportAttempt.objects.count() == 2 and Agency.objects.filter(code="school-77").count() == 1


def test_a_large_refused_file_shows_its_problems_in_the_starters_language_and_is_not_kept(
    staff, large, work, tmp_path, settings
):
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _upload(staff, _csv(ROWS[:1] + [FORMULA]))
    work()  # the worker's own language is Russian
    attempt = ImportAttempt.objects.get()
    assert attempt.status == "refused" and attempt.language == "en"
    assert not list((tmp_path / "imports").iterdir())
    fragment = _fragment(staff, attempt)
    assert "Nothing was imported" in fragment and "formulas are not imported" in fragment
    assert 'id="import-run"' not in fragment
    assert not Agency.objects.filter(code="school-77").exists()
    assert AuditEvent.objects.filter(action="import.refused", actor__username="root").count() == 1
    refused_token = staff.post("/imports/", {"type": "agencies", "token": attempt.token})
    assert refused_token.status_code == 302 and not ImportAttempt.objects.filter(dry_run=False).exists()


def test_someone_elses_attempt_is_a_404_and_its_file_cannot_be_imported(world, staff, large, work, client):
    _upload(staff, _csv(ROWS))
    work()
    attempt = ImportAttempt.objects.get()
    other = world.alex
    other.is_staff = True
    other.save(update_fields=["is_staff"])
    client.force_login(other)
    assert client.get("/imports/").status_code == 200  # the page itself is theirs too
    assert client.get(f"/imports/attempts/{attempt.pk}/").status_code == 404
    assert client.get(f"/imports/attempts/{attempt.pk}/", headers={"HX-Request": "true"}).status_code == 404
    assert f"/imports/attempts/{attempt.pk}/" not in client.get("/imports/").content.decode()
    stolen = client.post("/imports/", {"type": "agencies", "token": attempt.token, "file_name": "x.csv"})
    assert stolen.status_code == 302
    assert not ImportAttempt.objects.filter(dry_run=False).exists()
    assert not Agency.objects.filter(code="school-77").exists()


def test_an_attempt_that_breaks_says_so_and_keeps_nothing(staff, large, work, tmp_path, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "import_run", broken)
    _upload(staff, _csv(ROWS))
    work()
    attempt = ImportAttempt.objects.get()
    assert attempt.status == "failed" and "disk full" in attempt.error and attempt.finished_at
    assert DBTaskResult.objects.get(id=attempt.task_id).status == "FAILED"
    fragment = _fragment(staff, attempt)
    assert "hx-trigger" not in fragment and "disk full" in fragment
    assert not list((tmp_path / "imports").iterdir())


def test_an_attempt_whose_worker_ended_without_a_word_is_closed_as_failed(staff, large):
    _upload(staff, _csv(ROWS))
    attempt = ImportAttempt.objects.get()
    DBTaskResult.objects.filter(id=attempt.task_id).update(status="FAILED")  # the worker was killed
    fragment = _fragment(staff, attempt)
    attempt.refresh_from_db()
    assert attempt.status == "failed" and "hx-trigger" not in fragment and "ended without" in fragment


def test_finished_attempts_and_their_reports_go_after_a_day(staff, large, work):
    _upload(staff, _csv(ROWS))
    work()
    old = ImportAttempt.objects.get()
    ImportAttempt.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    _upload(staff, _csv(ROWS))
    assert list(ImportAttempt.objects.values_list("status", flat=True)) == ["queued"]
    assert AuditEvent.objects.filter(action="import.dry_run", actor__username="root").count() == 1  # the trace stays
