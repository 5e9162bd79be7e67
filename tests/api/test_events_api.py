"""The events API as a phone app or another system meets it: scope, services, versions."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from campaigns.models import AuditEntry, Event
from tests import factories as f
from tests.events_world import derived_report
from tests.unsent_reports_file import plan_body

pytestmark = pytest.mark.django_db


def _url(event=None, action=None):
    url = "/api/v1/events/"
    if event is not None:
        url += f"{event.pk}/"
    if action:
        url += f"{action}/"
    return url


def _plan(world, **changes):
    return plan_body(world, **{"topics": ["anti_fraud"]} | changes)


def test_anonymous_requests_are_told_to_sign_in(world):
    response = APIClient().get(_url())
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_organizer_lists_only_the_events_of_their_subtree(api, world):
    other = Event.objects.create(
        campaign=world.campaign,
        org_unit=world.units["central_b"],
        county=world.other_county,
        title="长沙社区宣讲",
        venue_type="community",
        format="lecture",
        starts_at=dt.datetime(2025, 3, 13, tzinfo=dt.UTC),
    )
    body = api(world.organizer).get(_url()).json()
    assert [row["id"] for row in body["results"]] == [world.event.pk]
    assert body["count"] == 1
    assert api(world.organizer).get(_url(other)).status_code == 404


def test_an_event_outside_the_scope_answers_like_a_missing_one(api, world):
    outside = api(world.other_organizer).get(_url(world.event))
    missing = api(world.other_organizer).get("/api/v1/events/999999/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_event_reads_with_its_report_and_an_etag_of_its_version(api, world):
    response = api(world.organizer).get(_url(world.event))
    assert response.status_code == 200
    assert response["ETag"] == f'"{world.event.version}"'
    body = response.json()
    assert body["title"] == "红原牧区金融知识宣讲"
    assert body["topics"] == ["eight_rights"]
    assert body["audience_counts"] == []


def test_organizer_plans_an_event_through_the_service(api, world):
    response = api(world.organizer).post(_url(), _plan(world), format="json")
    assert response.status_code == 201, response.json()
    event = Event.objects.get(pk=response.json()["id"])
    assert event.status == Event.Status.PLANNED
    assert event.created_by == world.organizer
    assert AuditEntry.objects.filter(action="campaigns.event.planned", object_id=event.pk).exists()


def test_a_county_outside_the_service_area_is_refused_next_to_the_field(api, world):
    response = api(world.organizer).post(
        _url(), _plan(world, county=world.other_county.pk), format="json"
    )
    assert response.status_code == 400
    assert "county" in response.json()
    assert not Event.objects.filter(title="红原县邛溪镇牧民定居点宣讲").exists()


def test_an_end_before_the_start_is_refused_under_ends_at(api, world):
    client = api(world.organizer)
    planned = client.post(_url(), _plan(world, ends_at="2025-03-14T09:00:00+08:00"), format="json")
    changed = client.patch(
        _url(world.event),
        {"ends_at": "2025-03-12T09:00:00+08:00", "version": world.event.version},
        format="json",
    )
    for response in (planned, changed):
        assert response.status_code == 400
        assert response.json() == {"ends_at": ["An event cannot end before it starts."]}
    assert not Event.objects.filter(title="红原县邛溪镇牧民定居点宣讲").exists()


def test_validation_messages_speak_the_request_language(api, world):
    english = api(world.organizer).post(_url(), _plan(world, title=""), format="json").json()
    chinese = api(world.organizer, "zh-hans").post(_url(), _plan(world, title=""), format="json")
    assert english["title"] == ["This field may not be blank."]
    assert chinese.json()["title"] != english["title"]


def test_an_organizer_cannot_plan_for_another_branch(api, world):
    response = api(world.other_organizer).post(_url(), _plan(world), format="json")
    assert response.status_code == 400  # the unit is not one they can name
    assert "org_unit" in response.json()


def test_a_translator_cannot_plan(api, world):
    response = api(world.translator).post(_url(), _plan(world), format="json")
    assert response.status_code == 400  # as on the web form: next to the unit
    assert response.json()["org_unit"] == [
        f"You cannot plan events for {world.units['central_a']}."
    ]
    assert not Event.objects.filter(title="红原县邛溪镇牧民定居点宣讲").exists()


def test_changing_the_plan_needs_the_version_edited(api, world):
    client = api(world.organizer)
    assert client.patch(_url(world.event), {"title": "新标题"}, format="json").status_code == 428
    response = client.patch(
        _url(world.event),
        {"title": "新标题"},
        format="json",
        headers={"If-Match": f'"{world.event.version}"'},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "新标题"
    assert response["ETag"] == f'"{world.event.version + 1}"'
    assert response.json()["topics"] == ["eight_rights"]  # left out, so kept


def test_a_stale_version_is_refused_and_nothing_is_saved(api, world):
    response = api(world.organizer).patch(
        _url(world.event), {"title": "新标题", "version": world.event.version + 5}, format="json"
    )
    assert response.status_code == 412
    assert response.json()["code"] == "stale_edit"
    world.event.refresh_from_db()
    assert world.event.title == "红原牧区金融知识宣讲"


def test_report_then_submit_then_approve(api, world):
    organizer, reviewer = api(world.organizer), api(world.reviewer)
    version = world.event.version
    report = organizer.post(
        _url(world.event, "report"),
        {
            "version": version,
            "head_count": 80,
            "audience": {"farmers_herders": 60, "women": 35, "youth": None},
        },
        format="json",
    )
    assert report.status_code == 200, report.json()
    counts = {row["group"]: row["count"] for row in report.json()["audience_counts"]}
    assert counts == {"farmers_herders": 60, "women": 35}  # youth: not counted, not 0
    submitted = organizer.post(_url(world.event, "submit"), {"version": version + 1})
    assert submitted.json()["status"] == "reported"
    approved = reviewer.post(_url(world.event, "approve"), {"version": version + 2})
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"


def test_a_negative_count_is_refused_with_the_group_named(api, world):
    response = api(world.organizer).post(
        _url(world.event, "report"),
        {"version": world.event.version, "audience": {"women": -1}},
        format="json",
    )
    assert response.status_code == 400
    assert "women" in response.json()["audience"]


def test_a_reviewer_outside_the_subtree_cannot_approve(api, world):
    world.event.status = Event.Status.REPORTED
    world.event.save()
    response = api(world.other_reviewer).post(
        _url(world.event, "approve"), {"version": world.event.version}
    )
    assert response.status_code == 404


def test_a_translator_cannot_submit(api, world):
    response = api(world.translator).post(
        _url(world.event, "submit"), {"version": world.event.version}
    )
    assert response.status_code == 403


def test_a_refusal_by_role_says_why(api, world):
    response = api(world.translator).post(
        _url(world.event, "submit"), {"version": world.event.version}
    )
    assert response.json() == {
        "detail": "Your role does not allow this for this unit.",
        "code": "not_allowed",
    }


def test_return_needs_a_note(api, world):
    world.event.status = Event.Status.REPORTED
    world.event.save()
    response = api(world.reviewer).post(
        _url(world.event, "return"), {"version": world.event.version}
    )
    assert response.status_code == 400
    assert "note" in response.json()


def test_cancelling_a_planned_event_keeps_the_reason(api, world):
    response = api(world.organizer).post(
        _url(world.event, "cancel"), {"version": world.event.version, "reason": "大雪封路"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "大雪封路"


def test_an_approved_event_cannot_be_submitted_again(api, world):
    world.event.status = Event.Status.APPROVED
    world.event.save()
    response = api(world.organizer).post(
        _url(world.event, "submit"), {"version": world.event.version}
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


def test_events_filter_by_status_and_county_code(api, world):
    client = api(world.reviewer)
    assert client.get(_url(), {"status": "planned", "county_code": "513233"}).json()["count"] == 1
    assert client.get(_url(), {"status": "approved"}).json()["count"] == 0


def test_event_list_takes_a_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    for number in range(12):
        Event.objects.create(
            campaign=world.campaign,
            org_unit=world.units["central_a"],
            county=world.county,
            title=f"活动{number}",
            venue_type="community",
            format="stall",
            starts_at=dt.datetime(2025, 3, 2, tzinfo=dt.UTC),
        )
    client = api(world.reviewer)
    with django_assert_max_num_queries(6):
        assert client.get(_url()).json()["count"] == 13


def test_an_impossible_moment_is_a_400_not_a_server_error(api, world):
    # Found by Schemathesis: PostgreSQL refuses an offset of -17:49 with a database error.
    response = api(world.organizer).get(
        _url(),
        {"starts_after": "1074-07-30T03:29:13+12:12", "starts_before": "0201-01-24T19:29:19-17:49"},
    )
    assert response.status_code == 400
    assert "offset of at most ±14:00" in response.json()["starts_before"][0]
    planned = api(world.organizer).post(
        _url(), _plan(world, starts_at="2025-03-14T10:00:00-17:49"), format="json"
    )
    assert planned.status_code == 400
    assert "starts_at" in planned.json()


def _approved_edition(unit):
    return f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=unit), status="approved", number=1
    )


def test_report_records_handouts_and_partner_services(api, world):
    edition = _approved_edition(world.units["central_a"])
    hospital = f.PartnerFactory(org_unit=world.units["central_a"], name="州妇幼保健院")
    response = api(world.organizer).post(
        _url(world.event, "report"),
        {
            "version": world.event.version,
            "head_count": 45,
            "audience": {"women": 40},
            "handouts": [{"edition": edition.pk, "copies": 120}],
            "partner_services": [
                {
                    "partner": hospital.pk,
                    "service_type": "health_screening",
                    "screening_type": "cervical_breast",
                    "screened": 38,
                    "referred": 3,
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["handouts"] == [{"edition": edition.pk, "copies": 120}]
    assert body["partner_services"][0]["screened"] == 38
    assert world.event.material_uses.get().copies == 120


def test_a_report_without_handouts_keeps_those_recorded_on_the_page(api, world):
    f.MaterialUseFactory(
        event=world.event, edition=_approved_edition(world.units["central_a"]), copies=50
    )
    f.PartnerServiceFactory(event=world.event)
    world.event.summary = "牧民反映良好"
    world.event.save()
    response = api(world.organizer).post(
        _url(world.event, "report"),
        {"version": world.event.version, "head_count": 20, "audience": {"women": 12}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert len(response.json()["handouts"]) == 1
    assert len(response.json()["partner_services"]) == 1
    assert response.json()["summary"] == "牧民反映良好"


def test_more_referred_than_screened_is_refused_and_nothing_is_saved(api, world):
    hospital = f.PartnerFactory(org_unit=world.units["central_a"])
    response = api(world.organizer, "zh-hans").post(
        _url(world.event, "report"),
        {
            "version": world.event.version,
            "head_count": 45,
            "audience": {"women": 40},
            "partner_services": [
                {
                    "partner": hospital.pk,
                    "service_type": "health_screening",
                    "screening_type": "cervical_breast",
                    "screened": 3,
                    "referred": 5,
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "partner_services" in response.json()
    world.event.refresh_from_db()
    assert world.event.people_reached is None  # the counts were not kept either
    assert not world.event.partner_services.exists()


def test_a_health_screening_without_what_was_screened_for_is_refused(api, world):
    # The page always asked for it; the API took a screening no total could count.
    hospital = f.PartnerFactory(org_unit=world.units["central_a"])
    response = api(world.organizer).post(
        _url(world.event, "report"),
        {
            "version": world.event.version,
            "head_count": 45,
            "partner_services": [
                {"partner": hospital.pk, "service_type": "health_screening", "screened": 12}
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["partner_services"] == ["Row 1: Choose what was screened for."]
    assert not world.event.partner_services.exists()


def test_matters_resolved_beyond_those_raised_are_named_at_that_field(api, world):
    # As the page shows it at that box (the API named the report as a whole before).
    Event.objects.filter(pk=world.event.pk).update(format="gm_reception_day")
    response = api(world.organizer).post(
        _url(world.event, "report"),
        {
            "version": world.event.version,
            "head_count": 45,
            "matters_raised": 3,
            "matters_resolved": 5,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "matters_resolved": ["No more matters can be resolved than were raised."]
    }


def test_another_branchs_partner_or_edition_cannot_be_named(api, world):
    foreign = f.PartnerFactory(org_unit=world.units["central_b"])
    edition = _approved_edition(world.units["central_b"])
    response = api(world.organizer).post(
        _url(world.event, "report"),
        {
            "version": world.event.version,
            "handouts": [{"edition": edition.pk, "copies": 1}],
            "partner_services": [{"partner": foreign.pk, "service_type": "health_screening"}],
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "handouts" in body
    assert "partner_services" in body


# ---- the head count: the people figure of an in-person event; groups are "of whom" ----


def test_the_report_takes_the_head_count_and_people_reached_is_it(api, world):
    response = api(world.organizer).post(
        _url(world.event, "report"),
        {
            "version": world.event.version,
            "head_count": 80,
            "audience": {"farmers_herders": 60, "women": 35},
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["head_count"], body["people_reached"], body["head_count_derived"]) == (
        80,
        80,
        False,
    )
    read = api(world.reviewer).get(_url(world.event)).json()
    assert (read["head_count"], read["people_reached"]) == (80, 80)


def test_a_group_above_the_head_count_is_refused_under_the_groups_name(api, world):
    response = api(world.organizer).post(
        _url(world.event, "report"),
        {
            "version": world.event.version,
            "head_count": 50,
            "audience": {"farmers_herders": 60, "women": 35},
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "audience": {"farmers_herders": ["At most the head count (50): a group is part of it."]}
    }
    event = Event.objects.get(pk=world.event.pk)
    assert (event.version, event.head_count) == (1, None)
    assert not event.audience_counts.exists()


def test_an_in_person_event_without_a_head_count_cannot_be_submitted(api, world):
    client = api(world.organizer)
    saved = client.post(
        _url(world.event, "report"), {"version": 1, "summary": "牧民踊跃参加。"}, format="json"
    )
    assert saved.status_code == 200, saved.json()
    response = client.post(_url(world.event, "submit"), {"version": 2})
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Give the head count (everyone who came) before you submit the report."
        ]
    }
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.PLANNED


def test_an_event_says_whether_its_head_count_was_derived(api, world):
    derived_report(world)
    client = api(world.reviewer)
    assert client.get(_url(world.event)).json()["head_count_derived"] is True
    assert client.get(_url()).json()["results"][0]["head_count_derived"] is True


@pytest.mark.parametrize("role", ["organizer", "reviewer"])
def test_a_derived_head_count_is_corrected_through_the_api(api, world, role):
    derived_report(world)
    response = api(getattr(world, role)).post(
        _url(world.event, "confirm-head-count"), {"head_count": 80, "version": 3}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["head_count"], body["head_count_derived"], body["people_reached"]) == (
        80,
        False,
        80,
    )
    assert response["ETag"] == '"4"'
    entry = AuditEntry.objects.get(action="campaigns.event.head_count_confirmed")
    assert entry.data == {"from": 95, "to": 80}


def test_a_head_count_below_the_largest_group_is_refused_under_head_count(api, world):
    derived_report(world)
    response = api(world.reviewer).post(
        _url(world.event, "confirm-head-count"), {"head_count": 50, "version": 3}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "head_count": ["At least 60: the largest audience group is part of the head count."]
    }
    assert Event.objects.get(pk=world.event.pk).head_count_derived


def test_a_translator_cannot_confirm_a_head_count(api, world):
    derived_report(world)
    response = api(world.translator).post(
        _url(world.event, "confirm-head-count"), {"head_count": 80, "version": 3}, format="json"
    )
    assert response.status_code == 403
    assert Event.objects.get(pk=world.event.pk).head_count == 95
