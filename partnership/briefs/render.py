"""Render a ``Brief`` (``partnership.briefs.model``) to PDF bytes with ReportLab platypus.

No Flask, no database (an import-linter contract keeps it so): the brief arrives as plain data
and leaves as bytes. What the document promises its readers, and how this module keeps it:

- **One formatter.** Every number goes through ``partnership.scoring.format``; the charts are
  the results pages' own drawings (``partnership.briefs.figures``), which format the same way.
- **Withheld means absent.** A withheld value is ``Reported(None, reason)`` in the model; a
  table prints an en dash and, under the table, the reasons in words. There is no value to
  leak.
- **User text is text.** Names, comments, titles and notes are escaped
  (``xml.sax.saxutils.escape``) before they reach a Paragraph, so ``<font size=40>`` in a comment
  prints as those characters. Control characters are dropped.
- **Unicode.** DejaVu Sans (shipped in ``partnership/fonts`` with its licence) is embedded, for
  Łódź, São Paulo, Müller and Zoë alike, in the text and in the charts.
- **Deterministic.** ``invariant=1`` (fixed creation date and document id), dates only from the
  model's ``as_of``, every collection in the model's order: the same brief gives the same bytes
  in any process.
- **A document to navigate.** "Page X of Y" and running header and footer on every page, an
  outline entry (bookmark) per section, a contents list with page numbers on the cover, title,
  author, subject and language (en) in the metadata.

"Page X of Y" and the contents' page numbers are known only when every page is laid out: the
canvas keeps the pages until ``save`` and writes them then (ReportLab's NumberedCanvas
pattern), with the bookmarks replayed on the page they belong to. One layout pass, no second
build.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from partnership import timefmt
from partnership.briefs import figures
from partnership.briefs.model import (
    ActionLine,
    Brief,
    DecisionRequest,
    DimensionResult,
    GapProgress,
    KpiLine,
    Records,
    Reported,
    SignalLine,
    SingleItem,
)
from partnership.results import charts
from partnership.results.presenters import _agreement_reading, reason_text
from partnership.scoring.format import NA, fmt_number, fmt_pct, fmt_score, fmt_stat

__all__ = ["FONT_DIR", "SECTIONS", "register_fonts", "render_pdf"]

#: The brief's sections in print order: (bookmark key, title). One outline entry each.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("cover", "Cover"),
    ("summary", "Summary"),
    ("scores", "Scores"),
    ("trends", "Trends"),
    ("heatmap", "Organization × function"),
    ("plan_check", "Plan and execution check"),
    ("kpis", "KPIs: local against shared"),
    ("stages", "Stage status"),
    ("actions", "Actions"),
    ("escalations", "Escalations"),
    ("decisions", "Decisions since the last brief"),
    ("lessons", "Lessons"),
    ("appendix", "Appendix"),
    ("method", "Method note"),
)
_TITLES = dict(SECTIONS)

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
_FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
}
_font_lock = threading.Lock()

# The results pages' palette (charts.py and app.css), so the brief and the web read alike.
INK = colors.HexColor(charts.INK)
MUTED = colors.HexColor(charts.MUTED)
GRID = colors.HexColor(charts.GRID)
BRAND = colors.HexColor("#1f4e79")
HEAD_BG = colors.HexColor("#eef1f5")
SHARED_BG = colors.HexColor("#f5f7fa")
ORG_COLORS = {k: colors.HexColor(v) for k, v in charts.ORG_COLORS.items()}
ORG_MARKERS = {"A": "●", "B": "■"}  # the charts' circle and square (charts.ORG_MARKERS)
#: (text colour, background) per health or severity, as the web's badges.
BADGES = {
    "green": (colors.HexColor(charts.FAVORABLE), colors.HexColor("#dff3e6")),
    "amber": (colors.HexColor("#9a6200"), colors.HexColor("#fdf0d5")),
    "red": (colors.HexColor(charts.UNFAVORABLE), colors.HexColor("#fbe1df")),
    "not_enough_data": (MUTED, colors.HexColor("#eceff3")),
}
HEALTH_WORDS = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "not_enough_data": "Not enough data",
}

PAGE_W, PAGE_H = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 18 * mm
WIDTH = PAGE_W - 2 * MARGIN_X
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- fonts ----------------------------------------------------------------------------------


def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold, oblique) with ReportLab, once per process.

    The charts pick it up too (``charts.font`` uses DejaVu Sans once registered), so the
    brief's drawings embed the same font as its text.
    """
    with _font_lock:
        known = set(pdfmetrics.getRegisteredFontNames())
        for name, filename in _FONT_FILES.items():
            if name not in known:
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD
        )


# --- text -----------------------------------------------------------------------------------


class _Safe(str):
    """Markup this module wrote itself; everything else is escaped."""


def _esc(text: object) -> str:
    """User text as Paragraph-safe markup: escaped, control characters dropped, line breaks
    kept."""
    return escape(_CONTROL.sub("", str(text))).replace("\n", "<br/>")


def _m(*parts: object) -> _Safe:
    return _Safe("".join(p if isinstance(p, _Safe) else _esc(p) for p in parts))


def _b(text: object) -> _Safe:
    return _Safe(f"<b>{_esc(text)}</b>")


def _i(text: object) -> _Safe:
    return _Safe(f"<i>{_esc(text)}</i>")


def _c(text: object, color: colors.Color, bold: bool = False) -> _Safe:
    inner = f"<b>{_esc(text)}</b>" if bold else _esc(text)
    return _Safe(f'<font color="{_hex(color)}">{inner}</font>')


def _plain(text: str) -> str:
    """Text for the canvas (header, footer): no markup involved, control characters dropped."""
    return _CONTROL.sub("", text)


def _fit(text: str, width: float, font: str, size: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body",
        fontName=FONT,
        fontSize=9,
        leading=12.5,
        textColor=INK,
        spaceAfter=4,
        allowWidows=0,
        allowOrphans=0,
    )
    s = {"body": base}
    s["muted"] = ParagraphStyle("muted", base, textColor=MUTED, fontSize=8, leading=10.5)
    s["note"] = ParagraphStyle("note", s["muted"], spaceBefore=2, spaceAfter=8)
    s["h1"] = ParagraphStyle(
        "h1",
        base,
        fontName=FONT_BOLD,
        fontSize=16,
        leading=20,
        textColor=BRAND,
        spaceBefore=16,
        spaceAfter=8,
        keepWithNext=1,
    )
    s["h2"] = ParagraphStyle(
        "h2",
        base,
        fontName=FONT_BOLD,
        fontSize=11.5,
        leading=15,
        spaceBefore=10,
        spaceAfter=5,
        keepWithNext=1,
    )
    s["h3"] = ParagraphStyle(
        "h3",
        base,
        fontName=FONT_BOLD,
        fontSize=9.5,
        leading=13,
        spaceBefore=6,
        spaceAfter=3,
        keepWithNext=1,
    )
    s["intro"] = ParagraphStyle("intro", base, keepWithNext=1)
    s["cell"] = ParagraphStyle("cell", base, fontSize=8, leading=10, spaceAfter=0)
    s["cell_b"] = ParagraphStyle("cell_b", s["cell"], fontName=FONT_BOLD)
    s["cell_muted"] = ParagraphStyle("cell_muted", s["cell"], textColor=MUTED, fontSize=7.5)
    s["num"] = ParagraphStyle("num", s["cell"], alignment=TA_RIGHT)
    s["num_b"] = ParagraphStyle("num_b", s["num"], fontName=FONT_BOLD)
    s["num_muted"] = ParagraphStyle("num_muted", s["cell_muted"], alignment=TA_RIGHT)
    s["head"] = ParagraphStyle("head", s["cell"], fontName=FONT_BOLD, fontSize=7.5, leading=9.5)
    s["head_num"] = ParagraphStyle("head_num", s["head"], alignment=TA_RIGHT)
    s["head_c"] = ParagraphStyle("head_c", s["head"], alignment=TA_CENTER)
    s["center"] = ParagraphStyle("center", s["cell"], alignment=TA_CENTER)
    s["comment"] = ParagraphStyle(
        "comment", base, leftIndent=10, firstLineIndent=-10, spaceAfter=3, fontSize=8.5
    )
    s["cover_title"] = ParagraphStyle(
        "cover_title", base, fontName=FONT_BOLD, fontSize=24, leading=30, spaceAfter=10
    )
    s["cover_sub"] = ParagraphStyle(
        "cover_sub", base, fontSize=13, leading=18, textColor=BRAND, spaceAfter=14
    )
    s["cover"] = ParagraphStyle("cover", base, fontSize=10.5, leading=15, spaceAfter=3)
    s["badge"] = ParagraphStyle(
        "badge", base, fontName=FONT_BOLD, fontSize=8, leading=10, alignment=TA_CENTER
    )
    s["badge_big"] = ParagraphStyle(
        "badge_big", base, fontName=FONT_BOLD, fontSize=13, leading=16, alignment=TA_CENTER
    )
    return s


# --- canvas: page X of Y, bookmarks, contents -----------------------------------------------


class _BriefCanvas(Canvas):
    """Keeps every page until ``save``, then writes "Page X of Y", the bookmarks and outline
    entries of the sections that start on each page, and the contents' page numbers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept_pages: list[dict[str, Any]] = []
        self._sections: list[tuple[str, str]] = []
        self._toc_slots: list[tuple[str, float, float]] = []

    def mark_section(self, key: str, title: str) -> None:
        self._sections.append((key, title))

    def toc_slot(self, key: str, x: float, y: float) -> None:
        self._toc_slots.append((key, x, y))

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._kept_pages.append(dict(self.__dict__))
        self._sections = []
        self._toc_slots = []
        self._startPage()

    def save(self) -> None:
        total = len(self._kept_pages)
        page_of: dict[str, int] = {}
        for number, state in enumerate(self._kept_pages, 1):
            for key, _ in state["_sections"]:
                page_of.setdefault(key, number)
        for number, state in enumerate(self._kept_pages, 1):
            self.__dict__.update(state)
            for key, title in self._sections:
                self.bookmarkPage(key)
                self.addOutlineEntry(title, key, level=0, closed=None)
            self.saveState()
            self.setFont(FONT, 10.5)
            self.setFillColor(INK)
            for key, x, y in self._toc_slots:
                if key in page_of:
                    self.drawRightString(x, y, str(page_of[key]))
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawRightString(
                PAGE_W - MARGIN_X, MARGIN_BOTTOM - 10 * mm, f"Page {number} of {total}"
            )
            self.restoreState()
            super().showPage()
        self.showOutline()
        super().save()


class _SectionStart(Flowable):
    """Zero-size marker: the section named here starts on the page where it is drawn."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.section = (key, _TITLES[key])

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return 0, 0

    def draw(self) -> None:
        pass


class _Heading(Paragraph):
    """A section title that marks its page for the bookmark and the contents."""

    def __init__(self, key: str, style: ParagraphStyle) -> None:
        super().__init__(_esc(_TITLES[key]), style)
        self.section = (key, _TITLES[key])


class _ContentsLine(Flowable):
    """A line of the cover's contents; the canvas writes its page number at save."""

    def __init__(self, key: str, title: str) -> None:
        super().__init__()
        self.key, self.title = key, title
        self.height = 17.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        return availWidth, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.setFont(FONT, 10.5)
        canv.setFillColor(INK)
        canv.drawString(0, 4, self.title)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.6)
        canv.setDash(1, 2.5)
        start = pdfmetrics.stringWidth(self.title, FONT, 10.5) + 6
        canv.line(start, 4, self.width - 22, 4)
        canv.setDash()
        x, y = canv.absolutePosition(self.width, 4)
        canv.toc_slot(self.key, x, y)


class _BriefDoc(BaseDocTemplate):
    def __init__(self, buf: io.BytesIO, brief: Brief) -> None:
        cover = brief.cover
        super().__init__(
            buf,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=_plain(f"Steering committee brief: {cover.partnership}, {cover.cycle_label}"),
            author=_plain(cover.author),
            subject=_plain(
                f"{cover.organizations[0].name} and {cover.organizations[1].name}: "
                f"alignment results and governance, cycle {cover.cycle_label}"
            ),
            creator="Partnership Pulse",
            keywords=["steering committee brief", _plain(cover.cycle_label)],
            lang="en",
            invariant=1,
            initialFontName=FONT,
        )
        self.brief = brief
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates(
            [
                PageTemplate("cover", [frame], onPage=self._cover_page),
                PageTemplate("body", [frame], onPage=self._body_page),
            ]
        )

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - ReportLab's name
        section = getattr(flowable, "section", None)
        if section is not None:
            self.canv.mark_section(*section)

    def _footer(self, canv: Canvas) -> None:
        cover = self.brief.cover
        canv.setFont(FONT, 7.5)
        canv.setFillColor(MUTED)
        text = f"{cover.confidentiality} · as of {timefmt.short_date(cover.as_of, cover.time_zone)}"
        canv.drawString(
            MARGIN_X, MARGIN_BOTTOM - 10 * mm, _fit(_plain(text), WIDTH - 80, FONT, 7.5)
        )

    def _cover_page(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        canv.saveState()
        canv.setFillColor(BRAND)
        canv.rect(0, PAGE_H - 14 * mm, PAGE_W, 14 * mm, stroke=0, fill=1)
        canv.setFillColor(colors.white)
        canv.setFont(FONT_BOLD, 10)
        canv.drawString(MARGIN_X, PAGE_H - 9 * mm, "Partnership Pulse")
        canv.setFont(FONT, 10)
        canv.drawRightString(PAGE_W - MARGIN_X, PAGE_H - 9 * mm, "Steering committee brief")
        self._footer(canv)
        canv.restoreState()

    def _body_page(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        cover = self.brief.cover
        canv.saveState()
        y = PAGE_H - 13 * mm
        right = f"Steering committee brief · {_plain(cover.cycle_label)}"
        right_w = pdfmetrics.stringWidth(right, FONT, 7.5)
        canv.setFont(FONT_BOLD, 7.5)
        canv.setFillColor(INK)
        canv.drawString(
            MARGIN_X, y, _fit(_plain(cover.partnership), WIDTH - right_w - 12, FONT_BOLD, 7.5)
        )
        canv.setFont(FONT, 7.5)
        canv.setFillColor(MUTED)
        canv.drawRightString(PAGE_W - MARGIN_X, y, right)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.6)
        canv.line(MARGIN_X, y - 4, PAGE_W - MARGIN_X, y - 4)
        self._footer(canv)
        canv.restoreState()


# --- tables ---------------------------------------------------------------------------------


class _Reasons:
    """The reasons of the withheld values printed in one table, in first-seen order."""

    def __init__(self, min_group: int) -> None:
        self.min_group = min_group
        self.seen: dict[str, None] = {}
        self.indicative = False

    def words(self, code: str | None) -> str:
        return reason_text(code, self.min_group)

    def show(
        self,
        rep: Reported[Any],
        fmt: Callable[[Any], str] = fmt_score,
        *,
        indicative: bool = False,
    ) -> str:
        if rep.value is None:
            self.seen.setdefault(rep.reason or "not_computable", None)
            return NA
        if indicative:
            self.indicative = True
            return fmt(rep.value) + "*"
        return fmt(rep.value)

    def note(self) -> str | None:
        parts = [f"{NA} {self.words(code)}" for code in self.seen]
        if self.indicative:
            parts.append(
                "* indicative: a group of 3 or 4 people, shown because a coach lowered the "
                "threshold"
            )
        return "; ".join(parts) + "." if parts else None


def _count(n: int) -> str:
    return f"{n:,}"


class _Builder:
    """Builds the story (flowables) of one brief."""

    def __init__(self, brief: Brief) -> None:
        self.brief = brief
        self.s = _styles()
        self.story: list[Flowable] = []
        self.min_group = brief.method.min_group
        self.names = {o.letter: o.name for o in brief.organizations}

    # helpers --------------------------------------------------------------------------------

    def add(self, *flowables: Flowable) -> None:
        self.story.extend(flowables)

    def p(self, text: object, style: str = "body") -> Paragraph:
        return Paragraph(text if isinstance(text, _Safe) else _esc(text), self.s[style])

    def reasons(self) -> _Reasons:
        return _Reasons(self.min_group)

    def section(self, key: str, *, new_page: bool = False, need: float = 150) -> None:
        """Start a section: on a new page, or on this one when ``need`` points are left."""
        if new_page:
            self.add(PageBreak())
        else:
            self.add(CondPageBreak(need))
        self.add(_Heading(key, self.s["h1"]))

    def h2(self, text: str) -> None:
        self.add(CondPageBreak(90), self.p(text, "h2"))

    def none_yet(self, what: str = "None recorded yet.") -> None:
        self.add(self.p(what, "muted"), Spacer(1, 4))

    def has_items(self, records: Records[Any], empty: str) -> bool:
        """True when there is something to list; else says "None recorded yet." (never
        recorded) or ``empty`` (nothing in this period)."""
        if records.none_recorded_yet:
            self.none_yet()
        elif not records.items:
            self.none_yet(empty)
        return bool(records.items)

    def note(self, reasons: _Reasons, extra: str | None = None) -> None:
        text = " ".join(t for t in (reasons.note(), extra) if t)
        if text:
            self.add(self.p(text, "note"))

    def table(
        self,
        rows: Sequence[Sequence[object]],
        widths: Sequence[float],
        extra: Iterable[tuple[Any, ...]] = (),
        *,
        header_rows: int = 1,
    ) -> Table:
        scale = WIDTH / sum(widths) if sum(widths) > WIDTH else 1.0
        table = Table(
            [list(r) for r in rows],
            colWidths=[w * scale for w in widths],
            repeatRows=header_rows,
            hAlign="LEFT",
        )
        style: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), FONT, 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEBELOW", (0, header_rows), (-1, -1), 0.4, GRID),
        ]
        if header_rows:
            style += [
                ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG),
                ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, MUTED),
                ("VALIGN", (0, 0), (-1, header_rows - 1), "BOTTOM"),
            ]
        style += list(extra)
        table.setStyle(TableStyle(style))
        return table

    def head(self, *labels: str, numeric_from: int | None = None) -> list[Paragraph]:
        return [
            self.p(
                label,
                "head_num" if numeric_from is not None and k >= numeric_from else "head",
            )
            for k, label in enumerate(labels)
        ]

    def badge(self, code: str, text: str | None = None, big: bool = False) -> Paragraph:
        """A health or severity word in its colour; ``badge_style`` gives the cell its
        background."""
        ink, _ = BADGES.get(code, BADGES["not_enough_data"])
        label = text or HEALTH_WORDS.get(code, code.replace("_", " ").capitalize())
        return Paragraph(_c(label, ink, bold=True), self.s["badge_big" if big else "badge"])

    @staticmethod
    def badge_style(col: int, row: int, code: str) -> list[tuple[Any, ...]]:
        _, bg = BADGES.get(code, BADGES["not_enough_data"])
        return [("BACKGROUND", (col, row), (col, row), bg)]

    def chart(self, drawing: Drawing) -> Drawing:
        # the renderer starts every drawing in its default font (Helvetica, not embedded)
        drawing.initialFontName = FONT
        if drawing.width > WIDTH:
            drawing.renderScale = WIDTH / drawing.width
        drawing.hAlign = "CENTER"
        return drawing

    def org_head(self, letter: str) -> _Safe:
        """The organization's name after its marker in its colour, as in the charts' legends."""
        marker = ORG_MARKERS[letter]
        return _m(
            _Safe(f'<font color="{_hex(ORG_COLORS[letter])}">{marker}</font> '), self.names[letter]
        )

    # sections -------------------------------------------------------------------------------

    def build(self) -> list[Flowable]:
        self.cover()
        self.add(NextPageTemplate("body"), PageBreak())
        self.summary()
        self.scores()
        self.trends()
        self.heatmap()
        self.plan_check()
        self.kpis()
        self.stages()
        self.actions()
        self.escalations()
        self.decisions()
        self.lessons()
        self.appendix()
        self.method()
        return self.story

    def cover(self) -> None:
        c = self.brief.cover
        a, b = c.organizations
        self.add(_SectionStart("cover"), Spacer(1, 22 * mm))
        self.add(self.p(_m(_Safe("<b>"), c.partnership, _Safe("</b>")), "cover_title"))
        self.add(self.p(f"Steering committee brief · Cycle {c.cycle_label}", "cover_sub"))
        self.add(self.p(_m("Between ", self.org_head("A"), " and ", self.org_head("B")), "cover"))
        self.add(self.p(_m("As of ", _b(timefmt.long_when(c.as_of, c.time_zone))), "cover"))
        since = (
            f"Since the last brief of {timefmt.long_when(c.previous_as_of, c.time_zone)}"
            if c.previous_as_of is not None
            else "The first brief of this partnership: it covers everything recorded so far."
        )
        self.add(self.p(since, "cover"), self.p(f"Prepared by {c.author}", "cover"))
        self.add(Spacer(1, 10 * mm))
        notice = self.table(
            [
                [
                    self.p(
                        _m(
                            _b(c.confidentiality.upper()),
                            f" · For the steering committee of {a.name} and {b.name}. Results "
                            f"are shown only for groups of at least {self.min_group} people; "
                            "no answer can be traced to a person. Do not forward outside the "
                            "committee.",
                        ),
                        "body",
                    )
                ]
            ],
            [WIDTH],
            [
                ("BOX", (0, 0), (-1, -1), 1.2, BADGES["red"][0]),
                ("BACKGROUND", (0, 0), (-1, -1), BADGES["red"][1]),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ],
            header_rows=0,
        )
        self.add(notice, Spacer(1, 12 * mm), self.p("Contents", "h2"))
        for key, title in SECTIONS[1:]:
            self.add(_ContentsLine(key, title))

    def summary(self) -> None:
        sm = self.brief.summary
        self.add(_Heading("summary", self.s["h1"]))
        r = self.reasons()
        overall = r.show(sm.overall_joint)
        banner_badge, code = self.badge(sm.health, big=True), sm.health
        banner = self.table(
            [
                [
                    banner_badge,
                    [
                        self.p(_m(_b("Partnership health: "), HEALTH_WORDS[sm.health]), "body"),
                        self.p(sm.health_reason, "body"),
                        self.p(
                            f"Overall joint score {overall} (0-100, both organizations weighing "
                            "the same).",
                            "muted",
                        ),
                    ],
                ]
            ],
            [90, WIDTH - 90],
            [
                *self.badge_style(0, 0, code),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.6, GRID),
                ("LINEBELOW", (0, 0), (-1, -1), 0, colors.white),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
            ],
            header_rows=0,
        )
        self.add(banner)

        self.h2("Dimensions")
        rows: list[list[object]] = [
            self.head("Dimension", "Health", "Joint score J", numeric_from=2)
        ]
        extra: list[tuple[Any, ...]] = []
        for k, d in enumerate(self.brief.scores.dimensions, 1):
            code = d.health.value or "not_enough_data"
            cell = self.badge(code)
            rows.append(
                [
                    self.p(d.label, "cell_b" if d.headline else "cell"),
                    cell,
                    self.p(r.show(d.J), "num_b" if d.headline else "num"),
                ]
            )
            extra += self.badge_style(1, k, code)
        self.add(self.table(rows, [250, 110, 133], extra))
        self.note(r, "Cultural, market and execution alignment, in bold, are the headline three.")

        self.h2("The most severe signals")
        top = sm.top_signals
        if not top:
            self.add(self.p("No early-warning signal fired in this cycle.", "muted"))
        else:
            self.add(self.signal_table(top))
            more = len(sm.signals) - len(top)
            if more > 0:
                self.add(
                    self.p(
                        f"{more} more signal{'s' if more > 1 else ''} under Scores, All signals.",
                        "note",
                    )
                )

        self.h2("Participation")
        rows = [self.head("Organization", "Invited", "Responded", "Participation", numeric_from=1)]
        r = self.reasons()
        for part in sm.participation:
            rows.append(
                [
                    self.p(self.org_head(part.org.letter), "cell"),
                    self.p(_count(part.invited), "num"),
                    self.p(_count(part.responded), "num"),
                    self.p(r.show(part.R, fmt_pct), "num_b"),
                ]
            )
        self.add(self.table(rows, [253, 80, 80, 80]))
        self.note(r)

        self.h2("Decisions requested")
        self.decision_requests(sm.decisions_requested)

    def decision_requests(self, records: Records[DecisionRequest]) -> None:
        if not self.has_items(records, "No decision is requested of the committee for this cycle."):
            return
        rows: list[list[object]] = [self.head("#", "Decision requested", "Requested by")]
        for k, req in enumerate(records, 1):
            body: list[Paragraph] = [self.p(req.title, "cell_b")]
            if req.detail:
                body.append(self.p(req.detail, "cell"))
            if req.trades_off:
                body.append(self.p(f"Trades off: {req.trades_off}", "cell_muted"))
            rows.append([self.p(str(k), "cell"), body, self.p(req.requested_by or NA, "cell")])
        self.add(self.table(rows, [20, 343, 130]))

    def signal_table(self, signals: Sequence[SignalLine]) -> Table:
        rows: list[list[object]] = [self.head("Severity", "Signal", "What triggered it")]
        extra: list[tuple[Any, ...]] = []
        for k, sig in enumerate(signals, 1):
            cell, code = self.badge(sig.severity, sig.severity.capitalize()), sig.severity
            about = _m(
                _b(sig.title), f" · {sig.subject}" if sig.subject else " · whole partnership"
            )
            rows.append([cell, self.p(about, "cell"), self.p(sig.explanation, "cell")])
            extra += self.badge_style(0, k, code)
        return self.table(rows, [52, 160, 281], extra)

    def scores(self) -> None:
        brief = self.brief
        self.section("scores", new_page=True)
        self.add(
            self.p(
                "S is an organization's mean score from 0 (all unfavorable) to 100 (all "
                "favorable); J averages the two organizations, each weighing the same; the gap "
                f"G is {self.names['A']}'s score minus {self.names['B']}'s. A gap is confirmed "
                "when its 95% interval excludes zero; g is the gap in pooled standard "
                "deviations (0.5 is a medium effect).",
                "intro",
            )
        )
        self.add(Spacer(1, 6), self.chart(figures.radar(brief, width=420, height=300)))
        rows: list[list[object]] = [
            self.head(
                "Dimension",
                f"S {self.names['A']}",
                f"S {self.names['B']}",
                "J",
                "G",
                "95% interval of G",
                "g",
                "Gap",
                numeric_from=1,
            )
        ]
        r = self.reasons()
        extra: list[tuple[Any, ...]] = [
            ("LINEBELOW", (1, 0), (1, 0), 2, ORG_COLORS["A"]),
            ("LINEBELOW", (2, 0), (2, 0), 2, ORG_COLORS["B"]),
        ]
        for d in brief.scores.dimensions:
            rows.append(self.score_row(d, r))
        self.add(self.table(rows, [96, 66, 66, 40, 44, 86, 38, 57], extra))
        self.note(r, "n: people with a score in the dimension.")
        self.add(CondPageBreak(200), self.chart(figures.gaps(brief, width=WIDTH)))

        self.h2("Agreement inside each organization")
        self.add(
            self.p(
                "rwg near 1 means the people of an organization see the dimension alike; below "
                "0.5 views differ. AD is the mean distance of answers from their item's mean, "
                "in answer points; above A/6 (0.83 on a five-point scale) agreement is weak.",
                "intro",
            )
        )
        rows = [self.head("Dimension", "Organization", "n", "rwg", "AD", "Reading", numeric_from=2)]
        rows[0][5] = self.p("Reading", "head")
        r = self.reasons()
        for d in brief.scores.dimensions:
            for org in brief.organizations:
                od = d.org(org.letter)
                rows.append(
                    [
                        self.p(
                            d.label if org.letter == "A" else "", "cell_b" if d.headline else "cell"
                        ),
                        self.p(self.org_head(org.letter), "cell"),
                        self.p(r.show(od.n, str, indicative=od.indicative), "num"),
                        self.p(r.show(od.rwg, fmt_stat, indicative=od.indicative), "num"),
                        self.p(r.show(od.AD, fmt_stat, indicative=od.indicative), "num"),
                        self.p(_agreement_reading(od.rwg.value, od.AD.value, d.points), "cell"),
                    ]
                )
        self.add(self.table(rows, [110, 160, 36, 44, 44, 99]))
        self.note(r)

        self.h2("Favorable, neutral and unfavorable answers")
        self.add(self.chart(figures.split(brief, width=WIDTH)))

        self.h2("All signals")
        if self.brief.summary.signals:
            self.add(self.signal_table(self.brief.summary.signals))
        else:
            self.add(self.p("No early-warning signal fired in this cycle.", "muted"))

    def score_row(self, d: DimensionResult, r: _Reasons) -> list[object]:
        cells: list[object] = [self.p(d.label, "cell_b" if d.headline else "cell")]
        for org in d.orgs:
            text = r.show(org.S, indicative=org.indicative)
            n = r.show(org.n, str) if org.S.shown else ""
            cells.append(
                [self.p(text, "num_b"), self.p(f"n = {n}", "num_muted")]
                if n and n != NA
                else self.p(text, "num_b")
            )
        cells.append(self.p(r.show(d.J), "num_b"))
        cells.append(self.p(r.show(d.G, lambda x: fmt_score(x, signed=True)), "num"))
        if d.ci_low.shown and d.ci_high.shown:
            interval = (
                f"{fmt_score(d.ci_low.value, signed=True)} to "
                f"{fmt_score(d.ci_high.value, signed=True)}"
            )
        else:
            interval = r.show(d.ci_low if not d.ci_low.shown else d.ci_high)
        cells.append(self.p(interval, "num"))
        cells.append(self.p(r.show(d.g, lambda x: fmt_stat(x, signed=True)), "num"))
        if d.census.value:
            verdict = "census"
        elif d.confirmed.value is None:
            verdict = NA
        else:
            verdict = "confirmed" if d.confirmed.value else "not confirmed"
        cells.append(self.p(verdict, "cell_b" if verdict in ("confirmed", "census") else "cell"))
        return cells

    def trends(self) -> None:
        t = self.brief.trends
        self.section("trends", new_page=True)
        if not t.cycles:
            self.none_yet("No closed cycle yet.")
            return
        if len(t.cycles) < 2:
            self.add(
                self.p(f"{t.instrument}: one closed cycle so far; a trend needs two.", "intro")
            )
        else:
            self.add(
                self.p(
                    f"{t.instrument}: the last {len(t.cycles)} closed cycles, oldest first. A "
                    "break in a line is a cycle whose value is withheld or was not measured.",
                    "intro",
                )
            )
            height = 190
            self.add(self.chart(figures.trend(t, "J", width=WIDTH, height=height)))
            self.add(Spacer(1, 4), self.chart(figures.trend(t, "G", width=WIDTH, height=height)))
        self.h2("Joint score J and gap G per cycle")
        r = self.reasons()
        label_w = 62.0
        col_w = (WIDTH - label_w) / max(len(t.series), 1)
        rows: list[list[object]] = [
            [self.p("Cycle", "head")] + [self.p(s.label, "head_num") for s in t.series]
        ]
        for k, cycle in enumerate(t.cycles):
            row: list[object] = [self.p(cycle, "cell_b" if k == len(t.cycles) - 1 else "cell")]
            for s in t.series:
                j = r.show(s.J[k])
                g = r.show(s.G[k], lambda x: fmt_score(x, signed=True))
                row.append([self.p(j, "num"), self.p(f"G {g}", "num")])
            rows.append(row)
        self.add(self.table(rows, [label_w] + [col_w] * len(t.series)))
        self.note(r)

    def heatmap(self) -> None:
        h = self.brief.heatmap
        self.section("heatmap", new_page=True)
        if not h.rows:
            self.none_yet("No function breakdown in this cycle.")
            return
        self.add(
            self.p(
                "Score S of each function of each organization per dimension, red for low and "
                "green for high. Hatched cells are withheld so that no small group can be "
                "singled out.",
                "intro",
            )
        )
        for org in self.brief.organizations:
            if not any(row.org.letter == org.letter for row in h.rows):
                continue
            self.add(CondPageBreak(120), self.p(self.org_head(org.letter), "h3"))
            self.add(self.chart(figures.heat(h, org=org.letter, width=WIDTH, label_w=88)))
        r = self.reasons()
        for row in h.rows:
            for cell in row.cells:
                r.show(cell.S, indicative=cell.indicative)
        self.note(r)

    def plan_check(self) -> None:
        pc = self.brief.plan_check
        self.section("plan_check", need=420)
        self.add(
            self.p(
                "Ten early-warning signs that the plan no longer drives execution, asked of "
                "planning and operations staff as how often each happened. A sign is present "
                "in an organization when its median answer is “most cycles” or more often; "
                "three or four signs recurring cycle after cycle mean the process is "
                "misaligned.",
                "intro",
            )
        )
        if pc.signs.none_recorded_yet:
            self.none_yet("The check was not run in this cycle.")
            return
        r = self.reasons()
        counts = []
        for k, o in enumerate(self.brief.organizations):
            count = pc.counts[k]
            counts.append(
                _m(self.org_head(o.letter), ": ", _b(count.value), " of 10 signs present")
                if count.value is not None
                else _m(self.org_head(o.letter), f": {r.words(count.reason)}")
            )
        self.add(self.p(_m(counts[0], " · ", counts[1]), "body"))
        rows: list[list[object]] = [
            [
                self.p("#", "head"),
                self.p("Group", "head"),
                self.p("Sign", "head"),
                self.p(self.org_head("A"), "head_c"),
                self.p(self.org_head("B"), "head_c"),
            ]
        ]
        for sign in pc.signs:
            row: list[object] = [
                self.p(str(sign.number), "cell"),
                self.p(sign.group, "cell_muted"),
                self.p(sign.text, "cell"),
            ]
            for rep in (sign.A, sign.B):
                if rep.value is None:
                    row.append(self.p(r.show(rep), "center"))
                elif rep.value:
                    row.append(self.p(_c("present", BADGES["red"][0], bold=True), "center"))
                else:
                    row.append(self.p(_c("not present", MUTED), "center"))
            rows.append(row)
        self.add(self.table(rows, [22, 92, 219, 80, 80]))
        respondents = " and ".join(
            f"{self.names[o.letter]} {pc.respondents[k]}"
            for k, o in enumerate(self.brief.organizations)
        )
        self.note(r, f"Respondents: {respondents}.")

    def kpis(self) -> None:
        self.section("kpis")
        records = self.brief.kpis
        if not self.has_items(records, "No KPI has a value for this cycle."):
            return
        self.add(
            self.p(
                "Each shared KPI with the local KPIs linked to it. A shared KPI off target while "
                "every local KPI linked to it is on target is local optimization: each function "
                "hits its own number while the whole system misses.",
                "intro",
            )
        )
        rows: list[list[object]] = [
            self.head("KPI", "Owner", "Value", "Target", "This cycle", "Previous cycle")
        ]
        for k in (2, 3):
            rows[0][k] = self.p(("Value", "Target")[k - 2], "head_num")
        extra: list[tuple[Any, ...]] = []
        for group in records:
            if group.shared is not None:
                rows.append(self.kpi_row(group.shared))
                extra.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), SHARED_BG))
            else:
                rows.append(
                    [self.p("Local KPIs linked to no shared KPI", "cell_b"), "", "", "", "", ""]
                )
                extra.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
                extra.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), SHARED_BG))
            for local in group.local:
                rows.append(self.kpi_row(local, linked=group.shared is not None))
            if group.signal is not None:
                sig = group.signal
                ink, bg = BADGES[sig.severity]
                rows.append(
                    [
                        self.p(
                            _m(
                                _c(f"{sig.severity.capitalize()} signal: ", ink, bold=True),
                                sig.explanation,
                            ),
                            "cell",
                        ),
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
                extra.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
                extra.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), bg))
        self.add(self.table(rows, [128, 92, 78, 72, 55, 68], extra))

    def kpi_row(self, kpi: KpiLine, *, linked: bool = False) -> list[object]:
        direction = "higher is better" if kpi.direction == "higher" else "lower is better"
        name = _m("↳ " if linked else "", _b(kpi.name) if kpi.scope == "shared" else kpi.name)
        if kpi.scope == "shared":
            owner = "Both (shared)"
        else:
            owner_org = kpi.organization
            owner = (owner_org.name if owner_org else "") + (
                f" · {kpi.function.capitalize()}" if kpi.function else ""
            )
        prev = (
            f"{fmt_number(kpi.prev_value, kpi.unit)} ({_verdict_word(kpi.on_target_prev)})"
            if kpi.prev_value is not None
            else "not recorded"
        )
        return [
            [self.p(name, "cell"), self.p(direction, "cell_muted")],
            self.p(owner, "cell"),
            self.p(fmt_number(kpi.value, kpi.unit), "num_b"),
            self.p(fmt_number(kpi.target, kpi.unit), "num"),
            self.p(_verdict_markup(kpi.on_target), "cell"),
            self.p(prev, "cell_muted"),
        ]

    def stages(self) -> None:
        self.section("stages")
        records = self.brief.stages
        if not self.has_items(records, "No stage is recorded for this cycle."):
            return
        self.add(
            self.p(
                "Each quarter runs through the stages of the Continuous Alignment Model: assess, "
                "adapt, communicate, learn.",
                "intro",
            )
        )
        rows: list[list[object]] = [
            self.head("Stage", "Status", "Started", "Finished", "Due", "What it still needs")
        ]
        for st in records:
            if st.overdue:
                status = _c("overdue", BADGES["red"][0], bold=True)
            elif st.state == "current":
                status = _c("current", BRAND, bold=True)
            elif st.state == "done":
                status = _c("done", BADGES["green"][0])
            else:
                status = _c("not started", MUTED)
            rows.append(
                [
                    self.p(st.label, "cell_b" if st.state == "current" else "cell"),
                    self.p(status, "cell"),
                    self.p(_day(st.started_on), "cell"),
                    self.p(_day(st.finished_on), "cell"),
                    self.p(_day(st.due), "cell"),
                    self.p(st.note, "cell"),
                ]
            )
        self.add(self.table(rows, [110, 60, 62, 62, 62, 137]))

    def actions(self) -> None:
        self.section("actions")
        records = self.brief.actions
        if records.none_recorded_yet:
            self.none_yet()
            return
        since = self.since()
        for title, group, empty in (
            ("Overdue", self.brief.overdue_actions, "No action is overdue."),
            ("Open", self.brief.open_actions, "No other open action."),
            (f"Done {since}", self.brief.done_actions, f"No action was completed {since}."),
        ):
            self.h2(f"{title} ({len(group)})")
            if not group:
                self.none_yet(empty)
                continue
            rows: list[list[object]] = [
                self.head("Action", "Owner", "Due", "Status", "Did the gap close?")
            ]
            for a in group:
                rows.append(self.action_row(a))
            self.add(self.table(rows, [152, 106, 64, 58, 113]))

    def action_row(self, a: ActionLine) -> list[object]:
        title: list[Paragraph] = [self.p(a.title, "cell_b")]
        if a.issue:
            title.append(self.p(a.issue, "cell_muted"))
        owner = (
            _m(a.owner, _Safe("<br/>"), _c(a.owner_org.name, MUTED)) if a.owner_org else _m(a.owner)
        )
        status = {
            "open": "open",
            "in_progress": "in progress",
            "done": "done",
            "dropped": "dropped",
        }[a.status]
        if a.status in ("done", "dropped") and a.done_on is not None:
            status += f" {_day(a.done_on)}"
        due = self.p(
            _c(_day(a.due), BADGES["red"][0], bold=True) if a.overdue else _m(_day(a.due)), "cell"
        )
        return [
            title,
            self.p(owner, "cell"),
            due,
            self.p(status, "cell"),
            self.p(self.gap_text(a.gap), "cell"),
        ]

    def gap_text(self, gap: GapProgress | None) -> _Safe:
        if gap is None:
            return _m(NA)
        start = self.reasons().show(gap.at_start, lambda x: fmt_score(x, signed=True))
        head = _m(_i(gap.dimension), _Safe("<br/>"), f"gap {start}")
        if gap.latest is None:
            return _m(head, ": no later cycle yet")
        latest = self.reasons().show(gap.latest, lambda x: fmt_score(x, signed=True))
        if gap.closed is True:
            verdict = _c("closed", BADGES["green"][0], bold=True)
        elif gap.closed is False:
            verdict = _c("not yet", BADGES["amber"][0], bold=True)
        else:
            verdict = _m("not judged")
        cycle = f" ({gap.latest_cycle})" if gap.latest_cycle else ""
        return _m(head, f" → {latest}{cycle}: ", verdict)

    def since(self) -> str:
        prev = self.brief.cover.previous_as_of
        if prev is None:
            return "so far"
        return f"since the last brief ({_day(prev.astimezone(timefmt.zone(self.brief.cover.time_zone)).date())})"

    def escalations(self) -> None:
        self.section("escalations")
        records = self.brief.escalations
        if not self.has_items(records, "No escalation is open."):
            return
        rows: list[list[object]] = [
            self.head("Escalation", "Level and owner", "Deadline", "Status")
        ]
        for e in records:
            about = _m(_b(e.title), f" · {e.subject}" if e.subject else "")
            level = " · ".join(x for x in (e.level, e.owner) if x) or NA
            deadline = (
                _c(f"{_day(e.deadline)} overdue", BADGES["red"][0], bold=True)
                if e.overdue
                else _m(_day(e.deadline))
            )
            rows.append(
                [
                    [self.p(about, "cell"), self.p(e.explanation, "cell_muted")],
                    self.p(level, "cell"),
                    self.p(deadline, "cell"),
                    self.p(e.status.replace("_", " "), "cell"),
                ]
            )
        self.add(self.table(rows, [230, 130, 70, 63]))

    def decisions(self) -> None:
        self.section("decisions")
        since = self.since()
        self.h2("Meetings")
        meetings = self.brief.meetings
        if self.has_items(meetings, f"No steering meeting {since}."):
            rows: list[list[object]] = [
                self.head(
                    "Date", "Meeting", "Attendees", "Items discussed", "Decisions", numeric_from=3
                )
            ]
            for mt in meetings:
                rows.append(
                    [
                        self.p(_day(mt.held_on), "cell"),
                        self.p(mt.title, "cell_b"),
                        self.p(", ".join(mt.attendees) or NA, "cell"),
                        self.p(str(mt.items_discussed), "num"),
                        self.p(str(mt.decisions_made), "num_b"),
                    ]
                )
            self.add(self.table(rows, [60, 140, 173, 60, 60]))
        self.h2("Decisions")
        decisions = self.brief.decisions
        if not self.has_items(decisions, f"No decision recorded {since}."):
            return
        rows = [self.head("Date", "Decision")]
        for dc in decisions:
            body: list[Paragraph] = [self.p(dc.decision, "cell_b")]
            if dc.rationale:
                body.append(self.p(_m(_i("Why: "), dc.rationale), "cell"))
            details = []
            if dc.decided_by:
                details.append(f"Decided by {', '.join(dc.decided_by)}")
            if dc.trades_off:
                details.append(f"Trades off: {dc.trades_off}")
            if dc.linked:
                details.append(f"Linked: {'; '.join(dc.linked)}")
            if details:
                body.append(self.p(" · ".join(details), "cell_muted"))
            rows.append([self.p(_day(dc.decided_on), "cell"), body])
        self.add(self.table(rows, [60, 433]))

    def lessons(self) -> None:
        self.section("lessons")
        records = self.brief.lessons
        if not self.has_items(records, "No lesson recorded yet for this cycle."):
            return
        rows: list[list[object]] = [
            self.head("Cycle", "What happened", "What worked", "What failed", "About")
        ]
        for ls in records:
            about = ", ".join(x for x in ((ls.dimension or ""), *ls.tags) if x)
            rows.append(
                [
                    self.p(ls.cycle_label, "cell_b"),
                    self.p(ls.what_happened, "cell"),
                    self.p(ls.worked or NA, "cell"),
                    self.p(ls.failed or NA, "cell"),
                    self.p(about or NA, "cell_muted"),
                ]
            )
        self.add(self.table(rows, [48, 150, 118, 118, 59]))

    def appendix(self) -> None:
        ap = self.brief.appendix
        self.section("appendix", new_page=True)
        self.h2("Items reported on their own")
        if not ap.single_items:
            self.none_yet("No item is reported on its own in this cycle.")
        for item in ap.single_items:
            self.add(CondPageBreak(110))
            self.single_item(item)
        self.h2("Comments")
        self.add(
            self.p(
                "What stakeholders wrote, unedited and without attribution, in an order unrelated "
                "to when they answered. Comments a coach hid because they named a person are left "
                f"out; an organization's comments appear only when at least {self.min_group} "
                "people answered.",
                "intro",
            )
        )
        if not ap.comments:
            self.none_yet("No comments in this cycle.")
        r = self.reasons()
        for group in ap.comments:
            comments = group.comments.value
            count = f" ({len(comments)})" if comments is not None else ""
            self.add(self.p(_m(self.org_head(group.org.letter), count), "h3"))
            if comments is None:
                self.add(self.p(f"{NA} {r.words(group.comments.reason)}.", "muted"))
                continue
            if not comments:
                self.add(self.p("No comments.", "muted"))
            for text in comments:
                self.add(self.p(_m("“", text, "”"), "comment"))

    def single_item(self, item: SingleItem) -> None:
        r = self.reasons()
        mean_label = "Mean (0-10)" if item.kind == "likelihood" else "Score"
        self.add(self.p(_m(_b(item.text)), "body"))
        many = len(item.options) > 6
        org_w = 118.0 if many else 130.0
        n_w, mean_w = 34.0, 52.0
        opt_w = (WIDTH - org_w - n_w - mean_w) / max(len(item.options), 1)
        rows: list[list[object]] = [
            [self.p("Organization", "head")]
            + [self.p(o, "head_c") for o in item.options]
            + [self.p("n", "head_num"), self.p(mean_label, "head_num")]
        ]
        for od in (item.A, item.B):
            dist = od.distribution.value
            counts = (
                [self.p(str(c), "center") for c in dist]
                if dist is not None
                else [self.p(r.show(od.distribution), "center") for _ in item.options]
            )
            mean_fmt = fmt_score
            rows.append(
                [self.p(self.org_head(od.org.letter), "cell")]
                + counts
                + [
                    self.p(r.show(od.n, str, indicative=od.indicative), "num"),
                    self.p(r.show(od.mean, mean_fmt, indicative=od.indicative), "num_b"),
                ]
            )
        self.add(
            KeepTogether(
                [
                    self.table(
                        rows,
                        [org_w] + [opt_w] * len(item.options) + [n_w, mean_w],
                    ),
                    self.p(
                        f"Both organizations, weighing the same: {r.show(item.joint_mean)}"
                        + (" (0-10)" if item.kind == "likelihood" else " (0-100)"),
                        "muted",
                    ),
                ]
            )
        )
        self.note(r)

    def method(self) -> None:
        mt = self.brief.method
        self.section("method", new_page=True)
        paragraphs = (
            (
                "Item scores. ",
                "Each answer becomes a score from 0 to 100: on a five-point "
                "agreement scale 1, 2, 3, 4, 5 give 0, 25, 50, 75, 100, and items worded as a "
                "problem are scored the other way round. “Not applicable” and unanswered count as "
                "missing, never as zero.",
            ),
            (
                "Scores. ",
                "A person's dimension score is the mean of their item scores, kept when "
                "they answered at least two thirds of the dimension's items. An organization's "
                "score S is the mean of its people's scores (n people). The joint score J is the "
                "mean of the two organizations' scores, each weighing the same whatever its size; "
                "the gap G is the first organization's S minus the second's.",
            ),
            (
                "Is a gap real? ",
                "The 95% interval of G follows Welch's method with a "
                "finite-population correction, since everyone invited could answer; a gap is "
                "confirmed when the interval excludes zero, and a census fact when everyone "
                "invited answered. Hedges' g gives the gap in pooled standard deviations.",
            ),
            (
                "Agreement. ",
                "rwg (Lindell's r*wg(j)) compares the spread of answers with the "
                "spread of random answers; AD is the mean absolute deviation of answers from each "
                "item's mean. Both need at least five people.",
            ),
            (
                "Privacy. ",
                f"A value is shown only when at least {mt.min_group} people stand "
                "behind it; further cells are withheld where a withheld one could otherwise be "
                "worked out by subtraction. Withheld values appear as an en dash, never as a "
                "number. Comments are shown without attribution, in an order unrelated to "
                "submission.",
            ),
            (
                "Rounding. ",
                "Numbers are rounded half up for display only: scores to one "
                "decimal, g, rwg and AD to two, shares and participation to whole percent. The "
                "results export carries full precision.",
            ),
            (
                "Signals and health. ",
                "Early-warning signals compare these values with the "
                "thresholds below; a dimension is red with any red signal, amber with any amber "
                "signal or a joint score below the health threshold, green otherwise.",
            ),
        )
        for lead, text in paragraphs:
            self.add(self.p(_m(_b(lead), text), "body"))

        self.h2("Surveys behind this brief")
        a, b = self.brief.organizations
        rows: list[list[object]] = [
            self.head(
                "Instrument",
                "Version",
                "Closed",
                "Snapshot",
                "Invited",
                "Responded",
            )
        ]
        tz = self.brief.cover.time_zone
        for run in mt.surveys:
            rows.append(
                [
                    self.p(run.instrument, "cell_b"),
                    self.p(str(run.version), "cell"),
                    self.p(timefmt.short_when(run.closed_at, tz, empty=NA), "cell"),
                    self.p(f"version {run.snapshot_version}", "cell"),
                    self.p(f"{_count(run.invited[0])} / {_count(run.invited[1])}", "cell"),
                    self.p(f"{_count(run.responded[0])} / {_count(run.responded[1])}", "cell"),
                ]
            )
        self.add(self.table(rows, [150, 48, 100, 55, 65, 75]))
        self.add(
            self.p(
                f"Invited and responded: {a.name} / {b.name}. The brief reads the surveys' "
                "frozen snapshots: later edits to the instrument or the thresholds do not "
                "change it.",
                "note",
            )
        )

        self.h2("Thresholds in force")
        rows = [self.head("Rule", "Threshold", "Value")]
        rows.append(
            [
                self.p("Privacy", "cell"),
                self.p("Smallest group shown", "cell"),
                self.p(f"{mt.min_group} people", "cell_b"),
            ]
        )
        for th in mt.thresholds:
            rows.append(
                [self.p(th.rule, "cell"), self.p(th.label, "cell"), self.p(th.value, "cell_b")]
            )
        self.add(self.table(rows, [150, 253, 90]))

        self.h2("Sources")
        sources = (
            "Partnership Pulse scoring specification (scoring.md), sections 1 to 7: every "
            "number in this brief is computed as written there.",
            "Lindell, M. K., Brandt, C. J., & Whitney, D. J. (1999). A revised index of "
            "interrater agreement for multi-item ratings of a single target. Applied "
            "Psychological Measurement, 23(2), 127-135.",
            "Burke, M. J., Finkelstein, L. M., & Dusig, M. S. (1999). On average deviation "
            "indices for estimating interrater agreement. Organizational Research Methods, "
            "2(1), 49-68.",
            "Burke, M. J., & Dunlap, W. P. (2002). Estimating interrater agreement with the "
            "average deviation index: a user's guide. Organizational Research Methods, 5(2), "
            "159-172.",
            "Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and "
            "related estimators. Journal of Educational Statistics, 6(2), 107-128.",
            "Welch, B. L. (1947). The generalization of “Student's” problem when several "
            "different population variances are involved. Biometrika, 34(1-2), 28-35.",
        )
        for text in sources:
            self.add(self.p(text, "comment"))


# --- small formatters -----------------------------------------------------------------------


def _hex(color: colors.Color) -> str:
    return "#" + color.hexval()[2:]


def _day(day: Any) -> str:
    """A calendar day as ISO 8601 (2026-11-30), as the tables of the pages and exports."""
    return day.isoformat() if day is not None else NA


def _verdict_word(on_target: bool | None) -> str:
    return "on target" if on_target else "off target" if on_target is False else "no value"


def _verdict_markup(on_target: bool | None) -> _Safe:
    if on_target is True:
        return _c("on target", BADGES["green"][0], bold=True)
    if on_target is False:
        return _c("off target", BADGES["red"][0], bold=True)
    return _c("no value", MUTED)


# --- entry point ----------------------------------------------------------------------------


def render_pdf(brief: Brief) -> bytes:
    """The brief as PDF bytes: A4, DejaVu Sans embedded, byte-identical for the same brief."""
    register_fonts()
    buf = io.BytesIO()
    doc = _BriefDoc(buf, brief)
    doc.build(_Builder(brief).build(), canvasmaker=_BriefCanvas)
    return buf.getvalue()
