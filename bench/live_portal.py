"""For benchmarks that drive the portal in Chromium: the portal started on a free loopback
port, on the configured database (where `load_seeds` has run), and the seeded password."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def portal_started(port: int) -> subprocess.Popen:
    """``manage.py runserver`` on ``port``, once it answers; the caller terminates it."""
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("the portal did not start within 30 s")


def demo_password() -> str:
    return json.loads((ROOT / "seeds" / "demo_users.json").read_text())["password"]
