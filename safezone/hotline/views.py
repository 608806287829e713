"""The helpline's pages and hooks: the PBX hook (the telephone exchange announces an incoming call
and its hang-up, signed with the shared secret; unsigned, badly signed and replayed calls are
refused), the operator's screen, callbacks and warm referral. Thin: parse, call one service or
selector, render."""

import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from safezone.access.http import refused_as_404
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import grants_for
from safezone.access.services import NOT_FOUND_MESSAGE, AccessDenied, authorize
from safezone.common.errors import errors_on_form
from safezone.common.paging import page_of, query_without_page
from safezone.directory.selectors import districts
from safezone.portal import selectors as portal_selectors

from .filters import ContactFilter
from .forms import (
    TYPE_KEYS,
    BlockForm,
    CallbackForm,
    CallerNoteForm,
    ContactForm,
    HandoverForm,
    PeriodForm,
    WarmReferralForm,
    referral_initial,
)
from .models import Callback, Contact
from .selectors import (
    callback_for,
    callbacks_due_count,
    callbacks_for,
    callbacks_page_record,
    caller_history,
    contact_figures,
    contact_for,
    contact_operators,
    contacts_page_record,
    contacts_visible_to,
    coverage,
    helpline_agency_ids,
    latest_handovers,
    my_open_contacts,
    open_shift_of,
    shift_operators,
    shifts_for,
    shifts_page_record,
    waiting_calls,
)
from .services import (
    ContactChangedMeanwhile,
    PbxRefused,
    WarmReferral,
    callback_call,
    callback_close,
    callback_schedule,
    caller_block,
    caller_is_blocked,
    caller_note_add,
    caller_unblock,
    contact_open,
    contact_refer,
    contact_save,
    contact_take,
    pbx_hangup,
    pbx_incoming,
    pbx_verify,
    shift_end,
    shift_start,
)


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
    # The exchange may play a message and end a blocked (abusive) caller's call itself.
    return {"contact": contact.pk, "blocked": caller_is_blocked(contact.caller_hash)}


@_hook
def hangup(data, signed):
    """{"call_id", "ended_at"}"""
    contact = pbx_hangup(call_id=_field(data, "call_id"), ended_at=_field(data, "ended_at", when=True), signed=signed)
    return {"contact": contact.pk}


# --- the operator's screen ------------------------------------------------------------------------
def _helpline_only(request, action: str = Action.LOG_CONTACT) -> None:
    """Refuse (recorded, then 404) a user whose roles give no helpline work of this kind."""
    if not helpline_agency_ids(request.user, action):
        authorize(user=request.user, action=action, purpose=Purpose.HELPLINE, request=request)


@login_required
@refused_as_404
def console(request):
    """The operator's screen: calls waiting, own contacts still open, callbacks due, a new contact."""
    _helpline_only(request)
    return render(
        request,
        "hotline/console.html",
        {
            "waiting": waiting_calls(request.user),
            "mine": my_open_contacts(request.user),
            "callbacks_due": callbacks_due_count(request.user),
            "channels": Contact.Channel.choices,
            "shift": open_shift_of(request.user),
        },
    )


@login_required
@refused_as_404
def contacts(request):
    """The contacts of the user's helplines, newest first, with filters; each page shown is audited."""
    _helpline_only(request, Action.VIEW_CONTACTS)
    found = ContactFilter(request.GET or None, queryset=contacts_visible_to(request.user),
                          operators=contact_operators(request.user))  # fmt: skip
    page = page_of(found.qs, request.GET.get("page"))
    contacts_page_record(request.user, list(page), request)
    return render(
        request, "hotline/contacts.html", {"filter": found, "page": page, "query": query_without_page(request)}
    )


@login_required
@refused_as_404
def waiting(request):
    """The calls waiting for an operator (htmx fragment, refreshed every few seconds)."""
    _helpline_only(request)
    return render(request, "hotline/_waiting.html", {"waiting": waiting_calls(request.user)})


@login_required
@refused_as_404
@require_POST
def contact_new(request):
    """Start logging a new contact now."""
    try:
        contact = contact_open(
            actor=request.user, channel=request.POST.get("channel", Contact.Channel.CALL), request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("hotline:console")
    return redirect("hotline:contact", pk=contact.pk)


@login_required
@refused_as_404
@require_POST
def take(request, pk: int):
    """Take a waiting call."""
    try:
        contact = contact_take(actor=request.user, contact_id=pk, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("hotline:console")
    return redirect("hotline:contact", pk=contact.pk)


@login_required
@refused_as_404
def contact(request, pk: int):
    """One contact: the operator's form while it is being logged (finished from here), else read only."""
    found = contact_for(request.user, pk, request=request)
    editable = found.status == Contact.Status.OPEN and found.operator_id == request.user.pk
    form = ContactForm(request.POST or None, instance=found)
    if request.method == "POST" and editable and form.is_valid():
        try:
            contact_save(
                actor=request.user,
                contact_id=found.pk,
                expected_version=form.cleaned_data["version"],
                data=form.contact_data(),
                finish=True,
                request=request,
            )
        except ContactChangedMeanwhile as exc:
            form.add_error(None, exc.explain())
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Contact %(id)s was logged.") % {"id": found.pk})
            return redirect("hotline:console")
        # The failed finish saved nothing; the draft of the fields is saved by the page's script.
    context = {
        "contact": found,
        "form": form,
        "editable": editable,
        "caller": caller_history(request.user, found, request=request),
        "callbacks": found.callbacks.order_by("due_at"),
        "callback_form": CallbackForm(),
        "note_form": CallerNoteForm(),
        "block_form": BlockForm(),
        "type_keys": TYPE_KEYS,
    }
    return render(request, "hotline/contact.html", context)


@login_required
@require_POST
def draft(request, pk: int):
    """Save the contact form as it is now (called by the page's script as the operator types):
    JSON with the new version, 409 when the contact was saved elsewhere, 400 naming the field."""
    try:
        found = contact_for(request.user, pk, action=Action.LOG_CONTACT)
    except (AccessDenied, Contact.DoesNotExist):
        return JsonResponse({"error": str(NOT_FOUND_MESSAGE)}, status=404)
    form = ContactForm(request.POST, instance=found)
    if not form.is_valid():
        return JsonResponse({"errors": {k: [str(e) for e in v] for k, v in form.errors.items()}}, status=400)
    try:
        saved = contact_save(
            actor=request.user,
            contact_id=found.pk,
            expected_version=form.cleaned_data["version"],
            data=form.contact_data(),
            request=request,
        )
    except ContactChangedMeanwhile as exc:
        return JsonResponse({"error": exc.explain()}, status=409)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse(
        {"version": saved.version, "saved_at": timezone.localtime(saved.updated_at).strftime("%H:%M:%S")}
    )


@login_required
@refused_as_404
def district_services(request):
    """Help lines and the services of the caller's district, for the operator's side panel (htmx)."""
    _helpline_only(request)
    chosen = request.GET.get("district", "")
    district = districts().filter(pk=int(chosen)).first() if chosen.isdigit() else None
    return render(
        request,
        "hotline/_services.html",
        {
            "district": district,
            "services": portal_selectors.services_in(district) if district else [],
            "lines": portal_selectors.help_lines(),
        },
    )


@login_required
@refused_as_404
@require_POST
def caller_note(request, pk: int):
    """Add a note on this contact's caller."""
    found = contact_for(request.user, pk, action=Action.LOG_CONTACT, request=request)
    form = CallerNoteForm(request.POST)
    if form.is_valid():
        try:
            caller_note_add(actor=request.user, contact=found, text=form.cleaned_data["text"], request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The note was saved for the next operator."))
    else:
        messages.error(request, _("Write the note."))
    return redirect("hotline:contact", pk=found.pk)


@login_required
@refused_as_404
@require_POST
def caller_block_view(request, pk: int):
    """Block this contact's caller (with a reason), or lift the block."""
    found = contact_for(request.user, pk, action=Action.LOG_CONTACT, request=request)
    try:
        if request.POST.get("unblock"):
            caller_unblock(actor=request.user, contact=found, request=request)
            messages.success(request, _("The caller is no longer blocked."))
        else:
            form = BlockForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Say why the caller is blocked."))
            caller_block(actor=request.user, contact=found, reason=form.cleaned_data["reason"], request=request)
            messages.success(request, _("The caller is blocked. You can lift the block from any of their contacts."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("hotline:contact", pk=found.pk)


@login_required
@refused_as_404
@require_POST
def callback_new(request, pk: int):
    """Schedule a callback the caller agreed to."""
    found = contact_for(request.user, pk, action=Action.LOG_CONTACT, request=request)
    form = CallbackForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            callback_schedule(
                actor=request.user, contact=found, due_at=d["due_at"], phone=d["phone"], note=d["note"], request=request
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The callback is in the queue."))
    else:
        messages.error(request, " ".join(f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("hotline:contact", pk=found.pk)


@login_required
@refused_as_404
def callbacks(request):
    """The callbacks queue: due first; the numbers shown are recorded in the audit log."""
    _helpline_only(request)
    status = request.GET.get("status", Callback.Status.PENDING)
    if status not in Callback.Status.values:
        status = Callback.Status.PENDING
    page = page_of(callbacks_for(request.user, status=status), request.GET.get("page"))
    callbacks_page_record(request.user, list(page), request)
    return render(
        request,
        "hotline/callbacks.html",
        {
            "page": page,
            "status": status,
            "statuses": Callback.Status.choices,
            "query": query_without_page(request),
            "now": timezone.now(),
        },
    )


@login_required
@refused_as_404
@require_POST
def callback_step(request, pk: int):
    """Call back now (a new contact with the same caller), or record how the callback went."""
    callback = callback_for(request.user, pk, request=request)
    step = request.POST.get("step")
    try:
        if step == "call":
            started = callback_call(actor=request.user, callback=callback, request=request)
            return redirect("hotline:contact", pk=started.pk)
        callback_close(actor=request.user, callback=callback, status=step, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The callback was recorded."))
    return redirect("hotline:callbacks")


@login_required
@refused_as_404
def refer(request, pk: int):
    """Warm referral: the contact becomes a person, a case and a referral, in one step."""
    found = contact_for(request.user, pk, action=Action.LOG_CONTACT, request=request)
    if found.case_id:
        messages.info(request, _("This contact has already been turned into a case."))
        return redirect("hotline:contact", pk=found.pk)
    form = WarmReferralForm(
        request.POST or None,
        helpline_agency=found.agency,
        initial={**referral_initial(found), "agency": found.agency_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = contact_refer(
                actor=request.user,
                contact_id=found.pk,
                intake=form.intake(),
                referral=WarmReferral(**form.referral()),
                request=request,
            )
        except ValidationError as exc:
            errors_on_form(form, exc)
        except AccessDenied:
            form.add_error(None, _("You may not open a case with this person for this agency."))
        else:
            messages.success(
                request,
                _("Case %(ref)s was opened and referred to %(agency)s.")
                % {"ref": done.case.reference, "agency": done.referral.to_agency},
            )
            return redirect("hotline:contact", pk=found.pk)
    return render(request, "hotline/refer.html", {"contact": found, "form": form})


# --- shifts and figures ---------------------------------------------------------------------------
def _helpline_page(request, page: str) -> None:
    """Record the reading of a helpline page; a refusal (recorded too) answers 404 through refused_as_404."""
    authorize(
        user=request.user, action=Action.VIEW_CONTACTS, purpose=Purpose.HELPLINE, request=request, extra={"page": page}
    )


@login_required
@refused_as_404
def shifts(request):
    """The user's own shift (start, or end with the handover note), the latest handovers, the shifts
    of a period and how well they covered the line round the clock."""
    _helpline_page(request, "shifts")
    today = timezone.localdate()
    form = PeriodForm(
        request.GET or None, default=(today - timedelta(days=6), today), operators=shift_operators(request.user)
    )
    since, until, operator = form.period()
    page = page_of(shifts_for(request.user, since=since, until=until, operator=operator), request.GET.get("page"))
    shifts_page_record(request.user, list(page), request)
    can_log = bool(grants_for(request.user, Action.LOG_CONTACT, Purpose.HELPLINE))
    own = open_shift_of(request.user) if can_log else None
    return render(
        request,
        "hotline/shifts.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "coverage": coverage(request.user, since=since, until=until),
            "can_log": can_log,
            "own": own,
            "handover_form": HandoverForm(),
            # The operator about to start reads what the last shifts handed over.
            "handovers": latest_handovers(request.user, request=request) if can_log and own is None else [],
        },
    )


def _back(request):
    """Back to the page the form was on (the operator's screen or the shifts page)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("hotline:shifts")


@login_required
@require_POST
@refused_as_404
def shift_start_step(request):
    """Start the user's shift now."""
    try:
        shift_start(actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your shift has started."))
    return _back(request)


@login_required
@require_POST
@refused_as_404
def shift_end_step(request):
    """End the user's shift with the handover note."""
    form = HandoverForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _back(request)
    try:
        shift_end(actor=request.user, handover_note=form.cleaned_data["handover_note"], request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your shift has ended; the next shift will read your note."))
    return _back(request)


@login_required
@refused_as_404
def figures(request):
    """How many contacts the helpline had in a period (the current month unless chosen), and of what kind."""
    _helpline_page(request, "figures")
    today = timezone.localdate()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    form = PeriodForm(request.GET or None, default=(first, last))
    since, until, _operator = form.period()
    return render(
        request,
        "hotline/figures.html",
        {"form": form, "figures": contact_figures(request.user, since=since, until=until)},
    )
