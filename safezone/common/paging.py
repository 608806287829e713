"""Pagination of lists in the web interface."""

import threading
from collections import OrderedDict

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection, connections
from django.db.models import prefetch_related_objects
from django.utils.functional import cached_property

from safezone.common.lookups import ids_of  # (and the `__any` lookup, which counts excluded ids)


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


class _Recent(OrderedDict):
    """A per-process memory of the latest few thousand values by key (the oldest forgotten); safe
    to share between a server's threads."""

    kept = 2000

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()

    def remember(self, key, value):
        with self._lock:
            self[key] = value
            self.move_to_end(key)
            if len(self) > self.kept:
                self.popitem(last=False)
        return value


# By the SQL of a near page's queried parts: the ordering key of the last row that page showed
# last time. Known keys past it are left out of the next read of the page (most of a case team
# lies further back than the newest page of a worker's cases: 25 rows fewer to fetch), and checked
# once it is read: if one of them belongs on the page after all (a row before it has left the
# list since), the page is read again with all of them. Only speed depends on it.
_page_ends = _Recent()
# By the caller's `memo`: the compiled SQL of the queried parts' first ids (see _first_ids).
_first_ids_sql = _Recent()


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
    queryset may be None). When `excluded_ids` are all rows of one part, `excluded_within`
    names it: that part is counted without looking them up, and the others hold none of them.
    Related rows in `prefetch` (lookups for prefetch_related_objects) are read for the rows of
    the page alone, in one query, however many parts and loads the page took.
    """

    spare = 10  # rows read beyond a page, to drop excluded ones from (see _first)
    # Up to this many excluded ids go with the query (as cheap as reading a few rows more); more
    # are dropped from the rows read (see _first).
    sent_excluded = 50
    # A page that ends within this many rows, beside known keys, is read in one query (see
    # _page_beside_known_keys); further on, keys first, then the page's rows.
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
        excluded_within: int | None = None,
        prefetch: tuple = (),
        memo: str | None = None,
    ):
        super().__init__([], per_page, cap)
        self.prefetch = prefetch
        self.whole = frozenset(whole)
        # `exclude` as a list of primary keys, when it is one: counted by subtraction (below).
        self.excluded_ids = excluded_ids or None
        self.excluded_within = excluded_within
        # Names the queried parts and `exclude` when a list makes the same ones again (its database
        # alias included): the SQL of their first ids is then compiled once a process.
        self.memo = memo
        # loader(keys) gives the full rows (a queryset) for a page's keys: a list, or ids_of(...)
        # for the `__any` lookup (one query instead of one per part).
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
            return len(self._whole_keys[i])
        if self.excluded_ids and self.excluded_within not in (None, i):
            return min(part.order_by()[: self.cap + 1].count(), self.cap + 1)  # holds none of them
        if self.excluded_ids:
            # All rows minus the excluded among them: two index counts, where filtering every row
            # against the list cost five times as much (measured at 1M cases, 786 sealed ids); one,
            # when they are known to be rows of this part. Counting up to cap + 1 + len(ids) keeps
            # the difference exact up to the cap.
            ids = self.excluded_ids
            limit = self.cap + 1 + len(ids)
            total = part.order_by()[:limit].count()
            if total >= limit:  # more than the cap even if every excluded row is among them
                return self.cap + 1
            inside = len(ids) if self.excluded_within == i else part.filter(pk__any=ids).order_by().count()
            return min(total - inside, self.cap + 1)
        return min(self._rows(part).order_by()[: self.cap + 1].count(), self.cap + 1)

    def _keys_part(self, i: int, part, top: int) -> list[tuple]:
        if i in self.whole:
            return self._whole_keys[i][:top]
        return self._first(part.order_by(*self.ordering).values_list(*self._fields, "pk"), top, lambda key: key[-1])

    def _first(self, ordered, top: int, pk_of) -> list:
        """The first `top` rows of an ordered part that are not excluded.

        Excluded rows are few among many: past `sent_excluded` of them, a few rows more than the
        page needs are read and the excluded dropped here, rather than the whole list of ids sent
        with the query (sending and planning 900 ids cost 2 ms, the query itself 0.1 ms). With too
        many of them among the first rows, the database takes them out after all.
        """
        if self._drops_excluded:
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

    @property
    def _drops_excluded(self) -> bool:
        """Whether excluded rows are read and dropped here rather than left out by the query."""
        return len(self._excluded_set) > self.sent_excluded

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
            page = self._page_beside_known_keys(number, bottom, top)
            if page is not None:
                return page
        # Several parts: merge on the ordering keys alone, then load just the rows of this page.
        keys = []
        for i, part in enumerate(self.parts):
            keys += self._keys_part(i, part, top)
        wanted = self._merged(keys, bottom, top)
        loaded = {row.pk: row for row in self.loader(wanted)}
        return self._finished([loaded[pk] for pk in wanted if pk in loaded], number)

    def _page_beside_known_keys(self, number: int, bottom: int, top: int) -> Page | None:
        """A near page when some parts' keys are known, in one query: the first rows of each
        queried part and the known rows that could be on the page, loaded together in list order.
        None when too many excluded rows came first."""
        excluded = self._excluded_set if self._drops_excluded else frozenset()
        want = top + (min(len(excluded), max(self.spare, top // 4)) if excluded else 0)
        known = [key for i in sorted(self.whole) for key in self._whole_keys[i][:top]]
        subqueries, vendor = self._first_ids(want)
        memo = repr((vendor, subqueries))
        end = _page_ends.get(memo)
        # Known keys past where this page ended last time are left out, then checked (see _page_ends).
        left = [key for key in known if end is not None and self._after(key[:-1], end)]
        rows = self._rows_of(subqueries, vendor, [key for key in known if key not in left] if left else known, want)
        kept = [row for row in rows if row.pk not in excluded]
        # Each queried part gave its first `want` rows: if `top` of the first `want` rows of all
        # are not excluded, they are the first `top` of the list (and all of it when fewer came).
        full = len(kept) >= top
        if not full and len(rows) >= want:
            return None
        if left:
            first_left = (max if self._reverse else min)(left, key=lambda key: key[:-1])
            if not full or not self._after(first_left[:-1], self._key_of(kept[top - 1])):
                # A key left out belongs on the page (a row before it left the list): read it whole.
                rows = self._rows_of(subqueries, vendor, known, want)
                kept = [row for row in rows if row.pk not in excluded]
                full = len(kept) >= top
                if not full and len(rows) >= want:
                    return None
        if full:
            _page_ends.remember(memo, self._key_of(kept[top - 1]))
        return self._finished(kept[bottom:top], number)

    def _rows_of(self, subqueries: list, vendor: str, known: list, want: int) -> list:
        """The first `want` rows, in list order, of the queried parts' first rows and the known keys'.

        Ordered here, not by the query: a few dozen rows at most, and the query without an order
        and a limit is planned in two thirds of the time (measured at 1M cases on PostgreSQL)."""
        rows = list(self.loader(ids_of(subqueries, [key[-1] for key in known], vendor)).order_by())
        rows.sort(key=self._key_of, reverse=self._reverse)
        return rows[:want]

    def _after(self, key: tuple, other: tuple) -> bool:
        """Whether ordering key `key` comes after `other` in the list."""
        return key < other if self._reverse else key > other

    def _first_ids(self, want: int) -> tuple[list[tuple[str, list]], str]:
        """The compiled SQL (sql, params) of the ids of each queried part's first `want` rows, and
        the database's vendor, for common.lookups.ids_of: put together from the parts' compiled
        SQL, as the ORM's union refuses a LIMIT in its parts on SQLite, and building it from
        querysets cost more than the query itself."""
        memo = (self.memo, want, self._drops_excluded) if self.memo is not None else None
        compiled = _first_ids_sql.get(memo) if memo is not None else None
        if compiled is not None:
            return compiled
        subqueries, vendor = [], connection.vendor
        for i, part in enumerate(self.parts):
            if i not in self.whole:
                if self.exclude is not None and not self._drops_excluded:
                    part = part.exclude(self.exclude)
                ids = part.order_by(*self.ordering).values_list("pk")[:want]
                subqueries.append(ids.query.get_compiler(ids.db).as_sql())
                vendor = connections[ids.db].vendor
        if memo is None:
            return subqueries, vendor
        return _first_ids_sql.remember(memo, (subqueries, vendor))

    def _key_of(self, row) -> tuple:
        return tuple(getattr(row, f) for f in self._fields)

    def _merged(self, keys: list[tuple], bottom: int, top: int) -> list:
        """The pks of the page's rows, from the keys of every part's first rows."""
        keys.sort(key=lambda key: key[:-1], reverse=self._reverse)
        return [key[-1] for key in keys[bottom:top]]

    def _finished(self, rows: list, number: int) -> Page:
        if self.prefetch:
            prefetch_related_objects(rows, *self.prefetch)
        return self._get_page(rows, number, self)


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
