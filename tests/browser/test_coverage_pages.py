"""Journey 2's coverage pages on a phone: HQ → branch → prefecture → the events behind a figure."""

import pytest

from tests.browser.conftest import PHONE, open_section, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_hq_reviewer_drills_down_to_the_events_behind_a_figure(
    phone_page, live_server, artifacts, coverage_world, language
):
    page = phone_page
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, live_server, "hq-reviewer")
    page.click(f"nav.languages button[value={language}]")
    page.wait_for_load_state()
    open_section(page, "/coverage/")
    page.wait_for_selector("table.coverage")
    # The mix charts follow the table in a request of their own.
    page.wait_for_selector(".charts-later", state="detached")
    _fits_the_phone(page)
    assert page.locator("figure.bar-chart").count() >= 3
    page.screenshot(path=artifacts / f"coverage-hq-{language}.png", full_page=True)

    branch = coverage_world.units["branch_a"]
    page.click(f"table.coverage tbody th a[href*='/units/{branch.pk}/']")
    page.wait_for_selector("text=若尔盖县")
    _fits_the_phone(page)
    page.screenshot(path=artifacts / f"coverage-branch-{language}.png", full_page=True)

    page.click(f"a[href*='/regions/{coverage_world.prefecture.pk}/']")
    page.wait_for_selector("text=马尔康市")
    # The county's name stays in coverage; its figures open the events behind them.
    page.click("table.coverage tbody tr:has-text('红原县') th a")
    page.wait_for_url(f"**/counties/{coverage_world.counties['hongyuan'].pk}/*")
    _fits_the_phone(page)
    assert page.locator("nav.breadcrumbs li").count() == 4
    assert page.locator(".event-rows li").count() == 1
    page.screenshot(path=artifacts / f"coverage-county-{language}.png", full_page=True)

    page.click(".county-figures a")
    page.wait_for_url("**/events/?*")
    page.screenshot(path=artifacts / f"coverage-events-{language}.png", full_page=True)
    assert page.locator(".event-rows li").count() == 1
    assert "红原县" in page.inner_text(".event-rows")
    # Only approved events are counted, and the list's status filter says so.
    assert page.locator("select[name=status]").input_value() == "approved"
    assert page.locator("details.filters").get_attribute("open") is None
    assert not errors
