"""The SVG charts: bars and lines that tell the figures truly, mark what disclosure control
withheld, carry no inline style (the Content-Security-Policy) and print through WeasyPrint."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from safezone.stats.charts import MAX_SERIES, PALETTE, bar_chart, format_number, line_chart, nice_ticks

pytestmark = pytest.mark.no_database

NS = {"s": "http://www.w3.org/2000/svg"}
DISTRICTS = ["Vologda", "Cherepovets", "Sokol"]


@pytest.fixture(autouse=True)
def _english():
    """Messages in English, so the assertions do not wait for the Russian catalogue."""
    with translation.override("en"):
        yield


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def bars(root) -> list[ET.Element]:
    return root.findall(".//s:rect[@class='bar']", NS)


def plot_marks(root) -> list[ET.Element]:
    """Suppressed marks in the plot, not the one in the legend."""
    return root.findall("./s:text[@class='suppressed']", NS)


def legend_texts(root) -> list[str]:
    return ["".join(item.itertext()) for item in root.findall(".//s:g[@class='legend-item']", NS)]


def text_of(element) -> str:
    return "".join(element.itertext())


def every_kind_of_chart() -> list:
    series = [("Police", [12, None, 30]), ("Schools", [5, 8, None])]
    return [
        bar_chart(title="Cases", labels=DISTRICTS, series=series),
        bar_chart(title="Cases", labels=DISTRICTS, series=series, stacked=True),
        bar_chart(title="Cases", labels=DISTRICTS, series=series, horizontal=True, unit="cases"),
        bar_chart(title="Cases", labels=DISTRICTS, series=series, horizontal=True, stacked=True),
        line_chart(title="Rate", labels=DISTRICTS, series=series, target=20, unit="per 10 000"),
        bar_chart(title="Nothing", labels=[], series=[]),
        line_chart(title="Nothing", labels=DISTRICTS, series=[("Police", [0, 0, 0])]),
    ]


def test_a_bar_chart_draws_one_bar_per_figure_with_heights_proportional_to_the_values():
    root = parse(bar_chart(title="Cases", labels=DISTRICTS, series=[("Cases", [10, 20, 40])]))
    drawn = bars(root)
    assert len(drawn) == 3
    heights = [float(bar.get("height")) for bar in drawn]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.02)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.02)
    # All stand on the same baseline.
    bottoms = {round(float(bar.get("y")) + float(bar.get("height")), 1) for bar in drawn}
    assert len(bottoms) == 1


def test_horizontal_bars_have_widths_proportional_to_the_values():
    root = parse(
        bar_chart(
            title="Cases", labels=DISTRICTS, series=[("Police", [10, 30, 5]), ("Schools", [20, 0, 15])], horizontal=True
        )
    )
    drawn = bars(root)
    assert len(drawn) == 6
    per_unit = {round(float(bar.get("width")) / value, 2) for bar, value in zip(drawn, [10, 20, 30, 0, 5, 15]) if value}
    assert len(per_unit) == 1
    assert len({bar.get("x") for bar in drawn}) == 1


def test_a_suppressed_figure_draws_no_bar_but_a_mark_and_one_legend_entry():
    series = [("Police", [12, None, 30]), ("Schools", [None, 8, 4])]
    root = parse(bar_chart(title="Cases", labels=DISTRICTS, series=series))
    assert len(bars(root)) == 4
    assert not any("Cherepovets — Police" in text_of(bar) for bar in bars(root))
    marks = plot_marks(root)
    assert len(marks) == 2
    assert all(mark.text is None and text_of(mark).endswith("×") for mark in marks)
    assert [text_of(mark.find("s:title", NS)) for mark in marks] == [
        "Vologda — Schools: suppressed",
        "Cherepovets — Police: suppressed",
    ]
    legend = legend_texts(root)
    assert sum("suppressed" in text for text in legend) == 1
    assert legend[-1].endswith("suppressed (disclosure control)")


def test_a_chart_without_suppressed_figures_does_not_mention_suppression():
    root = parse(bar_chart(title="Cases", labels=DISTRICTS, series=[("Cases", [1, 2, 3])]))
    assert plot_marks(root) == []
    assert not any("suppressed" in text for text in legend_texts(root))


def test_labels_and_title_stay_text_and_never_become_markup():
    svg = bar_chart(
        title='<b>Cases</b> & "more"',
        labels=["<script>alert(1)</script>", "Sokol"],
        series=[("<i>Police</i>", [3, 4])],
    )
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    root = parse(svg)
    assert root.findall(".//s:script", NS) == [] and root.findall(".//s:b", NS) == []
    assert text_of(root.find("s:title", NS)) == '<b>Cases</b> & "more"'
    labels = [text_of(label) for label in root.findall(".//s:text[@class='label']", NS)]
    assert "<script>alert(1)</script>" in labels
    assert "<script>alert(1)</script>" in text_of(root.find("s:desc", NS))


def test_stacked_bars_sum_to_the_total_of_their_parts():
    series = [("Police", [10, 5]), ("Schools", [20, 0]), ("NGO", [30, 15])]
    root = parse(bar_chart(title="Cases", labels=["Vologda", "Sokol"], series=series, stacked=True))
    drawn = bars(root)
    assert len(drawn) == 6
    per_unit = float(drawn[0].get("height")) / 10
    vologda = [bar for bar in drawn if text_of(bar).startswith("Vologda")]
    assert sum(float(bar.get("height")) for bar in vologda) == pytest.approx(60 * per_unit, abs=0.05)
    # Each part starts where the one below it ends.
    for lower, upper in zip(vologda, vologda[1:]):
        assert float(upper.get("y")) + float(upper.get("height")) == pytest.approx(float(lower.get("y")), abs=0.02)
    assert {bar.get("x") for bar in vologda} == {vologda[0].get("x")}


def test_a_withheld_part_of_a_stack_is_marked_above_the_known_parts_and_never_filled_in():
    series = [("Police", [None]), ("Schools", [20])]
    root = parse(bar_chart(title="Cases", labels=["Vologda"], series=series, stacked=True))
    (bar,) = bars(root)
    (mark,) = plot_marks(root)
    assert float(mark.get("y")) < float(bar.get("y"))


def test_the_line_chart_breaks_its_path_at_a_suppressed_figure():
    labels = ["Jan", "Feb", "Mar", "Apr", "May"]
    root = parse(line_chart(title="Calls", labels=labels, series=[("Calls", [1, 2, None, 4, 5])]))
    (path,) = root.findall(".//s:path[@class='line']", NS)
    runs = [run.strip() for run in path.get("d").split("M") if run.strip()]
    assert len(runs) == 2
    assert [run.count("L") for run in runs] == [1, 1]
    assert len(root.findall(".//s:circle[@class='point']", NS)) == 4
    assert len(plot_marks(root)) == 1


def test_a_lone_figure_between_gaps_still_shows_as_a_point():
    root = parse(line_chart(title="Calls", labels=["Jan", "Feb", "Mar"], series=[("Calls", [None, 7, None])]))
    (point,) = root.findall(".//s:circle[@class='point']", NS)
    assert "7" in text_of(point)


def test_the_line_chart_draws_the_target_as_a_dashed_line_within_the_axis():
    root = parse(line_chart(title="Calls", labels=["Q1", "Q2"], series=[("Calls", [10, 12])], target=25))
    (target,) = root.findall(".//s:line[@class='target']", NS)
    assert target.get("stroke-dasharray")
    assert target.get("y1") == target.get("y2")
    points = root.findall(".//s:circle[@class='point']", NS)
    assert float(target.get("y1")) < min(float(point.get("cy")) for point in points)
    ticks = [float(tick.text.replace(",", "")) for tick in root.findall(".//s:text[@class='tick']", NS)]
    assert max(ticks) >= 25
    assert "Target: 25" in text_of(root.find("s:desc", NS))


def test_no_chart_carries_a_style_attribute_or_element():
    for svg in every_kind_of_chart():
        root = parse(svg)
        assert root.findall(".//s:style", NS) == []
        assert not any("style" in element.attrib for element in root.iter())
        assert "style=" not in svg


@pytest.mark.parametrize(
    "labels, series",
    [([], []), (DISTRICTS, []), (DISTRICTS, [("Cases", [0, 0, 0])])],
    ids=["no labels", "no series", "all zero"],
)
def test_an_empty_period_draws_an_axis_with_a_message(labels, series):
    for svg in (
        bar_chart(title="Cases", labels=labels, series=series),
        bar_chart(title="Cases", labels=labels, series=series, horizontal=True),
        line_chart(title="Cases", labels=labels, series=series),
    ):
        root = parse(svg)
        assert text_of(root.find(".//s:text[@class='empty']", NS)) == "No data for this period"
        assert len(root.findall(".//s:line[@class='axis']", NS)) == 2
        assert bars(root) == []


def test_figures_all_suppressed_show_their_marks_not_the_empty_message():
    root = parse(bar_chart(title="Cases", labels=DISTRICTS, series=[("Cases", [None, 0, None])]))
    assert root.find(".//s:text[@class='empty']", NS) is None
    assert len(plot_marks(root)) == 2
    assert len(bars(root)) == 1


@pytest.mark.parametrize(
    "maximum, whole, expected",
    [
        (40, True, [0, 10, 20, 30, 40]),
        (7, True, [0, 2, 4, 6, 8]),
        (1, True, [0, 1]),
        (1200, True, [0, 500, 1000, 1500]),
        (3.3, False, [0, 1, 2, 3, 4]),
        (0.9, False, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0, True, [0]),
    ],
)
def test_axis_ticks_start_at_zero_and_step_by_one_two_or_five_times_a_power_of_ten(maximum, whole, expected):
    assert nice_ticks(maximum, whole=whole) == pytest.approx(expected)


def test_russian_numbers_group_thousands_with_a_thin_space():
    with translation.override("ru"):
        assert format_number(1234567) == "1\u202f234\u202f567"
        assert format_number(12.5) == "12,5"
        root = parse(bar_chart(title="Cases", labels=DISTRICTS, series=[("Cases", [1200, 950, 40])]))
    ticks = [tick.text for tick in root.findall(".//s:text[@class='tick']", NS)]
    assert "1\u202f000" in ticks
    assert format_number(1234567) == "1,234,567"


def test_each_chart_is_labelled_by_its_own_title_and_description():
    first, second = (parse(bar_chart(title="Cases", labels=DISTRICTS, series=[("Cases", [1, 2, 3])])) for _ in "ab")
    for root in (first, second):
        assert root.get("role") == "img"
        assert root.get("width") == "100%"
        assert root.get("viewBox").startswith("0 0 640 ")
        assert root.get("font-family") == "DejaVu Sans, sans-serif"
        title_id, desc_id = root.get("aria-labelledby").split()
        assert root.find("s:title", NS).get("id") == title_id
        assert root.find("s:desc", NS).get("id") == desc_id
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_the_description_lists_the_figures_in_words():
    series = [("Police", [120, 95, None]), ("Schools", [3, 4, 5])]
    root = parse(bar_chart(title="Cases", labels=DISTRICTS, series=series, unit="cases"))
    assert text_of(root.find("s:desc", NS)) == (
        "Police: Vologda 120, Cherepovets 95, Sokol suppressed; Schools: Vologda 3, Cherepovets 4, Sokol 5 (cases)."
    )


def test_a_long_label_is_cut_with_its_full_text_in_a_title():
    long = "Velikoustyugsky municipal district of the Vologda region with a very long name"
    root = parse(bar_chart(title="Cases", labels=[long, "Sokol"], series=[("Cases", [3, 4])], horizontal=True))
    label = next(
        label for label in root.findall(".//s:text[@class='label']", NS) if label.find("s:title", NS) is not None
    )
    assert text_of(label.find("s:title", NS)) == long
    shown = "".join(span.text for span in label.findall("s:tspan", NS))
    assert shown.endswith("…") and len(shown) < len(long)


def test_series_take_colour_blind_safe_colours_in_order():
    series = [(f"Agency {i}", [i + 1]) for i in range(MAX_SERIES)]
    root = parse(bar_chart(title="Cases", labels=["Vologda"], series=series))
    assert [bar.get("fill") for bar in bars(root)] == list(PALETTE)


@pytest.mark.parametrize(
    "series, error",
    [
        ([(f"Agency {i}", [1]) for i in range(MAX_SERIES + 1)], ValueError),
        ([("Cases", [1, 2])], ValueError),
        ([("Cases", [-1])], ValueError),
        ([("Cases", [float("nan")])], ValueError),
        ([("Cases", ["12"])], TypeError),
    ],
    ids=["too many series", "ragged", "negative", "not a number", "text"],
)
def test_data_a_chart_would_have_to_bend_is_refused(series, error):
    with pytest.raises(error):
        bar_chart(title="Cases", labels=["Vologda"], series=series)


def test_weasyprint_renders_a_page_with_two_charts_into_a_pdf():
    weasyprint = pytest.importorskip("weasyprint")
    with translation.override("ru"):
        charts = [
            bar_chart(
                title="Обращения по районам",
                labels=["Вологда", "Череповец", "Сокольский муниципальный округ"],
                series=[("Дела", [1200, None, 40])],
                horizontal=True,
            ),
            line_chart(
                title="Уровень на 10 000",
                labels=["I кв.", "II кв.", "III кв.", "IV кв."],
                series=[("2024", [1.2, None, 2.5, 3.1]), ("2023", [1.0, 1.4, 1.9, 2.2])],
                target=3.5,
            ),
        ]
    html = f"<!doctype html><html lang='ru'><body>{charts[0]}{charts[1]}</body></html>"
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf.startswith(b"%PDF")
