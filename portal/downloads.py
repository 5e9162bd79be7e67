"""Handing a stored file to a user whom the view has already let see it.

The file is read through the storage, never from a path: the process answering may not be
the one that wrote it. On S3-compatible storage a download is a redirect to a URL signed
for STORAGE_S3_SIGNED_URL_SECONDS, so that a large PDF or export does not pass through a
web process; elsewhere, and for images shown inside the portal's pages, it is streamed.
"""

import mimetypes
import sys

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header


def signs_urls(storage) -> bool:
    """Whether ``storage`` hands out signed, expiring URLs (S3-compatible storage)."""
    kind = storage.__class__  # sets up a lazy default_storage, which loads its backend
    # Looked up, not imported: a portal on its local disk never loads boto3 (0.8 s).
    s3 = sys.modules.get("storages.backends.s3")
    return s3 is not None and issubclass(kind, s3.S3Storage)


def signed_download_url(file: FieldFile, *, filename: str, content_type: str) -> str:
    """A URL of ``file`` that works for STORAGE_S3_SIGNED_URL_SECONDS, saved as ``filename``."""
    storage = file.storage
    return storage.url(
        file.name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type,
            # Not kept by proxies: the next user may not be allowed to read it.
            "ResponseCacheControl": "private, no-store",
        },
        expire=storage.querystring_expire,
    )


def stored_file_response(
    file: FieldFile, *, filename: str, content_type: str = "", inline: bool = False
) -> HttpResponse:
    """The response that gives ``file`` to the user as ``filename``: a download, or with
    ``inline`` an image shown in a page. A file missing from the storage is a 404."""
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    # Images inside pages are always streamed: the pages' Content-Security-Policy allows
    # images from the portal only, the browser keeps them by the portal's URL (a signed URL
    # changes every time), and so does the offline service worker.
    if not inline and signs_urls(file.storage):
        response = HttpResponseRedirect(
            signed_download_url(file, filename=filename, content_type=content_type)
        )
        # The signed URL expires within minutes: a browser must ask the portal again.
        response["Cache-Control"] = "no-store"
        return response
    try:
        handle = file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return FileResponse(
        handle, as_attachment=not inline, filename=filename, content_type=content_type
    )
