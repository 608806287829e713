"""Background tasks of statistics, run by the database worker (`manage.py db_worker`)."""

from django_tasks import task

from .report import report_job_execute


@task()
def report_task(job: str) -> dict:
    """One governor's report made from the UI (its job's state file says how far it got)."""
    return report_job_execute(job)


@task()
def projection_refresh_task() -> dict:
    """One refresh of the projection asked for from the dashboard (changes since the last one)."""
    from .projection import projection_refresh

    return {str(r.domain): r.units for r in projection_refresh()}
