"""Helpers for the history rows django-simple-history keeps beside each table."""


def history_purge(model, ids) -> int:
    """Delete the history rows of these records of `model` (retention: the past versions hold the
    same personal data as the record). Returns how many rows went."""
    history = getattr(model, "history", None)
    if history is None or not ids:
        return 0
    deleted, _per_model = history.model.objects.filter(id__in=list(ids)).delete()
    return deleted
