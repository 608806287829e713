"""Writes of the helpline: contacts taken and logged by operators, callers' notes and blocking,
callbacks, warm referral, shifts, and the calls the telephone exchange announces (the PBX hook).
Every write is decided by `access` and audited; the caller's number is kept only as a keyed hash
(in clear only on a callback the caller agreed to)."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safezone.access.policy import Action, Purpose
from safezone.access.services import authorize, authorize_for_agency
from safezone.audit.services import audit_record
from safezone.common.errors import ChangedMeanwhile

from .models import Callback, CallerNote, CallerProfile, Contact, PbxEvent, Shift

HELPLINE = Purpose.HELPLINE
# What a draft may carry: the fields of the operator's form.
CONTACT_FIELDS = (
    "channel",
    "type",
    "categories",
    "age_band",
    "sex",
    "district",
    "urgency",
    "outcome",
    "language",
    "safe_to_talk",
    "in_danger",
    "notes",
)


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


# --- contacts ------------------------------------------------------------------------------------
class ContactChangedMeanwhile(ChangedMeanwhile):
    """The contact was saved from elsewhere (another tab, another operator) since this form loaded."""


def _audit(actor, agency, action: str, request, object_type: str, object_id, **extra) -> None:
    """One audit event of a helpline write (on the helpline's agency, for the helpline)."""
    audit_record(
        actor=actor,
        agency=agency,
        action=action,
        request=request,
        purpose=HELPLINE,
        object_type=object_type,
        object_id=object_id,
        extra=extra or None,
    )


def _acting_agency(actor, decision):
    """The agency on whose helpline an allowed decision lets the actor log contacts (the first of
    them, when the actor works on several)."""
    if decision.membership is not None:
        return decision.membership.agency
    from safezone.access.selectors import agencies_acting_for

    return agencies_acting_for(actor, Action.LOG_CONTACT, HELPLINE)[0]


def _operator_agency(actor, request):
    """The agency on whose helpline the actor logs contacts (the decision is audited)."""
    return _acting_agency(actor, authorize(user=actor, action=Action.LOG_CONTACT, purpose=HELPLINE, request=request))


def _may_log(actor, contact: Contact, step: str, request, **extra):
    """Decide (and record) whether the actor may take this step on the contact for the helpline."""
    return authorize(
        user=actor,
        action=Action.LOG_CONTACT,
        purpose=HELPLINE,
        obj=contact,
        request=request,
        extra={"step": step, **extra},
    )


def contact_open(*, actor, channel: str = Contact.Channel.CALL, request=None) -> Contact:
    """A new contact the operator starts logging now (a chat, a walk-in, a call the exchange did not announce)."""
    if channel not in Contact.Channel.values:
        raise ValidationError({"channel": _("Choose a channel from the list.")})
    agency = _operator_agency(actor, request)
    now = timezone.now()
    contact = Contact.objects.create(
        agency=agency, operator=actor, channel=channel, started_at=now, taken_at=now, status=Contact.Status.OPEN
    )
    _audit(actor, agency, "contact.opened", request, "contact", contact.pk)
    return contact


def contact_take(*, actor, contact_id: int, request=None) -> Contact:
    """Take a call the exchange announced: it becomes this operator's and this helpline's."""
    agency = _operator_agency(actor, request)
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact_id)
        if contact.status != Contact.Status.WAITING:
            if contact.operator_id == actor.pk:
                return contact
            raise ValidationError(_("Another operator has already taken this call."))
        contact.status = Contact.Status.OPEN
        contact.agency = agency
        contact.operator = actor
        contact.taken_at = timezone.now()
        contact.version += 1
        contact.save()
        _audit(actor, agency, "contact.taken", request, "contact", contact.pk)
    return contact


def _contact_errors(contact: Contact, *, callbacks: bool = True) -> dict:
    """What is missing before a contact can be logged as done (`callbacks`: whether "callback agreed"
    needs one scheduled already)."""
    errors = {}
    if not contact.type:
        errors["type"] = _("Choose the contact type.")
    elif contact.with_data:
        if not contact.categories:
            errors["categories"] = _("Tick at least one issue.")
        if not contact.outcome:
            errors["outcome"] = _("Choose the outcome.")
    if (
        callbacks
        and contact.outcome == Contact.Outcome.CALLBACK
        and not contact.callbacks.filter(status=Callback.Status.PENDING).exists()
    ):
        errors["outcome"] = _("Schedule the callback first (time and number).")
    if contact.outcome == Contact.Outcome.REFERRED and contact.referral_id is None and not contact.notes.strip():
        errors["notes"] = _("Write to whom the caller was referred.")
    return errors


def contact_save(
    *, actor, contact_id: int, expected_version: int, data: dict, finish: bool = False, request=None
) -> Contact:
    """Save what the operator typed (a draft, every few seconds) and, with `finish`, log the contact
    as done: then the type (and for a contact about someone, the issues and the outcome) are required."""
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not fields of a contact: {sorted(unknown)}")
    # Decided before the transaction, so that a refusal keeps its audit event.
    authorize(
        user=actor,
        action=Action.LOG_CONTACT,
        purpose=HELPLINE,
        obj=Contact.objects.get(pk=contact_id),
        request=request,
        extra={"finish": finish} if finish else None,
    )
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact_id)
        if contact.operator_id not in (None, actor.pk):
            raise ContactChangedMeanwhile()  # taken by another operator since the decision
        if contact.version != expected_version:
            raise ContactChangedMeanwhile()
        if contact.status == Contact.Status.DONE and not finish:
            raise ValidationError(_("This contact is already logged; it can no longer be changed as a draft."))
        for name, value in data.items():
            setattr(contact, name, value if value is not None or name == "district" else "")
        contact.categories = sorted(set(contact.categories or []))
        if finish:
            errors = _contact_errors(contact)
            if errors:
                raise ValidationError(errors)
            contact.status = Contact.Status.DONE
            contact.ended_at = contact.ended_at or timezone.now()
        contact.version += 1
        contact.save()
    return contact


def contact_log(*, actor, data: dict, started_at=None, ended_at=None, request=None) -> Contact:
    """A whole contact logged at once (the API, a client logging after the call): opened and finished.
    The allowed decision is recorded in the same transaction as the contact it let through, so the
    audit chain's lock is taken once per contact; a refusal, by the policy or by the rules of a
    contact, is recorded on its own."""
    from safezone.access.selectors import decide
    from safezone.access.services import enforce

    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not fields of a contact: {sorted(unknown)}")
    now = timezone.now()
    started_at = started_at or now
    ended_at = ended_at or now
    decision = decide(actor, Action.LOG_CONTACT, HELPLINE)
    trace = {"user": actor, "action": Action.LOG_CONTACT, "purpose": HELPLINE, "object_type": "",
             "object_id": "", "request": request, "extra": None}  # fmt: skip
    if not decision.allowed:
        enforce(decision, **trace)  # recorded, and raises AccessDenied
    agency = _acting_agency(actor, decision)
    contact = Contact(agency=agency, operator=actor, started_at=started_at, taken_at=started_at)
    for name, value in data.items():
        setattr(contact, name, value if value is not None or name == "district" else "")
    contact.categories = sorted(set(contact.categories or []))
    # A callback agreed through the API is scheduled by the client afterwards: not required here.
    errors = _contact_errors(contact, callbacks=False)
    if ended_at < started_at:
        errors["ended_at"] = _("The end is before the start.")
    if errors:
        enforce(decision, **trace)  # allowed, then refused by the rules of a contact: still traced
        raise ValidationError(errors)
    contact.status = Contact.Status.DONE
    contact.ended_at = ended_at
    with transaction.atomic():
        contact.save()
        enforce(decision, **trace)
        _audit(actor, agency, "contact.logged", request, "contact", contact.pk)
    return contact


@dataclass
class WarmReferral:
    """Where the contact goes: the agency, what it is told, and what the caller agreed to share
    (empty: shared under `legal_ground` instead)."""

    to_agency: object
    message: str
    share: list
    legal_ground: str = ""


def _check_first(actor, action: str, purpose: str, *, obj=None, agency=None, request=None) -> None:
    """Refuse before the transaction opens, so that the refusal's audit event is kept."""
    from safezone.access.selectors import decide, decide_for_agency
    from safezone.access.services import authorize_for_agency

    if agency is not None:
        if not decide_for_agency(actor, action, purpose, agency):
            authorize_for_agency(user=actor, action=action, purpose=purpose, agency=agency, request=request)
    elif not decide(actor, action, purpose, obj):
        authorize(user=actor, action=action, purpose=purpose, obj=obj, request=request)


def contact_refer(*, actor, contact_id: int, intake, referral: WarmReferral, request=None):
    """The warm referral: with the caller's consent (or a named legal ground) the contact becomes a
    person (found or new) and a case of the helpline's agency, and a referral to another agency, all
    at once or not at all. The contact keeps the case and the referral and is marked referred."""
    from safezone.access.models import Consent
    from safezone.access.services import consent_record
    from safezone.cases.services import intake_submit, referral_send

    contact = Contact.objects.get(pk=contact_id)
    _may_log(actor, contact, "warm_referral", request)
    if contact.case_id is not None:
        raise ValidationError(_("This contact has already been turned into a case."))
    intake.agency = contact.agency
    if intake.existing_person_id is None:
        _check_first(actor, Action.CREATE_PERSON, Purpose.INTAKE, request=request)
    _check_first(actor, Action.OPEN_CASE, Purpose.INTAKE, agency=contact.agency, request=request)
    with transaction.atomic():
        # The lock and the check below keep a contact from becoming two cases (two tabs, a double
        # click); a draft saved meanwhile changes nothing the referral carries.
        locked = Contact.objects.select_for_update().get(pk=contact_id)
        if locked.case_id is not None:
            raise ValidationError(_("This contact has already been turned into a case."))
        case = intake_submit(actor=actor, intake=intake, purpose=Purpose.INTAKE, request=request)
        person = case.participants.get().person
        consent = None
        if referral.share:
            consent = consent_record(
                actor=actor,
                case=case,
                person=person,
                categories=referral.share,
                agencies=[referral.to_agency],
                purposes=[Purpose.CASE_WORK],
                form=Consent.Form.VERBAL,
                given_on=timezone.localdate(),
                request=request,
            )
        sent = referral_send(
            actor=actor,
            case=case,
            to_agency=referral.to_agency,
            message=referral.message,
            purpose=Purpose.CASE_WORK,
            consent=consent,
            legal_ground=referral.legal_ground,
            request=request,
        )
        locked.case = case
        locked.referral = sent
        locked.outcome = Contact.Outcome.REFERRED
        locked.version += 1
        locked.save()
        _audit(
            actor, contact.agency, "contact.referred", request, "contact", contact.pk, case=case.pk, referral=sent.pk
        )
    return locked


# --- callers --------------------------------------------------------------------------------------
def _profile(contact: Contact) -> CallerProfile:
    if not contact.caller_hash:
        raise ValidationError(_("The number was hidden: this caller cannot be recognised again."))
    profile, _created = CallerProfile.objects.get_or_create(caller_hash=contact.caller_hash)
    return profile


def caller_note_add(*, actor, contact: Contact, text: str, request=None) -> CallerNote:
    """A note about this contact's caller for the next operator who takes a call from the same number."""
    _may_log(actor, contact, "caller_note", request)
    if not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    with transaction.atomic():
        note = CallerNote.objects.create(profile=_profile(contact), text=text.strip()[:2000], author=actor)
    return note


def caller_block(*, actor, contact: Contact, reason: str, request=None) -> CallerProfile:
    """Block an abusive caller: the exchange is told so on the caller's next calls. Undone by caller_unblock."""
    _may_log(actor, contact, "caller_block", request)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the caller is blocked.")})
    with transaction.atomic():
        profile = _profile(contact)
        profile.blocked_at = timezone.now()
        profile.blocked_by = actor
        profile.block_reason = reason.strip()[:300]
        profile.save()
    return profile


def caller_unblock(*, actor, contact: Contact, request=None) -> CallerProfile:
    """Lift the block of this contact's caller."""
    _may_log(actor, contact, "caller_unblock", request)
    profile = _profile(contact)
    profile.blocked_at = None
    profile.blocked_by = None
    profile.block_reason = ""
    profile.save()
    return profile


def caller_is_blocked(number_hash: str) -> bool:
    """Whether the caller with this hash is blocked (for the exchange)."""
    return (
        bool(number_hash) and CallerProfile.objects.filter(caller_hash=number_hash, blocked_at__isnull=False).exists()
    )


# --- callbacks ------------------------------------------------------------------------------------
def callback_schedule(*, actor, contact: Contact, due_at, phone: str, note: str = "", request=None) -> Callback:
    """A callback the caller agreed to, at a time, on a number given for it."""
    decision = _may_log(actor, contact, "callback", request)
    errors = {}
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 5:
        errors["phone"] = _("Write the number to call back.")
    if due_at is None:
        errors["due_at"] = _("Say when to call back.")
    elif due_at < timezone.now() - timedelta(minutes=5):
        errors["due_at"] = _("The time is in the past.")
    if errors:
        raise ValidationError(errors)
    return Callback.objects.create(
        contact=contact,
        agency_id=contact.agency_id or decision.membership.agency_id,
        due_at=due_at,
        phone=phone.strip()[:40],
        note=note.strip(),
        created_by=actor,
    )


def callback_call(*, actor, callback: Callback, request=None) -> Contact:
    """Call back now: a new contact of this operator with the same caller, tied to the callback."""
    _may_log(actor, callback.contact, "callback_call", request, callback=callback.pk)
    if callback.status != Callback.Status.PENDING:
        raise ValidationError(_("This callback is already closed."))
    with transaction.atomic():
        contact = contact_open(actor=actor, channel=Contact.Channel.CALL, request=request)
        contact.caller_hash = callback.contact.caller_hash or caller_hash(callback.phone)
        contact.line = "callback"
        contact.save(update_fields=["caller_hash", "line"])
        Callback.objects.filter(pk=callback.pk).update(result_contact=contact)
    return contact


def callback_close(*, actor, callback: Callback, status: str, request=None) -> Callback:
    """Record how a callback went: done, not reached (one more attempt; it stays in the queue), or cancelled."""
    _may_log(actor, callback.contact, "callback_close", request, callback=callback.pk)
    if status not in (Callback.Status.DONE, Callback.Status.FAILED, Callback.Status.CANCELLED):
        raise ValidationError({"status": _("Choose how the callback went.")})
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        if callback.status != Callback.Status.PENDING:
            raise ValidationError(_("This callback is already closed."))
        callback.attempts += 1
        if status == Callback.Status.FAILED and callback.attempts < settings.SAFEZONE_CALLBACK_ATTEMPTS:
            # Not reached: try again later (in an hour), until the attempts run out.
            callback.due_at = timezone.now() + timedelta(hours=1)
        else:
            callback.status = status
            callback.done_at = timezone.now()
            callback.done_by = actor
        callback.save()
    return callback


def pbx_incoming(*, call_id: str, caller: str, line: str, started_at: datetime, signed: datetime) -> Contact:
    """An incoming call the exchange announces: a new contact waiting for an operator."""
    with transaction.atomic():
        _once(call_id, "incoming", signed)
        contact = Contact.objects.create(
            status=Contact.Status.WAITING,
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


# --- shifts ---------------------------------------------------------------------------------------
HANDOVER_MAX = 4000


def shift_start(*, actor, request=None) -> Shift:
    """Start the operator's shift on their helpline now. One shift at a time: a second one is refused
    until the first has ended (with its handover note)."""
    agency = _operator_agency(actor, request)
    running = Shift.objects.filter(operator=actor, ended_at__isnull=True).first()
    if running is not None:
        raise ValidationError(
            _("Your shift has been on since %(time)s: end it (with the handover note) before starting another.")
            % {"time": timezone.localtime(running.started_at).strftime("%d.%m.%Y %H:%M")}
        )
    try:
        with transaction.atomic():
            shift = Shift.objects.create(agency=agency, operator=actor, started_at=timezone.now())
    except IntegrityError:
        # Two clicks at once: the database lets only one open shift per operator through.
        raise ValidationError(_("Your shift is already on: end it before starting another.")) from None
    _audit(actor, agency, "shift.started", request, "shift", shift.pk)
    return shift


def shift_end(*, actor, handover_note: str, request=None) -> Shift:
    """End the actor's shift now, with the note handed to the next shift (what is pending, who may
    call again, what to watch for). The note is required: "nothing to hand over" is a note too."""
    note = (handover_note or "").strip()
    # Decided outside the transaction below: a refusal raised inside it would roll back its own audit event.
    shift = Shift.objects.filter(operator=actor, ended_at__isnull=True).select_related("agency").first()
    if shift is None:
        _operator_agency(actor, request)  # an outsider is refused (and recorded) before being told anything
        raise ValidationError(_("You have no shift on."))
    authorize_for_agency(
        user=actor,
        action=Action.LOG_CONTACT,
        purpose=HELPLINE,
        agency=shift.agency,
        request=request,
        extra={"step": "shift_end", "shift": shift.pk},
    )
    if not note:
        raise ValidationError(
            {"handover_note": _('Write the handover note for the next shift ("nothing to hand over" is a note too).')}
        )
    if len(note) > HANDOVER_MAX:
        raise ValidationError(
            {"handover_note": _("The handover note is too long: at most %(n)d characters.") % {"n": HANDOVER_MAX}}
        )
    with transaction.atomic():
        shift = Shift.objects.select_for_update().get(pk=shift.pk)
        if shift.ended_at is not None:
            raise ValidationError(_("This shift has already ended (from another tab or device)."))
        shift.ended_at = timezone.now()
        shift.handover_note = note
        shift.save(update_fields=["ended_at", "handover_note"])
        _audit(actor, shift.agency, "shift.ended", request, "shift", shift.pk)
    return shift


# --- bulk loads -----------------------------------------------------------------------------------
def helpline_bulk_create(*, contacts=(), shifts=(), callbacks=(), notes=()) -> None:
    """Write a helpline's history at once (the demo region): contacts, shifts, callbacks on the
    contacts (`callback.contact` set to one of `contacts`) and notes on callers. One audit event."""
    with transaction.atomic():
        Contact.objects.bulk_create(contacts, batch_size=500)
        Shift.objects.bulk_create(shifts, batch_size=500)
        for callback in callbacks:
            callback.contact_id = callback.contact.pk
        Callback.objects.bulk_create(callbacks, batch_size=500)
        profiles = {}
        for hash_, _text, _author in notes:
            if hash_ not in profiles:
                profiles[hash_] = CallerProfile.objects.get_or_create(caller_hash=hash_)[0]
        CallerNote.objects.bulk_create(
            [CallerNote(profile=profiles[hash_], text=text, author=author) for hash_, text, author in notes]
        )
        audit_record(
            actor=None,
            action="hotline.bulk_loaded",
            extra={"contacts": len(contacts), "shifts": len(shifts), "callbacks": len(callbacks)},
        )
