"""Real server processes for tests: gunicorn serving the app, and an SMTP server on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, base_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PARTNERSHIP_ENV": "development",
            "PARTNERSHIP_SECRET_KEY": "live-server-secret-key-0123456789",
            "PARTNERSHIP_DATABASE_URL": database_url,
            "PARTNERSHIP_BASE_URL": base_url,
        }
    )
    env.update(extra)
    return env


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()[-4000:]


def start_gunicorn(database_url: str, log_dir: str, workers: int = 2, **env: str) -> LiveServer:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = os.path.join(log_dir, f"gunicorn-{port}.log")
    log = open(log_path, "w")  # noqa: SIM115 - kept open for the process's life
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "2",
            "app:app",
        ],
        cwd=ROOT,
        env=server_env(database_url, url, **env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    server = LiveServer(url, process, log_path)
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + server.log())
        try:
            with urllib.request.urlopen(url + "/login", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError("gunicorn did not start:\n" + server.log())


@dataclass
class Mailbox:
    """Messages received by the loopback SMTP server."""

    messages: list = field(default_factory=list)
    #: Recipients the server refuses (550), as a mailbox that does not exist.
    rejected: set = field(default_factory=set)
    #: Recipients the server asks to try later (451), as a mailbox that is busy.
    deferred: set = field(default_factory=set)
    #: Every recipient the server refused, in order, for counting attempts.
    refusals: list = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.rejected:
            self.refusals.append(address)
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.lower() in self.deferred:
            self.refusals.append(address)
            return f"451 4.2.1 <{address}>: Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.time() + timeout
        while len(self.messages) < count and time.time() < deadline:
            time.sleep(0.05)
        return list(self.messages)
