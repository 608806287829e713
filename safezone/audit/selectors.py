"""Reads of the audit log, for the data-protection officer's pages."""

from django.db.models import QuerySet

from .models import AuditEvent, AuditSubject


def events_about(object_type: str, ids: list) -> QuerySet[AuditEvent]:
    """Events that concern any of these records (read, listed, searched, changed), newest first."""
    event_ids = AuditSubject.objects.filter(object_type=object_type, object_id__in=[str(i) for i in ids]).values(
        "event_id"
    )
    return AuditEvent.objects.filter(seq__in=event_ids).select_related("agency").order_by("-seq")


def events_by(user_id: int) -> QuerySet[AuditEvent]:
    """Everything one user did, newest first."""
    return AuditEvent.objects.filter(actor_id=user_id).select_related("agency").order_by("-seq")


def filtered(events: QuerySet[AuditEvent], params) -> QuerySet[AuditEvent]:
    """Events narrowed by the page's filters: action, decision, from and to dates (YYYY-MM-DD)."""
    import datetime as dt

    if params.get("action"):
        events = events.filter(action=params["action"])
    if params.get("decision") in ("allow", "deny"):
        events = events.filter(decision=params["decision"])
    for key, lookup in (("from", "occurred_at__date__gte"), ("to", "occurred_at__date__lte")):
        try:
            events = events.filter(**{lookup: dt.date.fromisoformat(params.get(key, ""))})
        except ValueError:
            pass
    return events
