"""User text is isolated for direction wherever a page shows it: a right-to-left override
in a name (U+202E, "abc" + RLO + "gnp.exe" reads "abcexe.png") must not reorder the text
around it. Every page of a partnership is walked with such text in every name."""

from __future__ import annotations

from html.parser import HTMLParser

from flask import url_for

from partnership.extensions import db
from partnership.instruments.models import Instrument, Item
from partnership.kpis.models import Kpi
from partnership.partnerships.models import Partnership, Stakeholder
from partnership.surveys.models import Comment, Cycle
from tests.builders.basics import login, make_partnership, make_user
from tests.builders.world import build_children
from tests.routes import id_rules, rule_url

RLO = "\u202e"
EVIL = f"abc{RLO}gnp.exe"
#: Elements that are a paragraph of their own for the bidi algorithm: text alone in one of
#: them cannot reorder anything around it.
BLOCKS = {"td", "th", "li", "dd", "dt", "p", "h1", "h2", "h3", "h4", "option", "caption"}
SKIP = {"title", "script", "style"}
VOID = {"input", "br", "img", "meta", "link", "hr", "col", "source", "wbr"}


class IsolationCheck(HTMLParser):
    """Finds user text (it carries RLO) that is neither inside a <bdi> or an element with a
    dir attribute of its own, nor the whole text of a block element. `values` are the user
    texts as stored."""

    def __init__(self, values: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.values = values
        self.stack: list[dict] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        value = attributes.get("value") or ""
        if tag in ("input", "textarea") and RLO in value and "dir" not in attributes:
            self.problems.append(f"<{tag} value=…> without dir")
        if tag in VOID:
            return
        self.stack.append(
            {"tag": tag, "isolates": tag == "bdi" or "dir" in attributes, "texts": [], "pure": None}
        )

    def handle_endtag(self, tag):
        while self.stack:
            entry = self.stack.pop()
            if entry["pure"] is not None:
                whole = "".join(entry["texts"]).strip()
                if whole not in self.values:
                    self.problems.append(f"<{entry['tag']}>{whole[:80]!r}")
            if self.stack:
                self.stack[-1]["texts"].extend(entry["texts"])
            if entry["tag"] == tag:
                return

    def handle_data(self, data):
        if not self.stack:
            return
        self.stack[-1]["texts"].append(data)
        if RLO not in data or any(e["tag"] in SKIP for e in self.stack):
            return
        if any(e["isolates"] for e in self.stack[-1:]) or self._inside_bdi():
            return
        parent = self.stack[-1]
        if parent["tag"] in BLOCKS:
            parent["pure"] = data.strip()
        else:
            self.problems.append(f"<{parent['tag']}>…{data.strip()[:80]!r}")

    def _inside_bdi(self) -> bool:
        # The nearest isolating ancestor counts only if nothing else shares it: a <bdi> or an
        # element with dir directly around the text.
        return bool(self.stack) and self.stack[-1]["isolates"]


def check(html: str, values: set[str] | None = None) -> list[str]:
    parser = IsolationCheck(values or {EVIL})
    parser.feed(html)
    parser.close()
    return parser.problems


EDITED = (
    (Stakeholder, "stakeholder_id", "name"),
    (Instrument, "instrument_id", "name"),
    (Item, "item_id", "text"),
    (Comment, "comment_id", "body"),
    (Kpi, "kpi_id", "name"),
    (Cycle, "cycle_id", "label"),
)


def test_the_checker_catches_unisolated_text():
    assert check(f"<p>Hello {EVIL}, welcome</p>") != []
    assert check(f"<p>Hello <span>{EVIL}</span></p>") != []
    assert check(f"<p>Hello <bdi>{EVIL}</bdi>, welcome</p>") == []
    assert check(f"<td>{EVIL}</td>") == []
    assert check(f'<input value="{EVIL}">') != []
    assert check(f'<input dir="auto" value="{EVIL}">') == []


def test_every_page_isolates_user_text(app):
    coach = make_user(name=f"Coach {EVIL}")
    partnership = make_partnership(coach, name=f"Partnership {EVIL}", org_a_name=f"Org {EVIL}")
    ids = build_children(partnership)
    for model, key, column in EDITED:
        row = db.session.get(model, ids[key])
        setattr(row, column, f"{getattr(row, column)[:20]} {EVIL}")
    db.session.get(Partnership, partnership.id).description = f"About {EVIL}"
    db.session.commit()
    values = {
        f"Coach {EVIL}",
        f"Partnership {EVIL}",
        f"Org {EVIL}",
        f"About {EVIL}",
        *(f"{getattr(db.session.get(m, ids[k]), c)}" for m, k, c in EDITED),
    }
    client = app.test_client()
    login(client, coach)
    with app.test_request_context():
        urls = [rule_url(rule, ids) for rule, _ in id_rules(app) if "GET" in rule.methods]
        urls += [url_for("partnerships.index")]
    seen = 0
    problems: dict[str, list[str]] = {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        if RLO in html:
            seen += 1
        found = check(html, values)
        if found:
            problems[url] = found
    assert seen >= 10
    assert problems == {}
