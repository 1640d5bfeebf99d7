"""The charts of the results pages and of the PDF brief: one ReportLab ``Drawing`` per chart.

Each function takes plain values (already taken from a snapshot, so already withheld where the
privacy rules say so) and returns a ``Chart`` (a ``Drawing`` that carries its title and a
one-sentence description). The PDF brief draws it as is; the web pages call ``to_svg``, which
makes ReportLab's SVG fit for inline use under the Content Security Policy (no ``style``
attributes), with ids unique per chart and an accessible name.

Rules every chart keeps:

- A missing value (None: withheld or not computable) is skipped, never drawn as 0.
- Numbers printed in a chart go through ``partnership.scoring.format``, like every page.
- Only the standard Helvetica, or DejaVu Sans when the PDF side has registered it: no
  external fonts.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from markupsafe import Markup
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Group,
    Line,
    Polygon,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib import colors
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.validators import isString
from reportlab.pdfbase import pdfmetrics

from partnership.results.chart_rows import GapRow, SplitRow  # noqa: F401 - drawn here, re-exported
from partnership.scoring.format import fmt_pct, fmt_score

ORG_COLORS = {"A": "#1f77b4", "B": "#d95f02"}
FAVORABLE = "#1e7b45"
NEUTRAL = "#b0b7c3"
UNFAVORABLE = "#b3261e"
INK = "#1b2430"
MUTED = "#5b6776"
GRID = "#d9dee5"
WITHHELD = "#eceff3"
HATCH = "#9aa3ae"
#: Line colours of the trend charts (dimensions), distinct from the two organization colours.
SERIES_COLORS = ("#1f4e79", "#7b3294", "#a6761d", "#1b9e77", "#e7298a", "#555555", "#66a61e")
SERIES_DASHES: tuple[tuple[int, ...] | None, ...] = (None, (6, 3), (2, 2), (8, 3, 2, 3), None)
#: What the SVG asks the browser for: Helvetica where installed, else a close sans-serif.
WEB_FONTS = "Helvetica, Arial, DejaVu Sans, sans-serif"
NA = "–"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Chart(Drawing):
    """A Drawing that knows its title and its one-sentence description."""

    _attrMap = AttrMap(
        BASE=Drawing,
        title=AttrMapValue(isString, desc="the chart's title"),
        desc=AttrMapValue(isString, desc="one sentence saying what the chart shows"),
    )

    def __init__(self, width: float, height: float, title: str, desc: str) -> None:
        super().__init__(width, height)
        self.title = title
        self.desc = desc


# --- helpers ------------------------------------------------------------------------------


def font(bold: bool = False) -> str:
    """DejaVu Sans when registered (the PDF brief ships it), else the built-in Helvetica."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    name = "DejaVuSans-Bold" if bold else "DejaVuSans"
    if name in registered:
        return name
    return "Helvetica-Bold" if bold else "Helvetica"


def _color(hex_value: str, alpha: float | None = None) -> colors.Color:
    c = colors.HexColor(hex_value)
    if alpha is None:
        return c
    return colors.Color(c.red, c.green, c.blue, alpha=alpha)


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float = 10,
    anchor: str = "start",
    color: str = INK,
    bold: bool = False,
) -> String:
    return String(
        x,
        y,
        _CONTROL.sub("", text),
        fontName=font(bold),
        fontSize=size,
        fillColor=_color(color),
        textAnchor=anchor,
    )


def _width(text: str, size: float = 10, bold: bool = False) -> float:
    return pdfmetrics.stringWidth(text, font(bold), size)


def _fit(text: str, max_width: float, size: float = 10, bold: bool = False) -> str:
    """Shorten a label with an ellipsis so it fits max_width points."""
    if _width(text, size, bold) <= max_width:
        return text
    while text and _width(text + "…", size, bold) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, max_width: float, size: float = 10, bold: bool = False) -> list[str]:
    """At most two lines that fit max_width; the second is shortened if needed."""
    if _width(text, size, bold) <= max_width or " " not in text:
        return [_fit(text, max_width, size, bold)]
    words = text.split()
    first = words[0]
    for k in range(1, len(words)):
        candidate = " ".join(words[: k + 1])
        if _width(candidate, size, bold) > max_width:
            break
        first = candidate
    rest = text[len(first) :].strip()
    return [_fit(first, max_width, size, bold), _fit(rest, max_width, size, bold)]


def _present(value: float | None) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def _nice_limit(values: Sequence[float | None], minimum: float = 10) -> float:
    """A symmetric axis limit: the largest magnitude rounded up to the next multiple of 5."""
    top = max([abs(v) for v in values if _present(v)] + [minimum])  # type: ignore[arg-type]
    return float(math.ceil(top / 5) * 5)


def _ticks(limit: float) -> list[float]:
    step = 5 if limit <= 20 else 10 if limit <= 50 else 25
    n = int(limit // step)
    return [k * step for k in range(-n, n + 1)]


def _legend(
    entries: Sequence[tuple[str, str, str]], x: float, y: float, max_width: float
) -> list[object]:
    """Swatches with labels, wrapping onto more lines; entry = (label, colour, marker)."""
    shapes: list[object] = []
    cx, cy = x, y
    for label, color, marker in entries:
        label = _fit(label, 160)
        w = 18 + _width(label) + 14
        if cx > x and cx + w > x + max_width:
            cx, cy = x, cy - 14
        shapes.append(_marker(marker, cx + 5, cy + 3, color))
        shapes.append(_text(cx + 13, cy, label))
        cx += w
    return shapes


def _marker(kind: str, x: float, y: float, color: str, size: float = 3.5) -> object:
    fill = _color(color)
    if kind == "square":
        return Rect(x - size, y - size, 2 * size, 2 * size, fillColor=fill, strokeColor=None)
    if kind == "diamond":
        return Polygon(
            [x, y + size + 1, x + size + 1, y, x, y - size - 1, x - size - 1, y],
            fillColor=fill,
            strokeColor=None,
        )
    if kind == "triangle":
        return Polygon(
            [x, y + size + 1, x + size + 1, y - size, x - size - 1, y - size],
            fillColor=fill,
            strokeColor=None,
        )
    if kind == "swatch":
        return Rect(x - 5, y - 4, 10, 8, fillColor=fill, strokeColor=None)
    if kind == "whisker":
        ink = _color(color)
        return Group(
            Line(x - 4, y, x + 5, y, strokeColor=ink, strokeWidth=1.2),
            Line(x - 4, y - 4, x - 4, y + 4, strokeColor=ink, strokeWidth=1.2),
            Line(x + 5, y - 4, x + 5, y + 4, strokeColor=ink, strokeWidth=1.2),
        )
    if kind == "hatched":
        g = Group(Rect(x - 5, y - 4, 10, 8, fillColor=_color(WITHHELD), strokeColor=_color(HATCH)))
        for line in _hatch(x - 5, y - 4, 10, 8, 4):
            g.add(line)
        return g
    return Circle(x, y, size, fillColor=fill, strokeColor=None)


def _hatch(x: float, y: float, w: float, h: float, step: float = 6) -> list[Line]:
    """Diagonal lines filling the rectangle (the mark of a withheld cell)."""
    lines = []
    k = -h
    while k < w:
        x0, y0 = x + k, y
        x1, y1 = x + k + h, y + h
        if x0 < x:
            y0, x0 = y + (x - x0), x
        if x1 > x + w:
            y1, x1 = y1 - (x1 - (x + w)), x + w
        if x1 > x0:
            lines.append(Line(x0, y0, x1, y1, strokeColor=_color(HATCH), strokeWidth=0.6))
        k += step
    return lines


ORG_MARKERS = {"A": "circle", "B": "square"}


# --- radar --------------------------------------------------------------------------------


def radar_chart(
    dimensions: Sequence[str],
    scores_a: Sequence[float | None],
    scores_b: Sequence[float | None],
    org_names: Mapping[str, str],
    *,
    width: float = 440,
    height: float = 360,
) -> Chart:
    """Both organizations' dimension scores S (0-100) on one radar.

    A missing score leaves its spoke empty for that organization: its outline is drawn only
    between neighbouring spokes that both have a value, so nothing suggests a 0.
    """
    names = {"A": org_names.get("A", "A"), "B": org_names.get("B", "B")}
    chart = Chart(
        width,
        height,
        title="Dimension scores of both organizations",
        desc=(
            f"Radar of the 0-100 score of {names['A']} and {names['B']} in each dimension; "
            "further out is better; a missing point means the value is withheld."
        ),
    )
    n = len(dimensions)
    cx, cy = width / 2, (height + 28) / 2
    radius = min(width / 2 - 95, (height - 28) / 2 - 28)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = math.pi / 2 - 2 * math.pi * i / max(n, 1)
        r = radius * max(0.0, min(value, 100.0)) / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    for ring in (20, 40, 60, 80, 100):
        pts = [c for i in range(n) for c in point(i, ring)]
        if n >= 3:
            chart.add(
                Polygon(
                    pts,
                    fillColor=None,
                    strokeColor=_color(GRID),
                    strokeWidth=0.8 if ring < 100 else 1.2,
                )
            )
        if n:
            lx, ly = point(0, ring)
            chart.add(_text(lx + 3, ly - 3, str(ring), size=8, color=MUTED))
    for i, label in enumerate(dimensions):
        ex, ey = point(i, 100)
        chart.add(Line(cx, cy, ex, ey, strokeColor=_color(GRID), strokeWidth=0.8))
        angle = math.pi / 2 - 2 * math.pi * i / max(n, 1)
        lx, ly = cx + (radius + 10) * math.cos(angle), cy + (radius + 10) * math.sin(angle)
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
        lines = _wrap(label, 92, bold=True)
        sin = math.sin(angle)
        # above the top spokes, below the bottom ones, centred beside the side ones
        top_y = (
            ly + 4 + 11 * (len(lines) - 1)
            if sin > 0.2
            else (ly - 11 if sin < -0.2 else ly - 3 + 5.5 * (len(lines) - 1))
        )
        for k, line in enumerate(lines):
            chart.add(_text(lx, top_y - 11 * k, line, anchor=anchor, bold=True))

    for org, scores in (("A", scores_a), ("B", scores_b)):
        color = ORG_COLORS[org]
        present = [i for i in range(n) if i < len(scores) and _present(scores[i])]
        if n >= 3 and len(present) == n:
            pts = [c for i in range(n) for c in point(i, scores[i])]  # type: ignore[arg-type]
            chart.add(
                Polygon(
                    pts,
                    fillColor=_color(color, 0.12),
                    strokeColor=_color(color),
                    strokeWidth=2,
                    strokeDashArray=None if org == "A" else [5, 2],
                )
            )
        else:
            for i in present:
                j = (i + 1) % n
                if j != i and j in present and (n >= 3 or j > i):
                    x0, y0 = point(i, scores[i])  # type: ignore[arg-type]
                    x1, y1 = point(j, scores[j])  # type: ignore[arg-type]
                    chart.add(
                        Line(
                            x0,
                            y0,
                            x1,
                            y1,
                            strokeColor=_color(color),
                            strokeWidth=2,
                            strokeDashArray=None if org == "A" else [5, 2],
                        )
                    )
        for i in present:
            x, y = point(i, scores[i])  # type: ignore[arg-type]
            chart.add(_marker(ORG_MARKERS[org], x, y, color))

    legend = [(names[o], ORG_COLORS[o], ORG_MARKERS[o]) for o in ("A", "B")]
    for shape in _legend(legend, 12, 10, width - 24):
        chart.add(shape)
    return chart


# --- gap ----------------------------------------------------------------------------------


def gap_chart(
    rows: Sequence[GapRow], org_names: Mapping[str, str] | None = None, *, width: float = 440
) -> Chart:
    """Per dimension, the gap G as a bar from 0 with its 95% interval as a whisker.

    The bar points towards the organization that scores higher and takes its colour; a
    confirmed gap (interval excluding 0, or a census) is solid, an unconfirmed one pale.
    """
    names = dict(org_names or {"A": "A", "B": "B"})
    row_h, top, bottom = 30, 16, 58
    height = top + row_h * max(len(rows), 1) + bottom
    chart = Chart(
        width,
        height,
        title="Gap between the organizations per dimension",
        desc=(
            f"Bars show {names.get('A', 'A')}'s score minus {names.get('B', 'B')}'s per "
            "dimension with the 95% interval as a line; solid bars are confirmed gaps."
        ),
    )
    left, right = 130, 96
    plot_w = width - left - right
    values: list[float | None] = []
    for r in rows:
        values += [r.gap, r.low, r.high]
    limit = _nice_limit(values)

    def x_of(v: float) -> float:
        return left + plot_w / 2 + (max(-limit, min(limit, v)) / limit) * (plot_w / 2)

    plot_top = height - top
    plot_bottom = bottom
    for t in _ticks(limit):
        x = x_of(t)
        chart.add(
            Line(
                x,
                plot_bottom,
                x,
                plot_top,
                strokeColor=_color(INK if t == 0 else GRID),
                strokeWidth=1.2 if t == 0 else 0.6,
            )
        )
        chart.add(_text(x, plot_bottom - 12, fmt_score(t, signed=True), size=8, anchor="middle"))
    # direction labels across the full width, with drawn arrowheads (Helvetica has no arrows)
    half = width / 2 - 24
    chart.add(Polygon([8, 17, 15, 21, 15, 13], fillColor=_color(ORG_COLORS["B"]), strokeColor=None))
    chart.add(_text(19, 14, f"{_fit(names.get('B', 'B'), half - 50, 8.5)} higher", size=8.5))
    end = width - 8
    chart.add(
        Polygon(
            [end, 17, end - 7, 21, end - 7, 13], fillColor=_color(ORG_COLORS["A"]), strokeColor=None
        )
    )
    chart.add(
        _text(
            end - 11,
            14,
            f"{_fit(names.get('A', 'A'), half - 50, 8.5)} higher",
            size=8.5,
            anchor="end",
        )
    )
    for k, row in enumerate(rows):
        yc = plot_top - row_h * k - row_h / 2
        chart.add(
            _text(left - 8, yc - 3, _fit(row.label, left - 14, bold=True), anchor="end", bold=True)
        )
        if not _present(row.gap):
            chart.add(_text(x_of(0) + 6, yc - 3, "not enough data", size=8, color=MUTED))
            continue
        g = float(row.gap)  # type: ignore[arg-type]
        color = ORG_COLORS["A"] if g >= 0 else ORG_COLORS["B"]
        solid = bool(row.confirmed) or bool(row.census)
        x0, x1 = sorted((x_of(0), x_of(g)))
        chart.add(
            Rect(
                x0,
                yc - 7,
                max(x1 - x0, 1),
                14,
                fillColor=_color(color, 1 if solid else 0.3),
                strokeColor=_color(color),
                strokeWidth=1,
            )
        )
        if _present(row.low) and _present(row.high) and row.low != row.high:
            lo, hi = x_of(row.low), x_of(row.high)  # type: ignore[arg-type]
            chart.add(Line(lo, yc, hi, yc, strokeColor=_color(INK), strokeWidth=1.2))
            chart.add(Line(lo, yc - 5, lo, yc + 5, strokeColor=_color(INK), strokeWidth=1.2))
            chart.add(Line(hi, yc - 5, hi, yc + 5, strokeColor=_color(INK), strokeWidth=1.2))
        status = (
            "census"
            if row.census
            else "confirmed"
            if row.confirmed
            else "not confirmed"
            if row.confirmed is not None
            else ""
        )
        chart.add(
            _text(
                width - right + 8,
                yc - 3,
                f"{fmt_score(g, signed=True)} {status}".strip(),
                size=8.5,
                bold=solid,
                color=INK if solid else MUTED,
            )
        )
    legend = [
        ("confirmed gap", ORG_COLORS["A"], "swatch"),
        ("95% interval", INK, "whisker"),
    ]
    for shape in _legend(legend, left, 30, plot_w):
        chart.add(shape)
    return chart


# --- favorable split ----------------------------------------------------------------------


def split_chart(rows: Sequence[SplitRow], *, width: float = 560) -> Chart:
    """Stacked 100% bars: favorable, neutral, unfavorable answers per dimension and org."""
    row_h, gap, top, bottom = 20, 8, 10, 36
    groups: list[list[SplitRow]] = []
    for row in rows:
        if groups and groups[-1][0].dimension == row.dimension:
            groups[-1].append(row)
        else:
            groups.append([row])
    height = top + bottom + sum(len(g) * row_h + gap for g in groups)
    chart = Chart(
        width,
        height,
        title="Favorable, neutral and unfavorable answers",
        desc=(
            "Share of answers that are favorable (green), neutral (grey) or unfavorable (red) "
            "per dimension and organization; withheld groups show no bar."
        ),
    )
    label_w = 230
    bar_x, bar_w = label_w, width - label_w - 10
    y = height - top
    for group in groups:
        for k, row in enumerate(group):
            y -= row_h
            if k == 0:
                chart.add(_text(4, y + 6, _fit(row.dimension, 118, bold=True), bold=True))
            chart.add(
                _marker(
                    ORG_MARKERS.get(row.org, "circle"), 130, y + 9, ORG_COLORS.get(row.org, INK)
                )
            )
            chart.add(_text(138, y + 6, _fit(row.org_name, label_w - 144)))
            shares = (row.favorable, row.neutral, row.unfavorable)
            if not all(_present(s) for s in shares):
                chart.add(_text(bar_x + 4, y + 6, "withheld", size=8, color=MUTED))
                chart.add(
                    Rect(bar_x, y + 2, bar_w, row_h - 4, fillColor=None, strokeColor=_color(GRID))
                )
                continue
            x: float = bar_x
            for share, color, ink in (
                (row.favorable, FAVORABLE, "#ffffff"),
                (row.neutral, NEUTRAL, INK),
                (row.unfavorable, UNFAVORABLE, "#ffffff"),
            ):
                w = bar_w * max(0.0, float(share))  # type: ignore[arg-type]
                if w > 0:
                    chart.add(
                        Rect(x, y + 2, w, row_h - 4, fillColor=_color(color), strokeColor=None)
                    )
                    if w >= 30:
                        chart.add(
                            _text(
                                x + w / 2, y + 7, fmt_pct(share), size=8, anchor="middle", color=ink
                            )
                        )
                x += w
        y -= gap
    legend = [
        ("favorable", FAVORABLE, "swatch"),
        ("neutral", NEUTRAL, "swatch"),
        ("unfavorable", UNFAVORABLE, "swatch"),
    ]
    for shape in _legend(legend, bar_x, 12, bar_w):
        chart.add(shape)
    return chart


# --- trends -------------------------------------------------------------------------------


def trend_chart(
    series: Mapping[str, Sequence[float | None]],
    labels: Sequence[str],
    *,
    metric: str = "J",
    width: float = 560,
    height: float = 280,
) -> Chart:
    """One line per dimension across the cycle labels: the joint score J (0-100) or the gap G.

    A missing value breaks the line; a lone value is a marker only.
    """
    is_gap = metric == "G"
    chart = Chart(
        width,
        height,
        title="Gap per dimension over time" if is_gap else "Joint score per dimension over time",
        desc=(
            "Gap between the organizations (first minus second) per dimension across cycles; "
            "0 means no gap."
            if is_gap
            else "Joint score (0-100) of both organizations per dimension across cycles."
        ),
    )
    names = list(series)
    legend_rows = 1 + len(names) // 4
    left, right, top, bottom = 42, 16, 14, 34 + 14 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom
    all_values = [v for vals in series.values() for v in vals]
    if is_gap:
        limit = _nice_limit(all_values)
        lo, hi = -limit, limit
        ticks = _ticks(limit)
    else:
        lo, hi = 0.0, 100.0
        ticks = [0, 20, 40, 60, 80, 100]

    def y_of(v: float) -> float:
        return bottom + (max(lo, min(hi, v)) - lo) / (hi - lo) * plot_h

    count = max(len(labels), 1)

    def x_of(i: int) -> float:
        if count == 1:
            return left + plot_w / 2
        return left + 20 + i * (plot_w - 40) / (count - 1)

    for t in ticks:
        y = y_of(t)
        chart.add(
            Line(
                left,
                y,
                left + plot_w,
                y,
                strokeColor=_color(INK if (is_gap and t == 0) else GRID),
                strokeWidth=1.1 if (is_gap and t == 0) else 0.6,
            )
        )
        chart.add(
            _text(
                left - 5,
                y - 3,
                fmt_score(t, signed=is_gap).replace(".0", ""),
                size=8,
                anchor="end",
            )
        )
    slot = (plot_w - 40) / max(count - 1, 1) if count > 1 else plot_w
    for i, label in enumerate(labels):
        chart.add(
            _text(x_of(i), bottom - 14, _fit(label, max(slot - 4, 30), 8), size=8, anchor="middle")
        )
    markers = ("circle", "square", "diamond", "triangle")
    legend = []
    for k, name in enumerate(names):
        color = SERIES_COLORS[k % len(SERIES_COLORS)]
        dash = SERIES_DASHES[k % len(SERIES_DASHES)]
        marker = markers[k % len(markers)]
        values = list(series[name])
        run: list[float] = []
        for i in range(len(labels) + 1):
            v = values[i] if i < len(values) else None
            if i < len(labels) and _present(v):
                run += [x_of(i), y_of(float(v))]  # type: ignore[arg-type]
                continue
            if len(run) >= 4:
                chart.add(
                    PolyLine(
                        run,
                        strokeColor=_color(color),
                        strokeWidth=2,
                        strokeDashArray=list(dash) if dash else None,
                    )
                )
            run = []
        for i, v in enumerate(values[: len(labels)]):
            if _present(v):
                chart.add(_marker(marker, x_of(i), y_of(float(v)), color))  # type: ignore[arg-type]
        legend.append((name, color, marker))
    for shape in _legend(legend, left, 8 + 14 * (legend_rows - 1), plot_w):
        chart.add(shape)
    return chart


# --- heatmap ------------------------------------------------------------------------------

_HEAT_STOPS = ((30.0, "#b3261e"), (60.0, "#f6f1e1"), (90.0, "#1e7b45"))


def heat_color(value: float) -> str:
    """Red (low) through pale (around 60) to green (high), as a hex colour."""
    stops = _HEAT_STOPS
    if value <= stops[0][0]:
        return stops[0][1]
    if value >= stops[-1][0]:
        return stops[-1][1]
    for (v0, c0), (v1, c1) in zip(stops, stops[1:], strict=False):
        if v0 <= value <= v1:
            t = (value - v0) / (v1 - v0)
            a, b = colors.HexColor(c0), colors.HexColor(c1)
            mix = [x + (y - x) * t for x, y in zip(a.rgb(), b.rgb(), strict=True)]
            return "#" + "".join(f"{round(m * 255):02x}" for m in mix)
    return stops[-1][1]


def _ink_for(hex_value: str) -> str:
    r, g, b = colors.HexColor(hex_value).rgb()
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return INK if luminance > 0.5 else "#ffffff"


def heatmap(
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    cell_w: float = 82,
    cell_h: float = 26,
    label_w: float = 190,
) -> Chart:
    """Scores of each row (organization x function) in each column (dimension).

    A withheld cell is grey, hatched and shows an en dash instead of a number.
    """
    top, bottom = 40, 40
    width = label_w + cell_w * max(len(cols), 1) + 10
    height = top + cell_h * max(len(rows), 1) + bottom
    chart = Chart(
        width,
        height,
        title="Scores by organization and function",
        desc=(
            "Score (0-100) of each function of each organization per dimension, red for low "
            "and green for high; hatched cells are withheld to protect small groups."
        ),
    )
    y_top = height - top
    for j, col in enumerate(cols):
        lines = _wrap(col, cell_w - 4, 8.5, bold=True)
        for k, line in enumerate(lines):
            chart.add(
                _text(
                    label_w + cell_w * j + cell_w / 2,
                    y_top + 6 + 11 * (len(lines) - 1 - k),
                    line,
                    size=8.5,
                    anchor="middle",
                    bold=True,
                )
            )
    for i, row in enumerate(rows):
        y = y_top - cell_h * (i + 1)
        chart.add(_text(label_w - 8, y + cell_h / 2 - 3, _fit(row, label_w - 12), anchor="end"))
        for j in range(len(cols)):
            x = label_w + cell_w * j
            v = values[i][j] if i < len(values) and j < len(values[i]) else None
            shown = _present(v)
            fill = heat_color(float(v)) if shown else WITHHELD  # type: ignore[arg-type]
            chart.add(
                Rect(x + 1, y + 1, cell_w - 2, cell_h - 2, fillColor=_color(fill), strokeColor=None)
            )
            if not shown:
                for line in _hatch(x + 1, y + 1, cell_w - 2, cell_h - 2):
                    chart.add(line)
            chart.add(
                _text(
                    x + cell_w / 2,
                    y + cell_h / 2 - 3,
                    fmt_score(v) if shown else NA,
                    anchor="middle",
                    color=_ink_for(fill) if shown else INK,
                )
            )
    # colour scale
    sx, sy = label_w, 12
    for k, v in enumerate(range(30, 91, 10)):
        chart.add(Rect(sx + k * 22, sy, 22, 10, fillColor=_color(heat_color(v)), strokeColor=None))
    chart.add(_text(sx - 4, sy + 1, "30", size=8, anchor="end"))
    chart.add(_text(sx + 7 * 22 + 4, sy + 1, "90", size=8))
    for shape in _legend([("withheld", WITHHELD, "hatched")], sx + 7 * 22 + 30, sy + 1, 120):
        chart.add(shape)
    return chart


# --- SVG for the web ----------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)
_URL_REF = re.compile(r"url\(#([^)]+)\)")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


class _ExactColorSVGCanvas(renderSVG.SVGCanvas):
    """ReportLab's SVG canvas, writing colours as exact hex (it truncates to whole percent,
    which turns #b3261e into #b3241c)."""

    @staticmethod
    def _hex(color: colors.Color) -> str:
        return "#" + "".join(
            f"{max(0, min(255, round(c * 255))):02x}" for c in (color.red, color.green, color.blue)
        )

    def setStrokeColor(self, color):  # noqa: N802 - ReportLab's name
        super().setStrokeColor(color)
        if color is not None:
            self.style["stroke"] = self._hex(color)

    def setFillColor(self, color):  # noqa: N802 - ReportLab's name
        super().setFillColor(color)
        if color is not None:
            self.style["fill"] = self._hex(color)


def _render_svg(drawing: Drawing) -> str:
    """renderSVG.drawToString with exact colours."""
    drawing = renderSVG.renderScaledDrawing(drawing)
    canvas = _ExactColorSVGCanvas((drawing.width, drawing.height))
    renderSVG.draw(drawing, canvas, 0, 0)
    out = io.StringIO()
    canvas.save(out)
    return out.getvalue()


def to_svg(
    drawing: Drawing, chart_id: str, *, title: str | None = None, desc: str | None = None
) -> Markup:
    """Inline SVG of a drawing, fit for a page under ``style-src 'self'``.

    ReportLab's SVG puts colours in ``style`` attributes, which the CSP blocks (a red bar turns
    black). This moves every style declaration into presentation attributes, prefixes ids
    (and the ``url(#...)`` references to them) with ``chart_id`` so two charts on one page do
    not clash, drops the XML prolog, and names the image by its <title> and <desc>.
    """
    prefix = _SAFE_ID.sub("-", chart_id) or "chart"
    raw = _render_svg(drawing)
    # Our own renderer's output, cut before its DOCTYPE: no entities to expand.
    root = ET.fromstring(raw[raw.index("<svg") :])  # noqa: S314
    title = title if title is not None else getattr(drawing, "title", "") or "Chart"
    desc = desc if desc is not None else getattr(drawing, "desc", "") or ""

    for el in root.iter():
        style = el.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                if ":" not in declaration:
                    continue
                name, value = (part.strip() for part in declaration.split(":", 1))
                if name and name not in el.attrib:
                    # ReportLab writes "fill: None"; CSS accepts it, SVG validators do not
                    el.set(name, "none" if value.lower() == "none" else value)
        if "id" in el.attrib:
            el.set("id", f"{prefix}-{el.attrib['id']}")
        for name, value in list(el.attrib.items()):
            if "url(#" in value:
                el.set(name, _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", value))
            elif name in ("href", f"{{{XLINK_NS}}}href") and value.startswith("#"):
                el.set(name, f"#{prefix}-{value[1:]}")
            elif name == "font-family":
                el.set(name, WEB_FONTS)

    for tag in ("title", "desc"):
        for old in root.findall(f"{{{SVG_NS}}}{tag}"):
            root.remove(old)
    title_el = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{prefix}-title"})
    title_el.text = title
    desc_el = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{prefix}-desc"})
    desc_el.text = desc
    root.insert(0, desc_el)
    root.insert(0, title_el)
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-title {prefix}-desc")
    root.set("class", "chart")
    root.set("id", prefix)
    return Markup(ET.tostring(root, encoding="unicode"))  # noqa: S704 - serialised by ElementTree
