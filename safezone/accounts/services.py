"""Writes to users and memberships."""

from django.contrib.auth.password_validation import validate_password

from safezone.directory.models import Agency

from .models import Membership, Notification, User


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


def membership_grant(*, user: User, agency: Agency, role: str, unit=None, dp_training_on=None) -> Membership:
    """Give a user a role in an agency (repeatable: an existing one is reactivated).

    Without a data-protection training date the membership reaches no personal data.
    """
    defaults = {"is_active": True, "ended_on": None, "unit": unit}
    if dp_training_on is not None:
        defaults["dp_training_on"] = dp_training_on
    membership, _ = Membership.objects.update_or_create(user=user, agency=agency, role=role, defaults=defaults)
    user.__dict__.pop("_active_memberships", None)
    return membership


def notify(*, users, text: str, url: str = "") -> int:
    """Leave a notification for each of these users; returns how many were written."""
    rows = [Notification(user=user, text=text[:300], url=url) for user in {u.pk: u for u in users}.values()]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications read (all, or these ids)."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def totp_activate(*, user: User, secret: str):
    """Give a user an authenticator-app (TOTP) second factor with this base32 secret, replacing any
    earlier one (demo accounts and tests; people set theirs up themselves on the security page)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    user.__dict__.pop("_has_second_factor", None)
    return TOTP.activate(user, secret).instance


def totp_secret_for(label: str, seed: str) -> str:
    """A base32 TOTP secret derived from a label and a seed: stable for the demo, never for real use."""
    import base64
    import hashlib

    return base64.b32encode(hashlib.sha256(f"{seed}:{label}".encode()).digest()[:20]).decode("ascii")
