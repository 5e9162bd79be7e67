"""A phone's unsent reports file imported at the office: each report stored as the phone's own
send would store it, every report or none, every problem named."""

import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from campaigns.errors import NotAllowed
from campaigns.models import AuditEntry, Event, EventPhoto
from campaigns.services.unsent_reports import unsent_reports_import
from tests.events_world import cancelled_event
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


def _import(world, data: bytes, user=None):
    with translation.override("en"):
        return unsent_reports_import(user=user or world.organizer, data=data)


def _reasons(result) -> list[tuple[int, str, str, str]]:
    return [(p.report, p.title, p.field, p.reason) for p in result.problems]


def test_a_clean_file_stores_each_report_and_its_photos(world):
    first, second = uuid.uuid4(), uuid.uuid4()
    data = unsent_reports_file(
        unsent_report(
            request_body(world),
            report_id=first,
            photos=[unsent_photo(jpeg("teal")), unsent_photo(jpeg("navy"), caption="签到处")],
        ),
        unsent_report(
            request_body(world, plan=plan_body(world, title="安曲牧场宣讲")), report_id=second
        ),
    )

    result = _import(world, data)

    assert result.saved, result.problems
    assert (result.stored, result.already_stored, result.photos) == (2, 0, 2)
    event = Event.objects.get(uuid=first)
    assert event.head_count == 80
    assert event.created_by == world.organizer
    assert sorted(event.photos.values_list("caption", flat=True)) == ["", "签到处"]
    assert Event.objects.get(uuid=second).title == "安曲牧场宣讲"
    # The services wrote the history, as for a report sent from the phone.
    actions = set(
        AuditEntry.objects.filter(object_id=str(event.pk)).values_list("action", flat=True)
    )
    assert {"campaigns.event.planned", "campaigns.event.photo_added"} <= actions


def test_one_bad_report_saves_nothing_and_every_problem_is_named(world):
    data = unsent_reports_file(
        unsent_report(request_body(world), photos=[unsent_photo(jpeg())]),
        unsent_report(
            request_body(world, report=report_body(audience={"women": 500})),
            title="安曲牧场宣讲",
        ),
        unsent_report(request_body(world, plan=plan_body(world, county=world.other_county.pk))),
    )

    result = _import(world, data)

    assert not result.saved
    assert Event.objects.count() == 1  # the world's own event
    assert not EventPhoto.objects.exists()
    problems = _reasons(result)
    assert [(number, title, field) for number, title, field, _ in problems] == [
        (2, "安曲牧场宣讲", "audience_women"),
        (3, "红原县邛溪镇牧民定居点宣讲", "county"),
    ]
    assert "head count" in problems[0][3]


def _photo_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "event-photos"
    return {str(path) for path in root.rglob("*") if path.is_file()}


def test_a_refused_import_leaves_no_photo_file_behind(world):
    before = _photo_files()
    data = unsent_reports_file(
        unsent_report(request_body(world), photos=[unsent_photo(jpeg()), unsent_photo(jpeg())]),
        unsent_report(request_body(world, plan=None)),
    )

    result = _import(world, data)

    assert not result.saved
    assert _photo_files() == before


def test_a_file_imported_twice_is_all_already_on_the_server_the_second_time(world):
    data = unsent_reports_file(
        unsent_report(request_body(world), photos=[unsent_photo(jpeg())]),
        unsent_report(request_body(world, plan=plan_body(world, title="安曲牧场宣讲"))),
    )
    _import(world, data)
    entries = AuditEntry.objects.count()

    again = _import(world, data)

    assert again.saved, again.problems
    assert (again.stored, again.already_stored) == (0, 2)
    assert (again.photos, again.photos_already_stored) == (0, 1)
    assert Event.objects.count() == 3
    assert EventPhoto.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_the_phones_own_send_after_the_import_is_200_and_stores_nothing_twice(world):
    report_id = uuid.uuid4()
    body = request_body(world)
    _import(world, unsent_reports_file(unsent_report(body, report_id=report_id)))
    client = APIClient()
    client.force_authenticate(world.organizer)

    # The phone sends the same report once it has signal again, as JSON of its own.
    response = client.put(
        f"/api/v1/offline-reports/{report_id}",
        json.dumps(body, ensure_ascii=False, indent=1),
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "stored"
    assert Event.objects.filter(uuid=report_id).count() == 1
    assert Event.objects.get(uuid=report_id).version == response.json()["version"]


def test_a_report_of_an_event_outside_the_users_scope_is_refused(world):
    data = unsent_reports_file(
        unsent_report(
            request_body(world, base_version=world.event.version, plan=None),
            report_id=world.event.uuid,
            title=world.event.title,
        ),
        unsent_report(request_body(world)),
    )

    result = _import(world, data, user=world.other_organizer)

    assert not result.saved
    assert _reasons(result)[0][:3] == (1, world.event.title, "")
    assert "may not see" in _reasons(result)[0][3]
    assert Event.objects.count() == 1


def test_a_report_of_an_event_the_user_sees_but_may_not_report_is_refused(world):
    # The branch's reviewer sees central sub-branch A's event, but reports no event.
    data = unsent_reports_file(
        unsent_report(
            request_body(world, base_version=world.event.version, plan=None),
            report_id=world.event.uuid,
        )
    )

    with pytest.raises(NotAllowed):
        _import(world, data, user=world.reviewer)


def test_a_report_the_organizer_may_not_report_is_named(world):
    # Central sub-branch B's organizer reports for their own unit, not for A: a new event
    # planned for A is refused at its unit.
    data = unsent_reports_file(unsent_report(request_body(world), title="A的活动"))

    result = _import(world, data, user=world.other_organizer)

    assert not result.saved
    assert [(p.report, p.title, p.field) for p in result.problems] == [(1, "A的活动", "org_unit")]


def test_a_damaged_photo_refuses_the_file(world):
    photo = unsent_photo(jpeg())
    photo["sha256"] = unsent_photo(jpeg("navy"))["sha256"]
    data = unsent_reports_file(unsent_report(request_body(world), photos=[photo]))

    result = _import(world, data)

    assert not result.saved
    [(number, _title, field, reason)] = _reasons(result)
    assert (number, field) == (1, "photos")
    assert reason.startswith("Photo 1 is damaged")
    assert Event.objects.count() == 1


def test_a_photo_the_photo_service_refuses_is_named_by_its_number(world):
    data = unsent_reports_file(
        unsent_report(
            request_body(world),
            photos=[unsent_photo(jpeg()), unsent_photo(b"not an image at all")],
        )
    )

    result = _import(world, data)

    assert not result.saved
    [(_number, _title, field, reason)] = _reasons(result)
    assert field == "photos"
    assert reason.startswith("Photo 2: ")


def test_a_conflict_and_a_cancelled_event_are_named(world):
    cancelled = cancelled_event(world)
    # Changed on a version the server no longer has: someone else's edit came in between.
    stale = request_body(world, base_version=world.event.version + 1, plan=None)
    data = unsent_reports_file(
        unsent_report(stale, report_id=world.event.uuid, title="旧版本"),
        unsent_report(
            request_body(world, base_version=1, plan=None), report_id=cancelled.uuid, title="取消"
        ),
    )

    result = _import(world, data)

    problems = _reasons(result)
    assert [(p[0], p[1], p[2]) for p in problems] == [(1, "旧版本", ""), (2, "取消", "")]
    assert "Someone else changed this event" in problems[0][3]
    assert "暴雪封路" in problems[1][3]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 a workbook", "it is not JSON text"),
        (json.dumps({"reports": []}).encode(), "not a file of unsent reports saved"),
        (unsent_reports_file(format_version=2), "version 2; it reads version 1"),
        (unsent_reports_file(reports={"id": 1}), "holds no list of reports"),
    ],
    ids=["not JSON", "another format", "a later version", "no list"],
)
def test_a_file_that_is_no_unsent_reports_file_is_refused_with_a_clear_error(world, data, reason):
    result = _import(world, data)

    [(number, _title, field, said)] = _reasons(result)
    assert (number, field) == (0, "")
    assert reason in said


def test_an_unreadable_report_is_named_and_the_others_still_checked(world):
    data = unsent_reports_file(
        {"id": "not-a-uuid", "title": "坏的", "body": request_body(world), "photos": []},
        unsent_report(request_body(world, plan=plan_body(world, title=""))),
    )

    result = _import(world, data)

    assert [(p.report, p.field) for p in result.problems] == [(1, ""), (2, "title")]
    assert "not a UUID" in result.problems[0].reason


def test_problems_are_said_in_the_users_language(world):
    data = unsent_reports_file(unsent_report(request_body(world, plan=None)))

    with translation.override("zh-hans"):
        result = unsent_reports_import(user=world.organizer, data=data)

    assert result.problems[0].reason != _import(world, data).problems[0].reason
