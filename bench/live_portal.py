"""For benchmarks that drive the portal in Chromium: the portal started on a free loopback
port, on the configured database (where `load_seeds` has run), the seeded organizer and
planned event they measure, and the organizer signed in."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The seeded organizer of Aba (SC-ABA) and the unit's seeded planned event.
ORGANIZER = "aba-organizer"
EVENT_TITLE = "马尔康职工金融安全讲座"


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


def seeded_event():
    """The seeded planned event of SC-ABA; exits if `load_seeds` has not run."""
    from campaigns.models import Event  # here: Django is set up by the benchmark first

    event = Event.objects.filter(title=EVENT_TITLE, org_unit__code="SC-ABA").first()
    if event is None:
        sys.exit(f"no seeded event {EVENT_TITLE!r}: run `python manage.py load_seeds` first")
    return event


def organizer_signed_in(page, base: str) -> None:
    """Sign ``page`` in as the seeded organizer through the form, landing on the home page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", ORGANIZER)
    page.fill("input[name=password]", demo_password())
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
