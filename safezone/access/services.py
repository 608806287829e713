"""Access decisions that leave their trace in the audit log (DESIGN.md rule 2)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safezone.accounts.models import Role
from safezone.accounts.selectors import users_with_role
from safezone.accounts.services import notify
from safezone.audit.services import audit_record
from safezone.common.bulk import insert_with_history

from .models import BreakGlass, CaseGrant, Consent, Seal
from .policy import Action, Purpose, ShareCategory, break_glass_hours
from .selectors import Decision, decide, decide_for_agency, grants_for, is_sealed_for, rules_text


class AccessDenied(Exception):
    """The policy refused. Views answer 404 so that a refusal does not reveal that the record exists."""

    def __init__(self, decision: Decision):
        super().__init__(decision.rule)
        self.decision = decision


NOT_FOUND_MESSAGE = gettext_lazy("There is no such record, or you have no access to it.")


def enforce(
    decision: Decision, *, user, action: str, purpose: str, object_type: str, object_id, request, extra: dict | None
) -> Decision:
    """Record a decision in the audit log; raise AccessDenied if it refused (for decisions a
    service refines itself; most callers want authorize)."""
    audit_record(
        actor=user,
        agency=decision.membership.agency if decision.membership is not None else None,
        action=action,
        request=request,
        purpose=purpose,
        decision="allow" if decision.allowed else "deny",
        rule=decision.rule,
        object_type=object_type,
        object_id=object_id,
        extra=extra,
    )
    if not decision.allowed:
        raise AccessDenied(decision)
    return decision


def authorize(*, user, action: str, purpose: str, obj=None, request=None, extra: dict | None = None) -> Decision:
    """Decide, record the decision in the audit log, and raise AccessDenied on a refusal."""
    return enforce(
        decide(user, action, purpose, obj),
        user=user,
        action=action,
        purpose=purpose,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=obj.pk if obj is not None else "",
        request=request,
        extra=extra,
    )


def authorize_for_agency(
    *, user, action: str, purpose: str, agency, request=None, extra: dict | None = None
) -> Decision:
    """Like authorize, for an action taken on behalf of an agency rather than on a record."""
    return enforce(
        decide_for_agency(user, action, purpose, agency),
        user=user,
        action=action,
        purpose=purpose,
        object_type="agency",
        object_id=agency.pk,
        request=request,
        extra=extra,
    )


def record_list_read(
    *, user, action: str, purpose: str, object_type: str, ids: list, request=None, extra: dict | None = None
) -> None:
    """Record that a list showed these records to the user, and which grants let it through."""
    grants = grants_for(user, action, purpose)
    audit_record(
        actor=user,
        action=action,
        request=request,
        purpose=purpose,
        decision="allow" if grants else "deny",
        rule=rules_text(grants),
        object_type=object_type,
        extra={"ids": [int(i) for i in ids], **(extra or {})},
    )


# --- case teams ----------------------------------------------------------------------------------
def case_grant_add(*, case, agency, user, source: str, referral=None) -> CaseGrant:
    """Put a worker (of an agency) on a case's team; repeatable (an active grant is reused)."""
    existing = CaseGrant.objects.filter(
        case=case, agency=agency, user=user, source=source, referral=referral, ended_at__isnull=True
    ).first()
    return existing or CaseGrant.objects.create(
        case=case, agency=agency, user=user, source=source, referral=referral, case_opened_on=case.opened_on
    )


def case_grants_end(*, referral) -> int:
    """End the team access a referral gave; what the workers wrote stays in the record."""
    grants = list(CaseGrant.objects.filter(referral=referral, ended_at__isnull=True))
    for grant in grants:
        grant.ended_at = timezone.now()
        grant.save(update_fields=["ended_at"])
    return len(grants)


# --- seals ---------------------------------------------------------------------------------------
def seal_add(*, actor, case, purpose: str, reason: str, agency=None, unit=None, user=None, request=None):
    """Hide a case from one agency, unit or user (a conflict of interest); checked and audited."""
    authorize(user=actor, action=Action.SEAL_CASE, purpose=purpose, obj=case, request=request)
    targets = [t for t in (agency, unit, user) if t is not None]
    if len(targets) != 1:
        raise ValidationError(_("Seal the case from exactly one agency, unit or user."))
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Say why, in at least 10 characters.")})
    if agency is not None and agency.pk == case.owner_agency_id:
        raise ValidationError(
            {"agency": _("A case cannot be sealed from the agency that owns it: seal a unit or a user.")}
        )
    if unit is not None and unit.pk == case.owner_unit_id:
        raise ValidationError({"unit": _("A case cannot be sealed from the unit that owns it.")})
    if user is not None and user.pk in (case.owner_worker_id, actor.pk):
        raise ValidationError({"user": _("A case cannot be sealed from its own worker or from yourself.")})
    seal = Seal(case=case, agency=agency, unit=unit, user=user, reason=reason.strip(), created_by=actor)
    seal._history_user = actor
    seal.save()
    audit_record(
        actor=actor,
        action="case.sealed",
        request=request,
        purpose=purpose,
        object_type="case",
        object_id=case.pk,
        extra={
            "seal": seal.pk,
            "agency": getattr(agency, "pk", None),
            "unit": getattr(unit, "pk", None),
            "user": getattr(user, "pk", None),
        },
    )
    return seal


def seal_lift(*, actor, seal, purpose: str, request=None):
    """Lift a seal: the case becomes visible again to those its scope reaches."""
    authorize(user=actor, action=Action.SEAL_CASE, purpose=purpose, obj=seal.case, request=request)
    if seal.lifted_at is None:
        seal.lifted_at, seal.lifted_by = timezone.now(), actor
        seal._history_user = actor
        seal.save(update_fields=["lifted_at", "lifted_by"])
        audit_record(
            actor=actor,
            action="case.seal_lifted",
            request=request,
            purpose=purpose,
            object_type="case",
            object_id=seal.case_id,
            extra={"seal": seal.pk},
        )
    return seal


# --- break-glass ---------------------------------------------------------------------------------
BREAK_GLASS_MIN_REASON = 20


def break_glass_open(*, actor, case, reason: str, request=None):
    """Open a case outside the user's scope for a limited time, with a written reason.

    Refused (and audited) if the user may not break the glass, if the case is sealed from
    them, or if the reason is too short. The case owner and the data-protection officers are
    told. Returns the BreakGlass row.
    """

    if len(reason.strip()) < BREAK_GLASS_MIN_REASON:
        raise ValidationError(
            {"reason": _("Describe the emergency in at least %(n)d characters.") % {"n": BREAK_GLASS_MIN_REASON}}
        )
    grants = grants_for(actor, Action.BREAK_GLASS, Purpose.CASE_WORK)
    if not grants or is_sealed_for(actor, case):
        rule = "sealed" if grants else "no-role-allows-this"
        enforce(
            Decision(False, rule),
            user=actor,
            action=Action.BREAK_GLASS,
            purpose=Purpose.CASE_WORK,
            object_type="case",
            object_id=case.pk,
            request=request,
            extra=None,
        )
    membership = grants[0].membership
    glass = BreakGlass(
        user=actor,
        case=case,
        membership=membership,
        reason=reason.strip(),
        expires_at=timezone.now() + timedelta(hours=break_glass_hours()),
    )
    glass._history_user = actor
    glass.save()
    enforce(
        Decision(True, f"break-glass#{glass.pk}", membership),
        user=actor,
        action=Action.BREAK_GLASS,
        purpose=Purpose.CASE_WORK,
        object_type="case",
        object_id=case.pk,
        request=request,
        extra={"break_glass": glass.pk, "hours": break_glass_hours()},
    )
    owners = [case.owner_worker] if case.owner_worker_id else list(users_with_role(Role.SUPERVISOR, case.owner_agency))
    text = _("%(user)s broke the glass on case %(ref)s: %(reason)s") % {
        "user": actor.get_full_name(),
        "ref": case.reference,
        "reason": glass.reason[:150],
    }
    notify(users=owners + list(users_with_role(Role.DPO)), text=text, url=reverse("access:break_glass_review"))
    return glass


def break_glass_review(*, actor, glass, outcome: str, note: str = "", request=None):
    """The data-protection officer accepts a break-glass access or escalates it (with a note)."""
    authorize(
        user=actor,
        action=Action.REVIEW_BREAK_GLASS,
        purpose=Purpose.DATA_PROTECTION,
        request=request,
        extra={"break_glass": glass.pk},
    )
    if outcome not in (BreakGlass.Review.ACCEPTED, BreakGlass.Review.ESCALATED):
        raise ValidationError({"outcome": _("Choose accept or escalate.")})
    if outcome == BreakGlass.Review.ESCALATED and not note.strip():
        raise ValidationError({"note": _("Say why it is escalated.")})
    glass.review, glass.review_note = outcome, note.strip()
    glass.reviewed_by, glass.reviewed_at = actor, timezone.now()
    glass._history_user = actor
    glass.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])
    if outcome == BreakGlass.Review.ESCALATED:
        supervisors = users_with_role(Role.SUPERVISOR, glass.membership.agency)
        notify(
            users=supervisors,
            text=_("A break-glass access by %(user)s was escalated by the data-protection officer: %(note)s")
            % {"user": glass.user.get_full_name(), "note": glass.review_note[:150]},
        )
    return glass


# --- consent -------------------------------------------------------------------------------------
def consent_record(
    *,
    actor,
    case,
    person,
    categories: list[str],
    agencies: list,
    purposes: list[str],
    form: str,
    given_on,
    request=None,
):
    """Record what a person taking part in a case agreed to share, with whom, for what."""
    authorize(user=actor, action=Action.RECORD_CONSENT, purpose=Purpose.CASE_WORK, obj=case, request=request)
    from safezone.cases.selectors import takes_part  # cases imports access: import here, not at the top

    if not takes_part(case, person):
        raise ValidationError({"person": _("This person does not take part in the case.")})
    if not categories or set(categories) - set(ShareCategory.values):
        raise ValidationError({"categories": _("Choose what may be shared.")})
    if not agencies:
        raise ValidationError({"agencies": _("Choose at least one agency.")})
    if not purposes or set(purposes) - set(Purpose.values):
        raise ValidationError({"purposes": _("Choose at least one purpose.")})
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date is in the future.")})
    consent = Consent(
        person=person,
        case=case,
        categories=sorted(set(categories)),
        purposes=sorted(set(purposes)),
        form=form,
        given_on=given_on,
        recorded_by=actor,
    )
    consent._history_user = actor
    consent.save()
    consent.agencies.set(agencies)
    audit_record(
        actor=actor,
        action="consent.recorded",
        request=request,
        purpose=Purpose.CASE_WORK,
        object_type="person",
        object_id=person.pk,
        extra={"consent": consent.pk, "case": case.pk},
    )
    return consent


def consent_withdraw(*, actor, consent, withdrawn_on, request=None):
    """Record that a consent was withdrawn; sharing from then on needs another consent or a legal ground."""
    authorize(user=actor, action=Action.RECORD_CONSENT, purpose=Purpose.CASE_WORK, obj=consent.case, request=request)
    if withdrawn_on > timezone.localdate() or withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("The date must be between the consent and today.")})
    consent.withdrawn_on = withdrawn_on
    consent._history_user = actor
    consent.save(update_fields=["withdrawn_on"])
    audit_record(
        actor=actor,
        action="consent.withdrawn",
        request=request,
        purpose=Purpose.CASE_WORK,
        object_type="person",
        object_id=consent.person_id,
        extra={"consent": consent.pk},
    )
    return consent


def access_rows_bulk_create(*, consents=(), grants=(), seals=()) -> None:
    """Write consents (each with the ids of its agencies), case-team grants and seals in bulk, with
    history rows (the demo region, bulk loads). Runs in the caller's transaction."""
    insert_with_history(Consent, [consent for consent, _ in consents])
    through = Consent.agencies.through
    insert_with_history(through, [through(consent_id=c.pk, agency_id=a) for c, ids in consents for a in ids])
    insert_with_history(CaseGrant, list(grants))
    insert_with_history(Seal, list(seals))


def consents_forget(case_ids) -> int:
    """Delete the consents recorded on these cases and their history (retention: they name the
    person). Returns how many went."""
    from safezone.common.history import history_purge

    from .models import Consent

    rows = Consent.objects.filter(case_id__in=list(case_ids))
    history_purge(Consent, rows.values_list("pk", flat=True))
    deleted, _per_model = rows.delete()
    return deleted
