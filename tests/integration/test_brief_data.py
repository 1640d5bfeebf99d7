"""The brief built from a cycle's snapshots and governance records, read back as its readers
get it (pypdf): every number equals the JSON export rounded as the pages round it, withheld
values appear nowhere, fonts are embedded, user text prints literally, and two processes
build the same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from partnership.briefs.data import build_brief, default_as_of
from partnership.briefs.render import render_pdf
from partnership.extensions import db
from partnership.governance import services
from partnership.governance.models import Issue
from partnership.results.services import close_survey, cycle_export
from partnership.scoring import Settings, fmt_pct, fmt_score, fmt_stat, score_survey
from partnership.scoring.format import fmt_number
from partnership.surveys.models import Cycle
from tests.builders.basics import make_partnership, make_user
from tests.builders.pulse import build_closed_survey, make_pulse_instrument

MARKUP = "Stop the <font size=40>SHOUTING</font> & <b>listen</b> in Łódź."
QUARTERS = (
    ("2026-Q1", dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC), 0.0),
    ("2026-Q2", dt.datetime(2026, 6, 19, 9, 0, tzinfo=dt.UTC), -0.2),
    ("2026-Q3", dt.datetime(2026, 9, 18, 9, 0, tzinfo=dt.UTC), -0.4),
)


def run_quarters(partnership, **kw: Any):  # type: ignore[no-untyped-def]
    """Three quarters of the pulse, each closed through the one close use case; the last
    one's comments include ReportLab markup. Returns the built surveys, oldest first."""
    pulse = make_pulse_instrument(partnership)
    built = []
    for k, (label, closed_at, shift) in enumerate(QUARTERS):
        comments = None
        if k == len(QUARTERS) - 1:
            comments = {
                "A": ["Keep the joint roadmap reviews.", MARKUP],
                "B": ["Zoë's team helps."],
            }
        b = build_closed_survey(
            partnership,
            instrument=pulse,
            label=label,
            seed=11 + k,
            shift=shift,
            state="open",
            closed_at=closed_at,
            comments=comments,
            **kw,
        )
        close_survey(b.survey, now=closed_at)
        built.append(b)
    return built


def pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


#: A number with decimals or a percent sign: what the formatter prints (dates, page numbers
#: and counts are whole numbers and are checked by the tables' own rows).
DECIMAL = re.compile(r"(?<![\w.])[+\-−]?\d[\d,]*(?:\.\d+%?|%)")


def pdf_pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def formatted(value: Any) -> set[str]:
    """Every way a page rounds a number (scores 1 decimal, statistics 2, shares whole %)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return set()
    out = {fmt_score(value), fmt_score(value, signed=True), fmt_stat(value)}
    out |= {fmt_stat(value, signed=True), fmt_score(abs(value)), fmt_number(value)}
    if 0 <= value <= 1:
        out.add(fmt_pct(value))
    if isinstance(value, int):
        out |= {str(value), f"{value:,}"}
    return out


def numbers(obj: Any) -> set[str]:
    if isinstance(obj, dict):
        return set().union(set(), *(numbers(v) for v in obj.values()))
    if isinstance(obj, list):
        return set().union(set(), *(numbers(v) for v in obj))
    if isinstance(obj, str):  # a signal's explanation quotes its numbers, already rounded
        return {m.group(0) for m in DECIMAL.finditer(obj)}
    return formatted(obj)


def seq(text: str, *tokens: str) -> bool:
    """The tokens in this order, separated only by white space (cells wrap onto lines)."""
    parts = [r"\s+".join(re.escape(w) for w in t.split()) for t in tokens]
    pattern = r"(?<![\w.+-])" + r"\s+".join(parts) + r"(?![\w.])"
    return re.search(pattern, text) is not None


@pytest.fixture
def quarters(app):  # type: ignore[no-untyped-def]
    coach = make_user(name="Zoë Müller")
    partnership = make_partnership(coach)
    built = run_quarters(partnership)
    cycle = db.session.get(Cycle, built[-1].survey.cycle_id)
    issue = db.session.scalar(
        select(Issue).where(Issue.cycle_id == cycle.id, Issue.rule == "GAP").limit(1)
    )
    assert issue is not None
    services.create_action(
        cycle,
        services.ActionData(
            "Joint release calendar for Müller's plant",
            owner_user_id=coach.id,
            owner_organization_id=partnership.org_a.id,
            due_on=dt.date(2026, 9, 30),
        ),
        coach,
        issue=issue,
        now=QUARTERS[-1][1],
    )
    services.add_lesson(
        cycle,
        services.LessonData("São Paulo heard of the change too late.", tags=["hand-offs"]),
        coach,
    )
    return partnership, cycle, built


def test_every_number_printed_is_the_export_rounded_as_the_pages_round_it(quarters) -> None:
    partnership, cycle, built = quarters
    pdf = render_pdf(build_brief(cycle, as_of=default_as_of(cycle)))
    text = "\n".join(pdf_pages(pdf))
    # the exports of the cycles the trends show, and the thresholds the snapshot holds
    allowed: set[str] = set()
    for b in built:
        allowed |= numbers(cycle_export(db.session.get(Cycle, b.survey.cycle_id)))
    export = cycle_export(cycle)["surveys"]["quarterly-pulse"]["result"]
    # not data: the gap chart's axis ticks, the "95% interval", the fixed cut-offs the
    # agreement note explains (rwg 0.5, AD above A/6 = 0.83)
    allowed |= {fmt_score(t, signed=True) for t in range(-100, 101, 10)}
    allowed |= {"95%", "0.5", "0.83"}
    printed = {m.group(0).replace("−", "-") for m in DECIMAL.finditer(text)}
    assert len(printed) > 60
    assert sorted(printed - allowed) == []
    # the score table row by row, as the export holds it
    for d in export["dimensions"]:
        a, b = d["organizations"]["A"], d["organizations"]["B"]
        assert seq(
            text,
            d["label"],
            fmt_score(a["S"]),
            f"n = {a['n']}",
            fmt_score(b["S"]),
            f"n = {b['n']}",
            fmt_score(d["J"]),
            fmt_score(d["G"], signed=True),
            f"{fmt_score(d['ci_low'], signed=True)} to {fmt_score(d['ci_high'], signed=True)}",
            fmt_stat(d["g"], signed=True),
        ), d["label"]
    for o in ("A", "B"):
        org = export["organizations"][o]
        assert seq(text, org["name"], str(org["invited"]), str(org["responded"]), fmt_pct(org["R"]))
    assert f"Overall joint score {fmt_score(export['overall_joint'])}" in flat(text)
    # the trend table: each cycle's J per dimension
    for b in built:
        result = cycle_export(db.session.get(Cycle, b.survey.cycle_id))["surveys"]
        dims = result["quarterly-pulse"]["result"]["dimensions"]
        assert seq(
            text,
            b.survey.cycle.label,
            *[t for d in dims for t in (fmt_score(d["J"]), f"G {fmt_score(d['G'], signed=True)}")],
        )


def test_governance_records_and_markup_in_comments_print_literally(quarters) -> None:
    partnership, cycle, built = quarters
    pdf = render_pdf(build_brief(cycle, as_of=default_as_of(cycle)))
    text = flat("\n".join(pdf_pages(pdf)))
    assert MARKUP in text
    assert "Joint release calendar for Müller's plant" in text
    assert "São Paulo heard of the change too late." in text
    assert "Meetings None recorded yet." in text
    assert "Zoë's team helps." in text


def test_fonts_are_embedded(quarters) -> None:
    _, cycle, _ = quarters
    reader = PdfReader(io.BytesIO(render_pdf(build_brief(cycle, as_of=default_as_of(cycle)))))
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            assert "/FontFile2" in font["/FontDescriptor"].get_object(), font["/BaseFont"]


def test_withheld_values_appear_nowhere_in_the_brief(app) -> None:
    """Beta below the threshold (6 people, threshold 8): what it would have scored with the
    default threshold is printed nowhere; nor are its comments."""
    partnership = make_partnership(min_group=8)
    built = run_quarters(partnership, n_a=12, n_b=6)
    cycle = db.session.get(Cycle, built[-1].survey.cycle_id)
    shown = cycle_export(cycle)["surveys"]["quarterly-pulse"]["result"]
    unguarded = score_survey(
        built[-1].scoring_input, Settings(min_group=3), comment_key=b"k"
    ).to_dict()
    secret: set[str] = set()
    for d in unguarded["dimensions"]:
        b = d["organizations"]["B"]
        secret |= numbers({k: b[k] for k in ("S", "s", "favorable", "unfavorable", "rwg", "AD")})
        secret |= numbers({k: d[k] for k in ("J", "G", "g", "ci_low", "ci_high")})
    for cell in unguarded["breakdowns"]["function"]:
        secret |= numbers(cell["S"])
    allowed: set[str] = set()
    for b in built:
        allowed |= numbers(cycle_export(db.session.get(Cycle, b.survey.cycle_id)))
    forbidden = {s for s in secret - allowed if "." in s}
    assert len(forbidden) >= 20
    text = "\n".join(pdf_pages(render_pdf(build_brief(cycle, as_of=default_as_of(cycle)))))
    for value in forbidden:
        assert not re.search(rf"(?<![\d.]){re.escape(value)}(?!\d)", text), value
    assert "Zoë's team helps." not in text  # B's comment, below the threshold
    assert shown["organizations"]["B"]["comments"] is None


def test_two_builds_in_two_processes_are_byte_identical(quarters, migrated, tmp_path) -> None:
    from tests.servers import ROOT, server_env

    _, cycle, _ = quarters
    db.session.commit()
    digests = []
    for n in range(2):
        out = tmp_path / f"brief-{n}.pdf"
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "briefs", "build"]
            + ["--cycle", str(cycle.id), "-o", str(out)],
            cwd=ROOT,
            env={**server_env(migrated, "http://127.0.0.1:5000"), "PYTHONHASHSEED": str(n + 1)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert f"Brief of {cycle.label} written to" in done.stdout
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    here = render_pdf(build_brief(cycle, as_of=default_as_of(cycle)))
    assert hashlib.sha256(here).hexdigest() == digests[0]


def test_the_command_refuses_a_cycle_without_results(app, runner, tmp_path) -> None:
    partnership = make_partnership()
    cycle = Cycle(partnership_id=partnership.id, label="2027-Q1")
    db.session.add(cycle)
    db.session.commit()
    out = tmp_path / "brief.pdf"
    result = runner.invoke(args=["briefs", "build", "--cycle", str(cycle.id), "-o", str(out)])
    assert result.exit_code == 1
    assert "no closed survey with results yet" in result.output
    assert not out.exists()
    missing = runner.invoke(args=["briefs", "build", "--cycle", "999999", "-o", str(out)])
    assert missing.exit_code == 1 and "No cycle with id 999999" in missing.output


def test_the_pages_as_pictures(quarters, artifacts_dir) -> None:
    """test-artifacts/brief-cycle-page-NN.png: the brief of a real cycle as a reader sees it."""
    import shutil

    from tests.environment import require

    require(shutil.which("pdftoppm") is not None, "pdftoppm", "apt-get install poppler-utils")
    _, cycle, _ = quarters
    pdf = render_pdf(build_brief(cycle, as_of=default_as_of(cycle)))
    path = os.path.join(artifacts_dir, "brief-cycle.pdf")
    with open(path, "wb") as f:
        f.write(pdf)
    for old in os.listdir(artifacts_dir):
        if old.startswith("brief-cycle-page-"):
            os.remove(os.path.join(artifacts_dir, old))
    done = subprocess.run(
        ["pdftoppm", "-png", "-r", "70", path, os.path.join(artifacts_dir, "brief-cycle-page")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == ""
    pictures = [f for f in os.listdir(artifacts_dir) if f.startswith("brief-cycle-page-")]
    assert len(pictures) == len(PdfReader(io.BytesIO(pdf)).pages)
