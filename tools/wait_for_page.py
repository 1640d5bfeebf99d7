#!/usr/bin/env python
"""Wait until a page answers, so that an address is printed only once it is worth opening.

    python tools/wait_for_page.py URL [--timeout 60] [--pid PID]

Polls URL every 0.1 s; exits 0 as soon as it answers 200, 1 after --timeout seconds or as soon
as the process --pid (the server being waited for) has exited. `make demo` uses it before it
prints "Open http://...". Standard library only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_for(url: str, timeout: float, pid: int | None = None) -> bool:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not a web address: {url}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive(pid):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (checked above)
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--pid", type=int, help="give up as soon as this process has exited")
    args = parser.parse_args(argv)
    if wait_for(args.url, args.timeout, args.pid):
        return 0
    print(f"{args.url} did not answer within {args.timeout:g} s.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
