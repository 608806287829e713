"""How web views turn a refusal into a response."""

from functools import wraps

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404

from .policy import Purpose
from .selectors import purposes_for
from .services import NOT_FOUND_MESSAGE, AccessDenied


def refused_as_404(view):
    """A refused or missing record answers 404 alike, so a refusal does not reveal that it exists."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (AccessDenied, ObjectDoesNotExist):
            raise Http404(NOT_FOUND_MESSAGE) from None

    return wrapper


def refused_as_403(view):
    """A refusal (already recorded by authorize) answers 403 (templates/403.html): for pages that are
    no record, such as figures and the action plan, there is nothing whose existence to hide."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AccessDenied:
            raise PermissionDenied from None

    return wrapper


def chosen_purpose(request, action: str) -> str:
    """The purpose the user gave (`?purpose=`), if their roles allow it; else the first one they have.

    The answer is only a default: the policy checks the purpose again on every read.
    """
    allowed = purposes_for(request.user, action)
    asked = request.POST.get("purpose") or request.GET.get("purpose")
    if asked in allowed:
        return asked
    return allowed[0] if allowed else Purpose.CASE_WORK
