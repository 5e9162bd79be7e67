"""The portal without network: the service worker, what it keeps on the phone, the page it
shows for a page it did not keep, and the web app manifest.

The worker's code is portal/service-worker.js. /sw.js serves it at the root, so that it
controls every page, with ``OFFLINE`` (its settings below) written above the code. Its
version is a hash of its code and of everything it precaches, so a deploy that changes any of
them makes phones install the new worker, which fetches the new shell and drops the old one.
The settings name no user and no language: every browser gets the same bytes, or it would
take each answer for a new worker.

Pages are kept per user: each page of a signed-in user carries an opaque name of that user
(``USER_HEADER``); the worker keeps a page among that user's pages only, shows only the pages
of the user it last saw, and forgets everyone else's pages as soon as it sees another user.
Signing out forgets the user's pages too (static/js/offline-shell.js tells the worker); a
session that merely ran out keeps them, for the same person to read without network.
"""

import hashlib
import json
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

WORKER_SOURCE = Path(__file__).with_name("service-worker.js")

# What the worker fetches when it is installed: every static file that the pages it keeps need
# to look and work as online, the Tibetan webfont among them (so a Chinese page, which never
# downloads it, still leaves it on the phone). Icons are left out: a phone keeps the icon of an
# installed app itself.
SHELL_STATIC_FILES = (
    "css/portal.css",
    "css/tibetan-font.css",
    "fonts/noto-serif-tibetan-400.woff2",
    "js/htmx-2.0.11.min.js",
    "js/submit-once.js",
    "js/tibetan-font.js",
    "js/offline-shell.js",
    "js/error-summary.js",
    "js/photos.js",
    "js/outbox-core.js",
    "js/outbox.js",
    "js/outbox-pages.js",
    "favicon.svg",
)
# The organizer's pages kept for use without network, by URL name: each is fetched from the
# network first, and kept when it came back as the signed-in user's page.
KEPT_PAGES = (
    "home",
    "event_list",
    "event_plan",
    "event_detail",
    "event_report",
    "event_report_new",
    "outbox",
)
# Everything cached for use without network stays under this (issue 19): the shell, and the
# pages up to PAGES_MAX_BYTES (the worker drops the pages kept longest ago beyond that,
# prefetched ones first). tests/test_offline.py holds the two together.
CACHED_MAX_BYTES = 500_000
# 185 KB since the outbox's scripts joined the shell (about 50 KB with the form config it
# keeps, the conflict review's labels and its sign-out dialog): still some ten forms.
PAGES_MAX_BYTES = 185_000
# The events list hands the worker at most this many report forms to keep.
PREFETCH_MAX = 20

USER_HEADER = "X-Offline-User"
THEME_COLOUR = "#a1262b"  # --brand in static/css/portal.css


def offline_user_key(user) -> str:
    """An opaque name of ``user`` for the worker ("" when nobody is signed in): the same on
    every visit of that user, another for anyone else, telling nothing about who it is."""
    if user is None or not user.is_authenticated:
        return ""
    return salted_hmac("portal.offline.user", str(user.pk)).hexdigest()[:20]


def offline_user_middleware(get_response):
    """Names the signed-in user of each page in ``USER_HEADER``, for the worker to keep the
    page among that user's pages."""

    def middleware(request):
        response = get_response(request)
        user = getattr(request, "user", None)
        if response.get("Content-Type", "").startswith("text/html") and user is not None:
            key = offline_user_key(user)
            if key:
                response[USER_HEADER] = key
        return response

    return middleware


def offline_page_html(language: str) -> bytes:
    """The page shown for a page not kept on the phone, in ``language``; the same bytes for
    everyone, as it is kept with the shell."""
    with translation.override(language):
        return render_to_string("offline/offline.html").encode()


def static_file_bytes(path: str) -> bytes:
    found = finders.find(path)
    if found is None:
        raise ImproperlyConfigured(f"The service worker's shell lists {path}, which is missing.")
    return Path(found).read_bytes()


def shell_bytes() -> int:
    """Bytes the worker precaches: the shell's static files and the offline pages."""
    return sum(len(static_file_bytes(path)) for path in SHELL_STATIC_FILES) + sum(
        len(offline_page_html(code)) for code, _name in settings.LANGUAGES
    )


def shell_version() -> str:
    """A hash of the worker's code and of everything it precaches."""
    digest = hashlib.sha256(WORKER_SOURCE.read_bytes())
    for path in SHELL_STATIC_FILES:
        digest.update(path.encode())
        digest.update(static_file_bytes(path))
    for code, _name in settings.LANGUAGES:
        digest.update(offline_page_html(code))
    return digest.hexdigest()[:16]


def _path_pattern(url_name: str) -> str:
    """The paths of ``url_name`` as a JavaScript regular expression (any pk for <int:pk>)."""
    try:
        path = reverse(url_name)
    except NoReverseMatch:  # the page of one event: mark where its pk goes
        marker = 987654321
        path = reverse(url_name, args=[marker])
        return "^" + re.escape(path).replace(str(marker), r"\d+") + "$"
    return "^" + re.escape(path) + "$"


def worker_settings() -> dict:
    """What portal/service-worker.js reads as ``OFFLINE``."""
    prefix = get_script_prefix()
    offline_pages = {
        code: reverse("offline_page", args=[code]) for code, _name in settings.LANGUAGES
    }
    return {
        "version": shell_version(),
        "shell": [static(path) for path in SHELL_STATIC_FILES] + list(offline_pages.values()),
        "staticUrl": settings.STATIC_URL,
        "offlinePages": offline_pages,
        "defaultLanguage": settings.LANGUAGE_CODE,
        "keptPages": [_path_pattern(name) for name in KEPT_PAGES],
        # The API answers the outbox itself, and sign-in and the admin must always be live.
        "neverIntercepted": [f"{prefix}api/", f"{prefix}accounts/", f"{prefix}admin/"],
        "userHeader": USER_HEADER,
        "pagesMaxBytes": PAGES_MAX_BYTES,
        "prefetchMax": PREFETCH_MAX,
        # The outbox's code, for Background Sync to send with no page open, and its API.
        "outboxCore": static("js/outbox-core.js"),
        "outboxApi": reverse("api-offline-report", args=[uuid.UUID(int=0)]).removesuffix(
            str(uuid.UUID(int=0))
        ),
    }


@require_GET
def service_worker(request):
    """/sw.js: the service worker, whose scope is the whole site."""
    code = f"const OFFLINE = {json.dumps(worker_settings())};\n{WORKER_SOURCE.read_text()}"
    response = HttpResponse(code, content_type="application/javascript; charset=utf-8")
    # Browsers look for a new worker on each visit; no copy of an old one may answer them.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = get_script_prefix()
    return response


@require_GET
def offline_page(request, language: str):
    """The page the worker shows, in the user's language, for a page it did not keep."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    response = HttpResponse(offline_page_html(language))
    response["Content-Language"] = language
    return response


@require_GET
def web_manifest(request):
    """The web app manifest: the portal added to a phone's home screen opens as an app."""
    home = reverse("home")
    png = [
        {"src": static(f"icons/portal-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    manifest = {
        "id": home,
        "name": _("Outreach portal"),
        "short_name": _("Outreach portal"),
        "lang": translation.get_language(),
        "start_url": home,
        "scope": get_script_prefix(),
        "display": "standalone",
        "background_color": "#f5f6f8",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static("icons/portal.svg"), "sizes": "any", "type": "image/svg+xml"},
            *png,
            # The icon's drawing keeps inside the middle 80%, so a phone may crop it to a circle.
            {**png[-1], "purpose": "maskable"},
        ],
    }
    return JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


def _review_labels() -> dict:
    """The names of what a report holds, as its forms name them, for the conflict review
    (keys as static/js/outbox.js flattens a report: plan.<field>, report.<figure>,
    report.audience.<group>)."""
    from campaigns.forms.events import EventPlanForm, EventReportForm, PartnerServiceForm
    from campaigns.models import AudienceGroup

    labels = {
        f"plan.{name}": str(field.label)
        for name, field in EventPlanForm.base_fields.items()
        if name != "version"
    }
    for name, field in EventReportForm.base_fields.items():
        if name not in ("version", "photos", "caption"):
            labels[f"report.{name}"] = str(field.label)
    for group in AudienceGroup:
        labels[f"report.audience.{group.value}"] = str(group.label)
    labels["report.handouts"] = _("Handouts given")
    labels["report.partner_services"] = _("Partner services")
    # The figures of one partner's service, named in its line of the review.
    for name in ("people_served", "screened", "referred"):
        labels[f"service.{name}"] = str(PartnerServiceForm.base_fields[name].label)
    return labels


def _review_choices() -> dict:
    """The labels of the coded values a report holds, as the forms' own options show them:
    what the conflict review shows when the phone has no form config kept yet (the config's
    lists, in IndexedDB, come first: they also name counties, handouts and partners)."""
    from campaigns.models import (
        Channel,
        EventFormat,
        EventLanguage,
        ScreeningType,
        ServiceType,
        Topic,
        VenueType,
    )

    choices = {
        "venue_type": VenueType,
        "format": EventFormat,
        "channel": Channel,
        "topics": Topic,
        "language": EventLanguage,
        "service_type": ServiceType,
        "screening_type": ScreeningType,
    }
    return {
        kind: {value: str(label) for value, label in enum.choices} for kind, enum in choices.items()
    }


@login_required
def outbox_page(request):
    """The reports not yet sent from this phone. The page holds none of them: the outbox in the
    phone's IndexedDB (static/js/outbox.js) lists them, so the worker keeps one page for all."""
    labels = json.dumps(_review_labels(), ensure_ascii=False)
    choices = json.dumps(_review_choices(), ensure_ascii=False)
    return render(
        request, "offline/outbox.html", {"review_labels": labels, "review_choices": choices}
    )
