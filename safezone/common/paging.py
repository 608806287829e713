"""Pagination of lists in the web interface."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` rows; past that the list says "more than N".

    Counting a million visible cases costs more than showing a page of them, and nobody pages
    through ten thousand cases: they narrow the filters.
    """

    def __init__(self, object_list, per_page, cap: int):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()  # counting needs no sorting
        return min(rows[: self.cap + 1].count(), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def page_of(queryset, page_number, per_page: int | None = None, cap: int | None = None) -> Page:
    """One page of a queryset; a bad or too-large page number gives the nearest valid page."""
    per_page = per_page or settings.SAFEZONE_PAGE_SIZE
    paginator = CappedPaginator(queryset, per_page, cap) if cap else Paginator(queryset, per_page)
    return paginator.get_page(page_number)


def query_without_page(request) -> str:
    """The current query string minus `page`, for pagination links that keep the filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
