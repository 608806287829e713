"""Disclosure control: small figures are hidden, and no hidden figure can be worked out from the totals."""

import numpy as np
import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from safezone.stats.disclosure import TOTAL, Cell, Suppression, Table, protect

pytestmark = pytest.mark.no_database


@pytest.fixture(autouse=True)
def _documented_defaults():
    """Each test starts from the documented defaults, whatever the environment sets."""
    with override_settings(
        SAFEZONE_STATS_MIN_CELL=5, SAFEZONE_STATS_MIN_AGENCIES=1, SAFEZONE_STATS_SUPPRESS_ZEROS=False
    ):
        yield


# --- an independent check: the published figures and the equations they obey ---------------------


def recoverable_figures(protected) -> list[tuple[int, int]]:
    """Grid positions of hidden figures that the published ones determine, by linear algebra.

    The grid is the table with its row totals as a last column and its column totals (and the
    grand total) as a last row. Equations: each row's cells minus its total is 0, each column's
    likewise, the row totals minus the grand total, the column totals minus the grand total.
    Moving the published figures to the right-hand side leaves A_U x_U = b; an unknown is
    determined exactly when its unit vector lies in the row space of A_U."""
    n_rows, n_columns = len(protected.rows), len(protected.columns)
    figures = [(i, j) for i in range(n_rows + 1) for j in range(n_columns + 1)]
    position = {figure: k for k, figure in enumerate(figures)}
    equations = []
    for i in range(n_rows + 1):
        equation = np.zeros(len(figures))
        for j in range(n_columns):
            equation[position[(i, j)]] = 1
        equation[position[(i, n_columns)]] = -1
        equations.append(equation)
    for j in range(n_columns + 1):
        equation = np.zeros(len(figures))
        for i in range(n_rows):
            equation[position[(i, j)]] = 1
        equation[position[(n_rows, j)]] = -1
        equations.append(equation)
    matrix = np.array(equations)
    hidden = [figure for figure in figures if grid_cell(protected, *figure).suppressed]
    if not hidden:
        return []
    unknowns = matrix[:, [position[figure] for figure in hidden]]
    rank = np.linalg.matrix_rank(unknowns)
    found = []
    for k, figure in enumerate(hidden):
        unit = np.zeros((1, len(hidden)))
        unit[0, k] = 1
        if np.linalg.matrix_rank(np.vstack([unknowns, unit])) == rank:
            found.append(figure)
    return found


def grid_cell(protected, i: int, j: int) -> Cell:
    """The figure at one grid position (totals in the last row and column)."""
    n_rows, n_columns = len(protected.rows), len(protected.columns)
    if i < n_rows and j < n_columns:
        return protected.cell(protected.rows[i], protected.columns[j])
    if i < n_rows:
        return protected.row_total(protected.rows[i])
    if j < n_columns:
        return protected.column_total(protected.columns[j])
    return protected.grand_total


def table_of(grid: list[list[int]], contributors: list[list[int]] | None = None) -> Table:
    rows = [f"r{i}" for i in range(len(grid))]
    columns = [f"c{j}" for j in range(len(grid[0]))]
    return Table(
        rows=rows,
        columns=columns,
        values={(r, c): grid[i][j] for i, r in enumerate(rows) for j, c in enumerate(columns)},
        contributors=None
        if contributors is None
        else {(r, c): contributors[i][j] for i, r in enumerate(rows) for j, c in enumerate(columns)},
    )


def reasons_of(protected) -> list[list[str | None]]:
    """The reason of every grid position, None where published."""
    return [
        [grid_cell(protected, i, j).reason for j in range(len(protected.columns) + 1)]
        for i in range(len(protected.rows) + 1)
    ]


# --- one-dimensional tables ----------------------------------------------------------------------


def test_a_small_item_of_a_list_is_hidden_with_the_next_smallest_so_the_total_cannot_reveal_it():
    series = {"Vologda": 40, "Cherepovets": 25, "Sokol": 3, "Kirillov": 7, "Totma": 12}
    protected = protect(Table.from_series(series), threshold=5)
    assert protected.item("Sokol") == Cell(value=None, suppressed=True, reason="primary")
    assert protected.item("Kirillov") == Cell(value=None, suppressed=True, reason="secondary")
    assert protected.item("Vologda") == Cell(value=40)
    assert protected.total == Cell(value=87)
    assert [label for label, cell in protected.items() if not cell.suppressed] == ["Vologda", "Cherepovets", "Totma"]
    # The row totals of a list repeat its items, so they are not listed twice.
    assert protected.suppressed == [
        Suppression("cell", "Sokol", "count", "primary"),
        Suppression("cell", "Kirillov", "count", "secondary"),
    ]
    assert recoverable_figures(protected) == []


def test_a_list_without_small_items_is_published_whole():
    protected = protect(Table.from_series({"physical": 12, "sexual": 5, "economic": 9}), threshold=5)
    assert protected.suppressed == []
    assert [cell.value for _, cell in protected.items()] == [12, 5, 9]
    assert protected.total.value == 26
    assert protected.legend() == []


def test_zeros_are_published_unless_the_setting_hides_them():
    series = {"Vologda": 40, "Babaevo": 0, "Totma": 12}
    assert protect(Table.from_series(series)).item("Babaevo") == Cell(value=0)
    with override_settings(SAFEZONE_STATS_SUPPRESS_ZEROS=True):
        protected = protect(Table.from_series(series))
    assert protected.item("Babaevo").reason == "primary"
    assert protected.item("Totma").reason == "secondary"
    assert protected.total.value == 52


def test_a_list_whose_total_is_small_hides_everything_but_its_zeros():
    protected = protect(Table.from_series({"a": 1, "b": 0, "c": 2}), threshold=5)
    assert [cell.reason for _, cell in protected.items()] == ["primary", None, "primary"]
    assert protected.item("b").value == 0
    assert protected.total.reason == "primary"
    assert recoverable_figures(protected) == []


def test_the_threshold_comes_from_the_settings_and_may_be_ten():
    series = {"a": 7, "b": 30, "c": 40}
    assert protect(Table.from_series(series)).suppressed == []
    with override_settings(SAFEZONE_STATS_MIN_CELL=10):
        protected = protect(Table.from_series(series))
    assert protected.threshold == 10
    assert [cell.reason for _, cell in protected.items()] == ["primary", "secondary", None]
    assert protect(Table.from_series(series), threshold=10).suppressed == protected.suppressed


# --- two-dimensional tables ----------------------------------------------------------------------


def test_a_single_small_cell_is_hidden_with_the_cheapest_rectangle_of_partners():
    grid = [
        [2, 10, 20],
        [10, 11, 9],
        [30, 12, 14],
    ]
    protected = protect(table_of(grid), threshold=5)
    assert reasons_of(protected) == [
        ["primary", "secondary", None, None],
        ["secondary", "secondary", None, None],
        [None, None, None, None],
        [None, None, None, None],
    ]
    # Every total stays published: the rectangle balances within each line.
    assert protected.row_total("r0") == Cell(value=32)
    assert protected.column_total("c0") == Cell(value=42)
    assert protected.grand_total == Cell(value=118)
    assert recoverable_figures(protected) == []


def test_a_small_cell_with_a_small_partner_in_its_row_and_its_column_needs_one_more_cell():
    grid = [
        [2, 3, 20],
        [4, 15, 9],
        [30, 12, 14],
    ]
    protected = protect(table_of(grid), threshold=5)
    # The three small cells form a path; the fourth corner of their rectangle closes it.
    assert reasons_of(protected) == [
        ["primary", "primary", None, None],
        ["primary", "secondary", None, None],
        [None, None, None, None],
        [None, None, None, None],
    ]
    assert [s.reason for s in protected.suppressed] == ["primary", "primary", "primary", "secondary"]
    assert recoverable_figures(protected) == []


def test_a_small_row_total_is_hidden_together_with_what_would_reveal_it():
    grid = [
        [1, 2, 0],
        [10, 8, 7],
        [9, 6, 12],
    ]
    protected = protect(table_of(grid), threshold=5)
    assert protected.row_total("r0").reason == "primary"
    assert protected.cell("r0", "c0").reason == "primary"
    assert protected.cell("r0", "c1").reason == "primary"
    assert protected.cell("r0", "c2") == Cell(value=0)
    assert protected.grand_total == Cell(value=55)
    assert recoverable_figures(protected) == []


def test_when_every_cell_is_small_all_are_hidden_and_the_large_totals_stand():
    grid = [
        [1, 2, 3],
        [4, 1, 2],
        [3, 4, 1],
    ]
    protected = protect(table_of(grid), threshold=5)
    assert all(protected.cell(r, c).reason == "primary" for r in protected.rows for c in protected.columns)
    assert [protected.row_total(r).value for r in protected.rows] == [6, 7, 8]
    assert [protected.column_total(c).value for c in protected.columns] == [8, 7, 6]
    assert protected.grand_total.value == 21
    assert not any(s.reason == "secondary" for s in protected.suppressed)
    assert recoverable_figures(protected) == []


def test_a_small_grand_total_hides_every_figure_that_is_not_zero():
    grid = [
        [1, 2],
        [0, 1],
    ]
    protected = protect(table_of(grid), threshold=5)
    assert protected.grand_total.reason == "primary"
    assert protected.cell("r1", "c0") == Cell(value=0)
    assert len(protected.suppressed) == 3 + 4 + 1
    assert {s.reason for s in protected.suppressed} == {"primary"}
    assert recoverable_figures(protected) == []


def test_a_zero_is_chosen_as_a_partner_only_when_no_positive_figure_would_do():
    grid = [
        [3, 0, 40],
        [0, 0, 30],
    ]
    protected = protect(table_of(grid), threshold=5)
    assert protected.cell("r0", "c0").reason == "primary"
    # The 40 and the 30 close the cycle through the row totals; the zeros stay published.
    assert protected.cell("r0", "c1") == Cell(value=0)
    assert protected.cell("r1", "c0") == Cell(value=0)
    assert recoverable_figures(protected) == []
    assert protected.grand_total.value == 73


def test_the_table_for_a_template_has_one_line_per_row_and_a_totals_line():
    protected = protect(table_of([[2, 10], [10, 11]]), threshold=5)
    lines = protected.as_rows()
    assert [line["label"] for line in lines] == ["r0", "r1", None]
    assert [line["is_total"] for line in lines] == [False, False, True]
    assert lines[0]["cells"][0].reason == "primary"
    assert lines[2]["cells"] == [protected.column_total("c0"), protected.column_total("c1")]
    assert lines[2]["total"] == protected.grand_total


def test_the_legend_explains_each_reason_used_with_its_threshold():
    protected = protect(table_of([[2, 10, 20], [10, 11, 9], [30, 12, 14]]), threshold=5)
    legend = dict(protected.legend())
    assert list(legend) == ["primary", "secondary"]
    assert "5" in legend["primary"]


# --- the agency rule -----------------------------------------------------------------------------


def test_a_figure_from_a_single_agency_is_hidden_when_the_agency_rule_is_on():
    grid = [[12, 20, 15], [9, 30, 11], [14, 8, 25]]
    agencies = [[1, 3, 2], [2, 4, 3], [3, 2, 5]]
    table = table_of(grid, agencies)
    assert protect(table).suppressed == []  # SAFEZONE_STATS_MIN_AGENCIES=1: the rule is off
    protected = protect(table, min_contributors=2)
    assert protected.cell("r0", "c0") == Cell(value=None, suppressed=True, reason="agency")
    assert [s.reason for s in protected.suppressed].count("agency") == 1
    assert [s.reason for s in protected.suppressed].count("secondary") == 3
    assert recoverable_figures(protected) == []
    with override_settings(SAFEZONE_STATS_MIN_AGENCIES=2):
        assert protect(table).suppressed == protected.suppressed


def test_a_total_has_as_many_agencies_as_given_or_at_least_as_its_largest_part():
    grid = [[12, 20], [9, 30]]
    # Each cell from one agency: without more, a total may be from that agency alone.
    agencies = {("r0", "c0"): 1, ("r0", "c1"): 1, ("r1", "c0"): 1, ("r1", "c1"): 1}
    rows, columns = ["r0", "r1"], ["c0", "c1"]
    values = {(r, c): grid[i][j] for i, r in enumerate(rows) for j, c in enumerate(columns)}
    hidden = protect(Table(rows, columns, values, agencies), min_contributors=2)
    assert all(cell.reason == "agency" for line in hidden.as_rows() for cell in [*line["cells"], line["total"]])
    told = {**agencies, ("r0", TOTAL): 2, ("r1", TOTAL): 2, (TOTAL, "c0"): 2, (TOTAL, "c1"): 2, (TOTAL, TOTAL): 4}
    protected = protect(Table(rows, columns, values, told), min_contributors=2)
    assert [protected.row_total(r).value for r in rows] == [32, 39]
    assert protected.grand_total.value == 71
    assert recoverable_figures(protected) == []


def test_a_list_can_give_the_agencies_behind_its_items_and_its_total():
    table = Table.from_series({"a": 20, "b": 30, "c": 25}, contributors={"a": 1, "b": 3, "c": 2, TOTAL: 4})
    protected = protect(table, min_contributors=2)
    assert protected.item("a").reason == "agency"
    assert protected.item("c").reason == "secondary"
    assert protected.total == Cell(value=75)


def test_the_agency_rule_refuses_a_table_that_does_not_say_who_reported():
    with pytest.raises(ValueError, match="contributors"):
        protect(table_of([[12, 20], [9, 30]]), min_contributors=2)


# --- the input ------------------------------------------------------------------------------------


def test_protect_never_changes_the_table_it_is_given():
    values = {("a", "x"): 2, ("a", "y"): 10, ("b", "x"): 10, ("b", "y"): 11}
    contributors = {key: 2 for key in values}
    table = Table(rows=["a", "b"], columns=["x", "y"], values=values, contributors=contributors)
    before = (dict(values), dict(contributors), dict(table.values), dict(table.contributors))
    protect(table, min_contributors=2)
    protect(table, threshold=10, suppress_zeros=True)
    assert (dict(values), dict(contributors), dict(table.values), dict(table.contributors)) == before
    # The table keeps its own copy: later changes by the caller do not reach it.
    values[("a", "x")] = 99
    assert table.value("a", "x") == 2


def test_a_table_refuses_negative_counts_and_unknown_cells():
    with pytest.raises(ValueError, match="negative"):
        Table(rows=["a"], columns=["x"], values={("a", "x"): -1})
    with pytest.raises(ValueError, match="no such cell"):
        Table(rows=["a"], columns=["x"], values={("b", "x"): 1})
    with pytest.raises(ValueError, match="whole number"):
        Table(rows=["a"], columns=["x"], values={("a", "x"): 1.5})
    with pytest.raises(ValueError, match="repeat"):
        Table(rows=["a", "a"], columns=["x"], values={})
    with pytest.raises(KeyError):
        protect(Table(rows=["a"], columns=["x"], values={})).cell("b", "x")


# --- any table ------------------------------------------------------------------------------------


@st.composite
def tables(draw):
    """A random table: 2–6 rows × 2–6 columns of counts 0–30 (often small), with agencies behind them."""
    n_rows = draw(st.integers(2, 6))
    n_columns = draw(st.integers(2, 6))
    count = st.one_of(st.integers(0, 30), st.integers(0, 6))
    grid = [[draw(count) for _ in range(n_columns)] for _ in range(n_rows)]
    agencies = [[draw(st.integers(1, 4)) for _ in range(n_columns)] for _ in range(n_rows)]
    return grid, agencies


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    drawn=tables(),
    threshold=st.sampled_from([5, 10]),
    min_contributors=st.sampled_from([1, 2]),
    suppress_zeros=st.booleans(),
)
def test_no_table_publishes_a_small_figure_or_one_that_reveals_a_hidden_figure(
    drawn, threshold, min_contributors, suppress_zeros
):
    grid, agencies = drawn
    table = table_of(grid, agencies)
    protected = protect(table, threshold=threshold, min_contributors=min_contributors, suppress_zeros=suppress_zeros)
    n_rows, n_columns = len(grid), len(grid[0])
    full = [[*line, sum(line)] for line in grid]
    full.append([sum(column) for column in zip(*full)])
    for i in range(n_rows + 1):
        for j in range(n_columns + 1):
            figure = grid_cell(protected, i, j)
            if figure.suppressed:
                assert figure.value is None and figure.reason in {"primary", "secondary", "agency"}
                continue
            # (a) nothing small is published, nor a zero when zeros are hidden ...
            assert not 0 < figure.value < threshold
            assert not (suppress_zeros and figure.value == 0)
            # ... nor a cell from too few agencies;
            if i < n_rows and j < n_columns and figure.value > 0:
                assert agencies[i][j] >= min_contributors
            # (c) and what is published is the true figure.
            assert figure.value == full[i][j]
    # (b) no hidden figure follows from the published ones.
    assert recoverable_figures(protected) == []
    # The same table is protected the same way every time.
    again = protect(table, threshold=threshold, min_contributors=min_contributors, suppress_zeros=suppress_zeros)
    assert again.suppressed == protected.suppressed
