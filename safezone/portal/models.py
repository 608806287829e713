"""What the public portal shows: help lines and pages (rights, what happens after a call, campaigns).
Kept by administrators in Django admin; nothing here is about a person."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from safezone.common.models import BilingualName, in_language


class HelpLine(BilingualName):
    """One telephone line a person in danger can call: its number, hours, and whether it is free
    and anonymous."""

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("everyone")
        CHILDREN = "children", _("children, teenagers and their parents")
        WOMEN = "women", _("women facing violence")

    phone = models.CharField(_("number"), max_length=40)
    hours_ru = models.CharField(_("hours (Russian)"), max_length=120)
    hours_en = models.CharField(_("hours (English)"), max_length=120, blank=True)
    around_the_clock = models.BooleanField(_("24 hours a day"), default=False)
    free = models.BooleanField(_("free of charge"), default=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    audience = models.CharField(_("for whom"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    about_ru = models.TextField(_("about (Russian)"), blank=True)
    about_en = models.TextField(_("about (English)"), blank=True)
    emergency = models.BooleanField(_("emergency number"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("shown"), default=True)

    class Meta:
        verbose_name = _("help line")
        verbose_name_plural = _("help lines")
        ordering = ["order", "name_ru"]

    @property
    def hours(self) -> str:
        return in_language(self.hours_ru, self.hours_en)

    @property
    def about(self) -> str:
        return in_language(self.about_ru, self.about_en)

    @property
    def tel(self) -> str:
        """The number as a tel: link takes it (digits and a leading +)."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


class PortalPage(models.Model):
    """One page of the portal: rights, what happens after a call, or a campaign. Plain text
    (paragraphs separated by an empty line), so no markup from the admin reaches a visitor."""

    class Kind(models.TextChoices):
        RIGHTS = "rights", _("rights")
        AFTER_CALL = "after_call", _("after you call")
        CAMPAIGN = "campaign", _("campaign")

    slug = models.SlugField(_("address"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title_ru = models.CharField(_("title (Russian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_ru = models.TextField(_("text (Russian)"))
    body_en = models.TextField(_("text (English)"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    published = models.BooleanField(_("published"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("portal page")
        verbose_name_plural = _("portal pages")
        ordering = ["order", "title_ru"]

    def __str__(self) -> str:
        return self.title_ru

    @property
    def title(self) -> str:
        return in_language(self.title_ru, self.title_en)

    @property
    def body(self) -> str:
        return in_language(self.body_ru, self.body_en)
