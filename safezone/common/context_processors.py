"""Template context every page gets."""

from django.conf import settings


def safezone(request):
    """Whether this is the demo, so every page can say so."""
    return {"SAFEZONE_DEMO": settings.SAFEZONE_DEMO}
