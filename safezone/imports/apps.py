from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "safezone.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self):
        # Each import type registers itself when its module is imported.
        from . import agencies, schools  # noqa: F401
