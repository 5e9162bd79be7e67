"""Values beyond what the portal accepts are refused with a message where they come in (page,
API, import, filter), never a server error, and nothing of them is saved.

Each test here is one input a security probe found to answer 500; the web-form fuzz test
(test_form_fuzz.py) and the API fuzz test look for others of the same kinds.
"""

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl.utils import get_column_letter
from PIL import Image
from rest_framework.test import APIClient

from campaigns import bounds
from campaigns.imports.events_sheet import columns
from campaigns.models import (
    CampaignTarget,
    Event,
    EventPhoto,
    MaterialEdition,
    MaterialUse,
    Membership,
)
from campaigns.services import events as services
from tests import factories as f
from tests.events_world import member
from tests.imports.test_events_import import GOOD, run, sheet

pytestmark = pytest.mark.django_db

DAY_MESSAGE = "Give a date from 2000-01-01 to 2100-12-31."
MOMENT_MESSAGE = "Give a date and time from 2000-01-01 to 2100-12-31"
TEXT_MESSAGE = "This text holds a character that cannot be stored"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def _plan_post(world, starts_at: str) -> dict:
    return {
        "campaign": world.campaign.pk,
        "org_unit": world.units["central_a"].pk,
        "title": "红原县邛溪镇宣讲",
        "county": world.county.code,
        "venue_name": "邛溪镇牧民定居点",
        "venue_type": "village",
        "format": "lecture",
        "channel": "offline",
        "topics": ["anti_fraud"],
        "language": "zh",
        "starts_at": starts_at,
    }


@pytest.fixture
def approved_edition(world):
    material = f.MaterialFactory(org_unit=world.units["branch_a"])
    return f.MaterialEditionFactory(material=material, status=MaterialEdition.Status.APPROVED)


# ---- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00", "9999-12-31T23:59", "1999-12-31T23:59"])
def test_an_event_planned_on_the_page_outside_the_years_is_refused(world, starts_at):
    before = Event.objects.count()

    response = _signed_in(world.organizer).post(reverse("event_plan"), _plan_post(world, starts_at))

    assert response.status_code == 200
    assert MOMENT_MESSAGE in response.text
    assert Event.objects.count() == before


def test_an_event_planned_on_the_page_on_the_last_day_is_saved(world):
    response = _signed_in(world.organizer).post(
        reverse("event_plan"), _plan_post(world, "2100-12-31T23:59")
    )

    assert response.status_code == 302
    assert Event.objects.filter(starts_at__year=2100).exists()


@pytest.mark.parametrize("written", ["0001-01-01 00:00", "9999-12-31 23:59", "1999年12月31日"])
def test_an_imported_event_outside_the_years_is_a_problem_of_its_cell(world, written):
    before = Event.objects.count()

    result = run(world, sheet(GOOD | {"starts_at": written}))

    assert not result.saved
    assert [(p.cell, p.reason) for p in result.problems] == [("H3", DAY_MESSAGE)]
    assert Event.objects.count() == before


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00:00+08:00", "2025-03-14T10:00:00+15:00"])
def test_the_api_refuses_the_same_moments_with_the_same_message(world, starts_at):
    response = _api(world.organizer).post(
        "/api/v1/events/",
        {**_plan_post(world, starts_at), "county": world.county.pk},
        format="json",
    )

    assert response.status_code == 400
    assert MOMENT_MESSAGE in response.json()["starts_at"][0]


def test_an_event_already_stored_in_year_1_is_refused_by_the_database(world):
    # What the probe left behind cannot be stored any more, whichever way it comes in.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=world.event.pk).update(
            starts_at=dt.datetime(1, 1, 2, tzinfo=dt.UTC)
        )


# ---- filters -------------------------------------------------------------------------


def _filter_pages(world, coverage_unit) -> dict[str, tuple[str, str]]:
    campaign, unit = world.campaign.pk, coverage_unit.pk
    return {
        "events": (reverse("event_list"), "ends_on"),
        "coverage": (reverse("coverage_unit", args=[campaign, unit]), "ends_on"),
        "charts": (reverse("coverage_charts", args=[campaign, unit]), "ends_on"),
        "audit": (reverse("audit_log"), "until"),
    }


@pytest.mark.parametrize("page", ["events", "coverage", "charts", "audit"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2101-01-01"])
def test_a_filter_date_out_of_range_is_a_message_not_a_500(world, page, day):
    hq_reviewer = member(world.units["hq"], Membership.Role.REVIEWER, "hq-reviewer")
    url, name = _filter_pages(world, world.units["hq"])[page]

    response = _signed_in(hq_reviewer).get(url, {name: day})

    assert response.status_code == 200
    if page != "charts":  # the charts are a part of the coverage page, which says why
        assert DAY_MESSAGE in response.text


def test_the_api_event_filter_refuses_the_same_moments(world):
    response = _api(world.organizer).get(
        "/api/v1/events/", {"starts_before": "9999-12-31T23:59:59+08:00"}
    )

    assert response.status_code == 400


@pytest.mark.parametrize("field", ["unit", "prefecture"])
@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "²"])
def test_a_filter_id_out_of_range_names_nothing(world, field, value):
    response = _signed_in(world.organizer).get(reverse("event_list"), {field: value})

    assert response.status_code == 200


# ---- counts --------------------------------------------------------------------------


def _report_post(event, **overrides) -> dict:
    return {
        "version": event.version,
        "audience_women": "35",
        "summary": "",
        "handouts-TOTAL_FORMS": "1",
        "handouts-INITIAL_FORMS": "0",
        "services-TOTAL_FORMS": "0",
        "services-INITIAL_FORMS": "0",
        **overrides,
    }


@pytest.mark.parametrize("copies", ["2147483648", "100001", str(10**30)])
def test_handout_copies_beyond_any_print_run_are_refused_on_the_report_page(
    world, approved_edition, copies
):
    post = _report_post(
        world.event, **{"handouts-0-edition": approved_edition.pk, "handouts-0-copies": copies}
    )

    response = _signed_in(world.organizer).post(
        reverse("event_report", args=[world.event.pk]), post
    )

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 100000." in response.text
    assert not MaterialUse.objects.exists()
    assert Event.objects.get(pk=world.event.pk).version == world.event.version


@pytest.mark.parametrize(
    ("name", "value"),
    [("staff_count", "2147483648"), ("audience_women", "100001"), ("staff_count", "-1")],
)
def test_report_figures_beyond_their_range_are_refused_on_the_page(world, name, value):
    response = _signed_in(world.organizer).post(
        reverse("event_report", args=[world.event.pk]),
        _report_post(world.event, **{name: value, "handouts-TOTAL_FORMS": "0"}),
    )

    assert response.status_code == 200
    assert Event.objects.get(pk=world.event.pk).version == world.event.version


@pytest.mark.parametrize(
    "report",
    [
        {"handouts": [{"edition": None, "copies": 2147483648}]},
        {"audience": {"women": 2147483648}},
        {"staff_count": 100001},
        {"online_reach": 10**30},
        {"partner_services": [{"partner": None, "service_type": "talk", "people_served": 10**6}]},
    ],
)
def test_the_api_refuses_the_same_counts(world, approved_edition, hospital, report):
    for row in report.get("handouts", []):
        row["edition"] = approved_edition.pk
    for row in report.get("partner_services", []):
        row["partner"] = hospital.pk

    response = _api(world.organizer).post(
        f"/api/v1/events/{world.event.pk}/report/",
        {**report, "version": world.event.version},
        format="json",
    )

    assert response.status_code == 400
    assert Event.objects.get(pk=world.event.pk).version == world.event.version


def test_a_print_run_of_more_copies_than_the_bound_is_refused_by_the_api(world, approved_edition):
    response = _api(world.organizer).post(
        "/api/v1/print-runs/",
        {
            "edition": approved_edition.pk,
            "org_unit": world.units["central_a"].pk,
            "paper_size": "A5",
            "layout": "side_by_side",
            "copies": 2147483648,
        },
        format="json",
    )

    assert response.status_code == 400
    assert "copies" in response.json()


@pytest.mark.parametrize("ids", [["²"], ["99999999999999999999"], ["-1", "1.5", "١"]])
def test_bulk_approve_ignores_what_is_no_id(world, ids):
    services.event_report_save(
        user=world.organizer,
        event_id=world.event.pk,
        expected_version=1,
        figures={"head_count": 40},
        audience={"women": 35},
    )
    services.event_submit(user=world.organizer, event_id=world.event.pk, expected_version=2)

    response = _signed_in(world.reviewer).post(reverse("event_approve_bulk"), {"events": ids})

    assert response.status_code == 302
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.REPORTED


@pytest.mark.parametrize("total", ["100000", "1", "-1", "²"])
def test_a_targets_formset_of_the_wrong_size_is_refused_with_a_message(coverage_world, total):
    client = _signed_in(coverage_world.hq_reviewer)
    url = reverse("targets_edit", args=[coverage_world.campaign.pk, coverage_world.units["hq"].pk])
    before = list(CampaignTarget.objects.order_by("pk").values_list())
    post = {"targets-TOTAL_FORMS": total, "targets-INITIAL_FORMS": "0"}
    for index in range(2):
        post |= {
            f"targets-{index}-events": 5,
            f"targets-{index}-people_reached": 10,
            f"targets-{index}-counties_covered": 1,
            f"targets-{index}-special_area_counties_covered": 0,
        }

    response = client.post(url, post)

    assert response.status_code == 200
    assert list(CampaignTarget.objects.order_by("pk").values_list()) == before


# ---- texts ---------------------------------------------------------------------------


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_a_nul_byte_in_a_photo_caption_is_refused_and_no_photo_is_kept(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("stall.jpg", _jpeg(), content_type="image/jpeg")

    response = _signed_in(world.organizer).post(
        reverse("event_photo_upload", args=[world.event.pk]),
        {"photos": photo, "caption": "牧场\x00宣讲"},
        follow=True,
    )

    assert response.status_code == 200
    assert TEXT_MESSAGE in response.text
    assert not EventPhoto.objects.exists()


def test_a_nul_byte_in_an_editions_return_note_is_refused(world):
    material = f.MaterialFactory(org_unit=world.units["branch_a"])
    edition = f.MaterialEditionFactory(
        material=material, status=MaterialEdition.Status.TRANSLATED, translated_by=world.translator
    )
    f.EditionBlockFactory(edition=edition, position=1)

    response = _signed_in(world.reviewer).post(
        reverse("edition_transition", args=[edition.pk, "return"]),
        {"text": "请\x00修改", "version": edition.version},
        follow=True,
    )

    assert response.status_code == 200
    assert TEXT_MESSAGE in response.text
    assert MaterialEdition.objects.get(pk=edition.pk).status == MaterialEdition.Status.TRANSLATED


@pytest.mark.parametrize("text", ["\x00", "\ud800", "牧场\udfff"])
def test_the_api_refuses_text_the_database_cannot_store(world, text):
    body = json.dumps({**_plan_post(world, "2025-03-14T10:00:00+08:00"), "title": text})

    response = _api(world.organizer).post("/api/v1/events/", body, content_type="application/json")

    assert response.status_code == 400
    assert not Event.objects.filter(title__contains="牧场").exists()


@pytest.mark.parametrize("count", [100_001, 2**31, "2147483648"])
def test_an_imported_count_beyond_the_bound_is_a_problem_of_its_cell(world, count):
    result = run(world, sheet(GOOD | {"audience_women": count}))

    assert not result.saved
    women = [c.key for c in columns()].index("audience_women") + 1
    assert [p.cell for p in result.problems] == [f"{get_column_letter(women)}3"]


# ---- JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [50_000, bounds.JSON_DEPTH + 1])
def test_json_nested_deeper_than_any_request_needs_is_a_400(world, depth):
    body = "[" * depth + "]" * depth

    response = _api(world.organizer).post("/api/v1/events/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_control_character_in_a_title_leaves_the_events_export_whole(world):
    # Valid text for the database, not for a worksheet's XML: typed once, it would have
    # failed every events export of everyone who sees the event.
    from openpyxl import load_workbook

    from campaigns.exporters.events import events_export
    from campaigns.models import Job

    Event.objects.filter(pk=world.event.pk).update(title="红原\x01宣讲\x1f")
    job = f.JobFactory(owner=world.organizer, org_unit=world.units["central_a"])

    result = events_export(job, lambda *args, **kwargs: None)

    sheet = load_workbook(io.BytesIO(result.content), read_only=True).worksheets[0]
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["红原宣讲"]
    assert job.kind == Job.Kind.EVENTS_EXPORT


def test_a_user_name_longer_than_any_is_refused_before_anything_records_it(db):
    from axes.models import AccessAttempt

    from campaigns.models import AuditEntry

    response = Client().post(
        reverse("login"), {"username": "长" * 100_000, "password": "whatever-it-is"}
    )

    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    assert not AuditEntry.objects.exists()
