"""Template context every page gets."""

from django.conf import settings


def safezone(request):
    """Whether this is the demo, and which menu entries the user's roles open."""
    return {"SAFEZONE_DEMO": settings.SAFEZONE_DEMO, "nav": _nav(request)}


def _nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from safezone.access.policy import Action, Purpose
    from safezone.access.selectors import district_ids_for, purposes_for
    from safezone.accounts.selectors import unread_notifications
    from safezone.imports.types import import_types

    return {
        "case_work": bool(purposes_for(user, Action.LIST_CASES)),
        "intake": bool(purposes_for(user, Action.OPEN_CASE)),
        "referrals": bool(purposes_for(user, Action.ANSWER_REFERRAL)),
        "audit": bool(purposes_for(user, Action.READ_AUDIT)),
        "linkage": bool(purposes_for(user, Action.REVIEW_LINKAGE)),
        "capacity": bool(purposes_for(user, Action.VIEW_CAPACITY)),
        "meetings": bool(purposes_for(user, Action.VIEW_MEETING)),
        "helpline": bool(purposes_for(user, Action.LOG_CONTACT)),
        "helpline_figures": bool(purposes_for(user, Action.VIEW_CONTACTS)),
        "schools": bool(purposes_for(user, Action.VIEW_PUPILS)),
        "school_figures": bool(purposes_for(user, Action.SCHOOL_FIGURES)),
        # Only agencies that keep the list of teenagers at risk (not every caseworker's).
        "teens": bool(district_ids_for(user, Action.VIEW_TEENS, Purpose.CHILD_PROTECTION)),
        "labour": bool(purposes_for(user, Action.VIEW_LABOUR)),
        "stats": bool(purposes_for(user, Action.VIEW_FIGURES)),
        "exports": bool(purposes_for(user, Action.EXPORT_AGGREGATES)),
        "plan": bool(purposes_for(user, Action.VIEW_PLAN)),
        # Staff (reference data) and a school's staff (its registers): whoever may run an import type.
        "imports": any(kind.may_run(user) for kind in import_types().values()),
        "unread": unread_notifications(user).count(),
    }
