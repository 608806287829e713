"""Session limits and mandatory second factor, enforced on every request."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from safezone.audit.services import audit_record

from .selectors import has_second_factor, needs_second_factor

SIGNED_IN_AT = "safezone_signed_in_at"
LAST_SEEN = "safezone_last_seen"
LAST_SEEN_STEP = 30


def _away(request, url: str):
    """Send the browser to `url`: a redirect, or for htmx a header that makes the whole page go."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "authentication required", "next": url}, status=401)
    return redirect(url)


class SessionLimitsMiddleware:
    """Signs a user out after SAFEZONE_IDLE_TIMEOUT seconds without a request, and
    SAFEZONE_SESSION_MAX_AGE seconds after signing in, whichever comes first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = request.session.setdefault(SIGNED_IN_AT, now)
            last = request.session.get(LAST_SEEN, now)
            reason = None
            if now - started > settings.SAFEZONE_SESSION_MAX_AGE:
                reason = "absolute"
            elif now - last > settings.SAFEZONE_IDLE_TIMEOUT:
                reason = "idle"
            if reason:
                audit_record(actor=user, action="auth.timeout", request=request, extra={"reason": reason})
                logout(request)
                query = urlencode({"timeout": reason, "next": request.get_full_path()})
                return _away(request, f"{reverse('account_login')}?{query}")
            # Written at most every LAST_SEEN_STEP seconds: a session write on every request would
            # make each poll (an import's progress, the helpline's queue) wait for SQLite's one
            # write lock while a long import holds it; the idle timeout loses at most that much.
            if LAST_SEEN not in request.session or now - last >= LAST_SEEN_STEP:
                request.session[LAST_SEEN] = now
            response = self.get_response(request)
            # Pages with personal data must not stay in the browser's cache on a shared or stolen machine.
            patch_cache_control(response, no_store=True, private=True)
            return response
        return self.get_response(request)


# Pages a user without a second factor may still reach: setting one up, signing out, files.
_MFA_FREE_PREFIXES = ("/account/", "/static/", "/i18n/")


class RequireMFAMiddleware:
    """Anyone whose roles reach personal data (and any administrator) must set up a second factor
    before doing anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_MFA_FREE_PREFIXES)
            and needs_second_factor(user)
            and not has_second_factor(user)
        ):
            return _away(request, reverse("mfa_index"))
        return self.get_response(request)
