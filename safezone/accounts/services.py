"""Writes to users and memberships."""

from django.contrib.auth.password_validation import validate_password

from safezone.directory.models import Agency

from .models import Membership, User


def user_create(
    *,
    username: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    patronymic: str = "",
    email: str = "",
    is_demo: bool = False,
    validate: bool = True,
    password_hash: str | None = None,
) -> User:
    """Create a user; the password must pass the configured validators.

    `password_hash` (from make_password) lets many accounts share one slow hashing step.
    """
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        patronymic=patronymic,
        email=email,
        is_demo=is_demo,
    )
    if password_hash is not None:
        user.password = password_hash
    elif password is None:
        user.set_unusable_password()
    else:
        if validate:
            validate_password(password, user)
        user.set_password(password)
    user.save()
    return user


def membership_grant(*, user: User, agency: Agency, role: str) -> Membership:
    """Give a user a role in an agency (repeatable: an existing one is reactivated)."""
    membership, _ = Membership.objects.update_or_create(
        user=user, agency=agency, role=role, defaults={"is_active": True, "ended_on": None}
    )
    user.__dict__.pop("_active_memberships", None)
    return membership
