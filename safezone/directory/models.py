"""Territory (region, districts, settlements) and the agencies that share the register."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safezone.common.fields import EncryptedTextField
from safezone.common.models import BilingualName, in_language


class Territory(BilingualName):
    """One administrative unit: the region, a district within it, or a settlement within a district."""

    class Level(models.TextChoices):
        REGION = "region", _("region")
        DISTRICT = "district", _("district")
        SETTLEMENT = "settlement", _("settlement")

    class Kind(models.TextChoices):
        OBLAST = "oblast", _("oblast")
        CITY_DISTRICT = "city_district", _("city district")
        MUNICIPAL_DISTRICT = "municipal_district", _("municipal district")
        CITY = "city", _("city")
        TOWN = "town", _("town")
        SETTLEMENT = "settlement", _("urban-type settlement")
        VILLAGE = "village", _("village")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["level", "name_ru"]
        indexes = [models.Index(fields=["level", "parent"])]


class Agency(BilingualName):
    """One organisation that works in the register: a centre, a police department, a school, an NGO."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("department of social development")
        SOCIAL_PROTECTION = "social_protection", _("social-protection centre")
        POLICE = "police", _("police")
        PROSECUTOR = "prosecutor", _("prosecutor's office")
        HEALTH = "health", _("health service")
        EDUCATION = "education", _("education department")
        SCHOOL = "school", _("school")
        CRISIS_CENTRE = "crisis_centre", _("crisis centre")
        SHELTER = "shelter", _("shelter")
        REHABILITATION_CENTRE = "rehabilitation_centre", _("rehabilitation centre for children")
        YOUTH_COMMISSION = "youth_commission", _("youth-affairs commission")
        NGO = "ngo", _("non-governmental organisation")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    short_name_ru = models.CharField(_("short name (Russian)"), max_length=80, blank=True)
    short_name_en = models.CharField(_("short name (English)"), max_length=80, blank=True)
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    district = models.ForeignKey(
        Territory,
        verbose_name=_("seat"),
        on_delete=models.PROTECT,
        related_name="seated_agencies",
        limit_choices_to={"level__in": [Territory.Level.REGION, Territory.Level.DISTRICT]},
    )
    districts_served = models.ManyToManyField(
        Territory,
        verbose_name=_("districts served"),
        related_name="agencies_serving",
        limit_choices_to={"level": Territory.Level.DISTRICT},
        blank=True,
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name_ru"]

    @property
    def short_name(self) -> str:
        return in_language(self.short_name_ru, self.short_name_en) or self.name


class Unit(BilingualName):
    """One team or department inside an agency; the team scope and seals name it."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="units")
    code = models.SlugField(_("code"), max_length=64)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["agency", "name_ru"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="unit_code_unique_in_agency")]


class Facility(BilingualName):
    """One place an agency offers with a fixed number of places: a shelter, a group programme, a day-care group."""

    class Kind(models.TextChoices):
        SHELTER = "shelter", _("shelter")
        PROGRAMME = "programme", _("group programme")
        DAY_CARE = "day_care", _("day care")
        # The modules of a rehabilitation centre for children.
        STREET_SERVICE = "street_service", _("street social service")
        REHABILITATION = "rehabilitation", _("rehabilitation programme")
        SELF_HELP = "self_help", _("family self-help groups")
        MEDICAL = "medical", _("medical service")

    class Counts(models.TextChoices):
        """What one place is: a bed or seat, a family, a child."""

        PLACES = "places", _("places")
        FAMILIES = "families", _("families")
        CHILDREN = "children", _("children")

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="facilities")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    district = models.ForeignKey(
        Territory,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="facilities",
        limit_choices_to={"level": "district"},
    )
    places = models.PositiveSmallIntegerField(_("places"))
    counts = models.CharField(_("counted in"), max_length=16, choices=Counts.choices, default=Counts.PLACES)
    # A shelter's address is kept from everyone who does not need it (FieldGroup.SHELTER_ADDRESS).
    address = EncryptedTextField(_("address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("facility with places")
        verbose_name_plural = _("facilities with places")
        ordering = ["kind", "name_ru"]

    def __str__(self) -> str:
        return self.name
