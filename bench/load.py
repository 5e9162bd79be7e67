"""20 people using the portal at once, as deployed: gunicorn, a Celery worker, PostgreSQL.

Starts the portal under gunicorn with 2 workers (deploy/gunicorn.conf.py, GUNICORN_WORKERS=2)
and one Celery worker reading every queue, on the configured database (DATABASE_URL, a
PostgreSQL one) holding the 100,000-event scale data set, which is built first if missing
(as bench/coverage.py builds it: `load_seeds --demo-users`, then `seed_scale`). Then 20
simulated users (locust, used as a library) work for 60 s, each pausing 0.5-2.5 s between
two things they do:

- 11 organizers (of Aba, Sichuan, Hunan and HQ): the event list and event pages, their
  events' report form, a report saved through the offline API as a phone sends it
  (PUT /api/v1/offline-reports/<uuid>), their unit's coverage and its charts, the API's
  event list and detail; one of each branch also exports its events once, queued and
  polled until done (the polls are timed; a job still running at the end is waited for);
- 6 reviewers of those branches: the event list, the review queue, event pages, coverage
  and charts, the API;
- 3 HQ reviewers: the whole company's coverage and charts, the event list, the API.

The demo users share the password of seeds/demo_users.json. Prints p50 and p95 of each kind
of request, requests per second and errors, then as its last line
`users=20 rps=R pages_p95_ms=P api_p95_ms=A errors=E`, where P is the p95 of every HTML page
together and A that of the API's event list. Targets: no error, pages p95 <= 300 ms, API
list p95 <= 100 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_scale \
        CELERY_BROKER_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/load.py

Every process it starts is stopped at the end, on Ctrl-C or on a failure too. The report
saves change the data set's planned events (their figures and versions), nothing else.
"""

import argparse
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.live_portal import demo_password, free_port  # noqa: E402

USERS = 20
SECONDS = 60
WEB_WORKERS = 2
PAGES_TARGET_MS = 300
API_LIST_TARGET_MS = 100
# Who the 20 are: account, how many simulated people use it. The demo users (load_seeds
# --demo-users): one per role at HQ, Sichuan (SC), Aba (SC-ABA) and Hunan (HN).
ORGANIZERS = {"aba-organizer": 4, "sc-organizer": 3, "hn-organizer": 3, "hq-organizer": 1}
REVIEWERS = {"aba-reviewer": 2, "sc-reviewer": 2, "hn-reviewer": 2}
HQ_REVIEWERS = {"hq-reviewer": 3}
PAGES = ("event list", "event page", "report form", "review queue", "coverage", "charts")
# One person of each branch exports its events of the campaign once (some 2,000-6,000
# rows each); at HQ an export of all 100,000 would hold a 2-core machine's worker for
# minutes, which is what the export queue is for, not what 60 s of web use shows.
EXPORTERS = ("aba-organizer", "sc-organizer", "hn-organizer")
EXPORT_SECONDS = 120


# ---- the data set and what each user works on: in a child process, with Django ---------------


def _prepared() -> dict:
    """Build the data set if missing and say, per account, what its users work on."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_coverage", ROOT / "bench/coverage.py")
    coverage_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(coverage_bench)  # sets Django up on DATABASE_URL

    from django.core.management import call_command

    from campaigns.models import Event, OrgUnit
    from campaigns.selectors.org import own_unit
    from portal.access import can, visible_to
    from portal.models import User

    accounts = [*ORGANIZERS, *REVIEWERS, *HQ_REVIEWERS]
    if User.objects.filter(username__in=accounts).count() < len(accounts):
        print("loading the seeds and the demo users first…", file=sys.stderr, flush=True)
        call_command("load_seeds", demo_users=True)
    campaign = coverage_bench._campaign(coverage_bench.EVENTS)
    hq = OrgUnit.objects.get(parent__isnull=True)
    plan = {"campaign": campaign.pk, "hq": hq.pk, "accounts": {}}
    reported_on: set[int] = set()
    for username in accounts:
        user = User.objects.get(username=username)
        unit = own_unit(user=user) or hq
        visible = visible_to(user, Event).filter(campaign=campaign)
        # Events the account's users open: a sample of what they may see.
        seen = list(visible.order_by("?").values_list("pk", flat=True)[:200])
        # Events they report on: planned or returned in-person ones of units where the
        # account may report, one per simulated user so that no two edit the same event.
        reportable = []
        if username in ORGANIZERS:
            candidates = visible.filter(
                status__in=Event.EDITABLE, channel="offline"
            ).select_related("org_unit")
            for event in candidates.order_by("pk")[:200]:
                if event.pk not in reported_on and can(user, "event.report", event.org_unit):
                    reported_on.add(event.pk)
                    reportable.append(
                        {"pk": event.pk, "uuid": str(event.uuid), "version": event.version}
                    )
                if len(reportable) == ORGANIZERS[username]:
                    break
            if len(reportable) < ORGANIZERS[username]:
                sys.exit(f"{username} has too few events to report on in the data set")
        plan["accounts"][username] = {"unit": unit.pk, "seen": seen, "reportable": reportable}
    return plan


# ---- the processes ---------------------------------------------------------------------------


def _portal_environment(port: int, media: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DJANGO_MEDIA_ROOT": str(media),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(WEB_WORKERS),
    }


def _started(command: list[str], environment: dict, log: Path) -> subprocess.Popen:
    # A session of its own: stopping it stops gunicorn's workers and Celery's children too.
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stopped(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _ready(base: str, processes: list[subprocess.Popen], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            break
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as answer:  # noqa: S310 - ours
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the portal was not ready within 60 s; see {log}")


# ---- the simulated users -----------------------------------------------------------------------


# C901 below: the three kinds of people read best side by side, and they are made here, not at
# the module's top, because importing locust patches the standard library (gevent).
def _user_classes(plan: dict, password: str, signed_in: list[str]):  # noqa: C901
    """The three kinds of people; each appends its account to ``signed_in`` once in."""
    from locust import HttpUser, between, task

    from tests.unsent_reports_file import report_body

    campaign, hq = plan["campaign"], plan["hq"]
    taken: dict[str, int] = {}

    class Person(HttpUser):
        abstract = True
        wait_time = between(0.5, 2.5)
        accounts: dict[str, int] = {}

        def on_start(self) -> None:
            # The next account with a free place, and for an organizer its own event.
            self.username = next(
                name for name, count in self.accounts.items() if taken.get(name, 0) < count
            )
            self.place = taken.get(self.username, 0)
            taken[self.username] = self.place + 1
            account = plan["accounts"][self.username]
            self.unit, self.seen = account["unit"], account["seen"]
            self.event = (account["reportable"] or [None] * (self.place + 1))[self.place]
            self.client.get("/accounts/login/", name="sign-in")
            self.client.post(
                "/accounts/login/",
                {
                    "username": self.username,
                    "password": password,
                    "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
                },
                name="sign-in",
            )
            signed_in.append(self.username)

        def csrf(self) -> str:
            return self.client.cookies["csrftoken"]

        def event_list(self) -> None:
            self.client.get(f"/events/?campaign={campaign}", name="event list")

        def event_page(self) -> None:
            self.client.get(f"/events/{random.choice(self.seen)}/", name="event page")

        def coverage(self, unit: int) -> None:
            self.client.get(f"/coverage/{campaign}/units/{unit}/", name="coverage")
            # The charts come right after the table (htmx), as in a browser.
            self.client.get(
                f"/coverage/{campaign}/units/{unit}/charts",
                headers={"HX-Request": "true"},
                name="charts",
            )

        def api_list(self) -> None:
            self.client.get(f"/api/v1/events/?campaign={campaign}", name="api list")

        def api_detail(self) -> None:
            self.client.get(f"/api/v1/events/{random.choice(self.seen)}/", name="api detail")

    class Organizer(Person):
        fixed_count = sum(ORGANIZERS.values())
        accounts = ORGANIZERS

        def on_start(self) -> None:
            super().on_start()
            self.exported = self.place != 0 or self.username not in EXPORTERS

        @task(4)
        def list_events(self) -> None:
            self.event_list()

        @task(4)
        def open_event(self) -> None:
            self.event_page()

        @task(3)
        def report_form(self) -> None:
            self.client.get(f"/events/{self.event['pk']}/report", name="report form")

        @task(2)
        def report_save(self) -> None:
            # A phone's request: the report as typed, on the version it last had.
            body = {
                "base_version": self.event["version"],
                "config_version": "",
                "plan": None,
                "report": report_body(head_count=random.randint(100, 400)),
                "photos": [],
                "submit": False,
            }
            with self.client.put(
                f"/api/v1/offline-reports/{self.event['uuid']}",
                json=body,
                headers={"X-CSRFToken": self.csrf()},
                name="report save",
                catch_response=True,
            ) as answer:
                if answer.status_code != 200:
                    answer.failure(f"{answer.status_code}: {answer.text[:300]}")
                    return
                self.event["version"] = answer.json()["version"]

        @task(1)
        def own_coverage(self) -> None:
            self.coverage(self.unit)

        @task(3)
        def api_events(self) -> None:
            self.api_list()

        @task(3)
        def api_event(self) -> None:
            self.api_detail()

        @task(3)
        def export(self) -> None:
            # The export of their unit's events of the campaign, by those who make one (within
            # the first 20 s or so, once); the others, and they afterwards, do something else.
            if self.exported:
                return random.choice([self.list_events, self.open_event, self.api_events])()
            self.exported = True
            answer = self.client.post(
                "/exports/events",
                {
                    "campaign": campaign,
                    "idempotency_key": str(uuid.uuid4()),
                    "csrfmiddlewaretoken": self.csrf(),
                },
                allow_redirects=False,
                name="export queue",
            )
            if answer.status_code != 302:
                return
            job = answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
            deadline = time.monotonic() + EXPORT_SECONDS
            while True:
                self.wait()  # between two polls, as the job page's htmx does
                with self.client.get(
                    f"/api/v1/jobs/{job}/", name="export poll", catch_response=True
                ) as poll:
                    status = poll.json()["status"] if poll.ok else None
                    if status == "succeeded":
                        return
                    if status in ("failed", "refused"):
                        poll.failure(f"the export job {job} {status}")
                        return
                    if time.monotonic() > deadline:
                        poll.failure(f"the export job {job} not done in {EXPORT_SECONDS} s")
                        return

    class Reviewer(Person):
        fixed_count = sum(REVIEWERS.values())
        accounts = REVIEWERS

        @task(3)
        def list_events(self) -> None:
            self.event_list()

        @task(2)
        def review_queue(self) -> None:
            self.client.get("/events/review/", name="review queue")

        @task(4)
        def open_event(self) -> None:
            self.event_page()

        @task(1)
        def branch_coverage(self) -> None:
            self.coverage(self.unit)

        @task(2)
        def api_events(self) -> None:
            self.api_list()

        @task(2)
        def api_event(self) -> None:
            self.api_detail()

    class HeadquartersReviewer(Person):
        fixed_count = sum(HQ_REVIEWERS.values())
        accounts = HQ_REVIEWERS

        @task(2)
        def company_coverage(self) -> None:
            self.coverage(hq)

        @task(2)
        def list_events(self) -> None:
            self.event_list()

        @task(2)
        def open_event(self) -> None:
            self.event_page()

        @task(2)
        def api_events(self) -> None:
            self.api_list()

        @task(1)
        def api_event(self) -> None:
            self.api_detail()

    return [Organizer, Reviewer, HeadquartersReviewer]


def _p(times: list[float], percent: int) -> float:
    if len(times) == 1:
        return times[0]
    return statistics.quantiles(times, n=100, method="inclusive")[percent - 1]


def _quit_on_signal(runner) -> list:
    """Ctrl-C or a kill: the users stop where they are, and main() stops the processes
    once told so (the list returned is no longer empty)."""
    import gevent

    interrupted = []
    for number in (signal.SIGINT, signal.SIGTERM):
        gevent.signal_handler(number, lambda: interrupted.append(True) or runner.quit())
    return interrupted


def _load(base: str, plan: dict, seconds: int) -> None:
    import gevent
    from locust.env import Environment

    times: dict[str, list[float]] = {}
    errors: dict[str, list[str]] = {}
    signed_in: list[str] = []
    window = {"open": True, "requests": 0}

    def recorded(name, response_time, exception, **_ignored) -> None:
        # The 20 sign-ins come in one burst at the start (each a deliberately slow password
        # hash): they are timed on their own, and the rest from when everyone is in. After
        # the window only an export still being polled counts.
        if name != "sign-in" and len(signed_in) < USERS:
            return
        if not window["open"] and name != "export poll":
            return
        if window["open"] and name != "sign-in":
            window["requests"] += 1
        times.setdefault(name, []).append(response_time)
        if exception is not None:
            errors.setdefault(name, []).append(str(exception))

    environment = Environment(
        user_classes=_user_classes(plan, demo_password(), signed_in),
        host=base,
        stop_timeout=EXPORT_SECONDS,  # the users finish what they do: an export's polls
    )
    environment.events.request.add_listener(recorded)
    runner = environment.create_local_runner()
    runner.start(USERS, spawn_rate=USERS)
    deadline = time.monotonic() + 120
    while len(signed_in) < USERS:
        if time.monotonic() > deadline:
            runner.quit()
            raise RuntimeError(f"only {len(signed_in)} of {USERS} users could sign in")
        gevent.sleep(0.1)

    def closed() -> None:
        window["open"] = False
        runner.quit()

    gevent.spawn_later(seconds, closed)
    interrupted = _quit_on_signal(runner)
    runner.greenlet.join()
    if interrupted:
        raise KeyboardInterrupt

    _figures_printed(times, errors, requests_per_second=window["requests"] / seconds)


def _figures_printed(
    times: dict[str, list[float]], errors: dict[str, list[str]], *, requests_per_second: float
) -> None:
    print(f"{'kind':>14} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    for name in sorted(times, key=lambda kind: -len(times[kind])):
        kind = times[name]
        print(
            f"{name:>14} {len(kind):>8} {_p(kind, 50):>8.1f} {_p(kind, 95):>8.1f} "
            f"{len(errors.get(name, [])):>6}"
        )
    for name, messages in errors.items():
        for message in sorted(set(messages))[:3]:
            print(f"error: {name}: {message}")
    print(f"load average at the end (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    error_count = sum(len(messages) for messages in errors.values())
    pages = [ms for name in PAGES for ms in times.get(name, [])]
    pages_p95, api_p95 = _p(pages, 95), _p(times["api list"], 95)
    print(
        f"targets: errors {'met' if not error_count else 'MISSED'} (0), "
        f"pages p95 {'met' if pages_p95 <= PAGES_TARGET_MS else 'MISSED'} "
        f"(<= {PAGES_TARGET_MS} ms), API list p95 "
        f"{'met' if api_p95 <= API_LIST_TARGET_MS else 'MISSED'} (<= {API_LIST_TARGET_MS} ms)"
    )
    print(
        f"users={USERS} rps={requests_per_second:.1f} pages_p95_ms={pages_p95:.0f} "
        f"api_p95_ms={api_p95:.0f} errors={error_count}"
    )


def _warmed_up(base: str, plan: dict) -> None:
    # Each gunicorn worker's first requests import views and compile templates: not what a
    # portal that has been up for a while answers with, so a few requests go first.
    for path in ["/healthz", "/accounts/login/"] * (2 * WEB_WORKERS):
        urllib.request.urlopen(f"{base}{path}", timeout=30).read()  # noqa: S310 - our portal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=SECONDS, help="How long the users work.")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    # A kill stops the processes started as Ctrl-C does (see the finally below); also when
    # started from a shell that had Ctrl-C ignored in its background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if arguments.prepare:
        print(json.dumps(_prepared()))
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database (the data set is built if missing)")
    if not os.environ.get("CELERY_BROKER_URL"):
        sys.exit("set CELERY_BROKER_URL (Redis): the export runs on a Celery worker")
    # The Django work in a process of its own: locust patches the standard library (gevent)
    # as it is imported, which the ORM and seed_scale are better off without.
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare"], cwd=ROOT, stdout=subprocess.PIPE, check=True
    )
    plan = json.loads(prepared.stdout.decode().strip().splitlines()[-1])

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    media, log = work / "media", work / "processes.log"
    environment = _portal_environment(port, media)
    manage = [sys.executable, "manage.py"]
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        print("collecting the static files first…", flush=True)
        subprocess.run([*manage, "collectstatic", "--no-input", "-v", "0"], env=environment)
    processes = []
    try:
        processes.append(
            _started(
                [str(ROOT / ".venv/bin/gunicorn"), "--config", "deploy/gunicorn.conf.py"],
                environment,
                log,
            )
        )
        processes.append(
            _started(
                [
                    *[sys.executable, "-m", "celery", "-A", "portal", "worker"],
                    *["--queues", "print,export,import,default", "--concurrency", "2"],
                    *["--hostname", f"bench-load-{port}@%h", "--loglevel", "INFO"],
                ],
                environment,
                log,
            )
        )
        _ready(base, processes, log)
        _warmed_up(base, plan)
        load_before = os.getloadavg()
        print(
            f"gunicorn {WEB_WORKERS} workers and a Celery worker on {base}; "
            f"{USERS} users for {arguments.seconds} s; load average before "
            f"{load_before[0]:.2f} on {os.cpu_count()} cores; logs in {log}",
            flush=True,
        )
        _load(base, plan, arguments.seconds)
    finally:
        for process in reversed(processes):
            _stopped(process)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; the portal and the worker it started are stopped")
