"""Event photos: checked by content, stored without metadata, all or nothing, alone or with
the report."""

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, ImageFile

from campaigns.models import AuditEntry, Event, EventPhoto, Membership
from campaigns.services import photos
from campaigns.services.events import event_report_save
from campaigns.services.photos import event_photo_add, event_photo_remove
from tests import factories as f

RED, BLUE = (220, 20, 20), (20, 20, 220)


@pytest.fixture
def organizer(org_tree):
    return f.MembershipFactory(org_unit=org_tree["central_a"], role=Membership.Role.ORGANIZER).user


@pytest.fixture
def event(org_tree):
    return f.EventFactory(org_unit=org_tree["sub_a"])


def _image(size=(60, 40), mode="RGB") -> Image.Image:
    """Red on the left half, blue on the right, so that a turn shows."""
    image = Image.new(mode, size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def _encoded(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _noisy_jpeg(size=(200, 200)) -> bytes:
    return _encoded(Image.effect_noise(size, 80).convert("RGB"), "JPEG", quality=95)


def _upload(content: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _files_in(media_root) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


def _png_claiming(width: int, height: int) -> bytes:
    """A few bytes of PNG whose header declares a huge image (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _phone_jpeg() -> bytes:
    """A JPEG as a phone writes it: sideways pixels, an orientation tag, GPS, make and model."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Snoopy Phones"
    exif[ExifTags.Base.Model] = "Tracker 9"
    exif[ExifTags.Base.Orientation] = 6  # shown turned 90° clockwise
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (32.0, 47.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (102.0, 32.0, 50.0),
    }
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b"<exif:GPSLatitude>32,47.5N</exif:GPSLatitude></x:xmpmeta>"
    )
    content = _encoded(_image(), "JPEG", exif=exif, xmp=xmp, quality=95)
    with Image.open(io.BytesIO(content)) as check:  # the fixture really carries all of it
        assert check.getexif()[ExifTags.Base.Make] == "Snoopy Phones"
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "xmp" in check.info
    return content


def test_a_phone_jpeg_is_stored_without_location_or_camera(organizer, event):
    photo = event_photo_add(user=organizer, event=event, upload=_upload(_phone_jpeg()))

    for stored_file in (photo.image, photo.thumbnail):
        raw = Path(stored_file.path).read_bytes()
        with Image.open(stored_file.path) as stored:
            assert stored.format == "JPEG"
            assert dict(stored.getexif()) == {}
            assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
            assert not {"exif", "xmp", "icc_profile"} & set(stored.info)
        assert b"Snoopy" not in raw
        assert b"Tracker" not in raw
        assert b"GPS" not in raw


def test_a_phone_jpeg_keeps_its_orientation(organizer, event):
    photo = event_photo_add(user=organizer, event=event, upload=_upload(_phone_jpeg()))

    with Image.open(photo.image.path) as stored:
        assert stored.size == (40, 60)  # stood upright: the left half is now on top
        top, bottom = stored.convert("RGB").getpixel((20, 10)), stored.getpixel((20, 50))
    assert (photo.width, photo.height) == (40, 60)
    assert top[0] > 150 > top[2]
    assert bottom[2] > 150 > bottom[0]


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_a_colour_profile_is_applied_then_dropped(organizer, event, image_format):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    content = _encoded(_image(), image_format, icc_profile=profile)

    photo = event_photo_add(user=organizer, event=event, upload=_upload(content))

    with Image.open(photo.image.path) as stored:
        assert stored.format == image_format
        assert "icc_profile" not in stored.info


def test_a_phone_mpo_is_stored_as_a_jpeg_of_its_first_picture(organizer, event):
    second = Image.new("RGB", (60, 40), "green")
    content = _encoded(_image(), "MPO", save_all=True, append_images=[second])

    photo = event_photo_add(user=organizer, event=event, upload=_upload(content))

    with Image.open(photo.image.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (60, 40))
        assert stored.convert("RGB").getpixel((5, 20))[0] > 150


@pytest.mark.parametrize(
    ("image_format", "mode", "extension"),
    [("PNG", "RGBA", "png"), ("PNG", "P", "png"), ("WEBP", "RGB", "webp")],
)
def test_png_and_webp_are_accepted_and_keep_their_format(
    organizer, event, image_format, mode, extension
):
    content = _encoded(_image(mode=mode) if mode != "P" else _image().convert("P"), image_format)

    photo = event_photo_add(
        user=organizer, event=event, upload=_upload(content, "picture.bin", "text/plain")
    )

    assert photo.image.name.endswith(f".{extension}")
    with Image.open(photo.image.path) as stored:
        assert stored.format == image_format
        assert stored.size == (60, 40)
    with Image.open(photo.thumbnail.path) as thumbnail:
        assert thumbnail.format == "JPEG"


def test_the_stored_photo_and_thumbnail_are_scaled_down(organizer, event):
    content = _encoded(_image(size=(3000, 1500)), "JPEG")

    photo = event_photo_add(user=organizer, event=event, upload=_upload(content))

    assert (photo.width, photo.height) == (2560, 1280)
    with Image.open(photo.thumbnail.path) as thumbnail:
        assert thumbnail.size == (480, 240)


def test_a_small_photo_is_not_enlarged(organizer, event):
    photo = event_photo_add(user=organizer, event=event, upload=_upload(_encoded(_image(), "JPEG")))

    with Image.open(photo.thumbnail.path) as thumbnail:
        assert thumbnail.size == (60, 40)


def test_the_uploaded_file_name_is_not_kept(organizer, event):
    upload = _upload(_encoded(_image(), "JPEG"), name="Tashi at Hongyuan 2025-03-10.jpg")

    photo = event_photo_add(user=organizer, event=event, upload=upload, caption=" 宣讲现场 ")

    assert re.fullmatch(r"event-photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", photo.image.name)
    assert re.fullmatch(r"event-photos/\d{4}/\d{2}/thumbs/[0-9a-f]{32}\.jpg", photo.thumbnail.name)
    assert (photo.caption, photo.uploaded_by) == ("宣讲现场", organizer)


def test_adding_a_photo_is_audited(organizer, event):
    photo = event_photo_add(user=organizer, event=event, upload=_upload(_encoded(_image(), "JPEG")))

    entry = AuditEntry.objects.get(action="campaigns.event.photo_added")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        organizer,
        "campaigns.event",
        str(event.pk),
    )
    assert entry.data["photo"] == photo.pk
    assert entry.org_unit == event.org_unit


def _truncated_jpeg() -> bytes:
    content = _noisy_jpeg()
    return content[: len(content) // 2]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        pytest.param(lambda: _encoded(_image(), "GIF"), "photo.gif", id="gif"),
        pytest.param(lambda: b"Not a photo at all, just some text.\n" * 20, "photo.jpg", id="text"),
        pytest.param(_truncated_jpeg, "photo.jpg", id="truncated-jpeg"),
        pytest.param(lambda: _encoded(_image(), "PNG")[:-40], "photo.png", id="truncated-png"),
        pytest.param(lambda: _encoded(_image(), "BMP"), "photo.jpg", id="bmp"),
        pytest.param(lambda: b"", "photo.jpg", id="empty"),
    ],
)
def test_what_is_not_a_jpeg_png_or_webp_is_refused_leaving_nothing(
    organizer, event, media_root, content, name
):
    with pytest.raises(ValidationError) as refused:
        event_photo_add(user=organizer, event=event, upload=_upload(content(), name))

    assert refused.value.code == "not_an_image"
    assert not EventPhoto.objects.exists()
    assert _files_in(media_root) == []


def test_a_file_over_the_size_limit_is_refused(organizer, event, media_root, settings):
    settings.PHOTO_MAX_BYTES = 10_000
    content = _noisy_jpeg()
    assert len(content) > 10_000

    with pytest.raises(ValidationError) as refused:
        event_photo_add(user=organizer, event=event, upload=_upload(content))

    assert refused.value.code == "too_large"
    assert not EventPhoto.objects.exists()
    assert _files_in(media_root) == []


def test_an_image_over_the_pixel_limit_is_refused(organizer, event, media_root, settings):
    settings.PHOTO_MAX_PIXELS = 50 * 50

    with pytest.raises(ValidationError) as refused:
        event_photo_add(
            user=organizer, event=event, upload=_upload(_encoded(_image((60, 50)), "JPEG"))
        )

    assert refused.value.code == "too_many_pixels"
    assert _files_in(media_root) == []


@pytest.mark.parametrize("side", [10_000, 20_000], ids=["over-pillow-warning", "over-pillow-error"])
def test_a_decompression_bomb_is_refused_before_decoding(organizer, event, media_root, side):
    upload = _upload(_png_claiming(side, side), "bomb.png", "image/png")

    with pytest.raises(ValidationError) as refused:
        event_photo_add(user=organizer, event=event, upload=upload)

    assert refused.value.code == "too_many_pixels"
    assert _files_in(media_root) == []


def test_a_failure_after_the_files_were_written_leaves_no_file(
    organizer, event, media_root, monkeypatch
):
    def broken_audit(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(photos, "audit_record", broken_audit)

    with pytest.raises(RuntimeError):
        event_photo_add(user=organizer, event=event, upload=_upload(_encoded(_image(), "JPEG")))

    assert not EventPhoto.objects.exists()
    assert _files_in(media_root) == []


def test_a_too_long_caption_is_refused_before_any_file_is_written(organizer, event, media_root):
    with pytest.raises(ValidationError):
        event_photo_add(
            user=organizer,
            event=event,
            upload=_upload(_encoded(_image(), "JPEG")),
            caption="长" * 201,
        )

    assert _files_in(media_root) == []


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (Membership.Role.TRANSLATOR, "central_a"),
        (Membership.Role.REVIEWER, "central_a"),
        (Membership.Role.ORGANIZER, "branch_b"),
        (Membership.Role.ORGANIZER, "sub_b"),
    ],
)
def test_only_organizers_above_the_event_may_add_photos(org_tree, event, media_root, role, unit):
    user = f.MembershipFactory(org_unit=org_tree[unit], role=role).user

    with pytest.raises(PermissionDenied):
        event_photo_add(user=user, event=event, upload=_upload(_encoded(_image(), "JPEG")))

    assert _files_in(media_root) == []


@pytest.mark.parametrize("status", [Event.Status.PLANNED, Event.Status.RETURNED])
def test_photos_may_be_added_to_a_planned_or_returned_event(organizer, event, status):
    Event.objects.filter(pk=event.pk).update(status=status)
    event.refresh_from_db()

    event_photo_add(user=organizer, event=event, upload=_upload(_encoded(_image(), "JPEG")))

    assert event.photos.count() == 1


@pytest.mark.parametrize(
    "status", [Event.Status.REPORTED, Event.Status.APPROVED, Event.Status.CANCELLED]
)
def test_a_frozen_report_takes_no_photos(organizer, event, media_root, status):
    Event.objects.filter(pk=event.pk).update(status=status)

    with pytest.raises(ValidationError) as refused:
        # The status is read again under lock, not taken from the caller's stale object.
        event_photo_add(user=organizer, event=event, upload=_upload(_encoded(_image(), "JPEG")))

    assert refused.value.code == "event_closed"
    assert _files_in(media_root) == []


def test_removing_a_photo_deletes_its_files_once_committed(
    organizer, event, media_root, django_capture_on_commit_callbacks
):
    photo = event_photo_add(user=organizer, event=event, upload=_upload(_encoded(_image(), "JPEG")))
    assert len(_files_in(media_root)) == 2
    photo_pk = photo.pk

    with django_capture_on_commit_callbacks(execute=True):
        event_photo_remove(user=organizer, photo=photo)

    assert not EventPhoto.objects.exists()
    assert _files_in(media_root) == []
    entry = AuditEntry.objects.get(action="campaigns.event.photo_removed")
    assert (entry.object_id, entry.data["photo"]) == (str(event.pk), photo_pk)


def test_a_photo_of_a_frozen_report_cannot_be_removed(organizer, event, media_root):
    photo = f.EventPhotoFactory(event=event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.REPORTED)

    with pytest.raises(ValidationError):
        event_photo_remove(user=organizer, photo=photo)

    assert EventPhoto.objects.filter(pk=photo.pk).exists()
    assert len(_files_in(media_root)) == 2


def test_a_translator_cannot_remove_a_photo(org_tree, event):
    photo = f.EventPhotoFactory(event=event)
    translator = f.MembershipFactory(
        org_unit=org_tree["central_a"], role=Membership.Role.TRANSLATOR
    ).user

    with pytest.raises(PermissionDenied):
        event_photo_remove(user=translator, photo=photo)

    assert EventPhoto.objects.filter(pk=photo.pk).exists()


@pytest.mark.parametrize(
    "content",
    [
        _truncated_jpeg,
        lambda: _encoded(_image(), "PNG")[:-40],
        lambda: _encoded(_image(), "WEBP")[:-30],
    ],
    ids=["jpeg", "png", "webp"],
)
def test_a_cut_off_photo_is_refused_even_where_pillow_accepts_truncated_files(
    organizer, event, monkeypatch, content
):
    # WeasyPrint turns this on for the whole process when it is imported (a print worker).
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(ValidationError):
        event_photo_add(user=organizer, event=event, upload=_upload(content(), "photo.jpg"))
    assert not EventPhoto.objects.exists()


# ---- photos sent with the report's save ----------------------------------------------------


def _report_saved_with(organizer, event, uploads, **options):
    return event_report_save(
        user=organizer,
        event_id=event.pk,
        expected_version=event.version,
        figures={"head_count": 80},
        audience={"women": 35},
        photos=uploads,
        **options,
    )


def test_photos_sent_with_a_report_are_stored_with_it(organizer, event):
    saved = _report_saved_with(
        organizer,
        event,
        [_upload(_encoded(_image(), "JPEG"), "a.jpg"), _upload(_encoded(_image(), "PNG"), "b.png")],
        photo_caption="红原牧场合影",
    )

    assert saved.head_count == 80
    assert list(event.photos.values_list("caption", flat=True)) == ["红原牧场合影"] * 2
    assert AuditEntry.objects.filter(action="campaigns.event.photo_added").count() == 2


def test_one_refused_file_refuses_the_report_and_every_photo_with_it(organizer, event, media_root):
    good = _upload(_encoded(_image(), "JPEG"), "herders.jpg")
    bad = _upload(b"Not a photo at all, just some text.\n" * 20, "notes.jpg")

    with pytest.raises(ValidationError) as refused:
        _report_saved_with(organizer, event, [good, bad])

    assert refused.value.message_dict == {
        "photos": ["notes.jpg: This file is not a JPEG, PNG or WebP photo, or it is damaged."]
    }
    stored = Event.objects.get(pk=event.pk)
    assert (stored.version, stored.head_count) == (event.version, None)
    assert not EventPhoto.objects.exists()
    assert _files_in(media_root) == []
    assert not AuditEntry.objects.filter(action="campaigns.event.report_saved").exists()


def test_a_refused_caption_with_the_report_is_named_as_the_caption(organizer, event, media_root):
    with pytest.raises(ValidationError) as refused:
        _report_saved_with(
            organizer, event, [_upload(_encoded(_image(), "JPEG"))], photo_caption="长" * 201
        )

    assert list(refused.value.message_dict) == ["caption"]
    assert _files_in(media_root) == []


def test_a_failure_after_some_photos_of_a_report_were_written_leaves_no_file(
    organizer, event, media_root, monkeypatch
):
    audited = []

    def audit_failing_at_the_second_photo(**entry):
        audited.append(entry)
        if len(audited) == 2:
            raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(photos, "audit_record", audit_failing_at_the_second_photo)
    uploads = [_upload(_encoded(_image(), "JPEG"), f"{n}.jpg") for n in range(3)]

    with pytest.raises(RuntimeError):
        _report_saved_with(organizer, event, uploads)

    assert not EventPhoto.objects.exists()
    assert _files_in(media_root) == []
    assert Event.objects.get(pk=event.pk).version == event.version


def test_a_report_saved_without_photos_leaves_the_event_photos_alone(organizer, event):
    f.EventPhotoFactory(event=event)

    _report_saved_with(organizer, event, [])

    assert event.photos.count() == 1
