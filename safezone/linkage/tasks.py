"""Background tasks of linkage, run by the database worker (`manage.py db_worker`)."""

from django_tasks import task

from .services import linkage_run_execute


@task()
def link_register_task(run_id: int) -> dict:
    """One batch linkage run of the register (a `LinkageRun` row says how far it got)."""
    return linkage_run_execute(run_id)
