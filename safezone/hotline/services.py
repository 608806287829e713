"""Writes of the helpline: contacts announced by the telephone exchange (the PBX hook). Each write
is audited as a system event; the caller's number is kept only as a keyed hash."""

import hashlib
import hmac
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from safezone.audit.services import audit_record

from .models import Contact, PbxEvent


class PbxRefused(ValueError):
    """A call to the PBX hook that is not taken; `status` is the HTTP answer, the message says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def caller_hash(number: str) -> str:
    """The keyed hash (HMAC-SHA256) of a phone number: +7 900 123-45-67 and 89001234567 are one
    caller. Empty for a hidden number."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    if not digits:
        return ""
    key = digits[-10:]  # a Russian number without its 8 / +7 prefix
    return hmac.new(settings.SAFEZONE_CALLER_HASH_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()


def pbx_signature(timestamp: str, body: bytes) -> str:
    """What the exchange puts in X-SafeZone-Signature: sha256=HMAC(secret, timestamp + "." + body)."""
    mac = hmac.new(
        settings.SAFEZONE_PBX_SECRET.encode(), timestamp.encode("utf-8", "replace") + b"." + body, hashlib.sha256
    )
    return "sha256=" + mac.hexdigest()


def pbx_verify(*, timestamp: str | None, signature: str | None, body: bytes) -> datetime:
    """The signing time of a call to the hook, or PbxRefused: unsigned, badly signed, or too old
    or too far ahead (SAFEZONE_PBX_MAX_SKEW) to be anything but a replay."""
    if not timestamp or not signature:
        raise PbxRefused("unsigned: X-SafeZone-Timestamp and X-SafeZone-Signature are required", 401)
    # Bytes, not str: compare_digest refuses a str with letters outside ASCII (a traceback, not a 401).
    expected = pbx_signature(timestamp, body).encode()
    if not hmac.compare_digest(signature.encode("utf-8", "replace"), expected):
        raise PbxRefused("bad signature", 401)
    try:
        signed = datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise PbxRefused("X-SafeZone-Timestamp: not Unix seconds", 401) from None
    if abs((timezone.now() - signed).total_seconds()) > settings.SAFEZONE_PBX_MAX_SKEW:
        raise PbxRefused("timestamp outside the allowed window: a replay or a wrong clock", 401)
    return signed


def _once(call_id: str, event: str, signed: datetime) -> None:
    """Record that this call's event arrived; the same event twice is a replay."""
    try:
        with transaction.atomic():
            PbxEvent.objects.create(call_id=call_id, event=event, signed_at=signed)
    except IntegrityError:
        raise PbxRefused(f"call_id {call_id!r}: {event} already received (replay)", 409) from None


def pbx_incoming(*, call_id: str, caller: str, line: str, started_at: datetime, signed: datetime) -> Contact:
    """An incoming call the exchange announces: a new contact waiting for an operator."""
    with transaction.atomic():
        _once(call_id, "incoming", signed)
        contact = Contact.objects.create(
            channel=Contact.Channel.CALL,
            started_at=started_at,
            line=line[:40],
            caller_hash=caller_hash(caller),
            pbx_call_id=call_id,
        )
        audit_record(actor=None, action="hotline.pbx_incoming", object_type="contact", object_id=contact.pk)
    return contact


def pbx_hangup(*, call_id: str, ended_at: datetime, signed: datetime) -> Contact:
    """The end of a call the exchange announced before."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pbx_call_id=call_id).first()
        if contact is None:
            raise PbxRefused(f"call_id {call_id!r}: no incoming call with this id", 404)
        _once(call_id, "hangup", signed)
        if ended_at < contact.started_at:
            raise PbxRefused("ended_at: before the call started")
        contact.ended_at = ended_at
        contact.save(update_fields=["ended_at"])
        audit_record(actor=None, action="hotline.pbx_hangup", object_type="contact", object_id=contact.pk)
    return contact
