"""Sign-in rules on top of Django's own."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class SafeZoneBackend(ModelBackend):
    """Django's username and password check; demo accounts only where the demo is switched on."""

    def user_can_authenticate(self, user) -> bool:
        if getattr(user, "is_demo", False) and not settings.SAFEZONE_DEMO:
            return False
        return super().user_can_authenticate(user)
