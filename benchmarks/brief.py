"""PDF brief benchmark: ``render_pdf`` against a bare ReportLab document of the same content.

    .venv/bin/python benchmarks/brief.py [--rounds 5] [--respondents 200] [--cycles 8]

The brief is the sample brief (``partnership.briefs.sample``) with eight cycles of trend
history and 200 respondents per organization and cycle's worth of content: 8 functions per
organization in the heatmap, about 60 comments, every governance section filled.

- **brief**: ``render_pdf(brief)``, everything from the plain-data model to the bytes: building
  the charts (``partnership.results.charts``), formatting every number, escaping every user
  text, the tables and their styles, "Page X of Y", bookmarks and the contents' page numbers.
- **floor**: what ReportLab alone needs for the same document, written without product code:
  the same paragraphs (same text and font size), the same tables (same cells, as Paragraphs,
  same column widths), drawings of the same size with the same number of shapes, the same page
  breaks, DejaVu Sans embedded the same way, a plain "Page N" footer, ``invariant=1``. Its
  input is taken from the brief's story before timing starts, so building it costs the floor
  nothing.

Each round renders both (alternating which goes first), after one warm-up render of each that
parses the fonts. It prints the median time of each, the pages, the sizes and the ratio
brief / floor (goal: at most 3x). A benchmark reports; it never fails a build.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

GOAL = 3.0
FONT_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "partnership", "fonts"
)


# --- the floor's input: the brief's content as plain values ----------------------------------


@dataclass(frozen=True)
class Block:
    kind: str  # "text" | "table" | "drawing" | "break" | "cond" | "space"
    text: str = ""
    size: float = 9.0
    bold: bool = False
    cells: tuple[tuple[str, ...], ...] = ()
    widths: tuple[float, ...] = ()
    width: float = 0
    height: float = 0
    shapes: int = 0


def _count_shapes(node: Any) -> int:
    if isinstance(node, Group):
        return sum(_count_shapes(c) for c in node.contents)
    return 1


def _plain(cell: Any) -> str:
    if isinstance(cell, Paragraph):
        return cell.getPlainText()
    if isinstance(cell, list | tuple):
        return "\n".join(_plain(c) for c in cell)
    return "" if cell is None else str(cell)


def content_of(story: list[Any]) -> list[Block]:
    """The brief's story as plain blocks (taken before timing; the floor never sees product
    objects)."""
    blocks: list[Block] = []
    for f in story:
        if isinstance(f, KeepTogether):
            blocks += content_of(f._content)
        elif isinstance(f, Drawing):
            scale = getattr(f, "renderScale", 1.0) or 1.0
            blocks.append(
                Block(
                    "drawing",
                    width=f.width * scale,
                    height=f.height * scale,
                    shapes=_count_shapes(f),
                )
            )
        elif isinstance(f, Table):
            cells = tuple(tuple(_plain(c) for c in row) for row in f._cellvalues)
            blocks.append(Block("table", cells=cells, widths=tuple(f._colWidths)))
        elif isinstance(f, Paragraph):
            style = f.style
            blocks.append(Block("text", _plain(f), style.fontSize, bold="Bold" in style.fontName))
        elif isinstance(f, PageBreak):
            blocks.append(Block("break"))
        elif isinstance(f, CondPageBreak):
            blocks.append(Block("cond", height=f.height))
        elif isinstance(f, Spacer):
            blocks.append(Block("space", height=f.height))
        elif type(f).__name__ == "_ContentsLine":
            blocks.append(Block("text", f.title, 10.5))
    return blocks


# --- the floor: ReportLab alone ----------------------------------------------------------------


def register_floor_fonts() -> None:
    for name, file in (("FloorSans", "DejaVuSans.ttf"), ("FloorSans-Bold", "DejaVuSans-Bold.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, os.path.join(FONT_DIR, file)))


def floor_pdf(blocks: list[Block]) -> bytes:
    """The same content with the least ReportLab needs: no model, no formatter, no charts
    library, no deferred page numbering."""
    styles: dict[tuple[float, bool], ParagraphStyle] = {}

    def style(size: float, bold: bool) -> ParagraphStyle:
        key = (size, bold)
        if key not in styles:
            styles[key] = ParagraphStyle(
                f"s{len(styles)}",
                fontName="FloorSans-Bold" if bold else "FloorSans",
                fontSize=size,
                leading=size * 1.3,
            )
        return styles[key]

    cell_style = style(8, False)
    story: list[Flowable] = []
    for b in blocks:
        if b.kind == "text":
            story.append(
                Paragraph(b.text.replace("&", "&amp;").replace("<", "&lt;"), style(b.size, b.bold))
            )
        elif b.kind == "table":
            data = [
                [
                    Paragraph(c.replace("&", "&amp;").replace("<", "&lt;"), cell_style) if c else ""
                    for c in row
                ]
                for row in b.cells
            ]
            t = Table(data, colWidths=list(b.widths), repeatRows=1)
            t.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, 0), (-1, -1), "FloorSans", 8),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(t)
        elif b.kind == "drawing":
            d = Drawing(b.width, b.height)
            for k in range(b.shapes):
                x, y = (k * 7) % max(b.width - 20, 1), (k * 13) % max(b.height - 10, 1)
                if k % 3 == 0:
                    d.add(Rect(x, y, 10, 6, fillColor=colors.lightblue, strokeColor=None))
                elif k % 3 == 1:
                    d.add(Line(x, y, x + 12, y + 4, strokeColor=colors.grey))
                else:
                    d.add(String(x, y, "64.2", fontName="FloorSans", fontSize=8))
            story.append(d)
        elif b.kind == "break":
            story.append(PageBreak())
        elif b.kind == "cond":
            story.append(CondPageBreak(b.height))
        elif b.kind == "space":
            story.append(Spacer(1, b.height))

    def footer(canv: Any, doc: Any) -> None:
        canv.setFont("FloorSans", 7.5)
        canv.drawRightString(A4[0] - 18 * mm, 8 * mm, f"Page {doc.page}")

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=24 * mm,
        bottomMargin=18 * mm,
        invariant=1,
        initialFontName="FloorSans",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


# --- the run ---------------------------------------------------------------------------------


def pages_of(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=8)
    args = parser.parse_args()

    from partnership.briefs.render import _Builder, register_fonts, render_pdf
    from partnership.briefs.sample import build_sample

    brief = build_sample(cycles=args.cycles, respondents=args.respondents, functions=8).brief
    register_fonts()
    blocks = content_of(_Builder(brief).build())
    register_floor_fonts()
    product, floor = render_pdf(brief), floor_pdf(blocks)  # warm-up: fonts parsed, caches filled

    times: dict[str, list[float]] = {"brief": [], "floor": []}
    for k in range(args.rounds):
        order = ("brief", "floor") if k % 2 == 0 else ("floor", "brief")
        for name in order:
            start = time.perf_counter()
            out = render_pdf(brief) if name == "brief" else floor_pdf(blocks)
            times[name].append(time.perf_counter() - start)
            if name == "brief":
                assert out == product, "the brief must be byte-identical run after run"
    brief_s, floor_s = statistics.median(times["brief"]), statistics.median(times["floor"])
    tables = sum(1 for b in blocks if b.kind == "table")
    drawings = sum(1 for b in blocks if b.kind == "drawing")
    cells = sum(len(r) for b in blocks if b.kind == "table" for r in b.cells)
    print(
        f"content: {args.cycles} cycles, {args.respondents} respondents per organization, "
        f"{tables} tables ({cells} cells), {drawings} charts"
    )
    print(
        f"brief  {brief_s * 1000:8.1f} ms  {pages_of(product):3d} pages  {len(product) / 1024:7.1f} KiB"
        f"   (median of {args.rounds}; min {min(times['brief']) * 1000:.1f} ms)"
    )
    print(
        f"floor  {floor_s * 1000:8.1f} ms  {pages_of(floor):3d} pages  {len(floor) / 1024:7.1f} KiB"
        f"   (median of {args.rounds}; min {min(times['floor']) * 1000:.1f} ms)"
    )
    ratio = brief_s / floor_s
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"ratio brief / floor: {ratio:.2f}x ({verdict} the goal of at most {GOAL:g}x)")


if __name__ == "__main__":
    main()
