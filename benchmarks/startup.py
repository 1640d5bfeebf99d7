#!/usr/bin/env python
"""How long `import app` takes (what every worker and `make demo` wait for), beside a floor.

    .venv/bin/python benchmarks/startup.py [--runs 7]

Runs `python -c "import app"` (production settings, a throw-away secret key) `--runs` times,
alternating with the floor (`python -c "import flask; flask.Flask(__name__)"`: the least a
Flask app imports), and prints the best wall-clock time of each, then the slowest imports of
one `python -X importtime -c "import app"` run. Goal (issue 20, issue 19 item 12): at most
1 s. It reports; it never fails a build.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOAL_SECONDS = 1.0
APP = "import app"
FLOOR = "import flask; flask.Flask(__name__)"


def wall(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    env = {
        **os.environ,
        "PARTNERSHIP_ENV": "production",
        "PARTNERSHIP_SECRET_KEY": secrets.token_hex(32),
    }
    wall(APP, env)  # compiled bytecode in place, files in the page cache, for both
    wall(FLOOR, env)
    times: dict[str, list[float]] = {APP: [], FLOOR: []}
    for _ in range(args.runs):
        for code in times:
            times[code].append(wall(code, env))
    app, floor = min(times[APP]), min(times[FLOOR])
    print(f"Start-up, best of {args.runs} (wall clock, python -c ...)")
    print(f"  import app                 {app:6.3f} s")
    print(f"  floor (Flask, empty app)   {floor:6.3f} s")
    print(f"  app - floor                {app - floor:6.3f} s")
    verdict = "met" if app <= GOAL_SECONDS else "missed"
    print(f"goal: import app <= {GOAL_SECONDS:g} s: {verdict}")
    report = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", APP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    rows = []
    for line in report.splitlines()[1:]:
        parts = line.split("|")
        if len(parts) == 3:
            name = parts[2].rstrip()
            depth = (len(name) - len(name.lstrip())) // 2
            if depth <= 2:  # the app's own packages and what they import directly
                rows.append((int(parts[1]), name.strip()))
    print("slowest imports (cumulative, python -X importtime):")
    for micros, name in sorted(rows, reverse=True)[:12]:
        print(f"  {micros / 1e6:6.3f} s  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
