"""Reads of the public portal: help lines, pages, and the agencies that help in a district. Public
reference data only; no person is read here."""

from django.db.models import Q

from safezone.directory.models import Agency, Territory

from .models import HelpLine, PortalPage

# Agencies a person can turn to themselves; schools, departments and prosecutors are reached
# through these, not listed for the public.
PUBLIC_KINDS = (
    Agency.Kind.CRISIS_CENTRE,
    Agency.Kind.SOCIAL_PROTECTION,
    Agency.Kind.SHELTER,
    Agency.Kind.REHABILITATION_CENTRE,
    Agency.Kind.NGO,
    Agency.Kind.YOUTH_COMMISSION,
    Agency.Kind.HEALTH,
    Agency.Kind.POLICE,
)


def help_lines():
    """The lines shown on the portal, emergency numbers first."""
    return HelpLine.objects.filter(is_active=True).order_by("-emergency", "order", "name_ru")


def pages(kind: str | None = None):
    """Published pages, of one kind or all."""
    found = PortalPage.objects.filter(published=True)
    return found.filter(kind=kind) if kind else found


def page(slug: str) -> PortalPage:
    """One published page (DoesNotExist for any other)."""
    return PortalPage.objects.get(slug=slug, published=True)


def districts():
    """The region's districts, for the "services near me" choice."""
    return Territory.objects.filter(level=Territory.Level.DISTRICT).order_by("name_ru")


def services_in(district: Territory):
    """Agencies that help people of this district: seated there or serving it. Name, kind and
    public phone and e-mail only (a shelter's address is never on the portal)."""
    return (
        Agency.objects.filter(Q(district=district) | Q(districts_served=district))
        .filter(is_active=True, kind__in=PUBLIC_KINDS)
        .distinct()
        .only("name_ru", "name_en", "short_name_ru", "short_name_en", "kind", "phone", "email")
        .order_by("kind", "name_ru")
    )
