"""Appending to the audit log, and checking that nobody changed it."""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent, AuditSubject

GENESIS = "0" * 64
# Any fixed number: PostgreSQL advisory lock that serialises appends to the chain.
_PG_LOCK_KEY = 7_212_031_501


def _payload(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: every field but the hash itself."""
    data = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_username": event.actor_username,
        "agency": event.agency_id,
        "request_id": event.request_id,
        "action": event.action,
        "decision": event.decision,
        "rule": event.rule,
        "purpose": event.purpose,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "extra": event.extra,
        "ip": event.ip,
        "path": event.path,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def event_hash(event: AuditEvent) -> str:
    """SHA-256 of the event's payload, hex."""
    return hashlib.sha256(_payload(event)).hexdigest()


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    agency=None,
    actor,
    action: str,
    request=None,
    purpose: str = "",
    decision: str = "",
    rule: str = "",
    object_type: str = "",
    object_id="",
    extra: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain; returns it. Raises if it cannot be written (no trace, no read)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    # Built before the chain's lock is taken, so that the lock is held for the append alone: every
    # append in the system waits for it (bench/hotline_api.py measured it as the ceiling).
    event = AuditEvent(
        actor=user,
        actor_username=user.get_username() if user else "",
        agency=agency,
        request_id=getattr(request, "request_id", "") if request is not None else "",
        action=action,
        decision=decision,
        rule=rule[:255],
        purpose=purpose,
        object_type=object_type,
        object_id=str(object_id) if object_id not in (None, "") else "",
        extra=extra or {},
        ip=_client_ip(request),
        path=(request.get_full_path()[:500] if request is not None else ""),
    )
    subjects = expected_subjects(event)
    # No savepoint inside a caller's transaction: a failed append fails the caller's work too.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        # On SQLite the IMMEDIATE transaction already holds the database's write lock.
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        event.seq, event.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        event.occurred_at = timezone.now()
        event.hash = event_hash(event)
        event.save(force_insert=True)
        if subjects:
            AuditSubject.objects.bulk_create(
                [AuditSubject(event=event, object_type=t, object_id=i) for t, i in subjects]
            )
    return event


def expected_subjects(event: AuditEvent) -> list[tuple[str, str]]:
    """The records an event concerns: its record, and each id a list or search showed."""
    subjects = []
    if event.object_type and event.object_id:
        subjects.append((event.object_type, event.object_id))
    if event.object_type and isinstance(event.extra, dict):
        subjects += [(event.object_type, str(i)) for i in event.extra.get("ids", []) or []]
    return subjects


@dataclass
class VerifyResult:
    """What a walk along the chain found."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify(*, chunk_size: int = 5000, progress=None) -> VerifyResult:
    """Walk the whole chain; report gaps, broken links, changed events and tampered subject rows."""
    result = VerifyResult()
    expected_seq, prev_hash = 1, GENESIS
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)
    while True:
        chunk = [e for _, e in zip(range(chunk_size), events)]
        if not chunk:
            break
        stored: dict[int, list] = {}
        for event_id, object_type, object_id in AuditSubject.objects.filter(
            event_id__gte=chunk[0].seq, event_id__lte=chunk[-1].seq
        ).values_list("event_id", "object_type", "object_id"):
            stored.setdefault(event_id, []).append((object_type, object_id))
        for event in chunk:
            if event.seq != expected_seq:
                result.problems.append(f"event #{expected_seq} to #{event.seq - 1} missing")
            if event.prev_hash != prev_hash:
                result.problems.append(f"event #{event.seq}: link to the previous event is broken")
            if event_hash(event) != event.hash:
                result.problems.append(f"event #{event.seq}: content does not match its hash (changed)")
            if sorted(stored.get(event.seq, [])) != sorted(expected_subjects(event)):
                result.problems.append(f"event #{event.seq}: its list of records was changed")
            expected_seq, prev_hash = event.seq + 1, event.hash
            result.checked += 1
            if progress:
                progress(1)
    return result
