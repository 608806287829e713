"""Sign-in, sign-out, failed sign-in, lockout and second-factor changes go to the audit log
(Django, allauth and axes only offer signals for these)."""

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from safezone.audit.services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    import time

    if request is not None and hasattr(request, "session"):
        # The absolute session limit counts from here (safezone.accounts.middleware).
        request.session["safezone_signed_in_at"] = request.session["safezone_last_seen"] = time.time()
    audit_record(actor=user, action="auth.login", request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # Only the username tried, never the password.
    audit_record(
        actor=None,
        action="auth.login_failed",
        request=request,
        extra={"username": str(credentials.get("username", ""))[:150]},
    )


def _mfa_event(action: str):
    def receiver_(sender, request=None, user=None, authenticator=None, **kwargs):
        actor = user or getattr(authenticator, "user", None) or getattr(request, "user", None)
        audit_record(actor=actor, action=action, request=request, extra={"type": getattr(authenticator, "type", "")})

    return receiver_


def _connect_mfa_signals():
    """Adding, removing or resetting a second factor is audited (allauth's own signals)."""
    from allauth.mfa import signals

    for name, action in (
        ("authenticator_added", "mfa.added"),
        ("authenticator_removed", "mfa.removed"),
        ("authenticator_reset", "mfa.reset"),
    ):
        getattr(signals, name).connect(_mfa_event(action), weak=False, dispatch_uid=f"safezone-{action}")


_connect_mfa_signals()


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(actor=None, action="auth.locked_out", request=request, extra={"username": str(username)[:150]})


@receiver(post_save, sender=LogEntry)
def _admin_action(sender, instance, created, **kwargs):
    """Every change made in Django admin (reference data, users, roles) is one audit event."""
    if created:
        action = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}.get(instance.action_flag)
        audit_record(
            actor=instance.user,
            action=action or "admin.action",
            object_type=instance.content_type.model if instance.content_type_id else "",
            object_id=instance.object_id or "",
            extra={"change": instance.get_change_message()[:500]},
        )
