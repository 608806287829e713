"""Error pages."""

from django.shortcuts import render


def not_found(request, exception=None):
    """404: also what a refused read gets, so a refusal does not reveal that a record exists."""
    return render(request, "404.html", status=404)


def home(request):
    """Where the address bar's bare host leads: the first page the user's roles open."""
    from django.contrib.auth.views import redirect_to_login
    from django.shortcuts import redirect

    from safezone.access.policy import Action
    from safezone.access.selectors import purposes_for

    user = request.user
    if not user.is_authenticated:
        return redirect_to_login("/")
    if purposes_for(user, Action.LIST_CASES):
        return redirect("cases:my_work")
    if purposes_for(user, Action.READ_AUDIT):
        return redirect("audit:home")
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "no_pages.html")
