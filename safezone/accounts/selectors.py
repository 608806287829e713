"""Reads of users and memberships."""

from django.db.models import QuerySet
from django.utils import timezone

from .models import Membership, User


def memberships_of(user: User) -> list[Membership]:
    """The user's memberships that are in force today, with their agencies (cached on the user)."""
    cached = getattr(user, "_active_memberships", None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        return []
    today = timezone.localdate()
    memberships = [
        m
        for m in Membership.objects.filter(user=user, is_active=True).select_related("agency", "agency__district")
        if (m.started_on is None or m.started_on <= today) and (m.ended_on is None or m.ended_on >= today)
    ]
    user._active_memberships = memberships
    return memberships


def demo_users() -> QuerySet[User]:
    """Demo accounts, by username."""
    return User.objects.filter(is_demo=True).prefetch_related("memberships__agency").order_by("username")


def staff_with_memberships() -> QuerySet[User]:
    """Users who hold at least one membership (the people cases can be assigned to)."""
    return User.objects.filter(memberships__isnull=False).distinct()


def users_with_ids(ids) -> QuerySet[User]:
    """The users with these keys (a list or a subquery), by name."""
    return User.objects.filter(pk__in=ids).order_by("last_name", "first_name")


def users_with_roles(roles: list[str], agency=None) -> QuerySet[User]:
    """Active users holding one of these roles (in this agency, if given) in an active membership."""
    memberships = Membership.objects.filter(role__in=roles, is_active=True)
    if agency is not None:
        memberships = memberships.filter(agency=agency)
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


def users_with_role(role: str, agency=None) -> QuerySet[User]:
    """Active users holding this role (in this agency, if given) in an active membership."""
    return users_with_roles([role], agency)


def unread_notifications(user):
    """The user's unread notifications, newest first."""
    from .models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True)


def notifications_of(user):
    """All the user's notifications, newest first."""
    from .models import Notification

    return Notification.objects.filter(user=user)


def user_by_id(pk) -> User:
    """One user by key (staff, not a person in the register)."""
    return User.objects.get(pk=pk)


def needs_second_factor(user) -> bool:
    """Whether the user must sign in with a second factor: administrators, and anyone holding a
    role that reaches personal data (figures alone are not: they are disclosure-controlled aggregates)."""
    from safezone.access.policy import FIGURES_ONLY, policy_for

    if user.is_staff or user.is_superuser:
        return True
    return any(policy_for(m.role).actions - FIGURES_ONLY for m in memberships_of(user))


def has_second_factor(user) -> bool:
    """Whether the user has set up an authenticator app or a security key (passkey)."""
    from allauth.mfa.models import Authenticator

    cached = getattr(user, "_has_second_factor", None)
    if cached is None:
        cached = Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists()
        user._has_second_factor = cached
    return cached


def demo_totp_secret_of(user) -> str:
    """The authenticator secret of a demo account, to print with the demo; refused for real accounts."""
    from allauth.mfa.models import Authenticator

    from safezone.common import crypto

    if not user.is_demo:
        raise PermissionError("only demo accounts have published secrets")
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return crypto.decrypt(authenticator.data["secret"]) if authenticator else ""


def colleagues_of(user) -> QuerySet[User]:
    """Active users holding a membership in one of the user's agencies (the user included), by name."""
    agency_ids = [m.agency_id for m in memberships_of(user)]
    members = Membership.objects.filter(agency_id__in=agency_ids, is_active=True).values("user_id")
    return User.objects.filter(is_active=True, pk__in=members).order_by("last_name", "first_name")


def colleagues_in(agency) -> QuerySet[User]:
    """Active users holding an active membership in an agency, by name."""
    members = Membership.objects.filter(agency=agency, is_active=True).values("user_id")
    return User.objects.filter(is_active=True, pk__in=members).order_by("last_name", "first_name")


def staff_in_agencies(agency_ids) -> QuerySet[User]:
    """Active users holding an active membership in any of these agencies, by name."""
    members = Membership.objects.filter(agency_id__in=agency_ids, is_active=True).values("user_id")
    return User.objects.filter(is_active=True, pk__in=members).order_by("last_name", "first_name")
