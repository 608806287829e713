from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "safezone.assessments"
    label = "assessments"
    verbose_name = _("Assessments")

    def ready(self):
        from django.core import checks

        from .instruments import instruments_check

        # A malformed questionnaire file stops `manage.py check` and the server, not the first worker who opens it.
        checks.register(instruments_check)
