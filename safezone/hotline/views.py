"""The PBX hook: the telephone exchange (e.g. Asterisk) announces an incoming call and its hang-up.
Signed with the shared secret; unsigned, badly signed and replayed calls are refused. Thin: parse,
verify, call one service."""

import json

from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services import PbxRefused, pbx_hangup, pbx_incoming, pbx_verify


def _field(data: dict, name: str, *, when: bool = False):
    value = data.get(name)
    if when:
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None or parsed.tzinfo is None:
            raise PbxRefused(f"{name}: an ISO 8601 time with its offset is required")
        return parsed
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise PbxRefused(f"{name}: a non-empty string of at most 100 characters is required")
    return value.strip()


def _hook(handle):
    @csrf_exempt  # a machine's call, authenticated by its signature, not a browser's session
    @require_POST
    def view(request):
        try:
            signed = pbx_verify(
                timestamp=request.headers.get("X-SafeZone-Timestamp"),
                signature=request.headers.get("X-SafeZone-Signature"),
                body=request.body,
            )
            try:
                data = json.loads(request.body)
            except ValueError:
                raise PbxRefused("the body is not JSON") from None
            if not isinstance(data, dict):
                raise PbxRefused("the body is not a JSON object")
            return JsonResponse(handle(data, signed))
        except PbxRefused as exc:
            return JsonResponse({"error": str(exc)}, status=exc.status)

    return view


@_hook
def incoming(data, signed):
    """{"call_id", "caller" (the number; may be empty when hidden), "line", "started_at"}"""
    caller = data.get("caller") or ""
    if not isinstance(caller, str):
        raise PbxRefused("caller: a string is required")
    contact = pbx_incoming(
        call_id=_field(data, "call_id"),
        caller=caller,
        line=_field(data, "line"),
        started_at=_field(data, "started_at", when=True),
        signed=signed,
    )
    return {"contact": contact.pk}


@_hook
def hangup(data, signed):
    """{"call_id", "ended_at"}"""
    contact = pbx_hangup(call_id=_field(data, "call_id"), ended_at=_field(data, "ended_at", when=True), signed=signed)
    return {"contact": contact.pk}
