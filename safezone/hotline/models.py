"""The helpline's contacts and the callers it knows again. A contact is not a case: most carry no
one's name, and a caller is known only by a keyed hash of the number."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safezone.common.fields import EncryptedTextField


class Answer(models.TextChoices):
    """An answer to a safety question."""

    NOT_ASKED = "", _("not asked")
    YES = "yes", _("yes")
    NO = "no", _("no")


class AgeBand(models.TextChoices):
    """The caller's age, as told or guessed (CHI-style bands: children first)."""

    UNDER_6 = "0-5", _("under 6")
    AGE_6_11 = "6-11", _("6 to 11")
    AGE_12_14 = "12-14", _("12 to 14")
    AGE_15_17 = "15-17", _("15 to 17")
    AGE_18_24 = "18-24", _("18 to 24")
    AGE_25_44 = "25-44", _("25 to 44")
    AGE_45_64 = "45-64", _("45 to 64")
    AGE_65_UP = "65+", _("65 and over")


class Contact(models.Model):
    """One contact with the helpline: a call, a chat, a message or a visit."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for an operator")  # announced by the exchange, nobody took it yet
        OPEN = "open", _("being logged")
        DONE = "done", _("logged")

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

    # Types that say something about someone: they need issues and an outcome to be logged.
    WITH_DATA = ("self", "child", "adult")

    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    # The agency whose helpline took the contact (the operator's); empty while a call waits.
    agency = models.ForeignKey("directory.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
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
    age_band = models.CharField(_("caller's age band"), max_length=8, choices=AgeBand.choices, blank=True)
    sex = models.CharField(_("caller's sex"), max_length=1, choices=[("F", _("female")), ("M", _("male"))], blank=True)
    district = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("caller's district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # The exchange's own id of the call: its hang-up finds the contact by it.
    pbx_call_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    # Safety first: asked before anything else.
    safe_to_talk = models.CharField(_("safe to talk now"), max_length=3, choices=Answer.choices, blank=True)
    in_danger = models.CharField(_("someone in immediate danger"), max_length=3, choices=Answer.choices, blank=True)
    notes = EncryptedTextField(_("what the caller said"), blank=True)
    # Warm referral: the case the contact became, and the referral sent with it.
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    referral = models.ForeignKey("cases.Referral", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Raised by every save: a draft saved from a second tab is refused, not silently overwritten.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["started_at"]), models.Index(fields=["status", "operator"])]

    def __str__(self) -> str:
        return f"contact {self.pk} ({self.channel}, {self.started_at:%Y-%m-%d %H:%M})"

    @property
    def with_data(self) -> bool:
        return self.type in self.WITH_DATA

    def category_labels(self) -> list[str]:
        labels = dict(self.Category.choices)
        return [str(labels.get(code, code)) for code in self.categories]


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


class CallerProfile(models.Model):
    """What the helpline knows about one caller, known only by the keyed hash of the number:
    whether the caller is blocked (abusive), and since when."""

    caller_hash = models.CharField(max_length=64, unique=True)
    blocked_at = models.DateTimeField(_("blocked"), null=True, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    block_reason = models.CharField(_("why blocked"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("caller profile")
        verbose_name_plural = _("caller profiles")

    def __str__(self) -> str:
        return f"caller {self.caller_hash[:8]}"

    @property
    def blocked(self) -> bool:
        return self.blocked_at is not None


class CallerNote(models.Model):
    """One note about a caller for the next operator (e.g. "calls at night, ask for Masha")."""

    profile = models.ForeignKey(CallerProfile, on_delete=models.CASCADE, related_name="notes")
    text = EncryptedTextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.profile}"


class Callback(models.Model):
    """One call back the caller agreed to: when, to which number (given for this only), and how it went."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to call")
        DONE = "done", _("called back")
        FAILED = "failed", _("not reached")
        CANCELLED = "cancelled", _("cancelled")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="callbacks")
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("call back at"))
    # The number in clear, only because the caller agreed to be called back on it.
    phone = EncryptedTextField(_("number to call"))
    note = EncryptedTextField(_("what to say, what to avoid"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    # The contact that the call back itself was logged as.
    result_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [models.Index(fields=["agency", "status", "due_at"])]

    def __str__(self) -> str:
        return f"callback {self.pk} at {self.due_at:%Y-%m-%d %H:%M}"


class Shift(models.Model):
    """One operator's shift on the helpline: from when to when, and the note handed to the next shift."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    handover_note = EncryptedTextField(_("handover note"), blank=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        indexes = [models.Index(fields=["agency", "started_at"])]
        constraints = [
            # One shift on at a time per operator.
            models.UniqueConstraint(
                fields=["operator"], condition=models.Q(ended_at__isnull=True), name="hotline_one_open_shift"
            )
        ]

    def __str__(self) -> str:
        return f"shift {self.pk} of user {self.operator_id}"
