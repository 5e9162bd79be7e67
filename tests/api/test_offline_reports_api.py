"""The offline reports' endpoints as a phone's outbox meets them: every answer of the
contract (201, 200, 409, 410, 422, 401, 403, 404), each a JSON body naming the report's id."""

import hashlib
import threading
import uuid
from urllib.parse import quote

import pytest
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from rest_framework.test import APIClient

from campaigns.models import AuditEntry, Event, EventPhoto, MaterialEdition
from campaigns.services.events import event_cancel
from tests import factories as f
from tests.unsent_reports_file import jpeg, plan_body, report_body, request_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition(world):
    material = f.MaterialFactory(org_unit=world.units["branch_a"])
    return f.MaterialEditionFactory(material=material, status=MaterialEdition.Status.APPROVED)


def _url(report_id, photo_id=None) -> str:
    url = f"/api/v1/offline-reports/{report_id}"
    return f"{url}/photos/{photo_id}" if photo_id else url


def _entries(event) -> int:
    return AuditEntry.objects.filter(object_type="campaigns.event", object_id=str(event.pk)).count()


def _put_photo(client, report_id, photo_id, content, sha256=None, **headers):
    return client.put(
        _url(report_id, photo_id),
        content,
        content_type="image/jpeg",
        headers={"X-Content-SHA256": sha256 or hashlib.sha256(content).hexdigest(), **headers},
    )


# ---- the report ----------------------------------------------------------------------------


def test_a_new_report_is_created_201_with_its_id_version_and_page(api, world):
    report_id = uuid.uuid4()

    response = api(world.organizer).put(_url(report_id), request_body(world), format="json")

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    event = Event.objects.get(uuid=report_id)
    assert response.json() == {
        "id": str(report_id),
        "status": "stored",
        "version": 2,
        "event": event.pk,
        "url": f"/events/{event.pk}/",
    }
    assert (event.title, event.head_count, event.offline_config_version) == (
        "红原县邛溪镇牧民定居点宣讲",
        80,
        "3f2a9c0d1e4b5a67",
    )


def test_the_same_content_again_answers_200_with_no_new_version_or_entry(api, world):
    report_id, client = uuid.uuid4(), api(world.organizer)
    first = client.put(_url(report_id), request_body(world), format="json")
    event = Event.objects.get(uuid=report_id)
    entries = _entries(event)

    # The same JSON with its keys in another order is the same content.
    body = dict(reversed(list(request_body(world).items())))
    again = client.put(_url(report_id), body, format="json")

    assert again.status_code == 200
    assert again.json() == first.json()
    event.refresh_from_db()
    assert (event.version, _entries(event)) == (2, entries)


def test_a_change_on_the_current_version_answers_200_with_the_new_version(api, world):
    report_id, client = uuid.uuid4(), api(world.organizer)
    client.put(_url(report_id), request_body(world), format="json")

    response = client.put(
        _url(report_id),
        request_body(world, base_version=2, report=report_body(head_count=95)),
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("stored", 3)
    assert Event.objects.get(uuid=report_id).head_count == 95


def test_a_change_on_an_older_version_is_409_with_the_servers_copy(api, world):
    report_id, client = uuid.uuid4(), api(world.organizer)
    client.put(_url(report_id), request_body(world), format="json")
    event = Event.objects.get(uuid=report_id)
    client.post(  # the office corrects the count meanwhile
        f"/api/v1/events/{event.pk}/report/",
        {"version": 2, "head_count": 82, "audience": {"women": 35}},
        format="json",
    )

    response = client.put(
        _url(report_id),
        request_body(world, base_version=2, report=report_body(head_count=95)),
        format="json",
    )

    assert response.status_code == 409
    body = response.json()
    assert (body["id"], body["status"], body["server_version"]) == (str(report_id), "conflict", 3)
    assert body["server"]["plan"] == plan_body(world)
    assert body["server"]["report"]["head_count"] == 82
    assert body["server"]["report"]["audience"] == {"women": 35}
    assert "now version 3" in body["detail"]
    assert Event.objects.get(uuid=report_id).head_count == 82


def test_a_cancelled_event_is_410_naming_the_reason(api, world):
    event_cancel(
        user=world.organizer, event_id=world.event.pk, reason="暴雪封路。", expected_version=1
    )

    response = api(world.organizer).put(
        _url(world.event.uuid), request_body(world, base_version=2, plan=None), format="json"
    )

    assert response.status_code == 410
    body = response.json()
    assert (body["id"], body["status"]) == (str(world.event.uuid), "gone")
    assert "暴雪封路" in body["detail"]


def test_a_report_sent_for_review_is_409_not_410_when_it_differs(api, world):
    report_id, client = uuid.uuid4(), api(world.organizer)
    stored = client.put(_url(report_id), request_body(world, submit=True), format="json").json()
    assert Event.objects.get(uuid=report_id).status == Event.Status.REPORTED

    response = client.put(
        _url(report_id),
        request_body(world, base_version=stored["version"], report=report_body(head_count=81)),
        format="json",
    )

    assert response.status_code == 409


def test_invalid_fields_are_422_under_the_web_forms_names(api, world, edition):
    body = request_body(
        world,
        plan=plan_body(world, title="", venue_type="moon"),
        report=report_body(
            head_count=-1,
            audience={"women": "many"},
            handouts=[{"edition": edition.pk, "copies": 10}, {"edition": edition.pk, "copies": 0}],
        ),
    )

    response = api(world.organizer).put(_url(uuid.uuid4()), body, format="json")

    assert response.status_code == 422
    result = response.json()
    assert (result["status"], result["id"]) == ("invalid", response.request["PATH_INFO"][-36:])
    errors = result["errors"]
    assert set(errors) == {"title", "venue_type", "head_count", "audience_women", "handouts"}
    assert errors["handouts"] == ["Row 2: Ensure this value is greater than or equal to 1."]


def test_the_services_refusals_are_422_under_the_web_forms_names(api, world):
    body = request_body(
        world, plan=plan_body(world, venue_name=""), report=report_body(head_count=30)
    )

    response = api(world.organizer).put(_url(uuid.uuid4()), body, format="json")

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "venue_name": ["Name the venue of an event held in person."]
    }


def test_refusals_speak_the_users_language(api, world):
    report_id = uuid.uuid4()
    body = request_body(world, plan=plan_body(world, title=""))
    chinese = api(world.organizer, "zh-hans").put(_url(report_id), body, format="json")
    service = api(world.organizer, "zh-hans").put(
        _url(report_id), request_body(world, report=report_body(head_count=30)), format="json"
    )

    assert chinese.status_code == service.status_code == 422
    assert chinese.json()["errors"]["title"] == ["该字段不能为空。"]
    assert service.json()["errors"]["audience_farmers_herders"] == [
        "不能超过到场人数（30）：群体人数包含在到场人数之内。"
    ]


def test_a_mixed_request_with_a_refused_report_saves_nothing(api, world):
    version = world.event.version

    response = api(world.organizer).put(
        _url(world.event.uuid),
        request_body(
            world,
            base_version=version,
            plan=plan_body(world, title="改了名字的活动"),
            report=report_body(head_count=10),
        ),
        format="json",
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"audience_farmers_herders", "audience_women"}
    event = Event.objects.get(pk=world.event.pk)
    assert (event.title, event.version, event.head_count) == ("红原牧区金融知识宣讲", version, None)
    assert _entries(event) == 0


def test_a_body_that_is_not_json_is_422(api, world):
    response = api(world.organizer).put(
        _url(uuid.uuid4()), "{not json", content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["status"] == "invalid"


def test_not_signed_in_is_401_json_never_a_redirect(world):
    response = Client().put(
        _url(uuid.uuid4()), request_body(world), content_type="application/json"
    )

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_session_without_its_csrf_token_is_403_json_and_with_it_is_stored(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.organizer)
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    report_id = uuid.uuid4()

    refused = client.put(_url(report_id), request_body(world), content_type="application/json")
    stored = client.put(
        _url(report_id),
        request_body(world),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/json"
    assert "CSRF" in refused.json()["detail"]
    assert stored.status_code == 201


def test_a_role_that_may_not_report_is_403_json(api, world):
    response = api(world.reviewer).put(
        _url(world.event.uuid), request_body(world, base_version=1, plan=None), format="json"
    )

    assert response.status_code == 403
    assert "detail" in response.json()


def test_another_branchs_report_is_404_like_a_missing_one_and_never_made_again(api, world):
    client = api(world.other_organizer)

    outside = client.put(_url(world.event.uuid), request_body(world), format="json")
    missing = client.get(_url(uuid.uuid4()))
    read = client.get(_url(world.event.uuid))

    assert outside.status_code == missing.status_code == read.status_code == 404
    assert outside.json() == missing.json() == read.json()
    assert Event.objects.filter(uuid=world.event.uuid).count() == 1
    assert Event.objects.get(uuid=world.event.uuid).title == "红原牧区金融知识宣讲"


def test_the_stored_report_reads_in_the_shape_it_was_sent(api, world, hospital, edition):
    report_id, client = uuid.uuid4(), api(world.organizer)
    photos = [str(uuid.uuid4()), str(uuid.uuid4())]
    service = {
        "partner": hospital.pk,
        "service_type": "health_screening",
        "screening_type": "cervical_breast",
        "people_served": None,
        "screened": 32,
        "referred": 3,
    }
    plan = plan_body(world, expected_partners=[hospital.pk])
    report = report_body(
        handouts=[{"edition": edition.pk, "copies": 200}], partner_services=[service]
    )
    client.put(
        _url(report_id), request_body(world, plan=plan, report=report, photos=photos), format="json"
    )

    body = client.get(_url(report_id)).json()

    assert (body["id"], body["status"], body["version"]) == (str(report_id), "stored", 2)
    assert body["plan"] == plan
    assert body["report"]["handouts"] == [{"edition": edition.pk, "copies": 200}]
    assert body["report"]["partner_services"] == [service]
    assert body["report"]["audience"] == {"farmers_herders": 60, "women": 35}
    assert (body["photos_received"], body["photos_expected"]) == (0, 2)


def test_a_report_without_its_plan_for_a_new_id_is_422(api, world):
    response = api(world.organizer).put(
        _url(uuid.uuid4()), request_body(world, plan=None), format="json"
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["__all__"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serializes every write transaction"
)
def test_two_sends_of_one_new_report_at_the_same_moment_make_one_event(world):
    """Two connections send the same new report at once: the database holds the id unique,
    the second send waits for the first, then finds its row."""
    report_id, answers = uuid.uuid4(), []
    start = threading.Barrier(2)

    def send():
        client = APIClient()
        client.force_authenticate(world.organizer)
        start.wait()
        try:
            answers.append(
                client.put(_url(report_id), request_body(world), format="json").status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [200, 201]
    assert Event.objects.filter(uuid=report_id).count() == 1


# ---- photos ----------------------------------------------------------------------------------


@pytest.fixture
def sent(api, world):
    """A report sent from a phone that announced two photos, and the organizer's client."""
    report_id, photos, client = uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()], api(world.organizer)
    body = request_body(world, photos=[str(photo) for photo in photos])
    assert client.put(_url(report_id), body, format="json").status_code == 201
    return report_id, photos, client


def test_a_photo_is_201_with_how_many_of_the_announced_arrived(sent):
    report_id, photos, client = sent

    response = _put_photo(client, report_id, photos[0], jpeg(), **{"X-Caption": quote("牧民")})

    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": str(photos[0]),
        "status": "stored",
        "received": 1,
        "expected": 2,
    }
    photo = EventPhoto.objects.get(uuid=photos[0])
    assert photo.caption == "牧民"
    assert photo.sha256 == hashlib.sha256(jpeg()).hexdigest()


def test_the_same_photo_again_is_200_and_stored_once(sent):
    report_id, photos, client = sent
    _put_photo(client, report_id, photos[0], jpeg())

    response = _put_photo(client, report_id, photos[0], jpeg())

    assert response.status_code == 200
    assert response.json()["received"] == 1
    assert EventPhoto.objects.filter(uuid=photos[0]).count() == 1


def test_another_photo_under_a_taken_id_is_409(sent):
    report_id, photos, client = sent
    _put_photo(client, report_id, photos[0], jpeg())

    response = _put_photo(client, report_id, photos[0], jpeg("orange"))

    assert response.status_code == 409
    assert (response.json()["id"], response.json()["status"]) == (str(photos[0]), "conflict")


def test_a_photo_whose_hash_does_not_match_is_422(sent):
    report_id, photos, client = sent

    response = _put_photo(client, report_id, photos[0], jpeg(), sha256="00" * 32)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["photos"]
    assert not EventPhoto.objects.filter(uuid=photos[0]).exists()


def test_a_file_that_is_no_photo_is_422_under_photos(sent):
    report_id, photos, client = sent

    response = _put_photo(client, report_id, photos[0], b"GIF89a not a photo")

    assert response.status_code == 422
    assert response.json()["errors"]["photos"] == [
        "This file is not a JPEG, PNG or WebP photo, or it is damaged."
    ]


def test_a_photo_of_an_unknown_or_invisible_report_is_404(api, world, sent):
    report_id, photos, _client = sent
    outsider = api(world.other_organizer)

    unknown = _put_photo(api(world.organizer), uuid.uuid4(), photos[0], jpeg())
    invisible = _put_photo(outsider, report_id, photos[0], jpeg())

    assert unknown.status_code == invisible.status_code == 404
    assert not EventPhoto.objects.exists()


def test_a_photo_of_a_cancelled_event_is_410(api, world):
    event_cancel(
        user=world.organizer, event_id=world.event.pk, reason="暴雪封路。", expected_version=1
    )

    response = _put_photo(api(world.organizer), world.event.uuid, uuid.uuid4(), jpeg())

    assert response.status_code == 410
    assert response.json()["status"] == "gone"
