#!/usr/bin/env python
"""How long `import app` takes (what every worker and `make demo` wait for), beside a floor.

    .venv/bin/python benchmarks/startup.py [--runs 7]

Runs `python -c "import app"` (production settings, a throw-away secret key) `--runs` times,
alternating with the floor (`python -c "import flask; flask.Flask(__name__)"`: the least a
Flask app imports), and prints the best wall-clock and CPU (user + system) time of each, then
the slowest imports of one `python -X importtime -c "import app"` run. Goal (issue 20, issue 19
item 12): at most 1 s of wall clock. It reports; it never fails a build.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOAL_SECONDS = 1.0
APP = "import app"
FLOOR = "import flask; flask.Flask(__name__)"


def wall(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one `python -c code`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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
    times: dict[str, list[tuple[float, float]]] = {APP: [], FLOOR: []}
    for _ in range(args.runs):
        for code in times:
            times[code].append(wall(code, env))
    app, floor = min(t[0] for t in times[APP]), min(t[0] for t in times[FLOOR])
    app_cpu, floor_cpu = min(t[1] for t in times[APP]), min(t[1] for t in times[FLOOR])
    print(
        f"Start-up, best of {args.runs} (python -c ...; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs)"
    )
    print(f"{'':28} {'wall s':>7} {'cpu s':>7}")
    print(f"  import app                 {app:7.3f} {app_cpu:7.3f}")
    print(f"  floor (Flask, empty app)   {floor:7.3f} {floor_cpu:7.3f}")
    print(f"  app / floor                {app / floor:7.1f} {app_cpu / floor_cpu:7.1f}")
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
