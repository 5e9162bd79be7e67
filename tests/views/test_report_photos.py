"""Photos chosen on the report page go with its save: stored with it, or refused with it and
asked for again, never dropped without a word."""

import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from campaigns.models import Event, EventPhoto
from tests.markup import field_markup

pytestmark = pytest.mark.django_db

NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP photo, or it is damaged."
CHOOSE_AGAIN = (
    "The report was not saved, so the photos you chose were not uploaded: choose them again."
)


def _jpeg(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "teal").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _not_a_photo(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"minutes of the meeting\n" * 20, content_type="image/jpeg")


def _report_post(event, **overrides) -> dict:
    return {
        "version": event.version,
        "head_count": "80",
        "audience_farmers_herders": "60",
        "audience_women": "35",
        "summary": "藏汉双语讲解。",
        "handouts-TOTAL_FORMS": "0",
        "handouts-INITIAL_FORMS": "0",
        "services-TOTAL_FORMS": "0",
        "services-INITIAL_FORMS": "0",
        **overrides,
    }


def _report(client, world, data):
    client.force_login(world.organizer)
    return client.post(reverse("event_report", args=[world.event.pk]), data)


def test_the_report_form_itself_holds_the_photo_chooser(client, world):
    client.force_login(world.organizer)
    html = client.get(reverse("event_report", args=[world.event.pk])).text

    form = html.split('<form method="post" class="report-form"', 1)[1].split("</form>", 1)[0]
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file" name="photos"' in form
    assert 'name="caption"' in form
    assert "They are uploaded when you save the report." in form
    # No second chooser whose photos a tap on save would leave behind.
    assert html.count('type="file"') == 1
    assert 'class="photo-upload"' not in html
    assert "/static/js/photos.js" in html


def test_photos_chosen_on_the_report_page_are_saved_with_it(client, world):
    response = _report(
        client,
        world,
        _report_post(world.event, photos=[_jpeg("a.jpg"), _jpeg("b.jpg")], caption="牧民合影"),
    )

    assert response.status_code == 302
    event = Event.objects.get(pk=world.event.pk)
    assert event.head_count == 80
    assert list(event.photos.values_list("caption", flat=True)) == ["牧民合影", "牧民合影"]
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 photos added.",
        "The report is saved. Submit it when it is complete.",
    ]


def test_a_bad_file_among_the_photos_refuses_the_save_and_keeps_what_was_typed(
    client, world, media_root
):
    response = _report(
        client,
        world,
        _report_post(world.event, photos=[_jpeg("herders.jpg"), _not_a_photo("minutes.jpg")]),
    )

    assert response.status_code == 200
    photos = field_markup(response.text, "photos")
    assert "has-error" in photos.split(">", 1)[0]
    assert f"minutes.jpg: {NOT_AN_IMAGE}" in photos
    assert CHOOSE_AGAIN in photos
    assert "herders.jpg" not in response.text  # the good one was not refused, only not kept
    assert 'value="60"' in field_markup(response.text, "audience_farmers_herders")
    assert "藏汉双语讲解。" in response.text
    event = Event.objects.get(pk=world.event.pk)
    assert (event.version, event.head_count) == (world.event.version, None)
    assert not EventPhoto.objects.exists()
    assert not list(media_root.rglob("*.jpg"))


def test_photos_sent_with_a_report_refused_for_its_figures_are_asked_for_again(client, world):
    response = _report(
        client, world, _report_post(world.event, audience_women="-3", photos=[_jpeg("a.jpg")])
    )

    assert response.status_code == 200
    assert CHOOSE_AGAIN in field_markup(response.text, "photos")
    assert not EventPhoto.objects.exists()


def test_a_report_refused_without_photos_says_nothing_about_photos(client, world):
    response = _report(client, world, _report_post(world.event, audience_women="-3"))

    assert response.status_code == 200
    assert CHOOSE_AGAIN not in response.text


def test_photos_saved_with_a_report_whose_submit_is_refused_stay_saved(client, world):
    response = _report(
        client,
        world,
        _report_post(
            world.event,
            head_count="",
            audience_farmers_herders="",
            audience_women="",
            submit="1",
            photos=[_jpeg("a.jpg")],
        ),
    )

    assert response.status_code == 200
    assert "Give the head count (everyone who came)" in field_markup(response.text, "head_count")
    assert CHOOSE_AGAIN not in response.text
    assert "1 photo added." in response.text
    assert Event.objects.get(pk=world.event.pk).photos.count() == 1
