"""The portal without network, the server's side (portal/offline.py): the service worker as
served at /sw.js, its version, the offline page, the manifest, the user named on each page,
the pages the events list hands the worker, the webfont and the cache budget. The worker at
work in a browser: tests/browser/test_offline_shell.py."""

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from fontTools.ttLib import TTFont

from campaigns.models import Event
from portal import offline
from tests import factories as f
from tests.events_world import BEIJING

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "static"


def _worker_settings(response) -> dict:
    first_line = response.content.decode().split("\n", 1)[0]
    assert first_line.startswith("const OFFLINE = ")
    assert first_line.endswith(";")
    return json.loads(first_line.removeprefix("const OFFLINE = ").removesuffix(";"))


@pytest.fixture
def copied_static(settings, tmp_path):
    """The static files in a folder of the test's own, where a test may change one."""
    copy = tmp_path / "static"
    shutil.copytree(STATIC, copy)
    settings.STATICFILES_DIRS = [copy]
    return copy


def test_the_worker_is_served_at_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    assert reverse("service_worker") == "/sw.js"
    assert (offline.WORKER_SOURCE.read_text()) in response.content.decode()


def test_the_worker_is_the_same_for_every_user_and_language(client, world):
    anonymous = client.get("/sw.js").content
    client.force_login(world.organizer)
    client.cookies["django_language"] = "bo"
    assert client.get("/sw.js").content == anonymous
    client.force_login(world.other_organizer)
    client.cookies["django_language"] = "en"
    assert client.get("/sw.js").content == anonymous


def test_the_worker_precaches_the_shell_and_the_offline_page_in_each_language(client):
    shell = _worker_settings(client.get("/sw.js"))["shell"]

    for path in offline.SHELL_STATIC_FILES:
        assert f"/static/{path}" in shell
    assert "/static/fonts/noto-serif-tibetan-400.woff2" in shell
    offline_pages = {"/offline/zh-hans", "/offline/bo", "/offline/en"}
    assert offline_pages <= set(shell)
    for url in offline_pages:
        assert client.get(url).status_code == 200, url


def test_the_worker_never_touches_the_api_sign_in_or_the_admin(client):
    assert _worker_settings(client.get("/sw.js"))["neverIntercepted"] == [
        "/api/",
        "/accounts/",
        "/admin/",
    ]


def test_the_worker_keeps_the_organizers_pages_and_no_others(client, world):
    patterns = [re.compile(p) for p in _worker_settings(client.get("/sw.js"))["keptPages"]]
    pk = world.event.pk
    kept = ["/", "/events/", "/events/new", f"/events/{pk}/", f"/events/{pk}/report"]
    not_kept = [f"/events/{pk}/edit", "/events/review/", "/materials/", "/jobs/", "/sw.js"]

    for path in kept:
        assert any(pattern.search(path) for pattern in patterns), path
    for path in not_kept:
        assert not any(pattern.search(path) for pattern in patterns), path


def test_the_version_changes_when_a_precached_file_changes(client, copied_static):
    before = _worker_settings(client.get("/sw.js"))["version"]
    stylesheet = copied_static / "css" / "portal.css"
    stylesheet.write_text(stylesheet.read_text() + "\n.new-rule { color: red; }\n")

    assert _worker_settings(client.get("/sw.js"))["version"] != before


def test_the_version_stays_when_a_file_the_worker_does_not_keep_changes(client, copied_static):
    before = _worker_settings(client.get("/sw.js"))["version"]
    (copied_static / "css" / "api-docs.css").write_text("/* changed */")

    assert _worker_settings(client.get("/sw.js"))["version"] == before


def test_the_version_changes_when_the_shell_lists_another_file(client, monkeypatch):
    before = _worker_settings(client.get("/sw.js"))["version"]
    monkeypatch.setattr(
        offline, "SHELL_STATIC_FILES", (*offline.SHELL_STATIC_FILES, "js/text-grow.js")
    )

    answer = _worker_settings(client.get("/sw.js"))
    assert answer["version"] != before
    assert "/static/js/text-grow.js" in answer["shell"]


@pytest.mark.parametrize("language", ["zh-hans", "bo", "en"])
def test_the_offline_page_speaks_its_language_and_names_nobody(client, world, language):
    client.force_login(world.organizer)
    response = client.get(reverse("offline_page", args=[language]))

    assert response.status_code == 200
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert world.organizer.username not in html
    assert "csrfmiddlewaretoken" not in html
    assert response.content == offline.offline_page_html(language)


def test_there_is_no_offline_page_in_a_language_the_portal_does_not_speak(client):
    assert client.get("/offline/fr").status_code == 404


def test_each_page_of_a_signed_in_user_names_that_user_for_the_worker(client, world):
    client.force_login(world.organizer)
    organizers = client.get(reverse("event_list"))[offline.USER_HEADER]
    assert f'data-user="{organizers}"' in client.get(reverse("home")).content.decode()
    client.force_login(world.other_organizer)
    others = client.get(reverse("event_list"))[offline.USER_HEADER]

    assert organizers
    assert others != organizers
    assert str(world.organizer.pk) not in (organizers, others)


def test_no_page_names_a_user_when_nobody_is_signed_in(client):
    response = client.get(reverse("login"))
    assert offline.USER_HEADER not in response
    assert 'data-user=""' in response.content.decode()


def test_an_answer_that_is_not_a_page_names_no_user(client, world):
    client.force_login(world.organizer)
    assert offline.USER_HEADER not in client.get("/sw.js")
    assert offline.USER_HEADER not in client.get(reverse("web_manifest"))


def _prefetched(response) -> list[str]:
    found = re.search(r'data-offline-prefetch="([^"]*)"', response.content.decode())
    return found.group(1).split() if found else []


def test_the_events_list_hands_the_worker_the_plan_form_and_the_forms_to_report(client, world):
    reported = f.EventFactory(
        campaign=world.campaign,
        org_unit=world.units["central_a"],
        county=world.county,
        status=Event.Status.APPROVED,
    )
    client.force_login(world.organizer)

    pages = _prefetched(client.get(reverse("event_list")))

    assert pages == [
        reverse("event_plan"),
        reverse("event_report_new"),  # for an event planned on the phone
        reverse("event_report", args=[world.event.pk]),
    ]
    assert reverse("event_report", args=[reported.pk]) not in pages


def test_the_events_list_hands_a_reviewer_nothing_to_keep(client, world):
    client.force_login(world.reviewer)
    assert _prefetched(client.get(reverse("event_list"))) == []


def test_the_events_list_hands_the_worker_at_most_prefetch_max_pages(client, world):
    for day in range(1, 25):
        f.EventFactory(
            campaign=world.campaign,
            org_unit=world.units["central_a"],
            county=world.county,
            starts_at=dt.datetime(2025, 3, day, 9, tzinfo=BEIJING),
        )
    client.force_login(world.organizer)

    assert len(_prefetched(client.get(reverse("event_list")))) == offline.PREFETCH_MAX


def test_the_manifest_lets_a_phone_add_the_portal_to_its_home_screen(client):
    response = client.get(reverse("web_manifest"))

    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == offline.THEME_COLOUR
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_every_page_links_the_manifest_and_the_worker(client, world):
    client.force_login(world.organizer)
    html = client.get(reverse("home")).content.decode()
    assert f'<link rel="manifest" href="{reverse("web_manifest")}">' in html
    assert 'data-worker="/sw.js"' in html


def test_the_tibetan_webfont_holds_the_whole_tibetan_block_and_its_licence():
    font = TTFont(STATIC / "fonts" / "noto-serif-tibetan-400.woff2")
    characters = set(font.getBestCmap())
    tibetan = {code for code in characters if 0x0F00 <= code <= 0x0FFF}

    assert font.flavor == "woff2"
    assert font["name"].getDebugName(1) == "Noto Serif Tibetan"
    assert characters - tibetan <= {0x200C, 0x200D, 0x25CC, 0x0020, 0x00A0}
    assert len(tibetan) > 200  # the assigned characters of the block, not a sample
    assert {"abvs", "blws", "ccmp"} <= {
        record.FeatureTag for record in font["GSUB"].table.FeatureList.FeatureRecord
    }
    assert "SIL Open Font License" in (STATIC / "fonts" / "OFL.txt").read_text()


def test_only_tibetan_text_downloads_the_webfont():
    css = (STATIC / "css" / "portal.css").read_text()
    font_css = (STATIC / "css" / "tibetan-font.css").read_text()
    face = re.search(r"@font-face \{([^}]*)\}", font_css).group(1)

    assert 'font-family: "Noto Serif Tibetan"' in face
    assert "unicode-range: U+0F00-0FFF, U+200C-200D, U+25CC;" in face
    assert "font-display: swap" in face
    assert re.search(r'--font-bo: "Noto Serif Tibetan",', css)
    assert css.count("@font-face") + font_css.count("@font-face") == 1


def test_the_shell_and_the_kept_pages_stay_within_the_offline_budget():
    assert offline.shell_bytes() + offline.PAGES_MAX_BYTES <= offline.CACHED_MAX_BYTES
