"""Offline reports: stored under the phone's id however often they are sent, never twice, and
only through the event and photo services."""

import datetime as dt
import hashlib
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns.errors import Gone, StaleEdit
from campaigns.models import AuditEntry, Event, EventPhoto
from campaigns.services import offline
from campaigns.services.events import event_cancel
from campaigns.services.offline import (
    ReportSent,
    canonical_sha256,
    event_offline_put,
    event_photo_offline_put,
)
from tests.events_world import BEIJING

pytestmark = pytest.mark.django_db


def _plan(world, **changes) -> dict:
    return {
        "campaign": world.campaign,
        "org_unit": world.units["central_a"],
        "county": world.county,
        "title": "红原县邛溪镇牧民定居点宣讲",
        "venue_name": "邛溪镇牧民定居点",
        "venue_type": "village",
        "format": "lecture",
        "language": "both",
        "channel": "offline",
        "starts_at": dt.datetime(2025, 3, 14, 10, tzinfo=BEIJING),
        "ends_at": None,
        "topics": ["eight_rights"],
        "expected_partners": [],
    } | changes


def _report(head_count=80, **audience) -> ReportSent:
    return ReportSent(
        figures={"head_count": head_count, "staff_count": 6},
        audience=audience or {"farmers_herders": 60, "women": 35},
        summary="牧民踊跃参加。",
    )


def _put(world, report_id, *, user=None, base_version=None, plan=None, report=None, **rest):
    """Send what a phone sends; the request's hash stands for its JSON."""
    arguments = {
        "base_version": base_version,
        "config_version": "cfg1",
        "plan": plan,
        "report": report,
        "photos": [],
        "submit": False,
    } | rest
    request = {
        "id": str(report_id),
        **{k: repr(v) for k, v in arguments.items()},
    }
    return event_offline_put(
        user=user or world.organizer,
        report_id=report_id,
        request_sha256=canonical_sha256(request),
        **arguments,
    )


def _entries(event) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="campaigns.event", object_id=str(event.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_canonical_json_does_not_depend_on_the_order_of_keys():
    assert canonical_sha256({"b": 1, "a": [1, "牧"]}) == canonical_sha256({"a": [1, "牧"], "b": 1})
    assert canonical_sha256({"a": 1}) != canonical_sha256({"a": 2})


def test_a_new_report_is_planned_and_reported_under_the_phones_id(world):
    report_id = uuid.uuid4()

    stored = _put(world, report_id, plan=_plan(world), report=_report())

    event = Event.objects.get(uuid=report_id)
    assert stored.created
    assert stored.version == event.version == event.offline_version == 2
    assert (event.head_count, event.audience_women, event.created_by) == (80, 35, world.organizer)
    assert _entries(event) == ["campaigns.event.planned", "campaigns.event.report_saved"]


def test_the_same_request_again_writes_nothing(world):
    report_id = uuid.uuid4()
    first = _put(world, report_id, plan=_plan(world), report=_report())

    again = _put(world, report_id, plan=_plan(world), report=_report())

    event = Event.objects.get(uuid=report_id)
    assert not again.created
    assert again.version == first.version == event.version
    assert len(_entries(event)) == 2


def test_a_different_request_with_no_version_is_a_conflict(world):
    """The phone that made the report never heard back and sends a changed report, still
    without a version; or its first request arrives late, after a later one. Neither
    overwrites what is stored unseen."""
    report_id = uuid.uuid4()
    _put(world, report_id, plan=_plan(world), report=_report())

    with pytest.raises(StaleEdit):
        _put(world, report_id, plan=_plan(world), report=_report(head_count=90))

    assert Event.objects.get(uuid=report_id).head_count == 80


def test_a_report_sent_again_with_its_plan_unchanged_is_no_plan_change(world):
    report_id = uuid.uuid4()
    stored = _put(world, report_id, plan=_plan(world), report=_report())

    changed = _put(
        world, report_id, base_version=stored.version, plan=_plan(world), report=_report(90)
    )

    event = Event.objects.get(uuid=report_id)
    assert (event.head_count, changed.version) == (90, 3)
    assert _entries(event)[-1] == "campaigns.event.report_saved"
    assert "campaigns.event.plan_changed" not in _entries(event)


def test_a_change_on_an_older_version_is_a_conflict_and_changes_nothing(world):
    report_id = uuid.uuid4()
    _put(world, report_id, plan=_plan(world), report=_report())
    Event.objects.filter(uuid=report_id).update(version=5)  # the office saved meanwhile

    with pytest.raises(StaleEdit) as refused:
        _put(world, report_id, base_version=2, report=_report(head_count=99))

    assert refused.value.current.version == 5
    assert Event.objects.get(uuid=report_id).head_count == 80


def test_a_web_planned_event_is_reported_on_its_current_version(world):
    stored = _put(world, world.event.uuid, base_version=world.event.version, report=_report())

    event = Event.objects.get(pk=world.event.pk)
    assert (stored.created, stored.version, event.head_count) == (False, 2, 80)


def test_an_unknown_version_of_a_web_planned_event_is_a_conflict(world):
    """The phone did not make this event and names no version: it cannot be applied blind."""
    with pytest.raises(StaleEdit):
        _put(world, world.event.uuid, report=_report())


def test_a_mixed_request_whose_report_is_refused_saves_nothing_of_its_plan(world):
    version = world.event.version

    with pytest.raises(ValidationError) as refused:
        _put(
            world,
            world.event.uuid,
            base_version=version,
            plan=_plan(world, title="改了名字的活动"),
            report=_report(head_count=10, women=35),
        )

    assert "audience_women" in refused.value.message_dict
    event = Event.objects.get(pk=world.event.pk)
    assert (event.title, event.version, event.head_count) == ("红原牧区金融知识宣讲", version, None)
    assert _entries(event) == []


def test_a_new_report_whose_report_is_refused_leaves_no_event(world):
    report_id = uuid.uuid4()

    with pytest.raises(ValidationError):
        _put(world, report_id, plan=_plan(world), report=_report(head_count=10, women=35))

    assert not Event.objects.filter(uuid=report_id).exists()


def test_a_new_report_without_its_plan_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        _put(world, uuid.uuid4(), report=_report())
    assert refused.value.code == "plan_missing"


def test_a_cancelled_event_is_gone(world):
    event_cancel(
        user=world.organizer, event_id=world.event.pk, reason="暴雪封路。", expected_version=1
    )

    with pytest.raises(Gone) as refused:
        _put(world, world.event.uuid, base_version=2, report=_report())

    assert "暴雪封路" in refused.value.messages[0]


def test_a_report_already_sent_for_review_is_a_conflict_when_it_differs(world):
    report_id = uuid.uuid4()
    stored = _put(world, report_id, plan=_plan(world), report=_report(), submit=True)
    assert Event.objects.get(uuid=report_id).status == Event.Status.REPORTED

    with pytest.raises(StaleEdit):
        _put(world, report_id, base_version=stored.version, report=_report(head_count=81))


def test_an_event_outside_the_scope_is_missing_and_never_made_twice(world):
    with pytest.raises(Event.DoesNotExist):
        _put(world, world.event.uuid, user=world.other_organizer, plan=_plan(world))

    assert Event.objects.filter(uuid=world.event.uuid).count() == 1


def test_a_reviewer_may_not_send_a_report(world):
    with pytest.raises(PermissionDenied):
        _put(world, world.event.uuid, user=world.reviewer, base_version=1, report=_report())


def _blind_once(monkeypatch, name):
    """The service's lookup ``name`` finds nothing the first time: the other send's row was
    not there yet when this send looked, and is by the time it inserts its own."""
    real = getattr(offline, name)

    def blind(*args, **kwargs):
        monkeypatch.setattr(offline, name, real)
        return None

    monkeypatch.setattr(offline, name, blind)


def test_two_sends_of_one_new_report_at_once_make_one_event(world, monkeypatch):
    report_id = uuid.uuid4()
    first = _put(world, report_id, plan=_plan(world), report=_report())
    _blind_once(monkeypatch, "_event_locked")

    second = _put(world, report_id, plan=_plan(world), report=_report())

    assert (first.created, second.created) == (True, False)
    assert Event.objects.filter(uuid=report_id).count() == 1
    assert len(_entries(second.event)) == 2


# ---- photos ------------------------------------------------------------------------------


def _jpeg(colour="teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def _photo(world, report_id, photo_id, content, sha256=None, user=None):
    return event_photo_offline_put(
        user=user or world.organizer,
        report_id=report_id,
        photo_id=photo_id,
        upload=SimpleUploadedFile("photo", content),
        sha256=sha256 or hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture
def sent(world):
    """A report sent from a phone that announced two photos."""
    report_id, photos = uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()]
    _put(world, report_id, plan=_plan(world), report=_report(), photos=photos)
    return report_id, photos


def test_a_photo_is_stored_under_its_id_with_the_hash_of_its_bytes(world, sent):
    report_id, photos = sent
    content = _jpeg()

    stored = _photo(world, report_id, photos[0], content)

    assert stored.created
    assert (stored.photos.received, stored.photos.expected) == (1, 2)
    photo = EventPhoto.objects.get(uuid=photos[0])
    assert photo.sha256 == hashlib.sha256(content).hexdigest()
    assert AuditEntry.objects.filter(action="campaigns.event.photo_added").count() == 1


def test_the_same_photo_again_is_stored_once(world, sent):
    report_id, photos = sent
    _photo(world, report_id, photos[0], _jpeg())

    again = _photo(world, report_id, photos[0], _jpeg())

    assert not again.created
    assert EventPhoto.objects.filter(event__uuid=report_id).count() == 1
    assert AuditEntry.objects.filter(action="campaigns.event.photo_added").count() == 1


def test_another_photo_under_a_taken_id_is_a_conflict(world, sent):
    report_id, photos = sent
    _photo(world, report_id, photos[0], _jpeg())

    with pytest.raises(StaleEdit):
        _photo(world, report_id, photos[0], _jpeg("orange"))


def test_a_photo_whose_bytes_do_not_match_their_hash_is_refused(world, sent):
    report_id, photos = sent

    with pytest.raises(ValidationError) as refused:
        _photo(world, report_id, photos[0], _jpeg(), sha256="ab" * 32)

    assert "photos" in refused.value.message_dict
    assert not EventPhoto.objects.filter(uuid=photos[0]).exists()


def test_announced_photos_may_follow_a_report_sent_for_review(world):
    report_id, announced = uuid.uuid4(), uuid.uuid4()
    _put(world, report_id, plan=_plan(world), report=_report(), photos=[announced], submit=True)

    stored = _photo(world, report_id, announced, _jpeg())
    with pytest.raises(ValidationError) as refused:
        _photo(world, report_id, uuid.uuid4(), _jpeg("orange"))

    assert (stored.photos.received, stored.photos.expected) == (1, 1)
    assert "photos" in refused.value.message_dict


def test_a_photo_of_a_report_never_sent_is_missing(world):
    with pytest.raises(Event.DoesNotExist):
        _photo(world, uuid.uuid4(), uuid.uuid4(), _jpeg())


def test_two_sends_of_one_photo_at_once_store_it_once(world, sent, monkeypatch):
    report_id, photos = sent
    _photo(world, report_id, photos[0], _jpeg())
    _blind_once(monkeypatch, "_photo_stored")

    again = _photo(world, report_id, photos[0], _jpeg())

    assert not again.created
    assert EventPhoto.objects.filter(uuid=photos[0]).count() == 1
