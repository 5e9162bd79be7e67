"""The home page after sign-in, at phone width, in each interface language."""

import subprocess

import pytest

from tests.browser.conftest import sign_in
from tests.factories import CampaignFactory, EventFactory, MembershipFactory, OrgUnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADINGS = {"zh-hans": "当前宣传活动", "bo": None, "en": "Current campaign"}


@pytest.mark.parametrize("language", ["zh-hans", "bo", "en"])
def test_home_page_shows_unit_role_and_campaign_in_each_language(
    phone_page, live_server, artifacts, language
):
    unit = OrgUnitFactory(code="ABA", name="阿坝中心支公司", kind="central_sub_branch")
    MembershipFactory(user__username="aba-organizer", org_unit=unit)
    campaign = CampaignFactory(name="2025年“3·15”金融消费者权益保护教育宣传周")
    EventFactory(org_unit=unit, campaign=campaign)

    sign_in(phone_page, live_server, "aba-organizer")
    phone_page.click(f"nav.languages button[value={language}]")
    phone_page.wait_for_load_state()

    assert phone_page.locator("html").get_attribute("lang") == language
    body = phone_page.locator("main").inner_text()
    assert "阿坝中心支公司" in body
    assert campaign.name in body
    if language == "bo":
        assert phone_page.locator(".review-notice").is_visible()
        assert any("\u0f00" <= ch <= "\u0fff" for ch in body)
    else:
        assert HEADINGS[language] in body
        assert not phone_page.locator(".review-notice").count()
    # Nothing wider than the phone: no sideways scrolling.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.screenshot(path=artifacts / f"home-{language}.png", full_page=True)


def test_tibetan_and_chinese_fonts_are_installed():
    for family in ("Noto Serif Tibetan", "Noto Sans CJK SC"):
        found = subprocess.run(
            ["fc-match", "-f", "%{family}", family], capture_output=True, text=True, check=True
        ).stdout
        assert family in found, f"{family} is not installed: `make run` installs it as root"
