"""The statistics app's tables: the indicator registry (definitions as data, versioned), reference
population figures, the pseudonymised projection (one fact table per domain) and the code
mappings of receiving systems.

Nothing here points to a person or a case: a fact carries keyed hashes (`stats.pseudonyms`) whose
key lives outside the database, so no query can join a figure back to a name.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from safezone.common.models import in_language


class Aggregation(models.TextChoices):
    """How a data element's facts add up within a period."""

    SUM = "sum", _("sum of the values")
    # Each subject counted once in the period (flagged pupils, children in the chain).
    DISTINCT = "distinct", _("distinct persons")
    # A stock: the values of the period's last month (places, children at each step).
    STOCK = "stock", _("value at the end of the period")


class Domain(models.TextChoices):
    """Which fact table a data element's facts live in."""

    CASES = "cases", _("cases, incidents, assessments and referrals")
    SERVICES = "services", _("shelter stays and places")
    HELPLINE = "helpline", _("helpline contacts")
    SCHOOLS = "schools", _("school early warning")
    LABOUR = "labour", _("child-labour monitoring")
    POPULATION = "population", _("population (reference figures)")


class DataElement(models.Model):
    """One version of a data element: what is counted, from which domain, broken down by what."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ru = models.TextField(_("definition (Russian)"))
    description_en = models.TextField(_("definition (English)"))
    domain = models.CharField(_("domain"), max_length=16, choices=Domain.choices)
    aggregation = models.CharField(_("aggregation"), max_length=16, choices=Aggregation.choices)
    # Disaggregation codes (stats.dimensions), in the order of the category combination.
    disaggregations = models.JSONField(_("disaggregations"), default=list)
    # Where agreed, a table of this element never shows a cell from fewer reporting agencies
    # than SAFEZONE_STATS_MIN_AGENCIES (the reporting agency is not identifiable).
    protect_agency = models.BooleanField(_("reporting agency protected"), default=False)
    is_current = models.BooleanField(_("current version"), default=True)
    valid_from = models.DateTimeField(_("in force since"), auto_now_add=True)

    class Meta:
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="stats_element_version_unique")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def name(self) -> str:
        return in_language(self.name_ru, self.name_en)

    @property
    def description(self) -> str:
        return in_language(self.description_ru, self.description_en)


class Indicator(models.Model):
    """One version of an indicator: numerator / denominator × factor, each a data element narrowed by
    options (e.g. assessments whose band is high), or the population (e.g. adult women)."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ru = models.TextField(_("definition (Russian)"))
    description_en = models.TextField(_("definition (English)"))
    numerator = models.SlugField(_("numerator (data element)"), max_length=40)
    # {dimension: [option, ...]}: only facts with one of these options count.
    numerator_filter = models.JSONField(_("numerator narrowed to"), default=dict, blank=True)
    # A data element, "population", or empty for a plain count.
    denominator = models.SlugField(_("denominator (data element)"), max_length=40, blank=True)
    denominator_filter = models.JSONField(_("denominator narrowed to"), default=dict, blank=True)
    factor = models.PositiveIntegerField(_("factor"), default=1)
    # Place-nights over the period's days give places on an average night.
    numerator_per_day = models.BooleanField(_("numerator per day of the period"), default=False)
    unit_ru = models.CharField(_("unit (Russian)"), max_length=100, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=100, blank=True)
    is_current = models.BooleanField(_("current version"), default=True)
    valid_from = models.DateTimeField(_("in force since"), auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("defined by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="stats_indicator_version_unique")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def name(self) -> str:
        return in_language(self.name_ru, self.name_en)

    @property
    def description(self) -> str:
        return in_language(self.description_ru, self.description_en)

    @property
    def unit(self) -> str:
        return in_language(self.unit_ru, self.unit_en)


class PopulationFigure(models.Model):
    """The population of one district in one year by sex and age band (official statistics), the
    denominator of indicators per 10,000 inhabitants or adult women."""

    district = models.ForeignKey(
        "directory.Territory", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sex = models.CharField(_("sex"), max_length=1)
    age_band = models.CharField(_("age band"), max_length=8)
    count = models.PositiveIntegerField(_("people"))
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        constraints = [
            models.UniqueConstraint(fields=["district", "year", "sex", "age_band"], name="stats_population_unique")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year} {self.sex} {self.age_band}: {self.count}"


# What a count reads besides (element, day): carried in the (element, day) index on PostgreSQL, so a
# quarter is an index-only scan of its own rows, not a scan of the whole table (bench/stats_scale.py:
# 2.9 s → 0.97 s p95 at 1M cases). SQLite has no INCLUDE and builds the plain index.
COVERED = [
    "district",
    "agency",
    "agency_kind",
    "sex",
    "age_band",
    "perpetrator_sex",
    "perpetrator_age_band",
    "relationship",
    "form",
    "category",
    "value",
]


class Fact(models.Model):
    """One counted event of the pseudonymised projection: a data element, a day, a value and its
    disaggregations, for one pseudonymous unit (the record it came from) and subject (the person)."""

    element = models.SlugField(max_length=40)
    # Keyed hashes: a refresh replaces all facts of a changed unit; distinct counts use the subject.
    unit = models.CharField(max_length=24)
    subject = models.CharField(max_length=24, blank=True)
    day = models.DateField()
    district = models.ForeignKey(
        "directory.Territory", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The reporting agency: only counted (distinct agencies per cell), never shown.
    agency = models.ForeignKey(
        "directory.Agency", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    agency_kind = models.CharField(max_length=32, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    perpetrator_sex = models.CharField(max_length=1, blank=True)
    perpetrator_age_band = models.CharField(max_length=8, blank=True)
    relationship = models.CharField(max_length=16, blank=True)
    form = models.CharField(max_length=32, blank=True)
    category = models.CharField(max_length=32, blank=True)
    value = models.IntegerField(default=1)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.element} {self.day}: {self.value}"


class CaseFact(Fact):
    """A fact of the cases domain: a case opened or closed, an incident and its forms, an
    assessment, a referral, a meeting referral."""

    class Meta:
        indexes = [
            models.Index(fields=["element", "day"], include=COVERED, name="stats_casefact_element_day"),
            models.Index(fields=["unit"], name="stats_casefact_unit"),
        ]


class ServiceFact(Fact):
    """A fact of the services domain: shelter nights of a stay in a month, a shelter's place-nights."""

    class Meta:
        indexes = [
            models.Index(fields=["element", "day"], include=COVERED, name="stats_servicefact_element_day"),
            models.Index(fields=["unit"], name="stats_servicefact_unit"),
        ]


class ContactFact(Fact):
    """A fact of the helpline domain: a contact and each of its issue categories."""

    class Meta:
        indexes = [
            models.Index(fields=["element", "day"], include=COVERED, name="stats_contactfact_element_day"),
            models.Index(fields=["unit"], name="stats_contactfact_unit"),
        ]


class SchoolFact(Fact):
    """A fact of the schools domain: a pupil flagged in a school quarter, a support plan opened."""

    class Meta:
        indexes = [
            models.Index(fields=["element", "day"], include=COVERED, name="stats_schoolfact_element_day"),
            models.Index(fields=["unit"], name="stats_schoolfact_unit"),
        ]


class LabourFact(Fact):
    """A fact of the child-labour domain: a child's step of the chain at the end of a month."""

    class Meta:
        indexes = [
            models.Index(fields=["element", "day"], include=COVERED, name="stats_labourfact_element_day"),
            models.Index(fields=["unit"], name="stats_labourfact_unit"),
        ]


FACT_MODELS = {
    Domain.CASES: CaseFact,
    Domain.SERVICES: ServiceFact,
    Domain.HELPLINE: ContactFact,
    Domain.SCHOOLS: SchoolFact,
    Domain.LABOUR: LabourFact,
}


class Refresh(models.Model):
    """One refresh of one domain of the projection: from which watermark, how many units it rewrote."""

    domain = models.CharField(max_length=16, choices=Domain.choices)
    full = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    # Source rows changed at or after this time were rewritten; the next refresh starts here.
    watermark = models.DateTimeField()
    units = models.PositiveIntegerField(default=0)
    facts = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["domain", "-started_at"], name="stats_refresh_domain")]

    def __str__(self) -> str:
        return f"{self.domain} {self.started_at:%Y-%m-%d %H:%M}"


class CodeMapping(models.Model):
    """How a receiving system (e.g. the ministry's DHIS2) names one of our codes."""

    class Kind(models.TextChoices):
        DATA_SET = "data_set", _("data set")
        DATA_ELEMENT = "data_element", _("data element")
        CATEGORY_OPTION_COMBO = "category_option_combo", _("category option combination")
        ORG_UNIT = "org_unit", _("organisation unit")

    receiver = models.SlugField(_("receiving system"), max_length=40)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    ours = models.CharField(_("our code"), max_length=120)
    theirs = models.CharField(_("their code"), max_length=120)

    class Meta:
        verbose_name = _("code mapping")
        verbose_name_plural = _("code mappings")
        constraints = [
            models.UniqueConstraint(fields=["receiver", "kind", "ours"], name="stats_mapping_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.receiver}: {self.ours} → {self.theirs}"
