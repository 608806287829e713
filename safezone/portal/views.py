"""The public portal (no sign-in): help lines, services near me, rights, what happens after a call,
campaigns, and how to cover one's tracks. Every page has the quick exit (portal.js).

Pages set no cookie but the language choice, are not kept in the browser's cache, and send no
Referer onwards, so the neutral site of the quick exit does not learn where the visitor was.
"""

from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from safezone.directory.models import Territory

from . import selectors
from .models import PortalPage


def public(view):
    """A portal page: GET (and HEAD) only, never cached, no Referer onwards."""

    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


def _render(request, template: str, context: dict):
    return render(request, template, {"quick_exit_url": settings.SAFEZONE_QUICK_EXIT_URL, **context})


@public
def home(request):
    """Where to call, services near me, and the portal's pages."""
    lines = list(selectors.help_lines())
    return _render(
        request,
        "portal/home.html",
        {
            "emergency": [line for line in lines if line.emergency],
            "lines": [line for line in lines if not line.emergency],
            "pages": selectors.pages(),
            "districts": selectors.districts(),
        },
    )


@public
def services(request):
    """Agencies that help in the district chosen (a plain GET form: works without JavaScript)."""
    code = request.GET.get("district", "")
    district = Territory.objects.filter(code=code, level=Territory.Level.DISTRICT).first() if code else None
    return _render(
        request,
        "portal/services.html",
        {
            "districts": selectors.districts(),
            "district": district,
            "agencies": list(selectors.services_in(district)) if district else [],
            "unknown": bool(code) and district is None,
        },
    )


@public
def page(request, slug: str):
    try:
        found = selectors.page(slug)
    except PortalPage.DoesNotExist:
        raise Http404 from None
    return _render(request, "portal/page.html", {"page": found, "paragraphs": found.body.split("\n\n")})


@public
def safety(request):
    """How to leave no traces of the visit."""
    return _render(request, "portal/safety.html", {})


@public
def language(request, code: str):
    """Switch the portal's language with a link (no form, so no CSRF cookie): the one cookie it sets."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/help/"
    response = HttpResponseRedirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
    )
    return response
