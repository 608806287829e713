"""The user's own pages: notifications."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from safezone.common.paging import page_of, query_without_page

from .selectors import notifications_of
from .services import notifications_mark_read


@login_required
def notifications(request):
    """My notifications, newest first."""
    page = page_of(notifications_of(request.user), request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page, "query": query_without_page(request)})


@login_required
@require_POST
def notifications_read(request):
    """Mark all my notifications read."""
    notifications_mark_read(user=request.user)
    return redirect("accounts:notifications")
