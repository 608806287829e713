"""Abstract building blocks for models."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def in_language(ru: str, en: str) -> str:
    """The English text when the interface speaks English and there is one; the Russian otherwise."""
    return en if (get_language() or "ru").startswith("en") and en else ru


class BilingualName(models.Model):
    """A name kept in Russian (first) and English; `name` picks the one for the active language."""

    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_ru, self.name_en)
