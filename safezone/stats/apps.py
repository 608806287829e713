from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "safezone.stats"
    verbose_name = _("statistics")

    def ready(self):
        # The registry's definitions live in code (definitions.py) and are written into the
        # database after every migrate, a new version whenever a definition changed.
        post_migrate.connect(_sync_definitions, sender=self)


def _sync_definitions(sender, **kwargs):
    from .services import definitions_sync

    definitions_sync(using=kwargs.get("using", "default"))
