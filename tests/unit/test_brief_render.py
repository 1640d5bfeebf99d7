"""The PDF brief, read back as its readers get it (pypdf): numbers, privacy, fonts, escaping,
navigation, metadata and byte-identical output across processes."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import Destination
from reportlab.pdfbase.pdfmetrics import stringWidth

from partnership.briefs.model import ActionLine, Organization, Records, Reported
from partnership.briefs.render import MARGIN_X, PAGE_W, SECTIONS, render_pdf
from partnership.briefs.sample import MARKUP_COMMENT, Sample, build_sample
from partnership.scoring.format import NA, fmt_number, fmt_pct, fmt_score, fmt_stat

TITLES = [title for _, title in SECTIONS]


@pytest.fixture(scope="module")
def sample() -> Sample:
    return build_sample()


@pytest.fixture(scope="module")
def pdf(sample: Sample, artifacts_dir: str) -> bytes:
    data = render_pdf(sample.brief)
    with open(os.path.join(artifacts_dir, "brief-sample.pdf"), "wb") as f:
        f.write(data)
    return data


@pytest.fixture(scope="module")
def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


@pytest.fixture(scope="module")
def pages(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def outline(reader: PdfReader) -> list[tuple[str, int]]:
    """(title, page index) of each top-level outline entry."""
    out = []
    for entry in reader.outline:
        assert isinstance(entry, Destination)
        number = reader.get_destination_page_number(entry)
        assert number is not None
        out.append((str(entry.title), number))
    return out


@pytest.fixture(scope="module")
def sections(reader: PdfReader, pages: list[str]) -> dict[str, str]:
    """The text of each section: from its first page to the first page of the next one."""
    starts = [number for _, number in outline(reader)]
    out = {}
    for k, title in enumerate(TITLES):
        end = starts[k + 1] if k + 1 < len(starts) else len(pages) - 1
        out[title] = "\n".join(pages[starts[k] : end + 1])
    return out


def seq(*tokens: str) -> re.Pattern[str]:
    """Tokens in this order, separated only by white space (cells wrap onto lines)."""
    parts = [r"\s+".join(re.escape(w) for w in t.split()) for t in tokens]
    return re.compile(r"(?<![\w.+-])" + r"\s+".join(parts) + r"(?![\w.])")


def shown(rep: Reported[Any], fmt: Callable[[Any], str] = fmt_score) -> str:
    return NA if rep.value is None else fmt(rep.value)


def signed(x: float) -> str:
    return fmt_score(x, signed=True)


def assert_seq(text: str, *tokens: str) -> None:
    assert seq(*tokens).search(text), f"not printed in this order: {tokens}"


# --- numbers --------------------------------------------------------------------------------


def test_summary_prints_health_dimensions_and_participation(
    sample: Sample, sections: dict[str, str]
) -> None:
    sm = sample.brief.summary
    text = sections["Summary"]
    assert f"Partnership health: {sm.health.capitalize()}" in text
    assert sm.health_reason.split("(")[0].strip() in " ".join(text.split())
    assert f"Overall joint score {shown(sm.overall_joint)}" in text
    dims = sample.brief.scores.dimensions
    labels = [d.label for d in dims]
    assert labels[:3] == ["Cultural alignment", "Market alignment", "Execution alignment"]
    words = {"green": "Green", "amber": "Amber", "red": "Red", "not_enough_data": "Not enough data"}
    for d in dims:
        assert_seq(text, d.label, words[d.health.value or "not_enough_data"], shown(d.J))
    for p in sm.participation:
        assert_seq(text, p.org.name, f"{p.invited:,}", f"{p.responded:,}", fmt_pct(p.R.value))
    for sig in sm.top_signals:
        assert " ".join(sig.explanation.split()) in " ".join(text.split())


def test_scores_table_prints_every_value_through_the_one_formatter(
    sample: Sample, sections: dict[str, str]
) -> None:
    text = sections["Scores"]
    for d in sample.brief.scores.dimensions:
        tokens = [d.label]
        for org in d.orgs:
            tokens.append(shown(org.S))
            if org.S.value is not None:
                tokens.append(f"n = {org.n.value}")
        tokens += [shown(d.J), shown(d.G, signed)]
        if d.ci_low.value is not None and d.ci_high.value is not None:
            tokens.append(f"{signed(d.ci_low.value)} to {signed(d.ci_high.value)}")
        else:
            tokens.append(NA)
        tokens.append(shown(d.g, lambda x: fmt_stat(x, signed=True)))
        if d.confirmed.value is None:
            tokens.append(NA)
        else:
            tokens.append("confirmed" if d.confirmed.value else "not confirmed")
        assert_seq(text, *tokens)
    # agreement: n, rwg and AD per organization
    for d in sample.brief.scores.dimensions:
        for letter in ("A", "B"):
            od = d.org(letter)
            name = sample.brief.cover.organizations[0 if letter == "A" else 1].name
            assert_seq(
                text,
                name,
                shown(od.n, str),
                shown(od.rwg, fmt_stat),
                shown(od.AD, fmt_stat),
            )


def test_trends_table_prints_each_cycle(sample: Sample, sections: dict[str, str]) -> None:
    trends = sample.brief.trends
    text = sections["Trends"]
    assert len(trends.cycles) == 8 and trends.cycles[-1] == "2026-Q4"
    for k, cycle in enumerate(trends.cycles):
        tokens = [cycle]
        for s in trends.series:
            tokens += [shown(s.J[k]), f"G {shown(s.G[k], signed)}"]
        assert_seq(text, *tokens)


def test_heatmap_prints_shown_cells_and_dashes_for_withheld(
    sample: Sample, sections: dict[str, str]
) -> None:
    text = sections["Organization × function"]
    withheld = 0
    for row in sample.brief.heatmap.rows:
        cells = [shown(c.S) for c in row.cells]
        withheld += cells.count(NA)
        assert_seq(text, row.segment, *cells)
    assert withheld >= 10
    assert "withheld: fewer than 5 people" in text
    assert "withheld so that a smaller withheld group cannot be worked out" in " ".join(
        text.split()
    )


def test_kpis_single_items_and_method_numbers(sample: Sample, sections: dict[str, str]) -> None:
    brief = sample.brief
    kpi_text = sections["KPIs: local against shared"]
    for group in brief.kpis:
        for kpi in ([group.shared] if group.shared else []) + list(group.local):
            assert_seq(kpi_text, fmt_number(kpi.value, kpi.unit), fmt_number(kpi.target, kpi.unit))
    appendix = sections["Appendix"]
    for item in brief.appendix.single_items:
        for od in (item.A, item.B):
            counts = [str(c) for c in od.distribution.value] if od.distribution.value else []
            assert_seq(appendix, od.org.name, *counts, shown(od.n, str), shown(od.mean))
    method = sections["Method note"]
    for run in brief.method.surveys:
        assert_seq(method, f"{run.invited[0]} / {run.invited[1]}")
        assert_seq(method, f"{run.responded[0]} / {run.responded[1]}")
    for th in brief.method.thresholds:
        assert_seq(method, th.label, th.value)


def test_actions_say_whether_the_gap_closed(sections: dict[str, str]) -> None:
    text = " ".join(sections["Actions"].split())
    assert "gap +18.8 → +11.0 (2026-Q4): closed" in text
    assert re.search(r"gap \+25\.3 → \+\d+\.\d \(2026-Q4\): not yet", text)
    assert "Overdue (1)" in text and "Open (2)" in text
    assert "Done since the last brief (2026-10-09) (2)" in text


# --- privacy ------------------------------------------------------------------------------


def test_withheld_values_never_appear(sample: Sample, pages: list[str]) -> None:
    text = "\n".join(pages)
    assert sample.hidden, "the sample withholds values"
    for value in sample.hidden:
        assert not re.search(rf"(?<![\d.]){re.escape(value)}(?![\d])", text), value


def test_withheld_comments_say_why_and_show_none(sample: Sample) -> None:
    brief = sample.brief
    a, b = brief.appendix.comments
    appendix = dataclasses.replace(
        brief.appendix,
        comments=(a, dataclasses.replace(b, comments=Reported(None, "below_threshold"))),
    )
    hidden_brief = dataclasses.replace(brief, appendix=appendix)
    text = " ".join(
        " ".join(
            p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(hidden_brief))).pages
        ).split()
    )
    assert f"{b.org.name} – withheld: fewer than 5 people." in text
    for comment in b.comments.value or ():
        if comment not in (a.comments.value or ()):
            assert comment not in text


# --- text, fonts, escaping -----------------------------------------------------------------


def test_fonts_are_embedded_unicode_truetype(reader: PdfReader, pages: list[str]) -> None:
    seen = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            name = str(font["/BaseFont"])
            seen.add(name.split("+")[-1])
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{name} is not embedded"
            assert "/ToUnicode" in font, f"{name} cannot be searched or copied"
    assert seen == {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}
    text = "\n".join(pages)
    for word in ("Łódź", "Müller", "São Paulo", "Zoë", "Żak", "Conceição"):
        assert word in text


def test_markup_in_a_comment_prints_literally(pages: list[str]) -> None:
    text = "\n".join(pages)
    assert "<font size=40>SHOUTING</font>" in MARKUP_COMMENT
    assert MARKUP_COMMENT in " ".join(text.split())


def test_markup_in_any_user_text_prints_literally(sample: Sample) -> None:
    brief = sample.brief
    a = Organization("A", "Müller & <Söhne>")
    cover = dataclasses.replace(
        brief.cover,
        partnership='R&D <i>Alliance</i> <font color="red">',
        organizations=(a, brief.cover.organizations[1]),
    )
    action = ActionLine("<b>Fix</b> the <para> & <br/> plan", "Zoë <u>Roe</u>", a, "open")
    changed = dataclasses.replace(brief, cover=cover, actions=Records.of((action,)))
    reader = PdfReader(io.BytesIO(render_pdf(changed)))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for literal in (
        'R&D <i>Alliance</i> <font color="red">',
        "Müller & <Söhne>",
        "<b>Fix</b> the <para> & <br/> plan",
        "Zoë <u>Roe</u>",
    ):
        assert literal in text
    assert reader.metadata is not None
    assert reader.metadata.title == (
        'Steering committee brief: R&D <i>Alliance</i> <font color="red">, 2026-Q4'
    )


def test_no_text_runs_past_the_margins(reader: PdfReader) -> None:
    """Every text run, header to footer, stays inside the A4 page's side margins."""
    problems: list[str] = []
    for number, page in enumerate(reader.pages, 1):

        def visit(text, cm, tm, font, size, number=number):
            if not text.strip() or font is None:
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            scale = (tm[0] * cm[0] + tm[1] * cm[2]) or 1
            base = str(font.get("/BaseFont", "")).split("+")[-1]
            width = stringWidth(text.rstrip(), base, size) * abs(scale)
            if x < MARGIN_X - 2 or x + width > PAGE_W - MARGIN_X + 2:
                problems.append(f"page {number}: {text!r} at {x:.0f}..{x + width:.0f}")

        page.extract_text(visitor_text=visit)
    assert not problems, problems[:5]


# --- navigation and metadata ---------------------------------------------------------------


def test_page_x_of_y_on_every_page(pages: list[str]) -> None:
    total = len(pages)
    assert total >= 10
    for number, text in enumerate(pages, 1):
        assert re.search(rf"Page {number} of {total}\s*$", text.strip())


def test_outline_has_one_entry_per_section_on_its_page(reader: PdfReader, pages: list[str]) -> None:
    entries = outline(reader)
    assert [title for title, _ in entries] == TITLES
    numbers = [number for _, number in entries]
    assert numbers == sorted(numbers) and numbers[0] == 0
    for title, number in entries[1:]:
        heading = " ".join(pages[number].split())
        assert title in heading, f"{title} is not on page {number + 1}"
    # the cover's contents list the sections with the same page numbers
    contents = pages[0].split("Contents", 1)[1]
    assert_seq(contents, *TITLES[1:])
    printed = re.findall(r"^\s*(\d+)\s*$", contents.split("Page 1 of")[0], re.M)
    assert printed == [str(n + 1) for n in numbers[1:]]


def test_metadata_title_author_language(sample: Sample, reader: PdfReader) -> None:
    meta = reader.metadata
    assert meta is not None
    assert meta.title == (
        "Steering committee brief: Łódź–São Paulo edge-device partnership, 2026-Q4"
    )
    assert meta.author == sample.brief.cover.author == "Zoë Nowak, partnership office"
    assert "Wisła Devices S.A. (Łódź)" in (meta.subject or "")
    assert reader.trailer["/Root"]["/Lang"] == "en"
    # the cover prints the as-of time in the partnership's zone, not the clock's
    assert "As of Tuesday 12 January 2027, 09:30 (Europe/Warsaw)" in reader.pages[0].extract_text()


def test_sections_without_records_say_none_recorded_yet() -> None:
    brief = build_sample(governance=False, cycles=1).brief
    reader = PdfReader(io.BytesIO(render_pdf(brief)))
    pages = [p.extract_text() for p in reader.pages]
    starts = [number for _, number in outline(reader)]
    for title in ("Stage status", "Actions", "Escalations", "Lessons"):
        k = TITLES.index(title)
        text = " ".join(" ".join(pages[starts[k] : starts[k + 1] + 1]).split())
        assert f"{title} None recorded yet." in text
    decisions = " ".join(pages[starts[TITLES.index("Decisions since the last brief")]].split())
    assert "Meetings None recorded yet. Decisions None recorded yet." in decisions
    summary = " ".join(pages[starts[1]].split())
    assert "Decisions requested None recorded yet." in summary
    trends = " ".join(pages[starts[TITLES.index("Trends")]].split())
    assert "one closed cycle so far; a trend needs two" in trends


# --- determinism and rendering -------------------------------------------------------------

_RENDER = (
    "import hashlib, sys; "
    "from partnership.briefs.sample import sample_brief; "
    "from partnership.briefs.render import render_pdf; "
    "sys.stdout.write(hashlib.sha256(render_pdf(sample_brief())).hexdigest())"
)


def test_byte_identical_across_processes(pdf: bytes) -> None:
    """A fresh process (its own hash seed, nothing registered yet) and this one, which has
    rendered other briefs before, produce the same bytes."""
    done = subprocess.run(
        [sys.executable, "-c", _RENDER],
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout == hashlib.sha256(pdf).hexdigest()
    assert render_pdf(build_sample().brief) == pdf


def test_poppler_renders_every_page(pdf: bytes, reader: PdfReader, artifacts_dir: str) -> None:
    """The pages as pictures (test-artifacts/brief-page-NN.png), with no warning from poppler."""
    from tests.environment import require

    require(shutil.which("pdftoppm") is not None, "pdftoppm", "apt-get install poppler-utils")
    path = os.path.join(artifacts_dir, "brief-sample.pdf")
    for old in os.listdir(artifacts_dir):
        if old.startswith("brief-page-"):
            os.remove(os.path.join(artifacts_dir, old))
    done = subprocess.run(
        ["pdftoppm", "-png", "-r", "60", path, os.path.join(artifacts_dir, "brief-page")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == ""
    pictures = [f for f in os.listdir(artifacts_dir) if f.startswith("brief-page-")]
    assert len(pictures) == len(reader.pages)
