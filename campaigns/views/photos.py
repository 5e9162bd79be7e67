"""An event's photos: uploading, showing (never from a public URL) and removing them."""

from pathlib import PurePosixPath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Event, EventPhoto
from campaigns.selectors.offline import photos_count
from campaigns.services.photos import (
    FILE_ERRORS,
    event_photo_add,
    event_photo_remove,
    event_photos_editable,
)
from campaigns.views.errors import refusal_said
from portal.access import visible_to
from portal.downloads import stored_file_response

# Only files the portal wrote itself are served, so the extension it chose is the type.
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
SIZES = ("full", "thumb")


def event_photos_context(*, user, event: Event) -> dict:
    """The context of partials/event_photos.html, for the event page to include it too."""
    return {
        "event": event,
        "photos": visible_to(user, EventPhoto).filter(event=event),
        "photos_count": photos_count(event),
        "can_edit": event_photos_editable(user=user, event=event),
        "photo_max_bytes": settings.PHOTO_MAX_BYTES,
    }


def photos_added(count: int) -> str:
    """The message after ``count`` photos were added."""
    return ngettext("%(count)d photo added.", "%(count)d photos added.", count) % {"count": count}


def _after_change(request, event: Event):
    if request.htmx:
        context = event_photos_context(user=request.user, event=event)
        return render(request, "partials/event_photos.html", context)
    return redirect("event_detail", event.pk)


def _visible_event(request, pk: int) -> Event:
    return get_object_or_404(visible_to(request.user, Event).select_related("org_unit"), pk=pk)


@login_required
@require_POST
def event_photo_upload(request, pk: int):
    event = _visible_event(request, pk)
    uploads = request.FILES.getlist("photos")
    caption = request.POST.get("caption", "")
    if not uploads:
        messages.error(request, _("Choose at least one photo."))
    added = 0
    for upload in uploads:
        try:
            event_photo_add(user=request.user, event=event, upload=upload, caption=caption)
        except ValidationError as error:
            text = " ".join(error.messages)
            if getattr(error, "code", None) not in FILE_ERRORS:
                messages.error(request, text)  # about the event or the caption: stop here
                break
            messages.error(request, f"{upload.name}: {text}")
        else:
            added += 1
    if added:
        messages.success(request, photos_added(added))
    return _after_change(request, event)


@login_required
@require_GET
def event_photo(request, pk: int, photo_pk: int, size: str):
    if size not in SIZES:
        raise Http404
    # event__pk, not event_id: a key lookup bounds the number (an URL may carry 20 digits,
    # more than SQLite binds); the event is joined for the scope anyway.
    photo = get_object_or_404(visible_to(request.user, EventPhoto), pk=photo_pk, event__pk=pk)
    file = photo.image if size == "full" else photo.thumbnail
    extension = PurePosixPath(file.name or "").suffix.lower()
    if extension not in CONTENT_TYPES:
        raise Http404
    suffix = "" if size == "full" else "-thumb"
    response = stored_file_response(
        file,
        filename=f"event-{pk}-photo-{photo.pk}{suffix}{extension}",
        content_type=CONTENT_TYPES[extension],
        inline=True,  # Content-Disposition: inline; filename=...
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_POST
def event_photo_delete(request, pk: int, photo_pk: int):
    photo = get_object_or_404(
        visible_to(request.user, EventPhoto).select_related("event__org_unit"),
        pk=photo_pk,
        event__pk=pk,
    )
    try:
        event_photo_remove(user=request.user, photo=photo)
    except ValidationError as error:
        refusal_said(request, error)
    else:
        messages.success(request, _("Photo removed."))
    return _after_change(request, photo.event)
