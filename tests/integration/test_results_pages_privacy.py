"""No results page shows a value the snapshot withholds (scoring.md section 5).

An organization below the privacy threshold: its scores, spread, split, agreement and comments,
as they would have been with a lower threshold, appear on no page, not even inside a chart.
"""

from __future__ import annotations

from typing import Any

from partnership.scoring import Settings, fmt_pct, fmt_score, fmt_stat, score_survey
from tests.builders.basics import login
from tests.builders.pulse import build_closed_survey, setup_coach
from tests.readers import text_tokens

B_COMMENTS = ["Nobody from the plant joined the review.", "The forecast came far too late."]
A_COMMENTS = ["Keep the weekly stand-up.", "Share the roadmap earlier."]


def _formatted(value: Any) -> set[str]:
    """Every way a page could print a number."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return set()
    out = {fmt_score(value), fmt_score(value, signed=True), fmt_stat(value)}
    out.add(fmt_stat(value, signed=True))
    if 0 <= value <= 1:
        out.add(fmt_pct(value))
    return out


def _numbers(obj: Any) -> set[str]:
    """All numbers of a (part of a) result, formatted every way."""
    if isinstance(obj, dict):
        return set().union(*(_numbers(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(_numbers(v) for v in obj)) if obj else set()
    return _formatted(obj)


def test_an_organization_below_the_threshold_appears_nowhere(app, client):
    coach, partnership = setup_coach(min_group=8)
    built = build_closed_survey(
        partnership, n_a=12, n_b=6, comments={"A": A_COMMENTS, "B": B_COMMENTS}
    )
    shown = built.result
    # What B's values would be with the default threshold of 5.
    unguarded = score_survey(
        built.scoring_input, Settings(min_group=5), comment_key=b"snapshot-key"
    ).to_dict()
    secret: set[str] = set()
    for d in unguarded["dimensions"]:
        b = d["organizations"]["B"]
        assert b["S"] is not None and b["rwg"] is not None  # the test data can reveal B
        secret |= _numbers({k: b[k] for k in ("S", "s", "favorable", "neutral", "unfavorable")})
        secret |= _numbers({k: b[k] for k in ("rwg", "AD")})
        secret |= _numbers({k: d[k] for k in ("J", "G", "g", "ci_low", "ci_high")})
    secret |= _numbers(unguarded["organizations"]["B"]["overall"])
    # Numbers the page may legitimately print (A's values, counts, participation) stay out.
    forbidden = secret - _numbers(shown)
    assert len(forbidden) >= 20
    assert shown["organizations"]["B"]["comments"] is None
    login(client, coach)

    pages = {
        path: client.get(path).get_data(as_text=True)
        for path in (
            f"/partnerships/{partnership.id}/surveys/{built.survey.id}/results",
            f"/partnerships/{partnership.id}/results",
            f"/partnerships/{partnership.id}/trends",
        )
    }

    for path, html in pages.items():
        leaked = forbidden & text_tokens(html)
        assert not leaked, f"{path} shows withheld values {sorted(leaked)}"
        for text in B_COMMENTS:
            assert text not in html
    results = pages[f"/partnerships/{partnership.id}/surveys/{built.survey.id}/results"]
    # A is shown (the page is not simply empty), with the threshold explained.
    assert fmt_score(shown["dimensions"][0]["organizations"]["A"]["S"]) in text_tokens(results)
    for text in A_COMMENTS:
        assert text in results
    assert "withheld: fewer than 8 people" in results
