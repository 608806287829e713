"""Disclosure control: which figures of a table of counts may be published, and which are hidden and why.

Every table that leaves the system (dashboards, exports, the governor's report, open data) passes
`protect()` first. A table is labelled rows × columns of counts; its row, column and grand totals
are computed here and published with it. A one-dimensional list with a total is a table with one
column (`Table.from_series`).

The rules:

1. Primary. A figure (cell or total) with 0 < value < threshold (setting SAFEZONE_STATS_MIN_CELL,
   default 5; some publishers use 10) is hidden, reason "primary". Zero is published: "no cases"
   names nobody, and hiding every zero would hide most of a sparse table; SAFEZONE_STATS_SUPPRESS_ZEROS
   = True hides zeros too (reason "primary"). A positive figure behind which fewer than
   min_contributors distinct reporting agencies stand (SAFEZONE_STATS_MIN_AGENCIES, default 1 =
   rule off) is hidden, reason "agency", so that the one agency in a district cannot be read off.
2. Secondary. No hidden figure may then be worked out from what is published: each row sums to its
   row total, each column to its column total, and both kinds of totals to the grand total. More
   figures are hidden, reason "secondary", until no hidden figure is determined by these equations.
3. The input table is never changed.

Why a graph. Write the totals as one more row and one more column: every row and every column of
that (rows + 1) × (columns + 1) grid then obeys one equation. Take the grid's rows and columns as
nodes and each hidden figure as an edge between its row and its column. The values the equations
leave open are exactly those that can move around a cycle of hidden figures (+d, -d, +d, ... which
keeps every line's sum), so a hidden figure is recoverable exactly when its edge lies on no cycle:
when it is a bridge. A row or column with one hidden figure is the simplest such bridge.

Secondary suppression, then: take the first recoverable hidden figure (row by row, totals last),
find the cheapest path of figures from its row to its column that avoids the figure itself
(already hidden figures cost nothing), and hide the published figures on that path: the figure now
lies on a cycle. Costs compare, in this order, how many zeros are hidden (zeros only when no path
of positive figures exists: a zero is often structurally known, so hiding it protects little), how
many totals (the figures readers want most), the sum of the hidden values (the information lost)
and the number of figures; ties go to the path found first, which is fixed by grid position. Each
round hides at least one figure and leaves at least one bridge fewer (an edge on a cycle never
becomes a bridge again), so the loop ends, and it is deterministic. Closing a whole cycle at once,
rather than hiding one line partner at a time, avoids chains of partners that would each need
protecting in turn.

What this does not do: it protects against the equations, not against bounds. A reader who knows
that counts are non-negative, or that a hidden primary figure lies in 1..threshold-1, can still
narrow a hidden value to an interval; a zero hidden as a partner may be known to be zero.
"""

import heapq
import operator
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

PRIMARY = "primary"
SECONDARY = "secondary"
AGENCY = "agency"
# The order in which a legend explains the reasons.
REASONS = (PRIMARY, AGENCY, SECONDARY)

CELL = "cell"
ROW_TOTAL = "row_total"
COLUMN_TOTAL = "column_total"
GRAND_TOTAL = "grand_total"


class _Total:
    """The label that stands for a total in a contributors key: (row, TOTAL), (TOTAL, column), (TOTAL, TOTAL)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "TOTAL"


TOTAL = _Total()


@dataclass(frozen=True, slots=True)
class Cell:
    """One figure of a protected table: its value, or None when it is suppressed, and why."""

    value: int | None
    suppressed: bool = False
    reason: str | None = None


class Suppression(NamedTuple):
    """One suppressed figure: its kind (cell, row_total, column_total, grand_total), where, and why.

    A row total has no column, a column total no row, the grand total neither."""

    kind: str
    row: Hashable | None
    column: Hashable | None
    reason: str


def _labels(labels, what: str) -> tuple:
    labels = tuple(labels)
    if not labels:
        raise ValueError(f"a table needs at least one {what}")
    if len(set(labels)) != len(labels):
        raise ValueError(f"{what} labels repeat: {labels!r}")
    if any(label is TOTAL for label in labels):
        raise ValueError(f"TOTAL cannot label a {what}")
    return labels


def _count(value, key) -> int:
    try:
        number = operator.index(value)
    except TypeError:
        raise ValueError(f"{key!r}: a count must be a whole number, not {value!r}") from None
    if number < 0:
        raise ValueError(f"{key!r}: a count cannot be negative ({number})")
    return number


def _pair(key) -> tuple:
    if not isinstance(key, tuple) or len(key) != 2:
        raise ValueError(f"{key!r}: a cell key is a (row, column) pair")
    return key


class Table:
    """A table of counts before disclosure control: labelled rows × columns; a missing cell is 0.

    `contributors` (optional) gives the number of distinct reporting agencies behind a cell; a
    missing cell counts as none. Keys may name totals with TOTAL: (row, TOTAL), (TOTAL, column),
    (TOTAL, TOTAL). A total without its own count is taken to have as many agencies as the largest
    count among its parts: agencies may overlap between cells, so that is all that is certain.
    """

    def __init__(self, rows, columns, values: Mapping, contributors: Mapping | None = None):
        self.rows = _labels(rows, "row")
        self.columns = _labels(columns, "column")
        row_set, column_set = set(self.rows), set(self.columns)
        counts = {}
        for key, value in values.items():
            row, column = _pair(key)
            if row not in row_set or column not in column_set:
                raise ValueError(f"{key!r}: no such cell in the table")
            counts[key] = _count(value, key)
        # Own read-only copies: the caller may go on changing the mappings it passed.
        self.values = MappingProxyType(counts)
        if contributors is None:
            self.contributors = None
        else:
            agencies = {}
            for key, value in contributors.items():
                row, column = _pair(key)
                if (row is not TOTAL and row not in row_set) or (column is not TOTAL and column not in column_set):
                    raise ValueError(f"{key!r}: no such cell or total in the table")
                agencies[key] = _count(value, key)
            self.contributors = MappingProxyType(agencies)

    @classmethod
    def from_series(cls, values: Mapping, *, column: Hashable = "count", contributors: Mapping | None = None):
        """A one-dimensional table (label → count, in the mapping's order) as a table of one column.

        `contributors` maps labels, and TOTAL for the total, to numbers of reporting agencies."""
        table_contributors = None
        if contributors is not None:
            table_contributors = {}
            for label, count in contributors.items():
                if label is TOTAL:
                    # In one column the column total is the grand total.
                    table_contributors[(TOTAL, column)] = count
                    table_contributors[(TOTAL, TOTAL)] = count
                else:
                    table_contributors[(label, column)] = count
        return cls(
            rows=list(values),
            columns=[column],
            values={(label, column): count for label, count in values.items()},
            contributors=table_contributors,
        )

    def value(self, row, column) -> int:
        """The count of one cell (0 when the table does not mention it)."""
        return self.values.get((row, column), 0)

    def __repr__(self) -> str:
        return f"Table({len(self.rows)} rows × {len(self.columns)} columns)"


class Protected:
    """A table after disclosure control: the figures that may be published, and which are hidden and why.

    Built by `protect()`. Labels are the table's own; an unknown label raises KeyError."""

    def __init__(self, table: Table, grid, reasons, *, threshold: int, min_contributors: int, suppress_zeros: bool):
        self.rows = table.rows
        self.columns = table.columns
        self.threshold = threshold
        self.min_contributors = min_contributors
        self.suppress_zeros = suppress_zeros
        self._grid = grid
        self._reasons = reasons
        self._row_index = {label: i for i, label in enumerate(self.rows)}
        self._column_index = {label: j for j, label in enumerate(self.columns)}

    def _at(self, i: int, j: int) -> Cell:
        reason = self._reasons[i][j]
        if reason:
            return Cell(value=None, suppressed=True, reason=reason)
        return Cell(value=self._grid[i][j])

    def cell(self, row, column) -> Cell:
        """One interior cell."""
        return self._at(self._row_index[row], self._column_index[column])

    def row_total(self, row) -> Cell:
        """The total of one row."""
        return self._at(self._row_index[row], len(self.columns))

    def column_total(self, column) -> Cell:
        """The total of one column."""
        return self._at(len(self.rows), self._column_index[column])

    @property
    def grand_total(self) -> Cell:
        """The total of the whole table."""
        return self._at(len(self.rows), len(self.columns))

    # A one-dimensional table: one column, so each row's total repeats its cell.
    @property
    def is_series(self) -> bool:
        return len(self.columns) == 1

    def _series_column(self):
        if not self.is_series:
            raise ValueError("item() and items() are for a one-column table")
        return self.columns[0]

    def item(self, label) -> Cell:
        """One entry of a one-dimensional table."""
        return self.cell(label, self._series_column())

    def items(self) -> list[tuple[Hashable, Cell]]:
        """The entries of a one-dimensional table, in order, as (label, Cell)."""
        column = self._series_column()
        return [(label, self.cell(label, column)) for label in self.rows]

    @property
    def total(self) -> Cell:
        """The grand total (the natural name in a one-dimensional table)."""
        return self.grand_total

    @property
    def suppressed(self) -> list[Suppression]:
        """Every suppressed figure, row by row, then the column totals and the grand total.

        Totals that only repeat a cell (row totals of a one-column table, column totals of a
        one-row table) are hidden with it and not listed again."""
        n_rows, n_columns = len(self.rows), len(self.columns)
        found = []
        for i in range(n_rows + 1):
            for j in range(n_columns + 1):
                reason = self._reasons[i][j]
                if not reason:
                    continue
                row = self.rows[i] if i < n_rows else None
                column = self.columns[j] if j < n_columns else None
                if i < n_rows and j < n_columns:
                    kind = CELL
                elif i < n_rows:
                    if n_columns == 1:
                        continue
                    kind = ROW_TOTAL
                elif j < n_columns:
                    if n_rows == 1:
                        continue
                    kind = COLUMN_TOTAL
                else:
                    kind = GRAND_TOTAL
                found.append(Suppression(kind, row, column, reason))
        return found

    def as_rows(self) -> list[dict]:
        """The table for a template or a CSV writer: one dict per row, then one for the totals.

        Each dict: label (None for the totals row), cells (Cells in the order of `columns`),
        total (the row's total Cell; the grand total in the totals row), is_total."""
        n_rows, n_columns = len(self.rows), len(self.columns)
        lines = [
            {
                "label": label,
                "cells": [self._at(i, j) for j in range(n_columns)],
                "total": self._at(i, n_columns),
                "is_total": False,
            }
            for i, label in enumerate(self.rows)
        ]
        lines.append(
            {
                "label": None,
                "cells": [self._at(n_rows, j) for j in range(n_columns)],
                "total": self._at(n_rows, n_columns),
                "is_total": True,
            }
        )
        return lines

    def explain(self, reason: str) -> str:
        """Why figures with this reason are hidden, in the active language, for a footnote."""
        if reason == PRIMARY:
            return _("Below %(threshold)s: too small to publish.") % {"threshold": self.threshold}
        if reason == AGENCY:
            return _("Too few reporting agencies (fewer than %(count)s): the source could be identified.") % {
                "count": self.min_contributors
            }
        if reason == SECONDARY:
            return _("Hidden so that other hidden figures cannot be worked out from the totals.")
        raise ValueError(f"unknown reason {reason!r}")

    def legend(self) -> list[tuple[str, str]]:
        """(reason, explanation) for each reason this table uses, in a fixed order; empty when nothing is hidden."""
        used = {s.reason for s in self.suppressed}
        return [(reason, self.explain(reason)) for reason in REASONS if reason in used]

    def __repr__(self) -> str:
        return f"Protected({len(self.rows)} rows × {len(self.columns)} columns, {len(self.suppressed)} suppressed)"


def _setting_or(value, name: str, default):
    # The lead declares these in settings.py; until then (and in bare scripts) the defaults hold.
    return getattr(settings, name, default) if value is None else value


def _positive(value, name: str) -> int:
    number = operator.index(value)
    if number < 1:
        raise ValueError(f"{name} must be at least 1, not {number}")
    return number


def protect(
    table: Table,
    *,
    threshold: int | None = None,
    min_contributors: int | None = None,
    suppress_zeros: bool | None = None,
) -> Protected:
    """The table with small figures, figures from too few agencies, and whatever would reveal them hidden.

    Defaults come from the settings SAFEZONE_STATS_MIN_CELL (5), SAFEZONE_STATS_MIN_AGENCIES (1, rule
    off) and SAFEZONE_STATS_SUPPRESS_ZEROS (False). With the agency rule on, the table must say
    how many agencies stand behind its cells: a ValueError says so rather than publish unchecked."""
    threshold = _positive(_setting_or(threshold, "SAFEZONE_STATS_MIN_CELL", 5), "threshold")
    min_contributors = _positive(_setting_or(min_contributors, "SAFEZONE_STATS_MIN_AGENCIES", 1), "min_contributors")
    suppress_zeros = bool(_setting_or(suppress_zeros, "SAFEZONE_STATS_SUPPRESS_ZEROS", False))
    if min_contributors > 1 and table.contributors is None:
        raise ValueError(
            f"the agency rule (at least {min_contributors} agencies per figure) needs the table's contributors: "
            "give Table(contributors=...), or min_contributors=1 for a table whose figures no agency reports"
        )

    grid = _grid(table)
    n_rows, n_columns = len(table.rows), len(table.columns)
    reasons = [[None] * (n_columns + 1) for _ in range(n_rows + 1)]
    agencies = _agencies(table) if min_contributors > 1 else None
    for i in range(n_rows + 1):
        for j in range(n_columns + 1):
            value = grid[i][j]
            if 0 < value < threshold or (value == 0 and suppress_zeros):
                reasons[i][j] = PRIMARY
            elif value > 0 and agencies is not None and agencies[i][j] < min_contributors:
                reasons[i][j] = AGENCY
    _suppress_secondary(grid, reasons)
    return Protected(
        table, grid, reasons, threshold=threshold, min_contributors=min_contributors, suppress_zeros=suppress_zeros
    )


def _grid(table: Table) -> list[list[int]]:
    """The table's counts with their totals as a last column and a last row."""
    grid = [[table.value(row, column) for column in table.columns] for row in table.rows]
    for line in grid:
        line.append(sum(line))
    grid.append([sum(column) for column in zip(*grid)])
    return grid


def _agencies(table: Table) -> list[list[int]]:
    """Distinct reporting agencies behind each figure of the grid (totals: given, or the largest part)."""
    given = table.contributors
    grid = [[given.get((row, column), 0) for column in table.columns] for row in table.rows]
    for row, line in zip(table.rows, grid):
        line.append(given.get((row, TOTAL), max(line)))
    grid.append([given.get((TOTAL, column), max(line[j] for line in grid)) for j, column in enumerate(table.columns)])
    grid[-1].append(given.get((TOTAL, TOTAL), max(max(line) for line in grid)))
    return grid


def _suppress_secondary(grid, reasons) -> None:
    """Hide more figures (in `reasons`) until no hidden figure is a bridge between its row and its column."""
    n_lines, n_places = len(grid), len(grid[0])
    while True:
        # Row-major, so the smallest bridge index is the first recoverable figure by position.
        hidden = [(i, j) for i in range(n_lines) for j in range(n_places) if reasons[i][j]]
        bridges = _bridges(n_lines + n_places, [(i, n_lines + j) for i, j in hidden])
        if not bridges:
            return
        i, j = hidden[min(bridges)]
        for a, b in _cheapest_detour(grid, reasons, i, j):
            reasons[a][b] = SECONDARY


def _bridges(n_nodes: int, edges: list[tuple[int, int]]) -> set[int]:
    """Indexes of the edges that lie on no cycle (Tarjan's low-link, iterative)."""
    neighbours = [[] for _ in range(n_nodes)]
    for index, (u, v) in enumerate(edges):
        neighbours[u].append((v, index))
        neighbours[v].append((u, index))
    discovered = [-1] * n_nodes
    low = [0] * n_nodes
    clock = 0
    bridges = set()
    for root in range(n_nodes):
        if discovered[root] != -1:
            continue
        discovered[root] = low[root] = clock
        clock += 1
        stack = [(root, -1, iter(neighbours[root]))]
        while stack:
            node, via, pending = stack[-1]
            for other, index in pending:
                if index == via:
                    continue
                if discovered[other] == -1:
                    discovered[other] = low[other] = clock
                    clock += 1
                    stack.append((other, index, iter(neighbours[other])))
                    break
                low[node] = min(low[node], discovered[other])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > discovered[parent]:
                        bridges.add(via)
    return bridges


_FREE = (0, 0, 0, 0)


def _cheapest_detour(grid, reasons, start_line: int, end_place: int) -> list[tuple[int, int]]:
    """The published figures on the cheapest path from a figure's row to its column that avoids the figure.

    Nodes 0..n_lines-1 are the grid's rows, then its columns; every (row, column) pair is a figure.
    Cost of a published figure: (is zero, is a total, value, 1), added and compared in that order."""
    n_lines, n_places = len(grid), len(grid[0])
    last_line, last_place = n_lines - 1, n_places - 1
    avoid = (start_line, end_place)
    target = n_lines + end_place

    def cost(i: int, j: int) -> tuple:
        if reasons[i][j]:
            return _FREE
        value = grid[i][j]
        return (int(value == 0), int(i == last_line or j == last_place), value, 1)

    best = {start_line: _FREE}
    came_by: dict[int, tuple[int, tuple[int, int]]] = {}
    settled = set()
    queue = [(_FREE, start_line)]
    while queue:
        distance, node = heapq.heappop(queue)
        if node in settled:
            continue
        settled.add(node)
        if node == target:
            break
        if node < n_lines:
            steps = [(n_lines + j, (node, j)) for j in range(n_places)]
        else:
            steps = [(i, (i, node - n_lines)) for i in range(n_lines)]
        for other, figure in steps:
            if figure == avoid or other in settled:
                continue
            through = tuple(a + b for a, b in zip(distance, cost(*figure)))
            if other not in best or through < best[other]:
                best[other] = through
                came_by[other] = (node, figure)
                heapq.heappush(queue, (through, other))
    # With at least two grid rows and two grid columns the rest of the grid is connected, so the
    # target is always reached.
    path = []
    node = target
    while node != start_line:
        node, figure = came_by[node]
        if not reasons[figure[0]][figure[1]]:
            path.append(figure)
    return sorted(path)
