"""Background tasks of imports, run by the database worker (`manage.py db_worker`)."""

from django_tasks import task

from .attempts import attempt_execute


@task()
def import_attempt_task(attempt_id: int) -> dict:
    """One check or import of a large uploaded file (an `ImportAttempt` row says how far it got)."""
    return attempt_execute(attempt_id)
