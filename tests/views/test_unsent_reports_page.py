"""The office's page for a phone's unsent reports file: reached from the events page, it
stores a clean file at once and says what it did, or lists every problem and saves nothing."""

import html
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import Event, EventPhoto
from tests.unsent_reports_file import (
    jpeg,
    plan_body,
    report_body,
    request_body,
    unsent_photo,
    unsent_report,
    unsent_reports_file,
)

pytestmark = pytest.mark.django_db
URL = reverse("unsent_reports_import")


def visible_text(response) -> str:
    """The page's text as read: tags dropped, runs of spaces one space."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(text).split())


def _upload(data: bytes) -> dict:
    return {"file": SimpleUploadedFile("unsent-reports-20250315-1830.json", data)}


def test_the_events_page_leads_organizers_to_the_import(client, world):
    client.force_login(world.organizer)

    page = client.get(reverse("event_list")).content.decode()

    assert f'href="{URL}"' in page


def test_who_reports_no_event_is_neither_led_there_nor_let_in(client, world):
    client.force_login(world.translator)

    assert f'href="{URL}"' not in client.get(reverse("event_list")).content.decode()
    assert client.get(URL).status_code == 403


def test_a_clean_file_is_stored_and_the_events_page_says_what_was_done(client, world):
    client.force_login(world.organizer)
    stored_before = unsent_report(request_body(world, plan=plan_body(world, title="早先送达")))
    client.post(URL, _upload(unsent_reports_file(stored_before)))
    data = unsent_reports_file(
        unsent_report(request_body(world), photos=[unsent_photo(jpeg()), unsent_photo(jpeg())]),
        unsent_report(request_body(world, plan=plan_body(world, title="安曲牧场宣讲"))),
        stored_before,
    )

    response = client.post(URL, _upload(data), follow=True)

    assert response.redirect_chain == [(reverse("event_list"), 302)]
    assert "2 reports stored, 1 was already on the server, 2 photos." in visible_text(response)
    assert Event.objects.count() == 4
    assert EventPhoto.objects.count() == 2


def test_a_refused_file_lists_each_problem_by_report_and_field_and_saves_nothing(client, world):
    client.force_login(world.organizer)
    data = unsent_reports_file(
        unsent_report(request_body(world)),
        unsent_report(
            request_body(world, report=report_body(audience={"women": 500})),
            report_id=uuid.uuid4(),
            title="安曲牧场宣讲",
        ),
    )

    response = client.post(URL, _upload(data))

    assert response.status_code == 400
    text = visible_text(response)
    assert "The file was not imported" in text
    assert "2 安曲牧场宣讲 Women" in text
    assert "head count" in text
    assert Event.objects.count() == 1


def test_a_file_of_another_kind_is_refused_as_a_whole(client, world):
    client.force_login(world.organizer)

    response = client.post(URL, _upload(b"\x89PNG\r\n"))

    assert response.status_code == 400
    assert "The whole file" in visible_text(response)
    assert "it is not JSON text" in visible_text(response)
