"""Background tasks of statistics, run by the database worker (`manage.py db_worker`)."""

from django_tasks import task

from .report import report_job_execute


@task()
def report_task(job: str) -> dict:
    """One governor's report made from the UI (its job's state file says how far it got)."""
    return report_job_execute(job)
