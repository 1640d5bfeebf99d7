"""Every route of the app with ids in its path, filled from a world of ids (for the page walks)."""

from __future__ import annotations

import pytest


def id_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        ids = [a for a in rule.arguments if a.endswith("_id")]
        if ids:
            yield rule, ids


def rule_url(rule, ids: dict[str, object]) -> str:
    values = {}
    for arg in rule.arguments:
        if arg not in ids:
            pytest.fail(
                f"route {rule.rule} takes {arg}; add a real {arg} of the partnership to tests/builders/world.py"
            )
        values[arg] = ids[arg]
    from flask import url_for

    return url_for(rule.endpoint, **values)
