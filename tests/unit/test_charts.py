"""Charts: ReportLab Drawings for the PDF, inline SVG for the pages (under the CSP)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from reportlab.graphics import renderPDF

from partnership.results import charts
from partnership.results.charts import GapRow, SplitRow

SVG = "{http://www.w3.org/2000/svg}"
NAMES = {"A": "Alpha Software", "B": "Müller & <Söhne>"}
DIMS = [
    "Cultural alignment",
    "Market alignment",
    "Execution alignment",
    "Governance",
    "Communication",
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def rgb(value: str | None) -> tuple[int, int, int] | None:
    """A colour attribute (#rrggbb) as 0..255 components."""
    if not value or not re.fullmatch(r"#[0-9a-f]{6}", value.strip()):
        return None
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))


def same_color(value: str | None, hex_value: str) -> bool:
    """Exactly the palette colour (ReportLab's own SVG would truncate it to whole percent)."""
    return value is not None and value.lower() == hex_value.lower()


def filled(root: ET.Element, hex_value: str, tag: str | None = None) -> list[ET.Element]:
    return [
        el
        for el in root.iter()
        if (tag is None or el.tag == SVG + tag) and same_color(el.get("fill"), hex_value)
    ]


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(SVG + "text")]


def all_charts() -> list[charts.Chart]:
    return [
        charts.radar_chart(DIMS, [70, 65, 80, 55, 60], [60, None, 40, 50, 66], NAMES),
        charts.gap_chart(
            [GapRow("Cultural", 10, 2, 18, True, False), GapRow("Market", None)], NAMES
        ),
        charts.split_chart(
            [
                SplitRow("Cultural", "A", NAMES["A"], 0.6, 0.2, 0.2),
                SplitRow("Cultural", "B", NAMES["B"], None, None, None),
            ]
        ),
        charts.trend_chart(
            {"Cultural": [70, None, 60], "Market": [55, 58, 61]}, ["Q1", "Q2", "Q3"]
        ),
        charts.trend_chart({"Cultural": [4, -6, None]}, ["Q1", "Q2", "Q3"], metric="G"),
        charts.heatmap(
            ["Alpha · sales", "Müller · sales"], ["Cultural", "Market"], [[70, None], [None, 30]]
        ),
    ]


@pytest.mark.parametrize("index", range(6))
def test_svg_fits_the_csp_and_names_itself(index):
    chart = all_charts()[index]
    svg = str(charts.to_svg(chart, f"c{index}"))

    assert svg.startswith("<svg") and "<?xml" not in svg and "DOCTYPE" not in svg
    assert "style=" not in svg
    root = parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.get("id") == title_id and title.text == chart.title
    assert desc is not None and desc.get("id") == desc_id and desc.text and desc.text.endswith(".")
    # colours survive as presentation attributes (a style attribute would be blocked)
    assert any(rgb(el.get("fill")) for el in root.iter())


def test_ids_are_unique_across_two_charts_on_one_page():
    first = str(charts.to_svg(all_charts()[0], "chart-radar"))
    second = str(charts.to_svg(all_charts()[1], "chart-gap"))
    page = f"<div>{first}{second}</div>"
    root = parse(page)

    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)) > 4
    references = re.findall(r"url\(#([^)]+)\)", page)
    assert references and set(references) <= set(ids)
    for svg, prefix in ((first, "chart-radar"), (second, "chart-gap")):
        assert all(i.startswith(prefix) for i in re.findall(r'id="([^"]+)"', svg))


def test_radar_skips_a_missing_score_instead_of_drawing_zero():
    with_gap = parse(str(charts.to_svg(all_charts()[0], "r1")))
    complete = parse(
        str(charts.to_svg(charts.radar_chart(DIMS, [70] * 5, [60, 50, 40, 50, 66], NAMES), "r2"))
    )

    # B's markers are squares: 4 of 5 spokes (+1 in the legend); no closed outline for B
    assert len(filled(with_gap, charts.ORG_COLORS["B"], "rect")) == 4 + 1
    assert len(filled(complete, charts.ORG_COLORS["B"], "rect")) == 5 + 1
    b_outline = [
        p
        for p in with_gap.iter(SVG + "polygon")
        if same_color(p.get("stroke"), charts.ORG_COLORS["B"])
    ]
    assert b_outline == []
    assert [
        p
        for p in complete.iter(SVG + "polygon")
        if same_color(p.get("stroke"), charts.ORG_COLORS["B"])
    ]
    # the names are escaped text, not markup
    assert "Müller & <Söhne>" in texts(with_gap)


def test_gap_chart_draws_no_bar_for_a_withheld_gap():
    root = parse(str(charts.to_svg(all_charts()[1], "g")))

    bars = filled(root, charts.ORG_COLORS["A"], "rect")
    # one bar (Cultural) plus the legend swatch; Market has none
    assert len(bars) == 2
    assert "not enough data" in texts(root)
    assert "+10.0 confirmed" in texts(root)


def test_split_chart_shows_no_share_for_a_withheld_group():
    root = parse(str(charts.to_svg(all_charts()[2], "s")))

    assert texts(root).count("withheld") == 1
    assert [t for t in texts(root) if t.endswith("%")] == ["60%", "20%", "20%"]
    # one red segment (A) plus the legend swatch
    assert len(filled(root, charts.UNFAVORABLE, "rect")) == 2


def test_trend_chart_breaks_the_line_at_a_missing_value():
    root = parse(str(charts.to_svg(all_charts()[3], "t")))

    lines = [
        el
        for el in root.iter()
        if el.tag in (SVG + "polyline", SVG + "path") and el.get("fill") == "none"
    ]
    cultural = charts.SERIES_COLORS[0]
    # Cultural has two values with a gap between them: markers only, no connecting line
    assert not [
        el for el in lines if same_color(el.get("stroke"), cultural) and el.tag == SVG + "polyline"
    ]
    assert len(filled(root, cultural, "circle")) == 2 + 1  # two points + legend
    market = charts.SERIES_COLORS[1]
    assert [el for el in lines if same_color(el.get("stroke"), market)]


def test_heatmap_marks_withheld_cells_with_a_dash_and_no_number():
    root = parse(str(charts.to_svg(all_charts()[5], "h")))

    words = texts(root)
    assert words.count("–") == 2
    assert "70.0" in words and "30.0" in words
    assert len(filled(root, charts.WITHHELD, "rect")) == 2 + 1  # two cells + legend


def test_every_chart_also_renders_to_pdf():
    for chart in all_charts():
        assert renderPDF.drawToString(chart).startswith(b"%PDF")
