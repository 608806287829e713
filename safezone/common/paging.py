"""Pagination of lists in the web interface."""

from django.conf import settings
from django.core.paginator import Page, Paginator


def page_of(queryset, page_number, per_page: int | None = None) -> Page:
    """One page of a queryset; a bad or too-large page number gives the nearest valid page."""
    paginator = Paginator(queryset, per_page or settings.SAFEZONE_PAGE_SIZE)
    return paginator.get_page(page_number)


def query_without_page(request) -> str:
    """The current query string minus `page`, for pagination links that keep the filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
