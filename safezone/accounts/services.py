"""Writes to users, memberships and API keys."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from safezone.directory.models import Agency

from .models import ApiToken, Membership, Notification, User


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

    return base64.b32encode(hashlib.sha256(f"{seed}:{label}".encode()).digest()[:20]).decode("ascii")


# --- API keys ------------------------------------------------------------------------------------
def api_key_digest(key: str) -> str:
    """The SHA-256 (hex) under which a key is kept: a key is 256 random bits, so a plain hash is
    enough (no password to guess) and lets a call be checked with one indexed lookup."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, name: str, days: int | None = None, issued_by: str = "") -> tuple[ApiToken, str]:
    """Issue an API key acting as `user`; returns the row and the key, which is shown once and
    never stored. Audited."""
    from safezone.audit.services import audit_record

    days = settings.SAFEZONE_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise ValueError("days: from 1 to 366")
    if not user.is_active:
        raise ValueError(f"user {user.username} is not active")
    if not name.strip():
        raise ValueError("name: say which system or script holds the key")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=key[:8],
        digest=api_key_digest(key),
        created_by=issued_by[:150],
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_record(
        actor=None,
        action="api_token.issued",
        object_type="user",
        object_id=user.pk,
        extra={"token": token.pk, "name": token.name, "prefix": token.prefix, "days": days, "by": token.created_by},
    )
    return token, key


def api_token_revoke(*, token: ApiToken, actor=None, revoked_by: str = "") -> bool:
    """Revoke a key from now on (it stays listed); False if it was revoked already. Audited."""
    from safezone.audit.services import audit_record

    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="api_token.revoked",
        object_type="user",
        object_id=token.user_id,
        extra={"token": token.pk, "prefix": token.prefix, "by": revoked_by[:150]},
    )
    return True


def api_token_check(key: str) -> ApiToken | None:
    """The live key (not expired, not revoked, its user active) that `key` is, or None; notes
    when it was used (at most every SAFEZONE_API_TOKEN_TOUCH_SECONDS, not a write per call)."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=api_key_digest(key), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is not None:
        touch = dt.timedelta(seconds=settings.SAFEZONE_API_TOKEN_TOUCH_SECONDS)
        if token.last_used_at is None or now - token.last_used_at >= touch:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token
