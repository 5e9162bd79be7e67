"""The office imports a phone's unsent reports file on a phone-sized screen: a refused file
lists its problems readably, then the fixed file is stored and the events page says so."""

import pytest

from campaigns.models import Event
from tests.browser.conftest import PHONE, sign_in
from tests.unsent_reports_file import (
    jpeg,
    report_body,
    request_body,
    unsent_photo,
    unsent_report,
    unsent_reports_file,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_a_refused_file_then_the_fixed_one_is_imported(
    phone_page, live_server, artifacts, world, tmp_path, language
):
    page = phone_page
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    sign_in(page, live_server, "aba-organizer")
    page.goto(f"{live_server.url}/events/")
    page.click("a[href$='/events/import-unsent-reports']")
    page.wait_for_selector("input[type=file]")
    good = unsent_report(request_body(world), photos=[unsent_photo(jpeg())])
    refused = unsent_report(
        request_body(world, report=report_body(audience={"women": 500})), title="安曲牧场宣讲"
    )
    faulty = tmp_path / "unsent-reports-20250315-1830.json"
    faulty.write_bytes(unsent_reports_file(good, refused))

    page.set_input_files("input[type=file]", str(faulty))
    page.click("button.primary")

    page.wait_for_selector("table.problems")
    page.screenshot(
        path=artifacts / f"unsent-reports-import-problems-{language}.png", full_page=True
    )
    rows = page.locator("table.problems tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").nth(1).inner_text() == "安曲牧场宣讲"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert Event.objects.count() == 1

    fixed = tmp_path / "unsent-reports-20250315-1900.json"
    fixed.write_bytes(unsent_reports_file(good))
    page.set_input_files("input[type=file]", str(fixed))
    page.click("button.primary")

    page.wait_for_url(f"{live_server.url}/events/")
    page.screenshot(path=artifacts / f"unsent-reports-imported-{language}.png")
    assert page.locator(".messages").count() == 1
    assert Event.objects.count() == 2
