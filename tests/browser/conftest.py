"""Playwright driving Debian's Chromium against the live test server."""

import os
import shutil
from pathlib import Path

import pytest

from tests.factories import USER_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls
# from test code unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def phone_context(browser, **options):
    """A browser context shaped like the organizers' phones: narrow, dense, touch."""
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, **options
    )


def under_worker(page):
    """Wait until the service worker controls the page (it has precached the shell by then)."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def plan_filled(page, title):
    """Fill the plan form with a county-tour stop at a pasture, as an organizer would."""
    page.fill("input[name=title]", title)
    page.fill("input[name=county]", "红原县")
    page.fill("input[name=venue_name]", "安曲乡牧场")
    page.select_option("select[name=venue_type]", "village")
    page.select_option("select[name=format]", "county_tour_stop")
    page.check("input[name=topics][value=eight_rights]")
    page.fill("input[name=starts_at]", "2025-03-13T10:00")


def _phone_page(browser, **options):
    context = phone_context(browser, **options)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser):
    yield from _phone_page(browser)


@pytest.fixture
def zh_phone_page(browser):
    """A phone whose browser asks for Chinese, so that pages open in zh-Hans unasked."""
    yield from _phone_page(browser, locale="zh-CN")


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def sign_in(page, live_server, username, password=USER_PASSWORD):
    """Sign in through the form, as a person would, and land on the home page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def open_section(page, href):
    """Open the header's menu and follow the link to one section, as a person on a phone does."""
    page.click("details.site-menu > summary")
    page.click(f"nav.main-nav a[href='{href}']")
