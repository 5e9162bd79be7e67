"""A phone photo of several MB chosen on the report page, at 390×844: with JavaScript it is made
smaller on the phone and goes with the save; without, the original goes with the save. Either
way nothing chosen is lost, and the page holds its Content-Security-Policy."""

import io
import re

import pytest
from PIL import ExifTags, Image
from playwright.sync_api import expect

from campaigns.models import Event
from campaigns.services import events as services
from campaigns.services import offline as offline_services
from tests.browser.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Reports each policy violation to the test; added through the debugging protocol, which the
# policy does not cover.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture(scope="module")
def phone_photo(tmp_path_factory):
    """A 4000×3000 JPEG of several MB, as a phone held upright writes it: the pixels lie on
    their side and the EXIF orientation says to turn them."""
    noise = Image.effect_noise((4000, 3000), 40)
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    picture = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown turned 90° clockwise: 3000 wide, 4000 high
    exif[ExifTags.Base.Make] = "Snoopy Phones"
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=92, exif=exif)
    path = tmp_path_factory.mktemp("phone") / "IMG_0315.jpg"
    path.write_bytes(buffer.getvalue())
    assert 5_000_000 < path.stat().st_size < 8 * 1024 * 1024  # several MB, within the limit
    return path


@pytest.fixture
def arrived(monkeypatch):
    """The photos as they reach the server with a report: (name, bytes, width × height)."""
    seen: list[tuple[str, int, tuple[int, int]]] = []
    save = services.event_report_save

    def watched_save(**report):
        for upload in report.get("photos", ()):
            with Image.open(upload) as picture:
                seen.append((upload.name, upload.size, picture.size))
            upload.seek(0)
        return save(**report)

    monkeypatch.setattr(services, "event_report_save", watched_save)
    # Where the browser keeps reports on the phone (issue 19), each photo goes on its own,
    # under the id the phone made for it, once the report is stored.
    add = offline_services.event_photo_add

    def watched_add(**photo):
        upload = photo["upload"]
        with Image.open(upload) as picture:
            seen.append((upload.name, upload.size, picture.size))
        upload.seek(0)
        return add(**photo)

    monkeypatch.setattr(offline_services, "event_photo_add", watched_add)
    return seen


def _phone(browser, live_server, *, javascript: bool):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return context


def _watched(page) -> list[str]:
    problems: list[str] = []
    page.expose_function("reportViolation", lambda text: problems.append(f"CSP: {text}"))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    return problems


def _stored_photo(event: Event):
    photo = event.photos.get()
    with Image.open(photo.image.path) as stored:
        return stored.size, photo.image.size, dict(stored.getexif())


def test_a_large_photo_is_made_smaller_on_the_phone_and_saved_with_the_report(
    browser, live_server, world, phone_photo, arrived, artifacts
):
    context = _phone(browser, live_server, javascript=True)
    page = context.new_page()
    problems = _watched(page)
    event = world.event
    report_url = f"{live_server.url}/events/{event.pk}/report"
    sign_in(page, live_server, "aba-organizer")
    page.goto(report_url)
    page.fill("input[name=head_count]", "80")

    page.set_input_files("input[name=photos]", str(phone_photo))
    status = page.locator("#report-photos-status")
    expect(status).to_contain_text("Photo made smaller: 6.")
    assert "KB" in status.inner_text().split("→")[1]
    status.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "report-photo-made-smaller.png")

    # Leaving with the photo chosen and not sent asks first; staying keeps it.
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.click(f"main a[href='/events/{event.pk}/']")  # returns once the question is answered
    assert asked == ["beforeunload"]
    assert page.url == report_url
    assert page.eval_on_selector("input[name=photos]", "input => input.files.length") == 1

    # Chosen again and saved at once, while it is still being made smaller: the save waits
    # for it and sends the small one.
    page.set_input_files("input[name=photos]", str(phone_photo))
    page.click("button[name=save]")
    page.wait_for_url(f"**/events/{event.pk}/")
    [(name, sent_bytes, sent_size)] = arrived
    # Posted with the form under its file's name; or, once the service worker controls the
    # page, sent from the phone's outbox under the photo's own id.
    assert name == "IMG_0315.jpg" or re.fullmatch(r"[0-9a-f-]{36}\.photo", name), name
    assert sent_size == (1200, 1600)  # made smaller on the phone, and upright
    assert 50_000 < sent_bytes < 600_000  # a few hundred KB, not 6 MB

    event = Event.objects.get(pk=event.pk)
    assert event.head_count == 80
    size, stored_bytes, exif = _stored_photo(event)
    assert size == (1200, 1600)  # upright, and no longer than 1600 px
    assert 50_000 < stored_bytes < 600_000
    assert exif == {}
    assert "1 photo added." in page.inner_text(".messages")
    thumbnail = page.locator(".event-photos img")
    thumbnail.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.event-photos img').naturalWidth > 0")
    page.screenshot(path=artifacts / "report-photo-saved.png")
    assert not problems
    context.close()


def test_without_javascript_the_original_photo_goes_with_the_save(
    browser, live_server, world, phone_photo, arrived
):
    context = _phone(browser, live_server, javascript=False)
    page = context.new_page()
    event = world.event
    sign_in(page, live_server, "aba-organizer")
    page.goto(f"{live_server.url}/events/{event.pk}/report")
    page.fill("input[name=head_count]", "80")
    page.set_input_files("input[name=photos]", str(phone_photo))

    page.click("button[name=save]")
    page.wait_for_url(f"**/events/{event.pk}/")
    assert arrived == [("IMG_0315.jpg", phone_photo.stat().st_size, (4000, 3000))]

    event = Event.objects.get(pk=event.pk)
    assert event.head_count == 80
    size, _stored_bytes, exif = _stored_photo(event)
    assert size == (1920, 2560)  # turned upright and scaled by the server, as for any upload
    assert exif == {}
    context.close()
