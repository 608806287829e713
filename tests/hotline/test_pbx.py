"""The PBX hook: a signed incoming call opens a contact that knows the caller only by a keyed hash;
its hang-up closes it; unsigned, badly signed, stale and replayed calls are refused and change nothing."""

import json
import time

import pytest

from safezone.audit.models import AuditEvent
from safezone.hotline.models import Contact
from safezone.hotline.services import caller_hash, pbx_signature


def _post(client, path, data, *, timestamp=None, signature=None, sign=True):
    body = json.dumps(data).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {}
    if sign:
        headers = {"X-SafeZone-Timestamp": stamp, "X-SafeZone-Signature": signature or pbx_signature(stamp, body)}
    return client.post(path, body, content_type="application/json", headers=headers)


CALL = {"call_id": "asterisk-1700000000.42", "caller": "+7 (900) 123-45-67", "line": "8-800-2000-122",
        "started_at": "2026-11-30T10:15:00+03:00"}  # fmt: skip


def test_a_signed_call_opens_a_contact_and_its_hang_up_closes_it(db, client):
    response = _post(client, "/hotline/pbx/incoming/", CALL)
    assert response.status_code == 200
    contact = Contact.objects.get(pk=response.json()["contact"])
    assert contact.channel == "call" and contact.line == "8-800-2000-122" and contact.operator is None
    assert contact.caller_hash == caller_hash("89001234567")  # one caller, however the number is written
    assert "1234567" not in json.dumps(list(Contact.objects.values()), default=str)  # never in clear
    hangup = {"call_id": CALL["call_id"], "ended_at": "2026-11-30T10:21:30+03:00"}
    response = _post(client, "/hotline/pbx/hangup/", hangup)
    assert response.status_code == 200
    contact.refresh_from_db()
    assert (contact.ended_at - contact.started_at).total_seconds() == 390
    assert AuditEvent.objects.filter(action__startswith="hotline.pbx_", object_id=str(contact.pk)).count() == 2


@pytest.mark.parametrize(
    "how, status",
    [
        ({"sign": False}, 401),
        ({"signature": "sha256=" + "0" * 64}, 401),
        ({"signature": "sha256=é"}, 401),  # not even ASCII
        ({"timestamp": "soon"}, 401),
        ({"timestamp": int(time.time()) - 3600}, 401),  # signed an hour ago: a replay or a wrong clock
    ],
)
def test_unsigned_badly_signed_or_stale_calls_are_refused(db, client, how, status):
    response = _post(client, "/hotline/pbx/incoming/", CALL, **how)
    assert response.status_code == status and "error" in response.json()
    assert Contact.objects.count() == 0


def test_a_replayed_call_is_refused_and_changes_nothing(db, client):
    stamp = str(int(time.time()))
    body = json.dumps(CALL).encode()
    headers = {"X-SafeZone-Timestamp": stamp, "X-SafeZone-Signature": pbx_signature(stamp, body)}
    first = client.post("/hotline/pbx/incoming/", body, content_type="application/json", headers=headers)
    assert first.status_code == 200
    again = client.post("/hotline/pbx/incoming/", body, content_type="application/json", headers=headers)
    assert again.status_code == 409 and "replay" in again.json()["error"]
    assert Contact.objects.count() == 1


def test_a_bad_body_is_refused_with_the_field_named(db, client):
    response = _post(client, "/hotline/pbx/incoming/", {**CALL, "started_at": "yesterday"})
    assert response.status_code == 400 and response.json()["error"].startswith("started_at")
    response = _post(client, "/hotline/pbx/hangup/", {"call_id": "unknown", "ended_at": "2026-11-30T10:21:30+03:00"})
    assert response.status_code == 404
    assert client.get("/hotline/pbx/incoming/").status_code == 405
    assert Contact.objects.count() == 0


def test_a_hidden_number_opens_a_contact_without_a_caller(db, client):
    response = _post(client, "/hotline/pbx/incoming/", {**CALL, "caller": ""})
    assert Contact.objects.get(pk=response.json()["contact"]).caller_hash == ""
