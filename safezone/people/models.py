"""Persons in the register, their other names, identifiers, households and relations."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safezone.common.fields import EncryptedTextField

from . import validators
from .dates import PartialDate


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")
    UNKNOWN = "U", _("not known")


class Person(models.Model):
    """One human being known to the register: a victim, a child, a caregiver, an alleged perpetrator."""

    surname = models.CharField(_("surname"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    # A birth date may be known only to the year or the month.
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(_("birth month"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("birth day"), null=True, blank=True)
    district = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("district of residence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    registered_by = models.ForeignKey(
        "directory.Agency",
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Raised on every change; an edit based on an older version is refused, not silently applied.
    version = models.PositiveIntegerField(_("version"), default=1)
    # Set when a data steward merged this record into another (linkage): the row stays, with its
    # history, so that an unmerge can restore it; search and lists leave merged records out.
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["surname", "first_name", "patronymic"]
        indexes = [models.Index(fields=["surname", "first_name"]), models.Index(fields=["birth_year"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(birth_month__isnull=True) | models.Q(birth_year__isnull=False),
                name="person_birth_month_needs_year",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_day__isnull=True) | models.Q(birth_month__isnull=False),
                name="person_birth_day_needs_month",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.first_name, self.patronymic) if p)

    @property
    def birth_date(self) -> PartialDate | None:
        if self.birth_year is None:
            return None
        return PartialDate(self.birth_year, self.birth_month, self.birth_day)


class PersonName(models.Model):
    """Another name a person is or was known by: maiden name, a previous name, an alias, a Latin spelling."""

    class Kind(models.TextChoices):
        MAIDEN = "maiden", _("maiden name")
        PREVIOUS = "previous", _("previous name")
        ALIAS = "alias", _("also known as")
        LATIN = "latin", _("Latin spelling")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="other_names")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    surname = models.CharField(_("surname"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("other name")
        verbose_name_plural = _("other names")

    def __str__(self) -> str:
        return " ".join(p for p in (self.surname, self.first_name, self.patronymic) if p)


class Identifier(models.Model):
    """One document number of a person (SNILS, passport, birth certificate...), stored normalised."""

    class Kind(models.TextChoices):
        SNILS = "snils", _("SNILS")
        PASSPORT = "passport", _("passport of the Russian Federation")
        BIRTH_CERTIFICATE = "birth_certificate", _("birth certificate")
        INN = "inn", _("INN")
        OMS = "oms", _("medical insurance policy")
        OTHER = "other", _("other document")

    NORMALIZERS = {
        Kind.SNILS: validators.normalize_snils,
        Kind.PASSPORT: validators.normalize_passport,
        Kind.BIRTH_CERTIFICATE: validators.normalize_birth_certificate,
        Kind.INN: validators.normalize_inn,
        Kind.OMS: validators.normalize_oms,
        Kind.OTHER: validators.normalize_other,
    }
    FORMATTERS = {Kind.SNILS: validators.format_snils, Kind.PASSPORT: validators.format_passport}

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(_("document"), max_length=24, choices=Kind.choices)
    value = models.CharField(_("number"), max_length=64)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")
        # The same number may sit on two records of one human until linkage merges them,
        # so it is indexed, not unique across persons.
        constraints = [models.UniqueConstraint(fields=["person", "kind", "value"], name="identifier_unique_per_person")]
        indexes = [models.Index(fields=["kind", "value"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.display}"

    @property
    def display(self) -> str:
        formatter = self.FORMATTERS.get(self.kind)
        return formatter(self.value) if formatter else self.value


class Household(models.Model):
    """People who live together, as one agency recorded them."""

    district = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.ManyToManyField(Person, through="HouseholdMember", related_name="households")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"household #{self.pk}"


class HouseholdMember(models.Model):
    """One person living in one household."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="household_memberships")
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["household", "person"], name="household_member_unique")]

    def __str__(self) -> str:
        return f"person #{self.person_id} in household #{self.household_id}"


class Relation(models.Model):
    """How one person stands to another: `person` is the `kind` of `relative` (e.g. parent of)."""

    class Kind(models.TextChoices):
        SPOUSE = "spouse", _("spouse")
        PARTNER = "partner", _("partner")
        FORMER_PARTNER = "former_partner", _("former partner")
        PARENT = "parent", _("parent")
        GUARDIAN = "guardian", _("guardian")
        SIBLING = "sibling", _("brother or sister")
        OTHER = "other", _("relative")

    # What `relative` is to `person`, where that differs from `kind`.
    INVERSE = {Kind.PARENT: _("child"), Kind.GUARDIAN: _("ward")}

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations_as_relative")
    kind = models.CharField(_("relation"), max_length=16, choices=Kind.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(fields=["person", "relative", "kind"], name="relation_unique"),
            models.CheckConstraint(condition=~models.Q(person=models.F("relative")), name="relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"#{self.person_id} {self.kind} #{self.relative_id}"


class Contact(models.Model):
    """One way to reach a person (phone, e-mail, address, messenger), encrypted at rest.

    `is_safe` marks the one the person said is safe to use; the others may be known to the
    alleged perpetrator.
    """

    class Kind(models.TextChoices):
        PHONE = "phone", _("phone")
        EMAIL = "email", _("e-mail")
        ADDRESS = "address", _("address")
        MESSENGER = "messenger", _("messenger")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    value = EncryptedTextField(_("contact"))
    is_safe = models.BooleanField(_("safe to use"), default=False)
    note = EncryptedTextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_safe", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class PersonKey(models.Model):
    """One key a person is filed under for search (people.matching.person_keys): a surname in its
    spelling-independent form, its consonants, a first name with the birth year...

    Derived from the names: rewritten whenever they change, never edited, no history.
    """

    pk = models.CompositePrimaryKey("key", "person_id")
    key = models.CharField(max_length=80)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["person"], name="people_personkey_person")]

    def __str__(self) -> str:
        return self.key
