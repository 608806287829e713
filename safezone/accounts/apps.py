from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "safezone.accounts"
    label = "accounts"
    verbose_name = _("Users and memberships")

    def ready(self):
        from . import receivers  # noqa: F401  (sign-in events go to the audit log)
