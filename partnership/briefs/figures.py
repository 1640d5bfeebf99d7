"""The brief's charts: the results charts (``partnership.results.charts``) fed from the model.

One function per chart, taking the brief's plain data and returning the same ReportLab
``Chart`` the results pages draw. The PDF places it as a flowable; the HTML twin turns it into
inline SVG with ``partnership.results.charts.to_svg``. Withheld values reach the charts as None,
which every chart skips (never drawn as 0) or marks as withheld.

Importing this module imports ReportLab: the web app should import it inside the view that
needs it, not at start-up.
"""

from __future__ import annotations

from partnership.briefs.model import Brief, Heatmap, Scores, Trends
from partnership.results.charts import (
    Chart,
    GapRow,
    SplitRow,
    gap_chart,
    heatmap,
    radar_chart,
    split_chart,
    trend_chart,
)


def org_names(brief: Brief) -> dict[str, str]:
    return {o.letter: o.name for o in brief.organizations}


def radar(brief: Brief, *, width: float = 440, height: float = 340) -> Chart:
    """Both organizations' score S per dimension."""
    dims = brief.scores.dimensions
    return radar_chart(
        [d.label for d in dims],
        [d.org("A").S.value for d in dims],
        [d.org("B").S.value for d in dims],
        org_names(brief),
        width=width,
        height=height,
    )


def gap_rows(scores: Scores) -> list[GapRow]:
    return [
        GapRow(
            label=d.label,
            gap=d.G.value,
            low=d.ci_low.value,
            high=d.ci_high.value,
            confirmed=d.confirmed.value,
            census=d.census.value,
        )
        for d in scores.dimensions
    ]


def gaps(brief: Brief, *, width: float = 440) -> Chart:
    """G per dimension with its 95% interval; confirmed gaps solid."""
    return gap_chart(gap_rows(brief.scores), org_names(brief), width=width)


def split_rows(brief: Brief) -> list[SplitRow]:
    rows = []
    for d in brief.scores.dimensions:
        for org in brief.organizations:
            od = d.org(org.letter)
            rows.append(
                SplitRow(
                    d.label,
                    org.letter,
                    org.name,
                    od.favorable.value,
                    od.neutral.value,
                    od.unfavorable.value,
                )
            )
    return rows


def split(brief: Brief, *, width: float = 560) -> Chart:
    """Favorable, neutral and unfavorable answers per dimension and organization."""
    return split_chart(split_rows(brief), width=width)


def trend(trends: Trends, metric: str = "J", *, width: float = 560, height: float = 260) -> Chart:
    """J (or G, ``metric="G"``) per dimension across the brief's cycles, oldest first."""
    series = {
        s.label: [(s.J if metric == "J" else s.G)[k].value for k in range(len(trends.cycles))]
        for s in trends.series
    }
    return trend_chart(series, list(trends.cycles), metric=metric, width=width, height=height)


def heatmap_input(
    data: Heatmap, *, org: str | None = None
) -> tuple[list[str], list[str], list[list[float | None]]]:
    """Row labels, the dimension columns and the shown scores (None where withheld).

    Rows read "organization · function"; with ``org`` ("A" or "B") only that organization's
    rows, labelled by function alone.
    """
    rows = [row for row in data.rows if org is None or row.org.letter == org]
    labels = [row.segment if org else f"{row.org.name} · {row.segment}" for row in rows]
    values = [[cell.S.value for cell in row.cells] for row in rows]
    return labels, list(data.columns), values


def heat(
    data: Heatmap,
    *,
    org: str | None = None,
    width: float | None = None,
    label_w: float = 190,
) -> Chart:
    """The organization x function heatmap (or one organization's part of it, ``org``);
    ``width`` fits the cells into that many points."""
    rows, cols, values = heatmap_input(data, org=org)
    cell_w = 82.0
    if width is not None and cols:
        cell_w = max((width - label_w - 10) / len(cols), 40.0)
    return heatmap(rows, cols, values, cell_w=cell_w, label_w=label_w)
