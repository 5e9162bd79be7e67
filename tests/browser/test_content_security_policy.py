"""The main pages under the Content-Security-Policy in Chromium: no violation, no console error.

An organizer, an HQ reviewer and a translator each sign in and walk their pages, and make
every kind of htmx request the templates hold (a photo uploaded and removed, a job's progress,
the coverage charts, a comment added and resolved, a block autosaved); every console error
and every ``securitypolicyviolation`` event is collected and must be none.
"""

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from campaigns.models import Event, Job, Membership
from tests import factories as f
from tests.browser.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Reports each violation to the test at once, before the page can navigate away. Playwright
# adds this script through the browser's debugging protocol, which the policy does not cover.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} "${event.sample}"`
  );
});
"""


# Each template that makes an htmx request, and the walk below that makes it: a new htmx
# interaction fails the first test until a walk exercises it under the policy.
HTMX_REQUESTS_WALKED = {
    "partials/event_photos.html": "organizer: a photo uploaded, then removed",
    "partials/job_progress.html": "organizer and reviewer: a running job's progress",
    "coverage/unit.html": "reviewer: a branch's charts, loaded after its page",
    "materials/_comments.html": "reviewer: a comment added, then resolved",
    "materials/_block.html": "translator: a block's text autosaved",
}


def test_every_htmx_request_of_the_templates_is_walked_below():
    templates = Path(settings.BASE_DIR) / "templates"
    requesting = {
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"\bhx-(get|post|put|patch|delete)=", path.read_text())
    }
    assert requesting == set(HTMX_REQUESTS_WALKED)


@dataclass
class Watched:
    """A phone-sized page whose console errors and policy violations are collected."""

    page: object
    problems: list[str] = field(default_factory=list)

    def visit(self, url: str, *, ready: str = "main"):
        self.page.goto(url, wait_until="networkidle")
        self.page.wait_for_selector(ready)
        assert self.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url


@pytest.fixture
def watched(browser):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    watched = Watched(page)
    page.expose_function("reportViolation", lambda text: watched.problems.append(f"CSP: {text}"))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and watched.problems.append(f"console on {page.url}: {message.text}")
        ),
    )
    page.on("pageerror", lambda error: watched.problems.append(f"error on {page.url}: {error}"))
    yield watched
    context.close()


@pytest.fixture
def portal(coverage_world):
    """The coverage world with an organizer at central sub-branch A, a handout and jobs."""
    units = coverage_world.units
    organizer = f.UserFactory(username="aba-organizer")
    f.MembershipFactory(user=organizer, org_unit=units["central_a"], role=Membership.Role.ORGANIZER)
    translator = f.UserFactory(username="hq-translator")
    f.MembershipFactory(user=translator, org_unit=units["hq"], role=Membership.Role.TRANSLATOR)
    edition = f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=units["hq"], title_zh="金融消费者八项基本权利")
    )
    block = f.EditionBlockFactory(edition=edition)
    for owner, unit in ((organizer, units["central_a"]), (coverage_world.hq_reviewer, units["hq"])):
        # Running: its page keeps asking htmx for the progress, under the policy too.
        f.JobFactory(owner=owner, org_unit=unit, status=Job.Status.RUNNING, progress=40)
    return {
        "world": coverage_world,
        "organizer": organizer,
        "event": Event.objects.get(org_unit=units["central_a"], status=Event.Status.PLANNED),
        "edition": edition,
        "block": block,
    }


def _photo(tmp_path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (60, 120, 200)).save(buffer, "JPEG")
    path = tmp_path / "hongyuan.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def _job_url(user) -> str:
    return f"/jobs/{Job.objects.get(owner=user).pk}/"


def _api_docs(watched, live_server):
    """The API docs page, and one call tried from it: its answer is highlighted by script."""
    watched.visit(f"{live_server.url}/api/v1/docs/", ready="#swagger-ui .opblock-tag")
    operation = watched.page.locator(".opblock-get").first
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    operation.locator(".live-responses-table .response-col_status").first.wait_for()


def test_an_organizers_pages_hold_the_policy(watched, live_server, portal, artifacts, tmp_path):
    world, event = portal["world"], portal["event"]
    sign_in(watched.page, live_server, "aba-organizer")
    for path in (
        "/",
        "/events/",
        f"/events/{event.pk}/",
        f"/events/{event.pk}/report",
        "/materials/",
        f"/editions/{portal['edition'].pk}/",
        "/jobs/",
        f"/units/{world.units['central_a'].pk}/import/",
        "/accounts/tokens/",
        "/notifications/",
    ):
        watched.visit(f"{live_server.url}{path}")

    job_url = _job_url(portal["organizer"])
    watched.visit(f"{live_server.url}{job_url}", ready=".job-progress progress")
    watched.page.screenshot(path=artifacts / "csp-job-progress.png", full_page=True)

    # A photo uploaded on the event page and removed again, each answer swapped in by htmx
    # (on the report page photos go with the report's own save instead).
    page = watched.page
    watched.visit(f"{live_server.url}/events/{event.pk}/")
    page.set_input_files("form.photo-upload input[name=photos]", str(_photo(tmp_path)))
    with page.expect_request(f"**/events/{event.pk}/photos") as uploaded:
        page.click("form.photo-upload button[type=submit]")
    page.wait_for_selector(".photo-grid img")
    # The screenshot leaves style="" on the form's inputs (Playwright hides the caret and puts
    # it back), as browser extensions leave styles: htmx must not copy them onto the swapped-in
    # inputs of the next answer, which the policy would refuse.
    page.screenshot(path=artifacts / "csp-photo-uploaded.png", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_request("**/delete") as removed:
        page.click(".photo-grid .photo-remove")
    page.wait_for_selector(".photo-empty")
    for request in (uploaded.value, removed.value):
        assert request.headers.get("hx-request") == "true"
    _api_docs(watched, live_server)
    watched.page.screenshot(path=artifacts / "csp-api-docs.png")
    assert not watched.problems


def test_an_hq_reviewers_and_a_translators_pages_hold_the_policy(
    watched, live_server, portal, artifacts, settings
):
    world = portal["world"]
    campaign, units = world.campaign, world.units
    # htmx must send the token from the page, even where no script can read the cookie.
    settings.CSRF_COOKIE_HTTPONLY = True
    sign_in(watched.page, live_server, "hq-reviewer")
    for path in ("/", "/events/review/", "/materials/", "/jobs/", "/accounts/tokens/"):
        watched.visit(f"{live_server.url}{path}")
    watched.visit(f"{live_server.url}/coverage/", ready=".bar-chart")
    watched.visit(
        f"{live_server.url}/coverage/{campaign.pk}/units/{units['branch_a'].pk}/",
        ready=".bar-chart",
    )
    watched.page.wait_for_selector(".charts-later", state="detached")
    watched.page.screenshot(path=artifacts / "csp-coverage-branch.png", full_page=True)
    watched.visit(
        f"{live_server.url}/coverage/{campaign.pk}/units/{units['branch_a'].pk}"
        f"/regions/{world.prefecture.pk}/"
    )
    watched.visit(f"{live_server.url}{_job_url(world.hq_reviewer)}", ready=".job-progress")

    block = portal["block"]
    watched.visit(f"{live_server.url}/editions/{portal['edition'].pk}/")
    comments = f"#block-{block.pk}-comments"
    watched.page.click(f"{comments} summary")
    watched.page.fill(f"{comments} textarea[name=text]", "请核对藏文。")
    with watched.page.expect_request(f"**/blocks/{block.pk}/comments") as posted:
        watched.page.click(f"{comments} .comment-form button[type=submit]")
    watched.page.wait_for_selector(f"{comments} li.comment:has-text('请核对藏文。')")
    with watched.page.expect_request("**/comments/*/resolve") as resolved:
        watched.page.click(f"{comments} li.comment button[type=submit]")
    watched.page.wait_for_selector(f"{comments} li.comment.resolved")
    for request in (posted.value, resolved.value):
        assert request.headers.get("hx-request") == "true"
        assert request.headers.get("x-csrftoken")

    # The translator's typing is saved by htmx a moment after it stops.
    watched.page.context.clear_cookies()
    sign_in(watched.page, live_server, "hq-translator")
    watched.visit(f"{live_server.url}/editions/{portal['edition'].pk}/")
    with watched.page.expect_request(f"**/blocks/{block.pk}/save") as saved:
        watched.page.fill(f"#block-{block.pk} textarea[name=text_bo]", "ནོར་རྫས་བདེ་འཇགས།")
    watched.page.wait_for_selector(f"#block-{block.pk}-state .saved")
    assert saved.value.headers.get("hx-request") == "true"

    _api_docs(watched, live_server)
    assert not watched.problems
