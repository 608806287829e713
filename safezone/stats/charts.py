"""Server-rendered SVG charts for the statistics dashboards and the governor's PDF report.

Each call returns one <svg> element with no JavaScript and no style attributes, because the
Content-Security-Policy forbids inline styles. Colours and fonts are SVG presentation
attributes, so the browser and WeasyPrint draw the same picture. A value of None is a figure
withheld by disclosure control. It gets a neutral "×" mark and is never drawn as a bar or a
point.
"""

import math
import textwrap
import uuid
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Number = int | float | Decimal
Series = list[tuple[str, list[Number | None]]]

# Okabe–Ito, reordered so a single series gets the strong blue and yellow (faint on white) comes last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
MAX_SERIES = len(PALETTE)
FONT_FAMILY = "DejaVu Sans, sans-serif"
INK = "#222222"
MUTED = "#595959"
GRID = "#dddddd"
SUPPRESSED_MARK = "×"

# DejaVu Sans is wide: an average glyph is about 0.6 em. Sizes are estimated from this, not measured.
CHAR_EM = 0.6
TITLE_SIZE = 14
LABEL_SIZE = 11
SMALL_SIZE = 10
LINE_GAP = 1.25
LEGEND_ROW = 18
PAD = 8


# --- numbers --------------------------------------------------------------------------------


def format_number(value: Number, decimals: int | None = None) -> str:
    """The value as the active language writes it: "12 345,5" in Russian, "12,345.5" in English."""
    if decimals is None:
        decimals = _decimals(value)
    text = number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    # Russian groups with a no-break space; the narrow one (U+202F) is the typographic thin space
    # and still never splits a number across lines.
    return text.replace("\xa0", "\u202f")


def _decimals(value: Number) -> int:
    """Decimals worth showing: none for counts, two for rates, enough that a small rate is not 0."""
    if isinstance(value, int):
        return 0
    number = abs(float(value))
    places = 2 if number >= 1 or number == 0 else min(6, 1 - math.floor(math.log10(number)))
    return len(f"{number:.{places}f}".rstrip("0").partition(".")[2])


def nice_ticks(maximum: float, *, whole: bool = False, count: int = 5) -> list[float]:
    """Axis ticks from zero past maximum, in steps of 1, 2 or 5 × 10^k, about count of them."""
    if maximum <= 0:
        return [0]
    raw = maximum / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    if whole:
        # Counts of people have no half steps.
        step = max(step, 1)
    steps = max(1, math.ceil(maximum / step - 1e-9))
    return [round(i * step, 10) for i in range(steps + 1)]


def _tick_decimals(ticks: list[float]) -> int:
    if len(ticks) < 2:
        return 0
    exponent = Decimal(repr(ticks[1])).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _with_unit(text: str, unit: str) -> str:
    return f"{text}\u00a0{unit}" if unit else text


# --- input ----------------------------------------------------------------------------------


def _clean(labels: list[str], series: Series) -> None:
    """Refuse data a chart would have to bend: too many series, ragged rows, negative figures."""
    if len(series) > MAX_SERIES:
        raise ValueError(f"a chart shows at most {MAX_SERIES} series, got {len(series)}")
    for name, values in series:
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
        for value in values:
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                raise TypeError(f"series {name!r} holds {value!r}, not a number")
            if not math.isfinite(float(value)) or value < 0:
                raise ValueError(f"series {name!r} holds {value!r}: charts draw finite, non-negative figures")


def _texts(title, labels, series) -> tuple[str, list[str], Series]:
    """Plain strings for the title, labels and series names, which may arrive as lazy translations."""
    return str(title), [str(label) for label in labels], [(str(name), list(values)) for name, values in series]


def _is_empty(labels: list[str], series: Series) -> bool:
    """No labels, or nothing but zeros. A suppressed figure is data: it is shown, not hidden."""
    if not labels or not series:
        return True
    return all(value is not None and value == 0 for _name, values in series for value in values)


def _has_suppressed(series: Series) -> bool:
    return any(value is None for _name, values in series for value in values)


def _is_whole(series: Series) -> bool:
    return all(isinstance(value, int) for _name, values in series for value in values if value is not None)


def _describe(labels: list[str], series: Series, unit: str, target: Number | None = None) -> str:
    """The data in words for screen readers, such as: Vologda 120, Cherepovets 95, Sokol suppressed."""
    # Outside the f-string, where makemessages finds it.
    withheld = _("suppressed")
    parts = []
    for name, values in series:
        items = ", ".join(
            f"{label} {withheld if value is None else format_number(value)}" for label, value in zip(labels, values)
        )
        parts.append(f"{name}: {items}" if name else items)
    text = "; ".join(parts)
    if unit:
        text = f"{text} ({unit})"
    if target is not None:
        caption = _("Target: %(value)s") % {"value": format_number(target)}
        text = f"{text}. {caption}"
    return f"{text}."


# --- markup ---------------------------------------------------------------------------------


def _n(number: float) -> str:
    """A coordinate with at most two decimals."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _el(name: str, children: str = "", **attrs) -> str:
    """One element; attribute names use _ for -, None drops the attribute. Children are markup."""
    rendered = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = _n(value)
        rendered.append(f' {key.rstrip("_").replace("_", "-")}="{escape(value)}"')
    if children:
        return f"<{name}{''.join(rendered)}>{children}</{name}>"
    return f"<{name}{''.join(rendered)}/>"


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_EM


def _wrap(text: str, max_chars: int, max_lines: int) -> tuple[list[str], bool]:
    """Lines of at most max_chars, at most max_lines of them; True when something was cut."""
    max_chars = max(2, max_chars)
    lines = textwrap.wrap(str(text), max_chars, break_long_words=True) or [""]
    if len(lines) <= max_lines:
        return lines, False
    kept = lines[:max_lines]
    kept[-1] = kept[-1][: max_chars - 1].rstrip() + "…"
    return kept, True


def _label(
    text: str,
    *,
    x: float,
    y: float,
    max_width: float,
    anchor: str,
    size: float = LABEL_SIZE,
    max_lines: int = 2,
    middle: bool = False,
    css_class: str = "label",
    **attrs,
) -> str:
    """A wrapped text block whose first baseline is at y, or centred on y when middle.

    A truncated label carries its full text in a <title>, shown on hover and read aloud."""
    lines, cut = _wrap(text, int(max_width / (size * CHAR_EM)), max_lines)
    step = size * LINE_GAP
    if middle:
        y = y - (len(lines) - 1) * step / 2 + size * 0.35
    spans = "".join(_el("tspan", escape(line), x=float(x), y=float(y + i * step)) for i, line in enumerate(lines))
    children = (_title(text) if cut else "") + spans
    return _el("text", children, class_=css_class, text_anchor=anchor, font_size=size, **attrs)


def _suppressed_mark(*, x: float, y: float, description: str) -> str:
    """The neutral glyph standing where a withheld figure would be drawn."""
    return _el(
        "text",
        _title(description) + SUPPRESSED_MARK,
        class_="suppressed",
        x=float(x),
        y=float(y),
        text_anchor="middle",
        font_size=13,
        font_weight="bold",
        fill=MUTED,
    )


def _heading(title: str, width: int) -> tuple[str, float]:
    """The visible title, wrapped to the width; returns the markup and the height it takes."""
    lines, _cut = _wrap(title, int((width - 2 * PAD) / (TITLE_SIZE * CHAR_EM)), 2)
    markup = _label(
        title,
        x=PAD,
        y=PAD + TITLE_SIZE,
        max_width=width - 2 * PAD,
        anchor="start",
        size=TITLE_SIZE,
        css_class="chart-title",
        font_weight="bold",
    )
    return markup, PAD + len(lines) * TITLE_SIZE * LINE_GAP + PAD / 2


def _legend(series: Series, *, kind: str, suppressed: bool, top: float, width: int) -> tuple[str, float]:
    """Series swatches (and the suppressed mark once), flowing into rows; markup and height."""
    items = [(PALETTE[i], name) for i, (name, _values) in enumerate(series) if name]
    if len(series) == 1 and not suppressed:
        # One series is named by the title; a lone swatch would only repeat it.
        items = []
    if not items and not suppressed:
        return "", 0
    entries = []
    x, y = float(PAD), top + LEGEND_ROW / 2
    if suppressed:
        items.append((None, _("suppressed (disclosure control)")))
    for colour, name in items:
        text_width = _text_width(name, SMALL_SIZE)
        item_width = 14 + text_width + 16
        if x + item_width > width - PAD and x > PAD:
            x, y = float(PAD), y + LEGEND_ROW
        if colour is None:
            key = _suppressed_mark(x=x + 5, y=y + 4.5, description=name)
        elif kind == "line":
            key = _el("line", x1=x, y1=y, x2=x + 10, y2=y, stroke=colour, stroke_width=2.5)
        else:
            key = _el("rect", class_="swatch", x=x, y=y - 5, width=10, height=10, fill=colour)
        caption = _el("text", escape(name), x=x + 14, y=y + 3.5, font_size=SMALL_SIZE)
        entries.append(_el("g", key + caption, class_="legend-item"))
        x += item_width
    rows = round((y - top - LEGEND_ROW / 2) / LEGEND_ROW) + 1
    return _el("g", "".join(entries), class_="legend"), rows * LEGEND_ROW + PAD / 2


def _svg(*, title: str, desc: str, width: float, height: float, body: list[str]) -> SafeString:
    """The outer element: scales to its container, labelled for assistive technology."""
    uid = f"chart-{uuid.uuid4().hex[:12]}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" viewBox="0 0 {_n(width)} {_n(height)}" width="100%" '
        f'font-family="{FONT_FAMILY}" font-size="{LABEL_SIZE}" fill="{INK}">'
    )
    meta = f'<title id="{uid}-title">{escape(title)}</title><desc id="{uid}-desc">{escape(desc)}</desc>'
    return mark_safe(head + meta + "".join(body) + "</svg>")


def _empty(*, title: str, width: int, height: int) -> SafeString:
    """An axis frame with the message, so a dashboard keeps its layout in a quiet period."""
    heading, top = _heading(title, width)
    left, bottom = 40.0, height - 24.0
    message = _("No data for this period")
    body = [
        heading,
        _el("line", class_="axis", x1=left, y1=top + PAD, x2=left, y2=bottom, stroke=MUTED),
        _el("line", class_="axis", x1=left, y1=bottom, x2=width - PAD, y2=bottom, stroke=MUTED),
        _el(
            "text",
            escape(message),
            class_="empty",
            x=(left + width - PAD) / 2,
            y=(top + bottom) / 2,
            text_anchor="middle",
            font_size=12,
            fill=MUTED,
        ),
    ]
    return _svg(title=title, desc=message, width=width, height=height, body=body)


def _tip(label: str, name: str, value: str) -> str:
    return f"{label} — {name}: {value}" if name else f"{label}: {value}"


def _value_axis_ticks(series: Series, *, stacked: bool, labels: list[str], extra: float = 0) -> list[float]:
    if stacked:
        peak = max(
            (sum(float(v) for _name, values in series if (v := values[i]) is not None) for i in range(len(labels))),
            default=0,
        )
    else:
        peak = max((float(v) for _name, values in series for v in values if v is not None), default=0)
    return nice_ticks(max(peak, extra), whole=_is_whole(series) and float(extra).is_integer())


def _category_labels(labels: list[str], *, left: float, band: float, y: float) -> str:
    """Labels under a horizontal category axis; only every k-th when the bands are too narrow."""
    # Wide enough for the longest word, since a label may wrap onto two lines between words.
    widest = max(_text_width(word, LABEL_SIZE) for label in labels for word in (label.split() or [""]))
    needed = min(64.0, max(28.0, widest + 6))
    every = max(1, math.ceil(needed / band))
    return "".join(
        _label(label, x=left + (i + 0.5) * band, y=y, max_width=band * every - 4, anchor="middle")
        for i, label in enumerate(labels)
        if i % every == 0
    )


def _vertical_frame(
    *, ticks: list[float], top: float, left: float, right: float, base: float, unit: str
) -> tuple[list[str], float]:
    """Grid lines, tick labels and the unit over a vertical value axis; returns them and the scale."""
    decimals = _tick_decimals(ticks)
    scale = (base - top) / ticks[-1] if ticks[-1] else 0.0
    parts = []
    for tick in ticks:
        y = base - tick * scale
        parts.append(_el("line", class_="grid", x1=left, y1=y, x2=right, y2=y, stroke=GRID))
        parts.append(
            _el(
                "text",
                escape(format_number(tick, decimals)),
                class_="tick",
                x=left - 6,
                y=y + 3.5,
                text_anchor="end",
                font_size=SMALL_SIZE,
                fill=MUTED,
            )
        )
    if unit:
        parts.append(_el("text", escape(unit), class_="unit", x=left, y=top - 6, font_size=SMALL_SIZE, fill=MUTED))
    parts.append(_el("line", class_="axis", x1=left, y1=base, x2=right, y2=base, stroke=MUTED))
    return parts, scale


def _tick_label_width(ticks: list[float]) -> float:
    decimals = _tick_decimals(ticks)
    return max(_text_width(format_number(t, decimals), SMALL_SIZE) for t in ticks)


# --- charts ---------------------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    labels: list[str],
    series: Series,
    unit: str = "",
    horizontal: bool = False,
    stacked: bool = False,
    width: int = 640,
    height: int | None = None,
) -> SafeString:
    """Bars per label, one colour per series; horizontal suits long labels such as districts."""
    title, labels, series = _texts(title, labels, series)
    _clean(labels, series)
    if _is_empty(labels, series):
        return _empty(title=title, width=width, height=height or (200 if horizontal else 320))
    heading, top = _heading(title, width)
    legend, legend_height = _legend(series, kind="bar", suppressed=_has_suppressed(series), top=top, width=width)
    top += legend_height
    ticks = _value_axis_ticks(series, stacked=stacked, labels=labels)
    draw = _horizontal_bars if horizontal else _vertical_bars
    body, height = draw(
        labels=labels, series=series, unit=unit, stacked=stacked, ticks=ticks, top=top, width=width, height=height
    )
    desc = _describe(labels, series, unit)
    return _svg(title=title, desc=desc, width=width, height=height, body=[heading, legend, *body])


def _vertical_bars(*, labels, series, unit, stacked, ticks, top, width, height) -> tuple[list[str], float]:
    height = height or 320
    top += PAD + (14 if unit else 0)
    left = max(36.0, _tick_label_width(ticks) + 12)
    right = width - PAD * 2
    bottom_room = 2 * LABEL_SIZE * LINE_GAP + PAD
    # A squeezed chart grows taller rather than drawing bars in a sliver.
    height = max(height, top + bottom_room + 80)
    base = height - bottom_room
    frame, scale = _vertical_frame(ticks=ticks, top=top, left=left, right=right, base=base, unit=unit)
    band = (right - left) / len(labels)
    group = band * 0.8
    bar_width = group if stacked else group / len(series)
    bars, marks = [], []
    for i, label in enumerate(labels):
        x0 = left + i * band + band * 0.1
        stack = 0.0
        withheld = []
        for j, (name, values) in enumerate(series):
            value = values[i]
            x = x0 if stacked else x0 + j * bar_width
            if value is None:
                withheld.append((x, name))
                continue
            size = float(value) * scale
            y = base - (stack * scale) - size
            if stacked:
                stack += float(value)
            tip = _tip(label, name, _with_unit(format_number(value), unit))
            bars.append(
                _el(
                    "rect",
                    _title(tip),
                    class_="bar",
                    x=float(x),
                    y=float(y),
                    width=float(bar_width),
                    height=float(size),
                    fill=PALETTE[j],
                    stroke="#ffffff" if stacked else None,
                    stroke_width=0.5 if stacked else None,
                )
            )
            text = format_number(value)
            if not stacked and bar_width >= _text_width(text, SMALL_SIZE) + 2:
                bars.append(
                    _el(
                        "text",
                        escape(text),
                        class_="value",
                        x=float(x + bar_width / 2),
                        y=float(y - 3),
                        text_anchor="middle",
                        font_size=SMALL_SIZE,
                    )
                )
        for k, (x, name) in enumerate(withheld):
            # A withheld part of a stack has no place of its own: its mark sits on top of the known parts.
            y = base - stack * scale - 4 - k * 13 if stacked else base - 4
            marks.append(_suppressed_mark(x=x + bar_width / 2, y=y, description=_tip(label, name, _("suppressed"))))
    axis_labels = _category_labels(labels, left=left, band=band, y=base + LABEL_SIZE + 4)
    return [*frame, _el("g", "".join(bars), class_="bars"), *marks, axis_labels], height


def _horizontal_bars(*, labels, series, unit, stacked, ticks, top, width, height) -> tuple[list[str], float]:
    top += PAD / 2
    label_width = min(width * 0.35, max(_text_width(label, LABEL_SIZE) for label in labels) + PAD)
    left = PAD + max(label_width, 48) + 6
    decimals = _tick_decimals(ticks)
    known = [value for _name, values in series for value in values if value is not None]
    # Non-stacked bars carry their figure past the end; leave room for the longest.
    value_room = max((_text_width(format_number(v), SMALL_SIZE) for v in known), default=0.0)
    if stacked:
        # Stacks carry no figures, only the marks of withheld parts past their end.
        value_room = 12.0 * max(sum(values[i] is None for _name, values in series) for i in range(len(labels)))
    right = width - PAD - max(value_room + 6, _text_width(format_number(ticks[-1], decimals), SMALL_SIZE) / 2 + 2)
    bottom_room = 20 + (16 if unit else 0)
    if height is None:
        band = 24.0 if stacked else max(22.0, len(series) * 14 + 8.0)
        height = top + band * len(labels) + bottom_room
    else:
        band = max(8.0, (height - top - bottom_room) / len(labels))
        height = max(height, top + band * len(labels) + bottom_room)
    base = top + band * len(labels)
    scale = (right - left) / ticks[-1] if ticks[-1] else 0.0
    frame = []
    for tick in ticks:
        x = left + tick * scale
        frame.append(_el("line", class_="grid", x1=x, y1=top, x2=x, y2=base, stroke=GRID))
        frame.append(
            _el(
                "text",
                escape(format_number(tick, decimals)),
                class_="tick",
                x=x,
                y=base + 14,
                text_anchor="middle",
                font_size=SMALL_SIZE,
                fill=MUTED,
            )
        )
    frame.append(_el("line", class_="axis", x1=left, y1=top, x2=left, y2=base, stroke=MUTED))
    if unit:
        frame.append(
            _el(
                "text",
                escape(unit),
                class_="unit",
                x=right,
                y=base + 30,
                text_anchor="end",
                font_size=SMALL_SIZE,
                fill=MUTED,
            )
        )
    group = band * 0.8
    bar_height = group if stacked else group / len(series)
    bars, marks, names = [], [], []
    for i, label in enumerate(labels):
        y0 = top + i * band + band * 0.1
        names.append(
            _label(
                label,
                x=left - 6,
                y=top + (i + 0.5) * band,
                max_width=left - 6 - PAD,
                anchor="end",
                middle=True,
                max_lines=2 if band >= 26 else 1,
            )
        )
        stack = 0.0
        withheld = []
        for j, (name, values) in enumerate(series):
            value = values[i]
            y = y0 if stacked else y0 + j * bar_height
            if value is None:
                withheld.append((y, name))
                continue
            size = float(value) * scale
            x = left + stack * scale
            if stacked:
                stack += float(value)
            tip = _tip(label, name, _with_unit(format_number(value), unit))
            bars.append(
                _el(
                    "rect",
                    _title(tip),
                    class_="bar",
                    x=float(x),
                    y=float(y),
                    width=float(size),
                    height=float(bar_height),
                    fill=PALETTE[j],
                    stroke="#ffffff" if stacked else None,
                    stroke_width=0.5 if stacked else None,
                )
            )
            if not stacked and bar_height >= 9:
                bars.append(
                    _el(
                        "text",
                        escape(format_number(value)),
                        class_="value",
                        x=float(x + size + 4),
                        y=float(y + bar_height / 2 + 3.5),
                        font_size=SMALL_SIZE,
                    )
                )
        for k, (y, name) in enumerate(withheld):
            # A withheld part of a stack has no place of its own: its mark follows the known parts.
            x = left + stack * scale + 6 + k * 12 if stacked else left + 6
            marks.append(
                _suppressed_mark(x=x, y=y + bar_height / 2 + 4.5, description=_tip(label, name, _("suppressed")))
            )
    return [
        *frame,
        _el("g", "".join(names), class_="categories"),
        _el("g", "".join(bars), class_="bars"),
        *marks,
    ], height


def line_chart(
    *,
    title: str,
    labels: list[str],
    series: Series,
    unit: str = "",
    width: int = 640,
    height: int = 280,
    target: float | None = None,
) -> SafeString:
    """Lines over labels such as months or quarters; a gap where a figure is suppressed.

    target draws a dashed horizontal line, an action-plan target to read the trend against."""
    title, labels, series = _texts(title, labels, series)
    _clean(labels, series)
    if target is not None and (not math.isfinite(float(target)) or target < 0):
        raise ValueError(f"target {target!r}: charts draw finite, non-negative figures")
    if _is_empty(labels, series):
        return _empty(title=title, width=width, height=height)
    heading, top = _heading(title, width)
    legend, legend_height = _legend(series, kind="line", suppressed=_has_suppressed(series), top=top, width=width)
    top += legend_height + PAD + (14 if unit else 0)
    ticks = _value_axis_ticks(series, stacked=False, labels=labels, extra=float(target or 0))
    left = max(36.0, _tick_label_width(ticks) + 12)
    right = width - PAD * 2
    bottom_room = 2 * LABEL_SIZE * LINE_GAP + PAD
    height = max(height, top + bottom_room + 80)
    base = height - bottom_room
    frame, scale = _vertical_frame(ticks=ticks, top=top, left=left, right=right, base=base, unit=unit)
    band = (right - left) / len(labels)
    lines, points, marks = [], [], []
    for j, (name, values) in enumerate(series):
        commands, pen_down = [], False
        for i, value in enumerate(values):
            x = left + (i + 0.5) * band
            if value is None:
                # A gap, not a bridge: joining across it would draw a figure nobody counted.
                pen_down = False
                marks.append(_suppressed_mark(x=x, y=base - 4, description=_tip(labels[i], name, _("suppressed"))))
                continue
            y = base - float(value) * scale
            commands.append(f"{'L' if pen_down else 'M'}{_n(x)} {_n(y)}")
            pen_down = True
            tip = _tip(labels[i], name, _with_unit(format_number(value), unit))
            points.append(_el("circle", _title(tip), class_="point", cx=float(x), cy=float(y), r=3, fill=PALETTE[j]))
        if commands:
            lines.append(
                _el(
                    "path",
                    class_="line",
                    d=" ".join(commands),
                    fill="none",
                    stroke=PALETTE[j],
                    stroke_width=2,
                    stroke_linejoin="round",
                    stroke_linecap="round",
                )
            )
    overlay = []
    if target is not None:
        y = base - float(target) * scale
        caption = _("Target: %(value)s") % {"value": _with_unit(format_number(target), unit)}
        overlay.append(
            _el(
                "line",
                _title(caption),
                class_="target",
                x1=left,
                y1=y,
                x2=right,
                y2=y,
                stroke=INK,
                stroke_width=1.5,
                stroke_dasharray="6 4",
            )
        )
        overlay.append(
            _el(
                "text",
                escape(caption),
                class_="target-label",
                x=right,
                y=y - 4,
                text_anchor="end",
                font_size=SMALL_SIZE,
            )
        )
    axis_labels = _category_labels(labels, left=left, band=band, y=base + LABEL_SIZE + 4)
    desc = _describe(labels, series, unit, target)
    body = [heading, legend, *frame, *overlay, *lines, *points, *marks, axis_labels]
    return _svg(title=title, desc=desc, width=width, height=height, body=body)
