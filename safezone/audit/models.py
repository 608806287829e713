"""The append-only, hash-chained audit log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Audit events are never changed or removed."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def delete(self):
        raise AppendOnlyError("audit events are append-only")


class AuditEvent(models.Model):
    """One thing that happened to personal data or to access: a read, a write, an allow or a deny.

    Each event carries the hash of the one before, so a changed, removed or reordered
    event breaks the chain that `manage.py audit_verify` walks.
    """

    class Decision(models.TextChoices):
        ALLOW = "allow", _("allowed")
        DENY = "deny", _("denied")
        NONE = "", _("not an access decision")

    # Assigned by audit_record under a lock, so the sequence has no gaps and follows the chain.
    seq = models.BigIntegerField(_("number"), primary_key=True)
    occurred_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    # The agency the user acted for, when one membership decided.
    agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    rule = models.CharField(_("rule"), max_length=255, blank=True)
    purpose = models.CharField(_("purpose"), max_length=32, blank=True)
    object_type = models.CharField(_("record type"), max_length=32, blank=True)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("address"), max_length=500, blank=True)
    request_id = models.CharField(_("request"), max_length=32, blank=True, db_index=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")


class AuditSubject(models.Model):
    """One record an audit event concerns: the case read, or each person a list or search showed.

    An index for the data-protection officer's "who looked at this person" (the ids are also in the
    event's hashed details, and audit_verify checks the two agree). Append-only like the events.
    """

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="subjects")
    object_type = models.CharField(_("record type"), max_length=32)
    object_id = models.CharField(_("record"), max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit subject")
        verbose_name_plural = _("audit subjects")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} in event #{self.event_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")
