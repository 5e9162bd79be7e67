"""The main pages under the Content-Security-Policy in Chromium: no violation, no console error.

An organizer and an HQ reviewer each sign in and walk their pages, htmx requests included;
every console error and every ``securitypolicyviolation`` event is collected and must be none.
"""

from dataclasses import dataclass, field

import pytest

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


def test_an_organizers_pages_hold_the_policy(watched, live_server, portal, artifacts):
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
    _api_docs(watched, live_server)
    watched.page.screenshot(path=artifacts / "csp-api-docs.png")
    assert not watched.problems


def test_an_hq_reviewers_pages_hold_the_policy(watched, live_server, portal, artifacts, settings):
    world = portal["world"]
    campaign, units = world.campaign, world.units
    # As in production: htmx must send the token from the page, as no script reads cookies.
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
    assert posted.value.headers.get("hx-request") == "true"
    assert posted.value.headers.get("x-csrftoken")

    _api_docs(watched, live_server)
    assert not watched.problems
