"""The photo pages: uploading, showing and removing photos, each within the user's scope."""

import io
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from campaigns.models import Event, EventPhoto, Membership
from campaigns.views.photos import event_photos_context
from tests import factories as f


def _member(org_tree, unit, role=Membership.Role.ORGANIZER):
    return f.MembershipFactory(org_unit=org_tree[unit], role=role).user


@pytest.fixture
def event(org_tree):
    return f.EventFactory(org_unit=org_tree["sub_a"], title="红原牧区金融知识宣讲")


@pytest.fixture
def organizer(org_tree):
    return _member(org_tree, "central_a")


@pytest.fixture
def photo(event):
    return f.EventPhotoFactory(event=event, caption="宣讲现场")


def _jpeg(name="photo.jpg", size=(60, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _upload_url(event):
    return reverse("event_photo_upload", args=[event.pk])


def _photo_url(photo, size="full"):
    return reverse("event_photo", args=[photo.event_id, photo.pk, size])


def test_an_organizer_uploads_several_photos_and_returns_to_the_event(client, organizer, event):
    client.force_login(organizer)

    response = client.post(
        _upload_url(event), {"photos": [_jpeg("a.jpg"), _jpeg("b.jpg")], "caption": "合影"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("event_detail", args=[event.pk])
    assert list(event.photos.values_list("caption", flat=True)) == ["合影", "合影"]
    assert _messages(response) == ["2 photos added."]


def test_an_htmx_upload_gets_the_photos_section_back(client, organizer, event):
    client.force_login(organizer)

    response = client.post(
        _upload_url(event), {"photos": [_jpeg()]}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.templates[0].name == "partials/event_photos.html"
    photo = event.photos.get()
    page = response.content.decode()
    assert _photo_url(photo, "thumb") in page
    assert 'loading="lazy"' in page
    assert 'width="60" height="40"' in page
    assert 'alt="红原牧区金融知识宣讲"' in page
    assert "1 photo added." in page


def test_a_refused_file_is_named_and_the_others_are_added(client, organizer, event, media_root):
    client.force_login(organizer)
    text = SimpleUploadedFile("notes.jpg", b"just text\n" * 50, content_type="image/jpeg")

    response = client.post(_upload_url(event), {"photos": [text, _jpeg("good.jpg")]})

    assert response.status_code == 302
    assert event.photos.count() == 1
    refused, added = _messages(response)
    assert refused.startswith("notes.jpg: ")
    assert added == "1 photo added."
    assert len([p for p in Path(media_root).rglob("*") if p.is_file()]) == 2


def test_an_upload_to_a_frozen_report_shows_why(client, organizer, event):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.REPORTED)
    client.force_login(organizer)

    response = client.post(_upload_url(event), {"photos": [_jpeg(), _jpeg()]})

    assert response.status_code == 302
    assert not event.photos.exists()
    assert len(_messages(response)) == 1  # said once, not once per file


def test_an_upload_without_files_says_so(client, organizer, event):
    client.force_login(organizer)

    response = client.post(_upload_url(event), {})

    assert response.status_code == 302
    assert len(_messages(response)) == 1


def test_a_translator_may_not_upload(client, org_tree, event):
    client.force_login(_member(org_tree, "central_a", Membership.Role.TRANSLATOR))

    response = client.post(_upload_url(event), {"photos": [_jpeg()]})

    assert response.status_code == 403
    assert not event.photos.exists()


def test_an_organizer_of_another_branch_cannot_find_the_event(client, org_tree, event):
    client.force_login(_member(org_tree, "branch_b"))

    response = client.post(_upload_url(event), {"photos": [_jpeg()]})

    assert response.status_code == 404


def test_upload_is_post_only(client, organizer, event):
    client.force_login(organizer)

    assert client.get(_upload_url(event)).status_code == 405


def test_the_organizer_gets_the_photo_inline_and_unsniffable(client, organizer, photo):
    client.force_login(organizer)

    response = client.get(_photo_url(photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        f'inline; filename="event-{photo.event_id}-photo-{photo.pk}.jpg"'
    )
    assert response["Cache-Control"] == "private, max-age=86400"
    assert b"".join(response.streaming_content) == Path(photo.image.path).read_bytes()


def test_the_thumbnail_is_served_from_its_own_file(client, organizer, photo):
    client.force_login(organizer)

    response = client.get(_photo_url(photo, "thumb"))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(photo.thumbnail.path).read_bytes()


@pytest.mark.parametrize("role", [Membership.Role.REVIEWER, Membership.Role.TRANSLATOR])
def test_other_roles_of_the_branch_may_view(client, org_tree, photo, role):
    client.force_login(_member(org_tree, "branch_a", role))

    assert client.get(_photo_url(photo)).status_code == 200


@pytest.mark.parametrize("unit", ["branch_b", "sub_b"])
@pytest.mark.parametrize("role", [Membership.Role.ORGANIZER, Membership.Role.REVIEWER])
def test_a_user_of_another_branch_gets_404_for_the_photo(client, org_tree, photo, unit, role):
    client.force_login(_member(org_tree, unit, role))

    assert client.get(_photo_url(photo)).status_code == 404
    assert client.get(_photo_url(photo, "thumb")).status_code == 404


def test_a_photo_is_not_found_under_another_event(client, organizer, org_tree, photo):
    other = f.EventFactory(org_unit=org_tree["sub_a"])
    client.force_login(organizer)

    response = client.get(reverse("event_photo", args=[other.pk, photo.pk, "full"]))

    assert response.status_code == 404


def test_an_unknown_size_is_not_found(client, organizer, photo):
    client.force_login(organizer)

    assert client.get(_photo_url(photo, "original")).status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(client, photo):
    response = client.get(_photo_url(photo))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_organizer_removes_a_photo(client, organizer, photo):
    client.force_login(organizer)

    response = client.post(reverse("event_photo_delete", args=[photo.event_id, photo.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("event_detail", args=[photo.event_id])
    assert not EventPhoto.objects.filter(pk=photo.pk).exists()


def test_an_htmx_removal_gets_the_empty_section_back(client, organizer, photo):
    client.force_login(organizer)

    response = client.post(
        reverse("event_photo_delete", args=[photo.event_id, photo.pk]),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert 'class="photo-empty"' in response.content.decode()


def test_a_reviewer_may_not_remove_a_photo(client, org_tree, photo):
    client.force_login(_member(org_tree, "branch_a", Membership.Role.REVIEWER))

    response = client.post(reverse("event_photo_delete", args=[photo.event_id, photo.pk]))

    assert response.status_code == 403
    assert EventPhoto.objects.filter(pk=photo.pk).exists()


def test_removal_is_post_only(client, organizer, photo):
    client.force_login(organizer)

    response = client.get(reverse("event_photo_delete", args=[photo.event_id, photo.pk]))

    assert response.status_code == 405


def _section(user, event):
    request = RequestFactory().get("/")
    request.user = user
    request.htmx = False
    context = event_photos_context(user=user, event=event)
    return render_to_string("partials/event_photos.html", context, request=request)


def test_the_section_offers_upload_and_removal_to_the_organizer_only(org_tree, organizer, photo):
    reviewer = _member(org_tree, "branch_a", Membership.Role.REVIEWER)

    for_organizer = _section(organizer, photo.event)
    for_reviewer = _section(reviewer, photo.event)

    assert 'name="photos" multiple' in for_organizer
    assert 'accept="image/jpeg,image/png,image/webp"' in for_organizer
    assert reverse("event_photo_delete", args=[photo.event_id, photo.pk]) in for_organizer
    assert 'name="photos"' not in for_reviewer
    assert reverse("event_photo_delete", args=[photo.event_id, photo.pk]) not in for_reviewer
    assert 'alt="宣讲现场"' in for_reviewer
