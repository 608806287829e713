"""Tables that leave the statistics app: a data element over a period as a disclosure-controlled
table (rows × columns with totals). Dashboards, downloads, exports and the governor's report all
take their tables from here, so every one of them passes the same disclosure control.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings

from .disclosure import Table, protect
from .periods import Period
from .selectors import element, element_counts, option_label, option_labels


@dataclass
class Figure:
    """One protected table with the names of its rows and columns."""

    code: str
    period: Period
    row_dim: str | None
    column_dim: str | None
    rows: list  # option codes
    columns: list
    row_labels: dict
    column_labels: dict
    protected: object  # disclosure.Protected

    @property
    def suppressed(self) -> list:
        return self.protected.suppressed


def _ordered(dim: str | None, seen: set, filters: dict | None) -> list:
    """A dimension's options in their natural order: every known option (zeros are figures too),
    then any other option found, '' (not known) last."""
    if dim is None:
        return [""]
    if filters and dim in filters:
        return list(filters[dim])
    known = list(option_labels(dim))
    if dim == "district":
        from .selectors import district_ids

        known = district_ids()
    extra = sorted((o for o in seen if o not in known and o != ""), key=str)
    tail = [""] if "" in seen else []
    return [*known, *extra, *tail]


def _labels(dim: str | None, keys: list) -> dict:
    if not dim:
        return {k: "" for k in keys}
    names = option_labels(dim)
    return {k: str(names[k]) if k in names else option_label(dim, k) for k in keys}


def figure(
    code: str,
    period: Period,
    *,
    rows: str | None = None,
    columns: str | None = None,
    filters: dict | None = None,
    districts: list[int] | None = None,
    today: date | None = None,
    threshold: int | None = None,
) -> Figure:
    """A data element over a period by up to two dimensions, protected by disclosure control."""
    info = element(code)
    by = tuple(d for d in (rows, columns) if d)
    counts = element_counts(code, period, by=by, filters=filters, districts=districts, today=today)
    seen_rows = {k[0] for k in counts.values} if rows else set()
    seen_columns = {k[-1] for k in counts.values} if columns else set()
    row_keys = _ordered(rows, seen_rows, filters)
    column_keys = _ordered(columns, seen_columns, filters)

    def key(k: tuple) -> tuple:
        if rows and columns:
            return (k[0], k[1])
        if rows:
            return (k[0], "")
        if columns:
            return ("", k[0])
        return ("", "")

    values = {key(k): v for k, v in counts.values.items()}
    contributors = {key(k): a for k, a in counts.agencies.items()} if info.protect_agency else None
    table = Table(rows=row_keys, columns=column_keys, values=values, contributors=contributors)
    protected = protect(
        table,
        threshold=threshold,
        min_contributors=settings.SAFEZONE_STATS_MIN_AGENCIES if info.protect_agency else 1,
    )
    return Figure(
        code=code,
        period=period,
        row_dim=rows,
        column_dim=columns,
        rows=row_keys,
        columns=column_keys,
        row_labels=_labels(rows, row_keys),
        column_labels=_labels(columns, column_keys),
        protected=protected,
    )
