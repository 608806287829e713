"""The helpline's contacts and the callers it knows again. A contact is not a case: most carry no
one's name, and a caller is known only by a keyed hash of the number."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Contact(models.Model):
    """One contact with the helpline: a call, a chat, a message or a visit."""

    class Channel(models.TextChoices):
        CALL = "call", _("call")
        CHAT = "chat", _("chat")
        SMS = "sms", _("SMS")
        MESSENGER = "messenger", _("messenger")
        WALK_IN = "walk_in", _("walk-in")

    class Type(models.TextChoices):
        # With data: about someone.
        ABOUT_SELF = "self", _("about the caller")
        ABOUT_CHILD = "child", _("about a child")
        ABOUT_ADULT = "adult", _("about another adult")
        # Without data.
        SILENT = "silent", _("silent")
        HANG_UP = "hang_up", _("hang-up")
        WRONG_NUMBER = "wrong_number", _("wrong number")
        ABUSIVE = "abusive", _("abusive")
        THANKS = "thanks", _("thanks")
        QUESTION = "question", _("question")
        COMPLAINT = "complaint", _("complaint")

    class Category(models.TextChoices):
        """Issue categories in the Child Helpline International style, with domestic violence,
        child labour and trafficking."""

        PHYSICAL_VIOLENCE = "violence_physical", _("physical violence")
        SEXUAL_VIOLENCE = "violence_sexual", _("sexual violence")
        EMOTIONAL_VIOLENCE = "violence_emotional", _("emotional violence")
        NEGLECT = "neglect", _("neglect")
        DOMESTIC_VIOLENCE = "domestic_violence", _("domestic violence")
        CHILD_LABOUR = "child_labour", _("child labour")
        SEXUAL_EXPLOITATION = "sexual_exploitation", _("sexual exploitation")
        TRAFFICKING = "trafficking", _("trafficking")
        ONLINE_ABUSE = "online_abuse", _("online abuse")
        MISSING_CHILD = "missing_child", _("missing child")
        MENTAL_HEALTH = "mental_health", _("mental health")
        SUICIDAL = "suicidal", _("suicidal thoughts or self-harm")
        PHYSICAL_HEALTH = "physical_health", _("physical health")
        RELATIONSHIPS = "relationships", _("family and peer relationships")
        EDUCATION_WORK = "education_work", _("education and work")
        DISCRIMINATION = "discrimination", _("discrimination")
        SEXUALITY = "sexuality", _("sexuality")
        LEGAL = "legal", _("legal and rights questions")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("routine")
        URGENT = "urgent", _("urgent")
        EMERGENCY = "emergency", _("emergency: life in danger")

    class Outcome(models.TextChoices):
        INFORMATION = "information", _("information given")
        REFERRED = "referred", _("referred")
        EMERGENCY_CALLED = "emergency_called", _("emergency services called")
        CALLBACK = "callback", _("callback agreed")

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.CALL)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # None until an operator takes the contact (a call announced by the exchange)
    line = models.CharField(_("line"), max_length=40, blank=True)
    # HMAC of the caller's number (SAFEZONE_CALLER_HASH_KEY): the same caller is recognised, the
    # number itself is never stored.
    caller_hash = models.CharField(max_length=64, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=8, default="ru")
    type = models.CharField(_("contact type"), max_length=16, choices=Type.choices, blank=True)
    categories = models.JSONField(_("issues"), default=list, blank=True)
    age_band = models.CharField(_("caller's age band"), max_length=8, blank=True)
    sex = models.CharField(_("caller's sex"), max_length=1, blank=True)
    district = models.ForeignKey(
        "directory.Territory", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # The exchange's own id of the call: its hang-up finds the contact by it.
    pbx_call_id = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"contact {self.pk} ({self.channel}, {self.started_at:%Y-%m-%d %H:%M})"


class PbxEvent(models.Model):
    """One signed call of the telephone exchange to the hook, kept so that the same call sent
    again (a replay) is refused."""

    call_id = models.CharField(max_length=100)
    event = models.CharField(max_length=16)  # incoming, hangup
    signed_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call_id", "event"], name="pbx_event_once")]

    def __str__(self) -> str:
        return f"{self.event} {self.call_id}"
