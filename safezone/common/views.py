"""Error pages."""

from django.shortcuts import render


def not_found(request, exception=None):
    """404: also what a refused read gets, so a refusal does not reveal that a record exists."""
    return render(request, "404.html", status=404)
