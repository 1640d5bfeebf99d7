"""Cross-check the app's JSON results export against the clean-room reference (ref.py).

Usage: .venv/bin/python tools/crosscheck/run.py --seeds 300 [--start 0] [--jobs 2] [--literal]
       .venv/bin/python tools/crosscheck/run.py --seed 17          (one data set, every diff)
       XCHECK_DUMP=1 ... writes app result, reference result and raw rows per survey to out/seed-N/
Exit status 0 when everything agrees, 1 otherwise. --literal reads the ambiguous sentences
literally instead of the CHOICEs documented in ref.py (see the report). Six targeted data sets
(values exactly on the default thresholds) always run first.

Each seed builds one partnership in a temp SQLite database through the app's own services
(stakeholders, cycles, surveys, the survey link submission, instrument cloning and editing, the
close service that freezes the snapshot), fetches every closed survey's export through
/api/v1 with an API token, and compares every number, reason, signal, escalation and health
with ref.score() computed from the raw rows. Summary: one line per kind of disagreement, with the
smallest seed (fewest responses) that shows it. Details go to tools/crosscheck/out/ (not committed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import random
import re
import sys
import tempfile
import traceback
from collections import defaultdict
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
FUNCS = ["sales", "operations", "procurement", "finance", "product", "leadership", "other"]
LEVELS = ["executive", "manager", "individual"]
THRESHOLD_OVERRIDES = [
    {"level_amber": 65},
    {"gap_amber": 8, "gap_red": 11},
    {"rwg_min": 0.6},
    {"participation_amber": 0.7, "participation_red": 0.5},
    {"signs_amber": 2, "signs_red": 3},
    {"trend_amber": 5, "trend_red_1": 7, "trend_red_2": 9},
    {"health_amber_j": 75, "divergence": 5},
    {"polarized_share": 0.2},
    {"level_amber": 62.5, "gap_amber": 7.5, "trend_red_1": 7.5},
]

# --- app plumbing ---------------------------------------------------------------------------

APP = None


def init_app() -> None:
    global APP
    logging.disable(logging.CRITICAL)
    from partnership import create_app
    from partnership.cli import upgrade

    folder = tempfile.mkdtemp(prefix="xcheck-")
    url = "sqlite:///" + os.path.join(folder, "x.db")
    upgrade(url)
    APP = create_app(
        {
            "TESTING": True,
            "ENV": "development",
            "SECRET_KEY": "x" * 32,
            "DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with APP.app_context():
        from partnership.accounts.services import create_user
        from partnership.instruments.services import ensure_builtins

        ensure_builtins()
        create_user("coach@example.org", "Coach", "correct horse battery")


# --- data generation ------------------------------------------------------------------------


class World:
    """One seed's partnership, what was submitted, and the reference's history per lineage."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.features: set[str] = set()
        self.responses = 0
        self.clock = dt.datetime(2031, 1, 1, 9, 0, tzinfo=dt.UTC)
        self.history: dict[int, list[dict[str, Any]]] = defaultdict(list)  # lineage -> ref results
        self.fetched: list[tuple[int, int, dict[str, Any]]] = []  # (cycle id, survey id, export)
        self.diffs: list[tuple[str, str, Any, Any, str]] = []
        self.people_seq = 0
        self.mu: dict[tuple[int, str, str], float] = {}  # (lineage, dim, org) -> mean answer

    def tick(self, days: int = 1) -> dt.datetime:
        self.clock += dt.timedelta(days=days)
        return self.clock


def _org_size(rng: random.Random, mg: int) -> int:
    kind = rng.random()
    if kind < 0.25:
        return rng.randint(1, mg + 1)
    if kind < 0.7:
        return rng.randint(mg, 3 * mg + 4)
    return rng.randint(12, 40)


def add_people(w: World, p, org, count: int, funcs: list[str], fweights: list[float]) -> None:
    from partnership.extensions import db
    from partnership.partnerships.models import Stakeholder

    for _ in range(count):
        w.people_seq += 1
        db.session.add(
            Stakeholder(
                partnership_id=p.id,
                organization_id=org.id,
                name=f"Person {w.people_seq}",
                email=f"p{w.people_seq}.s{w.seed}@{org.short_code.lower()}.example",
                function=w.rng.choices(funcs, fweights)[0],
                level=w.rng.choices(LEVELS, [1, 2, 4])[0],
            )
        )
    db.session.commit()


def make_custom(w: World, p, base_key: str):
    """Clone a built-in and edit it through the instrument editor's services."""
    from sqlalchemy import select

    from partnership.extensions import db
    from partnership.instruments import services as ins
    from partnership.instruments.models import Instrument

    base = db.session.scalar(select(Instrument).where(Instrument.builtin_key == base_key))
    clone = ins.clone_instrument(p, base)
    edit_custom(w, clone, first=True)
    return clone


def edit_custom(w: World, inst, first: bool = False) -> None:
    from partnership.instruments import services as ins

    rng = w.rng
    latest = ins.latest_version(inst)
    edits = rng.randint(1, 5)
    for _ in range(edits):
        latest = ins.latest_version(inst)
        op = rng.random()
        items = sorted(latest.items, key=lambda i: i.position)
        scored = [i for i in items if i.dimension is not None]
        try:
            if op < 0.25 and scored:
                ins.remove_item(inst, rng.choice(scored))
                w.features.add("custom:remove_item")
            elif op < 0.45:
                key = ins.add_dimension(inst, f"Extra {rng.randint(1, 10**6)}")
                kind = rng.choice(["agreement", "frequency"])
                for _k in range(rng.choice([0, 1, 2, 3, 5, 6, 7, 9])):
                    ins.add_item(
                        inst,
                        ins.ItemData(
                            kind=kind,
                            text=f"Q {rng.random()}",
                            dimension=key,
                            is_reverse=rng.random() < 0.35,
                            allow_na=rng.random() < 0.7,
                        ),
                    )
                w.features.add(f"custom:new_dimension:{kind}")
            elif op < 0.6 and scored:
                it = rng.choice(scored)
                ins.update_item(
                    inst,
                    it,
                    ins.ItemData(
                        kind=it.kind,
                        text=it.text,
                        dimension=it.dimension,
                        is_reverse=not it.is_reverse,
                        allow_na=it.allow_na,
                        sign=it.sign,
                    ),
                )
                w.features.add("custom:flip_reverse")
            elif op < 0.75:
                kind = rng.choice(["agreement", "likelihood"])
                ins.add_item(inst, ins.ItemData(kind=kind, text=f"Own {rng.random()}"))
                w.features.add(f"custom:unscored_{kind}")
            elif op < 0.85 and scored:
                # move an item into another dimension of the same scale
                it = rng.choice(scored)
                same = [
                    d
                    for d in latest.dimensions
                    if d != it.dimension
                    and all(
                        i.kind == it.kind
                        for i in latest.items
                        if i.dimension == d and i.kind != "comment"
                    )
                ]
                if same:
                    ins.update_item(
                        inst,
                        it,
                        ins.ItemData(
                            kind=it.kind,
                            text=it.text,
                            dimension=rng.choice(same),
                            is_reverse=it.is_reverse,
                            allow_na=it.allow_na,
                            sign=it.sign,
                        ),
                    )
                    w.features.add("custom:move_item")
            else:
                ins.add_dimension(inst, f"Empty {rng.randint(1, 10**6)}")
                w.features.add("custom:empty_dimension")
        except ins.InstrumentError:
            pass


def answer_value(
    w: World, item, org: str, style: str, person: float, lineage: int, fixed: dict
) -> int | None:
    rng = w.rng
    a = {"agreement": 5, "frequency": 4, "likelihood": 11}[item.kind]
    if style == "discrete" and item.dimension is not None and item.kind != "likelihood":
        # one value per person and dimension, mirrored on reverse items: person scores are
        # multiples of 100 / (A - 1), so group values often land exactly on thresholds
        v = fixed.setdefault(
            ("discrete", person, item.dimension),
            rng.choice([1, 2, 3, 3, 4, 5] if a == 5 else [1, 2, 3, 4]),
        )
        v = min(v, a)
        rev = item.is_reverse or item.sign is not None
        return a + 1 - v if rev else v
    if style == "same":
        if item.key not in fixed:
            fixed[item.key] = rng.randint(1, a) if item.kind != "likelihood" else rng.randint(0, 10)
        return fixed[item.key]
    if item.kind == "likelihood":
        return max(0, min(10, round(rng.gauss(6.5, 2.5))))
    if style == "polar":
        return rng.choice([1, a])
    if item.sign is not None or (item.kind == "frequency" and item.dimension is None):
        p = fixed.setdefault(("sign", item.key), rng.random())
        return rng.choice([3, 4]) if rng.random() < p else rng.choice([1, 2])
    dim = item.dimension or "_overall"
    mu = w.mu.setdefault(
        (lineage, dim, org), rng.uniform(2.0, 4.5) if a == 5 else rng.uniform(1.5, 3.5)
    )
    x = mu + person + rng.gauss(0, 0.8)
    if item.is_reverse:
        x = a + 1 - x
    return max(1, min(a, round(x)))


def run_survey(w: World, p, cycle, inst, *, close: bool = True, erase: bool = False):
    """Plan, open, answer through the survey links, optionally close. Returns the survey."""
    from sqlalchemy import select

    from partnership.extensions import db
    from partnership.partnerships.models import Stakeholder
    from partnership.results.services import close_survey
    from partnership.surveys import services as ss
    from partnership.surveys import taking
    from partnership.surveys.erasure import erase_stakeholder
    from partnership.surveys.models import Invitation, InvitationToken, hash_token, new_token

    rng = w.rng
    targets: list[str] = []
    if rng.random() < 0.1:
        present = sorted(
            {
                s.function
                for s in db.session.scalars(
                    select(Stakeholder).where(
                        Stakeholder.partnership_id == p.id, Stakeholder.is_active.is_(True)
                    )
                )
            }
        )
        if len(present) > 1:
            targets = rng.sample(present, rng.randint(1, len(present) - 1))
            w.features.add("targeting")
    survey = ss.create_survey(
        p, cycle, ss.SurveyData(instrument_id=inst.id, target_functions=targets)
    )
    ss.open_survey(survey, base_url="http://localhost", now=w.tick())
    invs = list(db.session.scalars(select(Invitation).where(Invitation.survey_id == survey.id)))
    _, version = ss.survey_instrument(survey)
    items = sorted(version.items, key=lambda i: i.position)
    by_org: dict[str, list] = {"A": [], "B": []}
    pos = {o.id: ("A" if o.position == 1 else "B") for o in p.organizations}
    tokens = {}
    for inv in invs:
        t = new_token()  # the link an email would carry: only its hash is stored
        db.session.add(InvitationToken(token_hash=hash_token(t), invitation_id=inv.id))
        tokens[inv.id] = t
        by_org[pos[inv.organization_id]].append(inv)
    db.session.commit()
    submitted_people = []
    for org in "AB":
        members = by_org[org]
        if not members:
            continue
        r = rng.random()
        if r < 0.25:
            rate = 1.0
            w.features.add("census_org")
        elif r < 0.3:
            rate = 0.0
        else:
            rate = rng.uniform(0.2, 1.0)
        count = round(rate * len(members))
        chosen = rng.sample(members, count)
        style = rng.choices(["normal", "same", "polar", "discrete"], [0.6, 0.12, 0.08, 0.2])[0]
        w.features.add("style:" + style)
        na_rate = rng.choice([0.0, 0.05, 0.15, 0.4])
        skip_rate = rng.choice([0.0, 0.0, 0.1, 0.3])
        fixed: dict = {}
        for inv in chosen:
            person = rng.gauss(0, 0.5)
            form = {}
            for it in items:
                if it.kind == "comment":
                    if rng.random() < 0.3:
                        form[f"item-{it.id}"] = (
                            f"comment {w.seed}-{survey.id}-{inv.id}-{rng.random()}"
                        )
                    continue
                if style != "same" and rng.random() < skip_rate:
                    continue
                if style != "same" and it.allow_na and rng.random() < na_rate:
                    form[f"item-{it.id}"] = "na"
                    continue
                form[f"item-{it.id}"] = str(
                    answer_value(w, it, org, style, person, survey.instrument_id, fixed)
                )
            res = taking.submit(tokens[inv.id], form)
            if res.status != "submitted":
                raise RuntimeError(f"submit: {res.status}")
            w.responses += 1
            submitted_people.append(inv.stakeholder_id)
    if erase and submitted_people:
        victim = db.session.get(Stakeholder, rng.choice(submitted_people))
        erase_stakeholder(victim)
        w.features.add("erase_after_answer")
    if close:
        close_survey(survey, now=w.tick())
    return survey


def pick_boundary(w: World, p, data: ref.SurveyData) -> dict[str, float]:
    """Thresholds set ON values of this very survey (within +-5e-10), so that every rule is
    judged exactly at its threshold: scoring.md 6 says such a value counts as on it."""
    rng = w.rng
    pre = ref.score(data)
    ref.NEAR.clear()
    cur = {**ref.DEFAULTS, **(p.thresholds or {})}
    cand: list[tuple[str, float]] = []
    hist = data.history
    for d in pre["dimensions"]:
        J, G, g = d["J"], d["G"], d["g"]
        if J is not None:
            cand += [
                ("level_amber", J),
                ("level_red", J),
                ("health_amber_j", J),
                ("gap_amber", abs(G)),
            ]
            if g is not None:
                cand.append(("gap_red", abs(G)))
                cand.append(("gap_red_g", abs(g)))
            for t, key in ((0, "trend_red_1"), (1, "trend_red_2"), (1, "trend_amber")):
                if len(hist) > t:
                    old = next(
                        (x for x in hist[t]["dimensions"] if x["dimension"] == d["dimension"]), None
                    )
                    if old and old["J"] is not None and old["J"] > J:
                        cand.append((key, old["J"] - J))
            if len(hist) > 1:
                old = next(
                    (x for x in hist[1]["dimensions"] if x["dimension"] == d["dimension"]), None
                )
                if old and old["G"] is not None and abs(G) > abs(old["G"]):
                    cand.append(("divergence", abs(G) - abs(old["G"])))
        for o in "AB":
            od = d["organizations"][o]
            if od["rwg"] is not None and 0 < od["rwg"] < 1:
                cand.append(("rwg_min", od["rwg"]))
            if od["favorable"] is not None and od["S_reason"] is None:
                for share in (od["favorable"], od["unfavorable"]):
                    if 0 < share <= 0.5:
                        cand.append(("polarized_share", share))
    R = {o: pre["organizations"][o]["R"] for o in "AB"}
    for o in "AB":
        if R[o] is not None and 0 < R[o] < 1:
            cand += [("participation_amber", R[o]), ("participation_red", R[o])]
        if hist and R[o] is not None and hist[0]["organizations"][o]["R"] is not None:
            drop = hist[0]["organizations"][o]["R"] - R[o]
            if drop > 0:
                cand.append(("participation_drop", drop))
    if R["A"] is not None and R["B"] is not None and R["A"] != R["B"]:
        cand.append(("participation_diff", abs(R["A"] - R["B"])))
    if not cand:
        return {}
    out = dict(p.thresholds or {})
    for key, value in rng.sample(cand, min(len(cand), rng.randint(1, 4))):
        out[key] = value + rng.choice([0.0, 0.0, 4e-10, -4e-10])
        w.features.add("boundary:" + key)
    # keep the pairs in a sensible order (amber before red)
    merged = {**cur, **out}
    if merged["gap_amber"] > merged["gap_red"]:
        if "gap_amber" in out:
            out["gap_red"] = merged["gap_amber"] + 2.5
        else:
            out["gap_amber"] = max(1.0, merged["gap_red"] - 2.5)
    if merged["trend_amber"] > merged["trend_red_2"]:
        if "trend_amber" in out:
            out["trend_red_2"] = merged["trend_amber"] + 4
        else:
            out["trend_amber"] = max(1.0, merged["trend_red_2"] - 4)
    if merged["level_red"] > merged["level_amber"]:
        if "level_amber" in out:
            out["level_red"] = max(0.0, merged["level_amber"] - 10)
        else:
            out["level_amber"] = merged["level_red"] + 10
    if merged["participation_red"] > merged["participation_amber"]:
        out["participation_red" if "participation_amber" in out else "participation_amber"] = (
            merged["participation_amber"] / 2
            if "participation_amber" in out
            else min(1.0, merged["participation_red"] + 0.2)
        )
    return out


def raw_data(w: World, p, survey, history: list[dict[str, Any]]) -> ref.SurveyData:
    """The raw rows of a survey, read from the tables (items, responses, answers, comments,
    invitations): everything ref.score needs."""
    from sqlalchemy import select

    from partnership.extensions import db
    from partnership.surveys import services as ss
    from partnership.surveys.models import Answer, Comment, Invitation, Response

    _, version = ss.survey_instrument(survey)
    items = [
        ref.ItemRow(i.key, i.kind, i.dimension, bool(i.is_reverse), i.sign)
        for i in sorted(version.items, key=lambda i: i.position)
    ]
    by_id = {i.id: i.key for i in version.items}
    pos = {o.id: ("A" if o.position == 1 else "B") for o in p.organizations}
    responses = []
    for r in db.session.scalars(select(Response).where(Response.survey_id == survey.id)):
        answers = {
            by_id[a.item_id]: a.value
            for a in db.session.scalars(select(Answer).where(Answer.response_id == r.id))
        }
        comments = [
            c.body
            for c in db.session.scalars(select(Comment).where(Comment.response_id == r.id))
            if not c.is_hidden
        ]
        responses.append(
            ref.ResponseRow(pos[r.organization_id], r.function, r.level, answers, comments)
        )
    invitations = [
        (pos[i.organization_id], i.function, i.level)
        for i in db.session.scalars(select(Invitation).where(Invitation.survey_id == survey.id))
    ]
    settings = {"min_group": p.min_group, **(p.thresholds or {})}
    return ref.SurveyData(
        settings=settings,
        dimensions=list(version.dimensions),
        items=items,
        responses=responses,
        invitations=invitations,
        history=list(reversed(history[-2:])),
    )


def fetch(client, raw_token: str, url: str) -> dict[str, Any]:
    resp = client.get(url, headers={"Authorization": f"Bearer {raw_token}"})
    if resp.status_code != 200:
        raise RuntimeError(f"GET {url}: {resp.status_code} {resp.get_data(as_text=True)[:300]}")
    return resp.get_json()


# --- schema -------------------------------------------------------------------------------

SCHEMA_PATH = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "results-export.schema.json"
)
_SCHEMA: dict[str, Any] | None = None


def schema_errors(x: Any, sch: dict[str, Any], root: dict[str, Any], path: str = "$") -> list[str]:
    """A small JSON Schema subset: $ref, type, enum, const, anyOf, oneOf, properties, required,
    additionalProperties, items, minimum, maximum."""
    if "$ref" in sch:
        node = root
        for part in sch["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return schema_errors(x, node, root, path)
    errs: list[str] = []
    if "type" in sch:
        want = sch["type"] if isinstance(sch["type"], list) else [sch["type"]]
        ok = False
        for t in want:
            if t == "integer":
                ok |= isinstance(x, int) and not isinstance(x, bool)
            elif t == "number":
                ok |= isinstance(x, (int, float)) and not isinstance(x, bool)
            else:
                ok |= isinstance(
                    x,
                    {
                        "object": dict,
                        "array": list,
                        "string": str,
                        "boolean": bool,
                        "null": type(None),
                    }[t],
                )
        if not ok:
            return [f"{path}: {x!r} is not {want}"]
    if "enum" in sch and x not in sch["enum"]:
        errs.append(f"{path}: {x!r} not in enum")
    if "const" in sch and x != sch["const"]:
        errs.append(f"{path}: {x!r} != const")
    if "anyOf" in sch and all(schema_errors(x, s, root, path) for s in sch["anyOf"]):
        errs.append(
            f"{path}: {x!r} matches no anyOf branch: "
            + "; ".join(e for s in sch["anyOf"] for e in schema_errors(x, s, root, path))[:300]
        )
    if "oneOf" in sch and sum(1 for s in sch["oneOf"] if not schema_errors(x, s, root, path)) != 1:
        errs.append(f"{path}: not exactly one oneOf branch")
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        if "minimum" in sch and x < sch["minimum"]:
            errs.append(f"{path}: {x} < minimum {sch['minimum']}")
        if "maximum" in sch and x > sch["maximum"]:
            errs.append(f"{path}: {x} > maximum {sch['maximum']}")
    if isinstance(x, dict):
        props = sch.get("properties", {})
        for k in sch.get("required", []):
            if k not in x:
                errs.append(f"{path}: missing {k}")
        for k, v in x.items():
            if k in props:
                errs += schema_errors(v, props[k], root, f"{path}.{k}")
            elif sch.get("additionalProperties") is False:
                errs.append(f"{path}: unexpected {k}")
            elif isinstance(sch.get("additionalProperties"), dict):
                errs += schema_errors(v, sch["additionalProperties"], root, f"{path}.{k}")
    if isinstance(x, list) and isinstance(sch.get("items"), dict):
        for i, v in enumerate(x):
            errs += schema_errors(v, sch["items"], root, f"{path}[{i}]")
    return errs


def check_schema(w: World, where: str, body: dict[str, Any], kind: str = "survey_export") -> None:
    global _SCHEMA
    if _SCHEMA is None:
        with open(SCHEMA_PATH) as fh:
            _SCHEMA = json.load(fh)
    for e in schema_errors(body, _SCHEMA["$defs"][kind], _SCHEMA)[:5]:
        path = e.split(": ", 1)[0]
        cat = re.sub(r"\[\d+\]", "[*]", path)
        cat = re.sub(r"\.(A|B)(?=\.|$)", ".*", cat)
        cat = re.sub(r"^\$\.surveys\.[^.]+\.", "$.surveys.*.", cat)
        kinds = re.findall(
            r"> maximum|< minimum|missing \w+|unexpected \w+|not in enum|is not \[[^]]*\]", e
        )
        w.diffs.append((f"schema:{cat}:{kinds[0] if kinds else 'invalid'}", e, None, None, where))

    def walk(x: Any, path: str) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k.endswith("_reason") and k[: -len("_reason")] in x:
                    base = x[k[: -len("_reason")]]
                    if (base is None) == (v is None):
                        w.diffs.append(
                            (f"schema:null_iff_reason:{k}", f"{path}.{k}", base, v, where)
                        )
                walk(v, f"{path}.{k}")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{path}[{i}]")

    walk(body.get("result", {}), "result")


# --- comparison -----------------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) and math.isnan(a) or isinstance(b, float) and math.isnan(b):
            return False
        return abs(a - b) <= 1e-9 or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


class Cmp:
    def __init__(self, w: World, where: str) -> None:
        self.w = w
        self.where = where

    def diff(self, cat: str, path: str, app: Any, mine: Any) -> None:  # noqa: D102
        self.w.diffs.append((cat, path, app, mine, self.where))

    def fields(self, cat: str, path: str, app: dict, mine: dict, keys: list[str]) -> None:
        for k in keys:
            if k not in mine:
                continue
            if k not in app:
                self.diff(f"{cat}.{k}:missing", f"{path}.{k}", "<absent>", mine[k])
                continue
            if not same(app[k], mine[k]):
                self.diff(f"{cat}.{k}", f"{path}.{k}", app[k], mine[k])


ORG_DIM_KEYS = [
    "n",
    "n_reason",
    "S",
    "S_reason",
    "s",
    "s_reason",
    "favorable",
    "favorable_reason",
    "neutral",
    "neutral_reason",
    "unfavorable",
    "unfavorable_reason",
    "rwg",
    "rwg_reason",
    "AD",
    "AD_reason",
    "indicative",
]
DIM_KEYS = [
    "headline",
    "points",
    "item_count",
    "J",
    "J_reason",
    "G",
    "G_reason",
    "g",
    "g_reason",
    "ci_low",
    "ci_low_reason",
    "ci_high",
    "ci_high_reason",
    "confirmed",
    "confirmed_reason",
    "census",
    "census_reason",
    "health",
    "health_reason",
]


def score_with_app_settings(
    w: World, where: str, data: ref.SurveyData, app: dict[str, Any]
) -> dict[str, Any]:
    """The reference result. The settings the app scored with are compared first (a threshold
    the app did not take as stored is one finding); the rest is then compared against the
    reference computed with the app's effective settings, so one settings difference does not
    show up again as every signal it moves."""
    stored = {**ref.DEFAULTS, **data.settings}
    eff = app["settings"]
    c = Cmp(w, where)
    for k, v in stored.items():
        if k in eff and not same(eff[k], v):
            c.diff(f"settings.{k}:not_as_stored", f"settings.{k}", eff[k], v)
    if any(k in eff and not same(eff[k], v) for k, v in stored.items()):
        data = ref.SurveyData(
            **{
                **vars(data),
                "settings": {**data.settings, **{k: eff[k] for k in stored if k in eff}},
            }
        )
    return ref.score(data)


def compare(w: World, where: str, app: dict[str, Any], mine: dict[str, Any]) -> None:
    c = Cmp(w, where)
    for s in mine["signals"]:
        w.features.add(f"signal:{s['rule']}:{s['severity']}")
    for e in mine["escalations"]:
        w.features.add(f"escalation:{e['kind']}")
    for d in mine["dimensions"]:
        if d["g_reason"] == "not_computable":
            w.features.add("g_null_sp0")
        if d["census"]:
            w.features.add("census_dimension")
        if d["confirmed"] is not None:
            w.features.add(f"confirmed:{d['confirmed']}")
        for o in "AB":
            if d["organizations"][o]["indicative"]:
                w.features.add("indicative")
    # organizations
    for o in "AB":
        a, m = app["organizations"][o], mine["organizations"][o]
        c.fields(
            "org",
            f"organizations.{o}",
            a,
            m,
            [
                "invited",
                "responded",
                "R",
                "R_reason",
                "overall",
                "overall_reason",
                "sign_count",
                "sign_count_reason",
                "signs_reason",
                "comments_reason",
            ],
        )
        if (a["signs"] is None) != (m["signs"] is None):
            c.diff("org.signs", f"organizations.{o}.signs", a["signs"], m["signs"])
        elif m["signs"] is not None:
            asg = {s["sign"]: s for s in a["signs"]}
            for s in m["signs"]:
                if s["sign"] not in asg:
                    c.diff("org.signs:missing", f"organizations.{o}.signs[{s['sign']}]", None, s)
                    continue
                c.fields(
                    "org.signs",
                    f"organizations.{o}.signs[{s['sign']}]",
                    asg[s["sign"]],
                    s,
                    ["item_id", "median", "present"],
                )
            if len(asg) != len(m["signs"]):
                c.diff("org.signs:count", f"organizations.{o}.signs", len(asg), len(m["signs"]))
        ac = sorted(x["text"] for x in a["comments"]) if a["comments"] is not None else None
        if ac != m["comments"]:
            c.diff("org.comments", f"organizations.{o}.comments", ac, m["comments"])
    c.fields(
        "result",
        "result",
        app,
        mine,
        ["overall_joint", "overall_joint_reason", "health", "health_reason"],
    )
    # dimensions
    adims = {d["dimension"]: d for d in app["dimensions"]}
    order_app = [d["dimension"] for d in app["dimensions"]]
    order_mine = [d["dimension"] for d in mine["dimensions"]]
    if order_app != order_mine:
        if sorted(order_app) != sorted(order_mine):
            c.diff("dimensions:set", "dimensions", order_app, order_mine)
        else:
            c.diff("dimensions:order", "dimensions", order_app, order_mine)
    for md in mine["dimensions"]:
        d = md["dimension"]
        ad = adims.get(d)
        if ad is None:
            continue
        c.fields("dim", f"dimensions[{d}]", ad, md, DIM_KEYS)
        for o in "AB":
            c.fields(
                "dim.org",
                f"dimensions[{d}].{o}",
                ad["organizations"][o],
                md["organizations"][o],
                ORG_DIM_KEYS,
            )
    # breakdowns
    for seg in ("function", "level"):
        acells = {(x["dimension"], x["org"], x[seg]): x for x in app["breakdowns"][seg]}
        mcells = {(x["dimension"], x["org"], x[seg]): x for x in mine["breakdowns"][seg]}
        for k in sorted(set(acells) | set(mcells), key=str):
            if k not in acells:
                c.diff(f"breakdown.{seg}:row_missing", f"breakdowns.{seg}{k}", None, mcells[k])
            elif k not in mcells:
                c.diff(f"breakdown.{seg}:row_extra", f"breakdowns.{seg}{k}", acells[k], None)
            else:
                c.fields(
                    f"breakdown.{seg}",
                    f"breakdowns.{seg}{k}",
                    acells[k],
                    mcells[k],
                    ["n", "n_reason", "S", "S_reason", "indicative"],
                )
        pa = {(x["org"], x[seg]): x for x in app["participation"][seg]}
        pm = {(x["org"], x[seg]): x for x in mine["participation"][seg]}
        for k in sorted(set(pa) | set(pm), key=str):
            if k not in pa:
                c.diff(f"participation.{seg}:row_missing", f"participation.{seg}{k}", None, pm[k])
            elif k not in pm:
                c.diff(f"participation.{seg}:row_extra", f"participation.{seg}{k}", pa[k], None)
            else:
                keys = ["invited", "responded", "responded_reason", "R", "R_reason"]
                if pm[k]["R_reason"] is None:
                    keys.append("indicative")
                c.fields(f"participation.{seg}", f"participation.{seg}{k}", pa[k], pm[k], keys)
    la = {(x["dimension"], x["org"]): x for x in app["leadership_operations"]}
    for x in mine["leadership_operations"]:
        k = (x["dimension"], x["org"])
        if k not in la:
            c.diff("leadops:row_missing", f"leadership_operations{k}", None, x)
            continue
        c.fields(
            "leadops",
            f"leadership_operations{k}",
            la[k],
            x,
            ["executive", "individual", "difference"],
        )
    ia = {x["item_id"]: x for x in app["items"]}
    im = {x["item_id"]: x for x in mine["items"]}
    for k in sorted(set(ia) | set(im)):
        if k not in ia:
            c.diff("items:row_missing", f"items[{k}]", None, im[k]["kind"])
            continue
        if k not in im:
            c.diff("items:row_extra", f"items[{k}]", ia[k]["kind"], None)
            continue
        c.fields(
            "items",
            f"items[{k}]",
            ia[k],
            im[k],
            ["kind", "points", "scale_min", "joint_mean", "joint_mean_reason"],
        )
        for o in "AB":
            c.fields(
                "items.org",
                f"items[{k}].{o}",
                ia[k]["organizations"][o],
                im[k]["organizations"][o],
                [
                    "n",
                    "n_reason",
                    "distribution",
                    "distribution_reason",
                    "mean",
                    "mean_reason",
                    "indicative",
                ],
            )
    # complementary suppression: can a hidden value be derived by subtraction in the app's output?
    for seg, d, ns in mine.get("_grids", []):
        hid = {
            (x["org"], x[seg])
            for x in app["breakdowns"][seg]
            if x["dimension"] == d and x["n"] is None
        }
        for line in ref.grid_violations(ns, hid, mine["settings"]["min_group"], seg):
            c.diff(f"privacy:breakdown.{seg}:derivable", f"breakdowns.{seg}[{d}]", line, None)
    # signals
    sa = [(s["rule"], s["dimension"], s["severity"]) for s in app["signals"]]
    sm = [(s["rule"], s["dimension"], s["severity"]) for s in mine["signals"]]
    if len(set((r, d) for r, d, _ in sa)) != len(sa):
        c.diff("signals:duplicate", "signals", sa, None)
    am = {(r, d): s for r, d, s in sa}
    mm = {(r, d): s for r, d, s in sm}
    for k in sorted(set(am) | set(mm), key=str):
        if am.get(k) != mm.get(k):
            c.diff(f"signal:{k[0]}:{am.get(k)}->{mm.get(k)}", f"signals{k}", am.get(k), mm.get(k))
    ea = sorted(
        (e["kind"], e["dimension"] or "", e["rule"] or "" if e["kind"] == "repeated_red" else "")
        for e in app["escalations"]
    )
    em = sorted(
        (e["kind"], e["dimension"] or "", e["rule"] or "" if e["kind"] == "repeated_red" else "")
        for e in mine["escalations"]
    )
    for e in sorted(set(ea) ^ set(em)):
        c.diff(
            f"escalation:{e[0]}:{'app_only' if e in ea else 'ref_only'}",
            f"escalations{e}",
            e in ea,
            e in em,
        )


def _fmt(x: float, places: int) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    q = Decimal(1).scaleb(-places)
    return str(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def _pct(x: float) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    return str((Decimal(repr(x)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) + "%"


def check_explanations(w: World, where: str, app: dict[str, Any]) -> None:
    """Explanations quote reportable values only, rounded by the one formatter (Decimal,
    ROUND_HALF_UP): scores to 1 decimal, g to 2, shares and participation to whole percent."""
    c = Cmp(w, where)
    names = {o: app["organizations"][o]["name"] for o in "AB"}
    dims = {d["dimension"]: d for d in app["dimensions"]}
    for s in app["signals"]:
        text = s["explanation"]
        d = dims.get(s["dimension"]) if s["dimension"] else None
        want: list[str] = []
        if s["rule"] == "LEVEL" and d:
            want = [_fmt(d["J"], 1)]
        elif s["rule"] == "GAP" and d:
            want = [_fmt(d["organizations"][o]["S"], 1) for o in "AB"] + [_fmt(abs(d["G"]), 1)]
            if d["g"] is not None:
                want.append(_fmt(abs(d["g"]), 2))
        elif s["rule"] == "CONSENSUS" and s["severity"] == "red" and d:
            for o in "AB":
                od = d["organizations"][o]
                if names[o] in text and od["favorable"] is not None:
                    want += [_pct(od["favorable"]), _pct(od["unfavorable"])]
        elif s["rule"] == "PARTICIPATION":
            for o in "AB":
                R = app["organizations"][o]["R"]
                if names[o] in text and R is not None:
                    want.append(_pct(R))
        for x in want:
            if x not in re.findall(r"-?\d+(?:\.\d+)?%?", text) and x.lstrip("-") not in re.findall(
                r"\d+(?:\.\d+)?%?", text
            ):
                c.diff(
                    f"explanation:{s['rule']}:number",
                    f"signals({s['rule']},{s['dimension']})",
                    text,
                    x,
                )
        # privacy: a group hidden in this dimension is not named with numbers
        if d:
            for o in "AB":
                od = d["organizations"][o]
                if (
                    od["S"] is None
                    and od["favorable"] is None
                    and od["rwg"] is None
                    and names[o] in text
                ):
                    c.diff(
                        f"explanation:{s['rule']}:names_hidden_group",
                        f"signals({s['rule']},{s['dimension']})",
                        text,
                        None,
                    )
        if s["rule"] == "EARLY_WARNING_SIGNS":
            for o in "AB":
                if app["organizations"][o]["sign_count"] is None and re.search(
                    re.escape(names[o]) + r"\D{0,20}\d", text
                ):
                    c.diff(
                        "explanation:EARLY_WARNING_SIGNS:count_of_hidden_org",
                        "signals(EWS)",
                        text,
                        None,
                    )


def check_open(w: World, where: str, entry: dict[str, Any], data: ref.SurveyData) -> None:
    """An open survey: only participation is shown; every score is null (survey_open)."""
    c = Cmp(w, where)
    r = entry["result"]
    mine = ref.score(data)
    for o in "AB":
        c.fields(
            "open.org",
            f"organizations.{o}",
            r["organizations"][o],
            mine["organizations"][o],
            ["invited", "responded", "R"],
        )
    leaks = []

    def walk(x: Any, path: str) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("settings", "participation", "signals", "escalations"):
                    continue
                if k in (
                    "invited",
                    "responded",
                    "R",
                    "name",
                    "state",
                    "schema_version",
                    "dimension",
                    "label",
                    "headline",
                    "points",
                    "item_count",
                    "org",
                    "function",
                    "level",
                    "item_id",
                    "kind",
                    "scale_min",
                    "indicative",
                ):
                    continue
                if k.endswith("_reason"):
                    continue
                if v is not None and not isinstance(v, (dict, list)):
                    leaks.append(f"{path}.{k}={v!r}")
                walk(v, f"{path}.{k}")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{path}[{i}]")

    walk(r, "result")
    if leaks:
        c.diff("open:score_shown", "result", leaks[:5], None)
    if r["signals"]:
        c.diff(
            "open:signals", "result.signals", [(s["rule"], s["severity"]) for s in r["signals"]], []
        )


def _strip(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if not k.startswith("_")}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def _raw(data: ref.SurveyData) -> dict[str, Any]:
    return {
        "settings": data.settings,
        "dimensions": data.dimensions,
        "items": [vars(i) for i in data.items],
        "responses": [vars(r) for r in data.responses],
        "invitations": data.invitations,
    }


# --- one seed -------------------------------------------------------------------------------


def run_seed(seed: int) -> dict[str, Any]:
    from sqlalchemy import select

    from partnership.accounts.models import User
    from partnership.extensions import db
    from partnership.instruments.models import Instrument
    from partnership.partnerships.models import Stakeholder
    from partnership.partnerships.services import PartnershipData, create_partnership
    from partnership.results import services as rs
    from partnership.results.services import close_survey
    from partnership.surveys import services as ss

    w = World(seed)
    rng = w.rng
    with APP.app_context():
        try:
            coach = db.session.scalar(select(User).where(User.email == "coach@example.org"))
            mg = rng.choices([3, 5, 7], [0.4, 0.4, 0.2])[0]
            p = create_partnership(
                coach,
                PartnershipData(
                    name=f"Seed {seed}",
                    description="",
                    start_date=None,
                    timezone="UTC",
                    org_a_name="Alpha",
                    org_a_code="ALP",
                    org_b_name="Beta",
                    org_b_code="BET",
                    min_group=mg,
                ),
            )
            w.features.add(f"min_group:{mg}")
            boundary = seed % 3 == 2
            if boundary:
                w.features.add("boundary_mode")
            if not boundary and rng.random() < 0.2:
                p.thresholds = dict(rng.choice(THRESHOLD_OVERRIDES))
                db.session.commit()
                w.features.add("thresholds")
            funcs = rng.sample(FUNCS, rng.randint(1, 5))
            fweights = [rng.choice([1, 2, 5]) for _ in funcs]
            for org in p.organizations:
                add_people(w, p, org, _org_size(rng, mg), funcs, fweights)
            token_row, raw_token = rs.create_api_token(p, "xcheck", None)
            client = APP.test_client()
            builtin = {
                k: db.session.scalar(select(Instrument).where(Instrument.builtin_key == k))
                for k in ("quarterly-pulse", "plan-execution-check", "partnership-audit")
            }
            lineages = [builtin["quarterly-pulse"]]
            if rng.random() < 0.5:
                lineages.append(builtin["plan-execution-check"])
            if rng.random() < 0.12:
                lineages.append(builtin["partnership-audit"])
            if rng.random() < 0.4:
                lineages.append(
                    make_custom(
                        w,
                        p,
                        rng.choice(["quarterly-pulse", "quarterly-pulse", "plan-execution-check"]),
                    )
                )
            n_cycles = rng.randint(2, 5)
            leave_open = rng.random() < 0.25
            for ci in range(n_cycles):
                cycle = ss.create_cycle(p, f"C{ci + 1}")
                last = ci == n_cycles - 1
                # drift: means move, sometimes sharply down (TREND / DIVERGENCE)
                for key in list(w.mu):
                    step = (
                        rng.choice([0.0, -0.15, -0.3, -0.6, 0.2])
                        if key[2] == "B"
                        else rng.choice([0.0, -0.1, 0.1, 0.3])
                    )
                    w.mu[key] = max(1.0, min(5.0, w.mu[key] + step))
                for li, inst in enumerate(lineages):
                    if li > 0 and rng.random() < 0.2:
                        continue
                    is_open = last and leave_open and li == len(lineages) - 1
                    erase = rng.random() < 0.04
                    survey = run_survey(w, p, cycle, inst, close=False, erase=erase)
                    if boundary and not is_open:
                        p.thresholds = pick_boundary(
                            w, p, raw_data(w, p, survey, w.history[inst.id])
                        )
                        db.session.commit()
                    if not is_open:
                        close_survey(survey, now=w.tick())
                    data = raw_data(w, p, survey, w.history[inst.id])
                    where = f"seed {seed} cycle C{ci + 1} survey {survey.id} lineage {rs.lineage_key(survey)}"
                    if is_open:
                        w.features.add("open_survey")
                        body = fetch(
                            client,
                            raw_token,
                            f"/api/v1/partnerships/{p.id}/cycles/{cycle.id}/results",
                        )
                        check_schema(w, where + " (open)", body, "cycle_export")
                        check_open(
                            w, where + " (open)", body["surveys"][rs.lineage_key(survey)], data
                        )
                        ref.NEAR.clear()
                        continue
                    body = fetch(
                        client,
                        raw_token,
                        f"/api/v1/partnerships/{p.id}/surveys/{survey.id}/results",
                    )
                    mine = score_with_app_settings(w, where, data, body["result"])
                    w.features.update("near:" + t for t in ref.NEAR)
                    ref.NEAR.clear()
                    w.history[inst.id].append(mine)
                    w.fetched.append((cycle.id, survey.id, body))
                    check_schema(w, where, body)
                    if os.environ.get("XCHECK_DUMP"):
                        dump = os.path.join(OUT, f"seed-{seed}")
                        os.makedirs(dump, exist_ok=True)
                        with open(os.path.join(dump, f"survey-{survey.id}.json"), "w") as fh:
                            json.dump(
                                {"app": body["result"], "ref": _strip(mine), "raw": _raw(data)},
                                fh,
                                indent=1,
                                default=str,
                            )
                    compare(w, where, body["result"], mine)
                    check_explanations(w, where, body["result"])
                # between cycles: people come and go, min_group or an instrument may change
                if rng.random() < 0.5:
                    active = list(
                        db.session.scalars(
                            select(Stakeholder).where(
                                Stakeholder.partnership_id == p.id, Stakeholder.is_active.is_(True)
                            )
                        )
                    )
                    for s in rng.sample(active, min(len(active) - 1, rng.randint(0, 4))):
                        s.is_active = False
                    db.session.commit()
                    for org in p.organizations:
                        add_people(w, p, org, rng.randint(0, 4), funcs, fweights)
                if rng.random() < 0.1:
                    p.min_group = rng.choice([3, 4, 5, 6, 7])
                    db.session.commit()
                    w.features.add("min_group_changed")
                for inst in lineages:
                    if inst.partnership_id is not None and rng.random() < 0.4:
                        edit_custom(w, inst)
                        w.features.add("custom:new_version")
            # reproducibility: later threshold edits must not change frozen exports; the cycle
            # export must carry the same result as the survey export
            p.thresholds = {"level_amber": 95, "health_amber_j": 99}
            p.min_group = 3 if p.min_group != 3 else 9
            db.session.commit()
            for cycle_id, survey_id, body in w.fetched:
                again = fetch(
                    client, raw_token, f"/api/v1/partnerships/{p.id}/surveys/{survey_id}/results"
                )
                if again["result"] != body["result"]:
                    w.diffs.append(
                        (
                            "snapshot:changed_after_settings_edit",
                            f"survey {survey_id}",
                            None,
                            None,
                            f"seed {seed}",
                        )
                    )
                cyc = fetch(
                    client, raw_token, f"/api/v1/partnerships/{p.id}/cycles/{cycle_id}/results"
                )
                entry = cyc["surveys"].get(body["survey"]["instrument"]["lineage"])
                if entry is None or entry["result"] != body["result"]:
                    w.diffs.append(
                        (
                            "cycle_export:differs_from_survey_export",
                            f"survey {survey_id}",
                            None,
                            None,
                            f"seed {seed}",
                        )
                    )
            # an explicit re-score writes a new snapshot with the current settings
            from partnership.surveys.models import Survey as _Survey

            for inst in lineages:
                hist = w.history[inst.id]
                last = db.session.scalar(
                    select(_Survey)
                    .where(
                        _Survey.instrument_id == inst.id,
                        _Survey.partnership_id == p.id,
                        _Survey.state == "closed",
                    )
                    .order_by(_Survey.closed_at.desc())
                    .limit(1)
                )
                if last is None or not hist:
                    continue
                rs.rescore(last, None)
                data = raw_data(w, p, last, hist[:-1])
                data.earlier_versions = [hist[-1]]
                mine = ref.score(data)
                ref.NEAR.clear()
                body = fetch(
                    client, raw_token, f"/api/v1/partnerships/{p.id}/surveys/{last.id}/results"
                )
                mine = score_with_app_settings(
                    w, f"seed {seed} rescore survey {last.id}", data, body["result"]
                )
                ref.NEAR.clear()
                if (body.get("snapshot") or {}).get("reason") != "rescore":
                    w.diffs.append(
                        (
                            "rescore:snapshot_not_new",
                            f"survey {last.id}",
                            body.get("snapshot"),
                            "rescore",
                            f"seed {seed}",
                        )
                    )
                if os.environ.get("XCHECK_DUMP"):
                    dump = os.path.join(OUT, f"seed-{seed}")
                    os.makedirs(dump, exist_ok=True)
                    with open(os.path.join(dump, f"rescore-{last.id}.json"), "w") as fh:
                        json.dump(
                            {"app": body["result"], "ref": _strip(mine), "raw": _raw(data)},
                            fh,
                            indent=1,
                            default=str,
                        )
                compare(
                    w,
                    f"seed {seed} rescore survey {last.id} lineage {rs.lineage_key(last)}",
                    body["result"],
                    mine,
                )
                w.features.add("rescore")
        except Exception:
            w.diffs.append(("crash", traceback.format_exc(limit=8), None, None, f"seed {seed}"))
        finally:
            db.session.remove()
    return {
        "seed": seed,
        "responses": w.responses,
        "features": sorted(w.features),
        "diffs": [list(d) for d in w.diffs],
    }


# --- targeted scenarios: values exactly on the default thresholds ---------------------------

#: per cycle (S_A, S_B) with 25 respondents each (census) answering every item 4 or 3
TARGETED = {
    "T1 TREND amber: J 70, 66, 62 (J_t - J_t-2 = -8 exactly)": [(70, 70), (66, 66), (62, 62)],
    "T2 TREND red: J 72, 70, 60 (-12 from t-2, -10 from t-1)": [(72, 72), (70, 70), (60, 60)],
    "T3 DIVERGENCE: G 4, 6, 12 (|G_t| - |G_t-2| = 8 exactly)": [(64, 60), (66, 60), (68, 56)],
    "T4 GAP amber: G = 10 exactly, J = 60 exactly": [(65, 55)],
    "T5 LEVEL: J = 50 exactly, then J = 70 exactly (health)": [(50, 50), (70, 70)],
    "T6 PARTICIPATION drop/diff: all answer, then 20 of 25 and 15 of 25": [(70, 70), (70, 70)],
}


def run_targeted(index: int, name: str, cycles: list[tuple[int, int]]) -> dict[str, Any]:
    from sqlalchemy import select

    from partnership.accounts.models import User
    from partnership.extensions import db
    from partnership.instruments.models import Instrument
    from partnership.partnerships.models import Stakeholder
    from partnership.partnerships.services import PartnershipData, create_partnership
    from partnership.results import services as rs
    from partnership.results.services import close_survey
    from partnership.surveys import services as ss
    from partnership.surveys import taking
    from partnership.surveys.models import Invitation, InvitationToken, hash_token, new_token

    w = World(-1 - index)
    with APP.app_context():
        try:
            coach = db.session.scalar(select(User).where(User.email == "coach@example.org"))
            p = create_partnership(
                coach,
                PartnershipData(
                    name=name,
                    description="",
                    start_date=None,
                    timezone="UTC",
                    org_a_name="Alpha",
                    org_a_code="ALP",
                    org_b_name="Beta",
                    org_b_code="BET",
                    min_group=5,
                ),
            )
            for org in p.organizations:
                for _ in range(25):
                    w.people_seq += 1
                    db.session.add(
                        Stakeholder(
                            partnership_id=p.id,
                            organization_id=org.id,
                            name=f"T{w.people_seq}",
                            email=f"t{w.people_seq}.{p.id}@x.example",
                            function="operations",
                            level="individual",
                        )
                    )
            db.session.commit()
            _, raw_token = rs.create_api_token(p, "xcheck", None)
            client = APP.test_client()
            pulse = db.session.scalar(
                select(Instrument).where(Instrument.builtin_key == "quarterly-pulse")
            )
            pos = {o.id: ("A" if o.position == 1 else "B") for o in p.organizations}
            for ci, (sa, sb) in enumerate(cycles):
                cycle = ss.create_cycle(p, f"C{ci + 1}")
                survey = ss.create_survey(p, cycle, ss.SurveyData(instrument_id=pulse.id))
                ss.open_survey(survey, base_url="http://localhost", now=w.tick())
                _, version = ss.survey_instrument(survey)
                invs = list(
                    db.session.scalars(
                        select(Invitation)
                        .where(Invitation.survey_id == survey.id)
                        .order_by(Invitation.id)
                    )
                )
                answering = 25
                if name.startswith("T6") and ci == 1:
                    answering = 0  # set per organization below
                for o, s in (("A", sa), ("B", sb)):
                    mine = [i for i in invs if pos[i.organization_id] == o]
                    count = answering or (20 if o == "A" else 15)
                    for k, inv in enumerate(mine[:count]):
                        t = new_token()
                        db.session.add(
                            InvitationToken(token_hash=hash_token(t), invitation_id=inv.id)
                        )
                        db.session.commit()
                        v = 4 if k < (s - 50) * count / 25 else 3
                        form = {}
                        for it in version.items:
                            if it.kind in ("agreement", "frequency"):
                                form[f"item-{it.id}"] = str(6 - v if it.is_reverse else v)
                            elif it.kind == "likelihood":
                                form[f"item-{it.id}"] = "7"
                        assert taking.submit(t, form).status == "submitted"
                        w.responses += 1
                close_survey(survey, now=w.tick())
                data = raw_data(w, p, survey, w.history[pulse.id])
                body = fetch(
                    client, raw_token, f"/api/v1/partnerships/{p.id}/surveys/{survey.id}/results"
                )
                where = f"{name} cycle C{ci + 1}"
                mine_r = score_with_app_settings(w, where, data, body["result"])
                w.features.update("near:" + t for t in ref.NEAR)
                ref.NEAR.clear()
                w.history[pulse.id].append(mine_r)
                check_schema(w, where, body)
                compare(w, where, body["result"], mine_r)
                check_explanations(w, where, body["result"])
        except Exception:
            w.diffs.append(("crash", traceback.format_exc(limit=8), None, None, name))
        finally:
            db.session.remove()
    return {
        "seed": name,
        "responses": w.responses,
        "features": sorted(w.features),
        "diffs": [list(d) for d in w.diffs],
    }


# --- driver ---------------------------------------------------------------------------------


def _worker(seeds: list[Any]) -> list[dict[str, Any]]:
    init_app()
    out = []
    for s in seeds:
        if isinstance(s, str):
            i = list(TARGETED).index(s)
            out.append(run_targeted(i, s, TARGETED[s]))
        else:
            out.append(run_seed(s))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=300)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, help="run one seed and print every diff")
    ap.add_argument("--show", action="store_true")
    ap.add_argument(
        "--literal",
        action="store_true",
        help="read ambiguous sentences literally (see ref.py CHOICE)",
    )
    args = ap.parse_args()
    ref.LITERAL = args.literal
    os.makedirs(OUT, exist_ok=True)
    if args.seed is not None:
        init_app()
        res = run_seed(args.seed)
        print(f"seed {res['seed']}: {res['responses']} responses; features {res['features']}")
        for cat, path, app, mine, where in res["diffs"]:
            print(
                f"- [{cat}] {where}: {path}\n    app={json.dumps(app, default=str)[:400]}\n    ref={json.dumps(mine, default=str)[:400]}"
            )
        print(f"{len(res['diffs'])} diffs")
        return
    seeds: list[Any] = list(TARGETED) + list(range(args.start, args.start + args.seeds))
    chunks = [seeds[i :: args.jobs] for i in range(args.jobs)]
    if args.jobs > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(args.jobs) as pool:
            results = [r for part in pool.map(_worker, chunks) for r in part]
    else:
        results = _worker(seeds)
    results.sort(key=lambda r: (isinstance(r["seed"], int), r["seed"]))
    with open(os.path.join(OUT, "results.json"), "w") as fh:
        json.dump(results, fh, default=str)
    cats: dict[str, list] = defaultdict(list)
    for r in results:
        for d in r["diffs"]:
            cats[d[0]].append((r["responses"], r["seed"], d))
    total = sum(r["responses"] for r in results)
    for r in results:
        if isinstance(r["seed"], str):
            print(
                f"targeted {r['seed']}: {'agrees' if not r['diffs'] else str(len(r['diffs'])) + ' differences'}"
                f" ({', '.join(f for f in r['features'] if f.startswith(('signal:', 'near:')))})"
            )
    print(
        f"{len(results)} data sets, {total} responses, "
        f"{sum(1 for r in results if not r['diffs'])} seeds without any difference"
    )
    feats: dict[str, int] = defaultdict(int)
    for r in results:
        for f in r["features"]:
            feats[f] += 1
    print("coverage (seeds):", ", ".join(f"{k}={v}" for k, v in sorted(feats.items())))
    if not cats:
        print("NO DISAGREEMENTS")
    for cat in sorted(cats, key=lambda k: -len(cats[k])):
        rows = sorted(cats[cat], key=lambda x: (x[0], str(x[1])))
        _, seed, d = rows[0]
        nseeds = len({x[1] for x in rows})
        print(f"\n[{cat}] {len(rows)} times in {nseeds} seeds; smallest: seed {seed} ({d[4]})")
        print(
            f"    {d[1]}: app={json.dumps(d[2], default=str)[:300]} ref={json.dumps(d[3], default=str)[:300]}"
        )
    sys.exit(1 if cats else 0)


if __name__ == "__main__":
    main()
