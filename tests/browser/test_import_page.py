"""Journey 4 on a phone: a branch uploads a faulty sheet, then a clean one."""

import pytest

from campaigns.models import Event
from tests.browser.conftest import PHONE, sign_in
from tests.imports.test_events_import import GOOD, sheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organizer_imports_a_sheet_after_fixing_it(
    phone_page, live_server, artifacts, world, tmp_path
):
    page = phone_page
    sign_in(page, live_server, "aba-organizer")
    page.goto(f"{live_server.url}/events/")
    page.click("a[href*='/import/']")
    page.wait_for_selector("input[type=file]")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts / "import-page.png", full_page=True)

    faulty = tmp_path / "faulty.xlsx"
    faulty.write_bytes(sheet(GOOD | {"audience_women": "很多"}))
    page.select_option("select[name=campaign]", str(world.campaign.pk))
    page.set_input_files("input[type=file]", str(faulty))
    page.click("button.primary")
    # Without a broker the job runs at once; its page says what was found.
    page.wait_for_selector("a[href*='/download']")
    page.screenshot(path=artifacts / "import-job-problems.png", full_page=True)
    assert "Checked: 1 problem, nothing saved." in page.locator(".errors").inner_text()
    # Refused, not succeeded: the first problems are on the page, readable on a phone.
    assert page.locator(".job-status").inner_text() == "checked: nothing saved"
    assert page.locator("table.job-problems tbody tr").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not Event.objects.filter(external_ref="HY-2024-001").exists()

    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(sheet(GOOD))
    page.goto(f"{live_server.url}/units/{world.units['central_a'].pk}/import/")
    page.select_option("select[name=campaign]", str(world.campaign.pk))
    page.set_input_files("input[type=file]", str(clean))
    assert not page.is_checked("input[name=submit]")
    page.check("input[name=submit]")
    page.click("button.primary")
    page.wait_for_selector(".job-outcome")
    assert "1 report sent for review." in page.locator(".job-outcome").inner_text()
    assert page.locator("progress").count() == 0
    assert Event.objects.get(external_ref="HY-2024-001").status == Event.Status.REPORTED
