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
