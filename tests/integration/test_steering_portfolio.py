"""The portfolio: a coach's partnerships on one page from their snapshots, sortable, with no
value a results page withholds; steering members and other coaches see none of it."""

from __future__ import annotations

import re
from typing import Any

from partnership.governance import services
from partnership.scoring import Settings, fmt_pct, fmt_score, fmt_stat, score_survey
from partnership.surveys.services import create_cycle
from tests.builders.basics import login, make_partnership, make_user, text_of
from tests.builders.governance import add_member
from tests.builders.pulse import build_closed_survey
from tests.readers import text_tokens


def _numbers(obj: Any) -> set[str]:
    if isinstance(obj, dict):
        return set().union(*(_numbers(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(_numbers(v) for v in obj)) if obj else set()
    if obj is None or isinstance(obj, bool) or not isinstance(obj, int | float):
        return set()
    out = {fmt_score(obj), fmt_score(obj, signed=True), fmt_stat(obj), fmt_stat(obj, signed=True)}
    if 0 <= obj <= 1:
        out.add(fmt_pct(obj))
    return out


def _names_in_order(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/partnerships/\d+/results"><bdi>(.*?)</bdi>', html)


def test_the_portfolio_shows_health_and_trend_from_snapshots_and_sorts(app, client):
    coach = make_user(name="Rita Conceição")
    healthy = make_partnership(coach, name="Atlas × Borealis")
    for n, label in enumerate(("2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")):
        build_closed_survey(healthy, label=label, seed=n + 1)
    quiet = make_partnership(coach, name="Zephyr × Yarrow")
    cycle = create_cycle(quiet, "2026-Q3")
    services.raise_issue(cycle, services.IssueData(title="Escalate me"), coach)
    other = make_partnership(make_user(), name="Not Rita's")
    build_closed_survey(other)

    login(client, coach)
    html = client.get("/portfolio").get_data(as_text=True)
    assert _names_in_order(html) == ["Atlas × Borealis", "Zephyr × Yarrow"]  # health: worst first
    page = text_of(html)
    assert "Not Rita's" not in page
    assert "Cultural alignment" in page and "Execution alignment" in page
    # the last four cycles of the trend, oldest first
    assert "2025-Q4, 2026-Q1, 2026-Q2, 2026-Q3" in page and "2025-Q3" not in page
    assert "No closed survey yet" in page
    by_name = client.get("/portfolio?sort=name&order=desc").get_data(as_text=True)
    assert _names_in_order(by_name) == ["Zephyr × Yarrow", "Atlas × Borealis"]
    assert 'aria-sort="descending"' in by_name


def test_the_portfolio_shows_no_value_that_a_results_page_withholds(app, client):
    coach = make_user()
    partnership = make_partnership(coach, min_group=8)
    built = build_closed_survey(partnership, n_a=12, n_b=6)
    unguarded = score_survey(
        built.scoring_input, Settings(min_group=5), comment_key=b"snapshot-key"
    ).to_dict()
    secret: set[str] = set()
    for d in unguarded["dimensions"]:
        secret |= _numbers({k: d[k] for k in ("J", "G", "g", "ci_low", "ci_high")})
        secret |= _numbers(d["organizations"]["B"])
    forbidden = secret - _numbers(built.result)
    assert len(forbidden) >= 10
    login(client, coach)
    html = client.get("/portfolio").get_data(as_text=True)
    assert partnership.name in text_of(html)
    assert not forbidden & text_tokens(html)


def test_steering_members_have_no_portfolio(app, client):
    steering = make_user()
    add_member(make_partnership(), steering)  # a steering member (of organization A)
    login(client, steering)
    assert client.get("/portfolio").status_code == 403
