"""Access decisions that leave their trace in the audit log (DESIGN.md rule 2)."""

from django.utils.translation import gettext_lazy as _

from safezone.audit.services import audit_record

from .selectors import Decision, decide, decide_for_agency, grants_for, rules_text


class AccessDenied(Exception):
    """The policy refused. Views answer 404 so that a refusal does not reveal that the record exists."""

    def __init__(self, decision: Decision):
        super().__init__(decision.rule)
        self.decision = decision


NOT_FOUND_MESSAGE = _("There is no such record, or you have no access to it.")


def _enforce(
    decision: Decision, *, user, action: str, purpose: str, object_type: str, object_id, request, extra: dict | None
) -> Decision:
    """Record a decision in the audit log; raise AccessDenied if it refused."""
    audit_record(
        actor=user,
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
    return _enforce(
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
    return _enforce(
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
