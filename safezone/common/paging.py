"""Pagination of lists in the web interface."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import prefetch_related_objects
from django.utils.functional import cached_property

import safezone.common.lookups  # noqa: F401  (the `__any` lookup counts excluded ids)


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


class PartsPaginator(CappedPaginator):
    """Pages through the union of disjoint querysets, counting each on its own.

    One query with "A OR B" makes the database visit every row to count; A and B apart can
    each be counted on an index (cases.Case's indexes end in id, so taking out the rows matching
    `exclude`, a few sealed ids, needs no table visit either). The union is ordered by
    `ordering`, all descending or all ascending; with several parts, pages are merged on the
    ordering keys and then loaded at once by `loader`. The parts whose indexes are in `whole`
    are short (a list of ids, `exclude` already applied): their ordering keys are read at once,
    which gives both their count and their share of any page in one query, or come ready in
    `known_keys` (read along with the ids, e.g. a case team's): then they need no query (their
    queryset may be None), but may repeat rows of the other parts, which are told apart by pk.
    Related rows in `prefetch` (lookups for prefetch_related_objects) are read for the rows of
    the page alone, in one query, however many parts and loads the page took.
    """

    spare = 10  # rows read beyond a page, to drop excluded ones from (see _first)
    # Up to this many rows a part, beside known keys, its rows are read whole rather than its keys
    # first (see _page_beside_known_keys).
    direct_rows = 100

    def __init__(
        self,
        parts,
        per_page,
        *,
        ordering: tuple[str, ...],
        exclude=None,
        cap: int,
        loader=None,
        whole=frozenset(),
        excluded_ids: list | None = None,
        known_keys: dict[int, list[tuple]] | None = None,
        prefetch: tuple = (),
    ):
        super().__init__([], per_page, cap)
        self.prefetch = prefetch
        self.whole = frozenset(whole)
        # `exclude` as a list of primary keys, when it is one: counted by subtraction (below).
        self.excluded_ids = excluded_ids or None
        # loader(keys) gives the full rows for a page's keys (one query instead of one per part).
        self.loader = loader
        self.known_keys = known_keys
        if known_keys is not None and loader is None:
            raise ValueError("known keys need a loader for their rows")
        descending = {field.startswith("-") for field in ordering}
        if len(descending) != 1:
            raise ValueError("ordering must be all descending or all ascending")
        self.parts, self.ordering, self.exclude = parts, ordering, exclude
        self._reverse = descending.pop()
        self._fields = [field.lstrip("-") for field in ordering]

    def _rows(self, part):
        return part.exclude(self.exclude) if self.exclude is not None else part

    @cached_property
    def _whole_keys(self) -> dict[int, list[tuple]]:
        """Ordering keys and pk of every row of the short parts, in order."""
        if self.known_keys is not None:
            return {i: self.known_keys.get(i, []) for i in sorted(self.whole)}
        return {
            i: list(self.parts[i].order_by(*self.ordering).values_list(*self._fields, "pk")) for i in sorted(self.whole)
        }

    def _count_part(self, i: int, part) -> int:
        if i in self.whole:
            keys = self._whole_keys[i]
            if self.known_keys is None or not keys:
                return len(keys)
            # Known keys may repeat rows of the long parts before this one: count those once
            # (looked up on the primary key: faster than checking every row of the part).
            ids = _ids_of(keys)
            repeated = sum(
                self.parts[j].filter(pk__any=ids).order_by().count() for j in range(i) if j not in self.whole
            )
            return len(keys) - repeated
        if self.excluded_ids:
            # All rows minus the excluded among them: two index counts, where filtering every row
            # against the list cost five times as much (measured at 1M cases, 786 sealed ids).
            # Counting up to cap + 1 + len(ids) keeps the difference exact up to the cap.
            ids = self.excluded_ids
            limit = self.cap + 1 + len(ids)
            total = part.order_by()[:limit].count()
            if total >= limit:  # more than the cap even if every excluded row is among them
                return self.cap + 1
            inside = part.filter(pk__any=ids).order_by().count()
            return min(total - inside, self.cap + 1)
        return min(self._rows(part).order_by()[: self.cap + 1].count(), self.cap + 1)

    def _keys_part(self, i: int, part, top: int) -> list[tuple]:
        if i in self.whole:
            return self._whole_keys[i][:top]
        return self._first(part.order_by(*self.ordering).values_list(*self._fields, "pk"), top, lambda key: key[-1])

    def _first(self, ordered, top: int, pk_of) -> list:
        """The first `top` rows of an ordered part that are not excluded.

        Excluded rows are few among many: a few rows more than the page needs are read and the
        excluded dropped here, rather than the whole list of ids sent with the query (sending and
        planning 900 ids cost 2 ms, the query itself 0.1 ms). With too many of them among the
        first rows, the database takes them out after all.
        """
        if self.excluded_ids:
            excluded = self._excluded_set
            want = top + min(len(excluded), max(self.spare, top // 4))
            rows = list(ordered[:want])
            kept = [row for row in rows if pk_of(row) not in excluded]
            if len(kept) >= top or len(rows) < want:
                return kept[:top]
        return list(ordered.exclude(self.exclude)[:top] if self.exclude is not None else ordered[:top])

    @cached_property
    def _excluded_set(self) -> frozenset:
        return frozenset(self.excluded_ids or ())

    @cached_property
    def count(self) -> int:
        total = 0
        for i, part in enumerate(self.parts):
            total += self._count_part(i, part)
            if total > self.cap:  # the rest cannot change "more than the cap"
                break
        return min(total, self.cap + 1)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if len(self.parts) == 1 or self.loader is None:
            rows = []
            for part in self.parts:  # (without a loader, short parts are read like the others)
                rows += self._first(part.order_by(*self.ordering), top, lambda row: row.pk)
            rows.sort(key=self._key_of, reverse=self._reverse)
            return self._finished(rows[bottom:top], number)
        if self.known_keys is not None and top <= self.direct_rows:
            return self._page_beside_known_keys(number, bottom, top)
        # Several parts: merge on the ordering keys alone, then load just the rows of this page.
        keys = []
        for i, part in enumerate(self.parts):
            keys += self._keys_part(i, part, top)
        wanted = self._merged(keys, bottom, top)
        loaded = {row.pk: row for row in self.loader(wanted)}
        return self._finished([loaded[pk] for pk in wanted if pk in loaded], number)

    def _page_beside_known_keys(self, number: int, bottom: int, top: int) -> Page:
        """A near page when some parts' keys are known: the other parts' rows are read whole (their
        keys come with them) and only the known rows that land on the page are loaded, so a page
        of the queried parts alone takes one query, not a query for keys and one for rows."""
        rows, keys = {}, []
        for i, part in enumerate(self.parts):
            if i in self.whole:
                keys += self._whole_keys[i][:top]
                continue
            for row in self._first(part.order_by(*self.ordering), top, lambda row: row.pk):
                rows[row.pk] = row
                keys.append((*self._key_of(row), row.pk))
        wanted = self._merged(keys, bottom, top)
        missing = [pk for pk in wanted if pk not in rows]
        if missing:
            rows.update((row.pk, row) for row in self.loader(missing))
        return self._finished([rows[pk] for pk in wanted if pk in rows], number)

    def _key_of(self, row) -> tuple:
        return tuple(getattr(row, f) for f in self._fields)

    def _merged(self, keys: list[tuple], bottom: int, top: int) -> list:
        """The pks of the page's rows, from the keys of every part's first rows."""
        if self.known_keys is not None:
            keys = list({key[-1]: key for key in keys}.values())  # a row in two parts once
        keys.sort(key=lambda key: key[:-1], reverse=self._reverse)
        return [key[-1] for key in keys[bottom:top]]

    def _finished(self, rows: list, number: int) -> Page:
        if self.prefetch:
            prefetch_related_objects(rows, *self.prefetch)
        return self._get_page(rows, number, self)


def _ids_of(keys) -> list:
    """The row ids of a list of keys (the last item of each); a sequence that keeps them apart
    (access.selectors.DayKeys) gives them without making every key."""
    ids = getattr(keys, "ids", None)
    return list(ids) if ids is not None else [key[-1] for key in keys]


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
