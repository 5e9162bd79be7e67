"""Event photos: uploads are checked by their content and re-encoded without their metadata.

A phone photo carries the place it was taken (GPS) and the phone that took it in its EXIF
and XMP data. Nothing of the upload is kept but its pixels: they are decoded by Pillow
(only the JPEG, PNG and WebP decoders are tried), turned upright, brought to sRGB and
written again under a random name, next to a small thumbnail.
"""

import hashlib
import io
import struct
import uuid
from collections.abc import Sequence
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps

from campaigns import bounds
from campaigns.errors import NotAllowed
from campaigns.models import Event, EventPhoto
from campaigns.services.audit import audit_record
from portal.access import can, require, visible_to

PHOTO_ERRORS = {
    "event_closed": _(
        "Photos can be added or removed only while the event is planned or its report "
        "has been returned for changes."
    ),
    "not_an_image": _("This file is not a JPEG, PNG or WebP photo, or it is damaged."),
    "too_large": _("This file is larger than %(limit)s."),
    "too_many_pixels": _("This photo has more than %(megapixels)s million pixels."),
}

# Refusals of one file, as opposed to the event or the caption: the other files of the same
# upload may still be added.
FILE_ERRORS = frozenset({"not_an_image", "too_large", "too_many_pixels"})

# A reported or approved report is frozen: its photos are part of what was reviewed.
OPEN_STATUSES = frozenset({Event.Status.PLANNED, Event.Status.RETURNED})

# The decoders Pillow may try (an MPO is a JPEG with a second picture, as some phones take)
# and the format each is written in again.
DECODERS = ["JPEG", "PNG", "WEBP"]
OUTPUT_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
OUTPUT_MODES = {"JPEG": {"RGB", "L"}, "PNG": {"RGB", "RGBA", "L", "LA"}, "WEBP": {"RGB", "RGBA"}}
ENCODER_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {},
    "WEBP": {"quality": 85},
}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_OPTIONS = {"quality": 80, "optimize": True}

# What Pillow raises on a damaged or hostile file, besides the decompression-bomb checks.
DECODING_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    EOFError,
    ZeroDivisionError,
    struct.error,
)

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _error(code: str, **params) -> ValidationError:
    return ValidationError(PHOTO_ERRORS[code], code=code, params=params or None)


def event_photos_editable(*, user, event: Event) -> bool:
    """Whether ``user`` may add photos to ``event`` and remove them now."""
    return event.status in OPEN_STATUSES and can(user, "event.report", event.org_unit)


def _announced(event: Event, photo_id: UUID | None) -> bool:
    """Whether ``photo_id`` is a photo that the event's report, sent from a phone, said it
    would send. A phone sends the report first and its photos after, so they may still arrive
    while the report waits for review: they are part of what was sent."""
    return (
        photo_id is not None
        and event.status == Event.Status.REPORTED
        and str(photo_id) in event.photos_expected
    )


def _event_open_for_photos(*, user, event: Event, photo_id: UUID | None = None) -> Event:
    """The event, locked against a concurrent submit, if its photos may change now (or the
    photo ``photo_id`` is one its report announced)."""
    require(user, "event.report", event.org_unit)
    locked = (
        visible_to(user, Event)
        .select_for_update(of=("self",))
        .select_related("org_unit")
        .filter(pk=event.pk)
        .first()
    )
    if locked is None:
        raise NotAllowed
    if locked.status not in OPEN_STATUSES and not _announced(locked, photo_id):
        raise _error("event_closed")
    return locked


def _fitted_size(width: int, height: int, *, side: int) -> tuple[int, int]:
    """The size of a ``width`` × ``height`` picture scaled down to fit in ``side`` × ``side``."""
    longest = max(width, height)
    if longest <= side:
        return width, height
    return max(1, round(width * side / longest)), max(1, round(height * side / longest))


def _check_pixels(size: tuple[int, int]) -> None:
    if size[0] * size[1] > settings.PHOTO_MAX_PIXELS:
        raise _error("too_many_pixels", megapixels=f"{settings.PHOTO_MAX_PIXELS / 1e6:g}")


def _to_srgb(image: Image.Image) -> Image.Image:
    # The colour profile goes with the other metadata; phones often shoot in a wide gamut
    # (Display P3), so the pixels are converted to sRGB first to keep their colours.
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        return ImageCms.profileToProfile(image, io.BytesIO(profile), SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a profile Little CMS cannot read: the pixels are kept as they are


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _ends_whole(upload: UploadedFile, image_format: str) -> bool:
    """Whether the file runs to the end marker of its format (a photo cut off in transfer
    does not)."""
    upload.seek(0)
    content = upload.read()
    if image_format in ("JPEG", "MPO"):
        return content.rstrip(b"\x00").endswith(b"\xff\xd9")
    if image_format == "PNG":
        return content.endswith(b"IEND\xaeB`\x82")
    if image_format == "WEBP":
        return len(content) >= 8 and int.from_bytes(content[4:8], "little") + 8 <= len(content)
    return False


def _photo_decode(upload: UploadedFile) -> tuple[Image.Image, str]:
    """The upright pixels of an upload and the format to write them in, or ValidationError.

    Only the content decides: the file's name and the browser's content type are ignored.
    """
    if (upload.size or 0) > settings.PHOTO_MAX_BYTES:
        raise _error("too_large", limit=filesizeformat(settings.PHOTO_MAX_BYTES))
    try:
        # Opening reads the header only: the size is checked before any pixel is decoded.
        upload.seek(0)
        with Image.open(upload, formats=DECODERS) as probe:
            _check_pixels(probe.size)
            probe.verify()
        upload.seek(0)
        with Image.open(upload, formats=DECODERS) as opened:
            _check_pixels(opened.size)
            output_format = OUTPUT_FORMATS[opened.format]
            if output_format == "JPEG":
                # A large JPEG can be decoded at a fraction of its size, saving memory.
                opened.draft(None, (settings.PHOTO_MAX_SIDE, settings.PHOTO_MAX_SIDE))
            opened.load()
            # Pillow pads a cut-off file instead of failing when LOAD_TRUNCATED_IMAGES is set,
            # and WeasyPrint sets it for the whole process on import: check the end ourselves.
            if not _ends_whole(upload, opened.format):
                raise _error("not_an_image")
            image = ImageOps.exif_transpose(opened)  # a copy, upright
        image = _to_srgb(image)
        if "transparency" in image.info or image.mode not in OUTPUT_MODES[output_format]:
            keep_alpha = _has_alpha(image) and output_format != "JPEG"
            image = image.convert("RGBA" if keep_alpha else "RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        # Pillow's own guard, for images far beyond PHOTO_MAX_PIXELS (the warning is raised
        # where warnings are errors, as in the tests).
        raise _error("too_many_pixels", megapixels=f"{settings.PHOTO_MAX_PIXELS / 1e6:g}") from bomb
    except DECODING_ERRORS as damaged:
        raise _error("not_an_image") from damaged
    # Nothing but the pixels is written: no EXIF, XMP, colour profile, comment or text.
    image.info = {}
    return image, output_format


def _scaled(image: Image.Image, side: int) -> Image.Image:
    size = _fitted_size(image.width, image.height, side=side)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def received_sha256(upload: UploadedFile) -> str:
    """The SHA-256 (hex) of an upload's bytes as they were received."""
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def _photo_encode(upload: UploadedFile) -> tuple[bytes, bytes, str, str]:
    """The stored photo's bytes, its JPEG thumbnail's bytes, the photo's file extension and
    the SHA-256 of the upload as received."""
    image, output_format = _photo_decode(upload)
    image = _scaled(image, settings.PHOTO_MAX_SIDE)
    photo = io.BytesIO()
    image.save(photo, output_format, **ENCODER_OPTIONS[output_format])

    thumbnail = _scaled(image, settings.PHOTO_THUMBNAIL_SIDE)
    if _has_alpha(thumbnail):  # JPEG has no transparency: lay the photo on white
        rgba = thumbnail.convert("RGBA")
        thumbnail = Image.new("RGB", rgba.size, "white")
        thumbnail.paste(rgba, mask=rgba.getchannel("A"))
    elif thumbnail.mode not in OUTPUT_MODES["JPEG"]:
        thumbnail = thumbnail.convert("RGB")
    thumbnail.info = {}
    small = io.BytesIO()
    thumbnail.save(small, "JPEG", **THUMBNAIL_OPTIONS)
    return photo.getvalue(), small.getvalue(), EXTENSIONS[output_format], received_sha256(upload)


def _photo_new(*, user, event: Event, caption: str, photo_id: UUID | None = None) -> EventPhoto:
    """An unsaved photo of ``event`` with its caption checked, still without its files."""
    try:
        bounds.text_storable(caption)
    except ValidationError as refused:
        raise ValidationError({"caption": refused.messages}) from refused
    photo = EventPhoto(event=event, caption=caption.strip(), uploaded_by=user)
    if photo_id is not None:
        photo.uuid = photo_id
    # The id is held unique by the database, where two sends of one photo at once meet.
    photo.full_clean(exclude=["image", "thumbnail", "uuid"])
    return photo


def _photo_store(photo: EventPhoto, encoded: tuple[bytes, bytes, str, str], *, user) -> list[str]:
    """Write the files of an encoded photo and save it, audited; the names of the files
    written. On failure no file of this photo is left behind."""
    content, thumbnail, extension, photo.sha256 = encoded
    storage = photo.image.storage
    written: list[str] = []
    try:
        stem = uuid.uuid4().hex  # the uploaded name may say who or where; it is not kept
        # A named ContentFile: the image field reads the width and height from it.
        name = f"{stem}.{extension}"
        photo.image.save(name, ContentFile(content, name=name), save=False)
        written.append(photo.image.name)
        photo.thumbnail.save(f"{stem}.jpg", ContentFile(thumbnail), save=False)
        written.append(photo.thumbnail.name)
        photo.save()
        audit_record(
            actor=user,
            obj=photo.event,
            action="campaigns.event.photo_added",
            data={
                "photo": photo.pk,
                "width": photo.width,
                "height": photo.height,
                "bytes": len(content),
            },
        )
    except BaseException:
        # The transaction rolls the row back; the files are not part of it.
        for written_name in written:
            storage.delete(written_name)
        raise
    return written


@transaction.atomic
def event_photo_add(
    *,
    user,
    event: Event,
    upload: UploadedFile,
    caption: str = "",
    photo_id: UUID | None = None,
) -> EventPhoto:
    """Store a JPEG, PNG or WebP photo of a planned or returned event, without its metadata;
    ``photo_id``: the id a phone made for it."""
    event = _event_open_for_photos(user=user, event=event, photo_id=photo_id)
    photo = _photo_new(user=user, event=event, caption=caption, photo_id=photo_id)
    _photo_store(photo, _photo_encode(upload), user=user)
    return photo


@transaction.atomic
def event_photos_add(
    *, user, event: Event, uploads: Sequence[UploadedFile], caption: str = ""
) -> list[EventPhoto]:
    """Store several photos of a planned or returned event, all or none.

    Every file is checked before any is written, so one refused file refuses them all; each
    refusal names its file under "photos", a refused caption is under "caption". Used where
    the photos go with another save (the report), which must not be kept without them.
    """
    if not uploads:
        return []
    event = _event_open_for_photos(user=user, event=event)
    try:  # the caption first: it is quicker to check than the files
        _photo_new(user=user, event=event, caption=caption)
    except ValidationError as refused:
        raise ValidationError({"caption": refused.messages}) from refused
    encoded, refusals = [], []
    for upload in uploads:
        try:
            encoded.append(_photo_encode(upload))
        except ValidationError as refused:
            refusals.append(f"{upload.name}: {' '.join(refused.messages)}")
    if refusals:
        raise ValidationError({"photos": refusals})

    storage = EventPhoto._meta.get_field("image").storage
    photos: list[EventPhoto] = []
    written: list[str] = []
    try:
        for each in encoded:
            photo = _photo_new(user=user, event=event, caption=caption)
            written += _photo_store(photo, each, user=user)
            photos.append(photo)
    except BaseException:
        # The photos stored before the failure roll back with the transaction; their files
        # are not part of it.
        for name in written:
            storage.delete(name)
        raise
    return photos


@transaction.atomic
def event_photo_remove(*, user, photo: EventPhoto) -> None:
    """Remove a photo of a planned or returned event; its files go once the removal commits."""
    event = _event_open_for_photos(user=user, event=photo.event)
    names = [name for name in (photo.image.name, photo.thumbnail.name) if name]
    storage = photo.image.storage
    audit_record(
        actor=user,
        obj=event,
        action="campaigns.event.photo_removed",
        data={"photo": photo.pk, "caption": photo.caption},
    )
    photo.delete()

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    # After the commit only: a rolled-back removal must still find its files.
    transaction.on_commit(delete_files)
