"""Batch linkage as a background task: the steward starts a run, the database worker carries it out,
the run's page shows how far it got; one run at a time; a failed or abandoned run says so."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from safezone.audit.models import AuditEvent
from safezone.linkage.models import CandidatePair, LinkageRun
from safezone.linkage.services import RunRefused, linkage_run_start
from safezone.linkage.synthetic import records
from tests.linkage.conftest import register_rows


@pytest.fixture
def register(db, tmp_path, settings):
    """600 synthetic records in the register, and a model file of this test's own."""
    settings.SAFEZONE_LINKAGE_MODEL = tmp_path / "model.json"
    rows, _ = records(600, seed=9)
    return register_rows(rows)


@pytest.fixture
def work(monkeypatch):
    """The worker: takes what is queued, does it and stops (`manage.py db_worker --batch`)."""
    # The worker closes "old" connections between tasks, and inside a test's transaction every
    # connection looks old: on PostgreSQL that would close the test's own connection.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    return lambda: call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_a_run_started_on_the_page_is_done_by_the_worker_with_its_progress_shown(
    world, steward, register, client, work
):
    client.force_login(steward)
    response = client.post("/linkage/runs/", {"retrain": "on"})
    run = LinkageRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/linkage/runs/{run.pk}/"
    assert run.status == LinkageRun.Status.QUEUED and run.retrain and run.task_id
    page = client.get(f"/linkage/runs/{run.pk}/").content.decode()
    assert 'hx-trigger="every 5s"' in page  # the bar refreshes itself while the run is live
    started = AuditEvent.objects.filter(actor=steward, action="linkage.run", decision="allow").count()
    assert started >= 2  # starting it and reading its page were decided and recorded

    work()

    run.refresh_from_db()
    assert run.status == LinkageRun.Status.DONE and run.live is None and run.progress == 1.0
    assert run.persons >= 600 and run.pairs > 0 and run.new == CandidatePair.objects.count() > 0
    fragment = client.get(f"/linkage/runs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and "<html" not in fragment and str(run.new) in fragment
    assert '<progress class="w-100" value="100" max="100"' in fragment
    assert AuditEvent.objects.filter(action="linkage.run", object_type="linkagerun", object_id=str(run.pk)).exists()
    listing = client.get("/linkage/runs/").content.decode()
    assert f"/linkage/runs/{run.pk}/" in listing and "Запустить связывание" in listing


def test_one_run_at_a_time(world, steward, register, client, work):
    first = linkage_run_start(actor=steward)
    with pytest.raises(RunRefused):
        linkage_run_start(actor=steward)
    client.force_login(steward)
    response = client.post("/linkage/runs/", {}, follow=True)
    assert "уже выполняется" in response.content.decode()
    assert LinkageRun.objects.count() == 1
    work()
    first.refresh_from_db()
    assert first.status == LinkageRun.Status.DONE
    second = linkage_run_start(actor=steward)  # the first has finished: a new one may start
    assert second.pk != first.pk


def test_a_run_that_fails_says_why_and_frees_the_queue(world, steward, register, monkeypatch, work):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("safezone.linkage.register.link_register", broken)
    run = linkage_run_start(actor=steward)
    work()
    run.refresh_from_db()
    assert run.status == LinkageRun.Status.FAILED and run.live is None
    assert "disk full" in run.error
    assert CandidatePair.objects.count() == 0


def test_a_run_whose_worker_died_is_closed_when_the_next_is_asked_for(world, steward, register, settings):
    stuck = LinkageRun.objects.create(started_by=steward, status=LinkageRun.Status.RUNNING)
    LinkageRun.objects.filter(pk=stuck.pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=settings.SAFEZONE_LINKAGE_STALE_HOURS + 1)
    )
    fresh = linkage_run_start(actor=steward)
    stuck.refresh_from_db()
    assert stuck.status == LinkageRun.Status.FAILED and stuck.live is None and "no progress" in stuck.error
    assert fresh.live is True


def test_the_command_line_run_is_recorded_like_the_pages(world, register, capsys):
    call_command("link_persons")
    run = LinkageRun.objects.get()
    assert run.started_by is None and run.status == LinkageRun.Status.DONE and run.progress == 1.0
    assert f"{run.persons} persons, {run.pairs} pairs" in capsys.readouterr().out


def test_only_a_steward_may_run_linkage_or_see_runs(world, register, client_for):
    from safezone.access.services import AccessDenied

    with pytest.raises(AccessDenied):
        linkage_run_start(actor=world.anna)
    assert LinkageRun.objects.count() == 0
    client = client_for(world.anna)
    assert client.post("/linkage/runs/", {"retrain": "on"}).status_code == 404
    assert client.get("/linkage/runs/").status_code == 404
    assert LinkageRun.objects.count() == 0
    denied = AuditEvent.objects.filter(actor=world.anna, action="linkage.run", decision="deny")
    assert denied.count() == 3


def test_an_interrupted_command_line_run_is_closed_and_frees_the_queue(world, register, monkeypatch):
    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("safezone.linkage.register.link_register", interrupted)
    with pytest.raises(KeyboardInterrupt):
        call_command("link_persons")
    run = LinkageRun.objects.get()
    assert run.status == LinkageRun.Status.FAILED and run.live is None


def test_a_run_whose_task_cannot_be_queued_is_not_left_behind(world, steward, register, monkeypatch):
    from safezone.linkage.tasks import link_register_task

    def broken(*args, **kwargs):
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(type(link_register_task), "enqueue", broken)
    with pytest.raises(RuntimeError):
        linkage_run_start(actor=steward)
    assert LinkageRun.objects.count() == 0
