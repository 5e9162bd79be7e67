"""The consumer-protection measures register through the API: the catalogue, units' monthly
returns (figures, computed values, the review), mediation rooms and mediators; scope,
roles and versions as in the events API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import AuditEntry, MeasureFigure, MeasureReturn, MediationRoom, Mediator
from campaigns.seeding.measures import measures_catalogue_load
from tests import factories as f

pytestmark = pytest.mark.django_db

RETURNS = "/api/v1/measure-returns/"
ROOMS = "/api/v1/mediation-rooms/"
MEDIATORS = "/api/v1/mediators/"
MARCH = dt.date(2025, 3, 1)

FIGURES = {
    "mediation_cases": {"resolved": "8", "mediated": "10"},
    "comfort_fund": {"payouts": "2", "amount": "1500.50"},
    "roadside_response": {"response_minutes": "480.00", "dispatches": "20"},
    "roadside_nps": {"promoters": "90", "passives": "8", "detractors": "2"},
}


@pytest.fixture
def catalogue(db):
    return measures_catalogue_load()


def _return(world, unit="central_a", month=MARCH, **fields) -> MeasureReturn:
    return f.MeasureReturnFactory(org_unit=world.units[unit], month=month, **fields)


def _url(measure_return=None, action=None):
    url = RETURNS
    if measure_return is not None:
        url += f"{measure_return.pk}/"
    if action:
        url += f"{action}/"
    return url


def _figured(world, catalogue, **fields) -> MeasureReturn:
    """A return of central sub-branch A with the comfort fund's payouts (2) and amount
    (300.00) given."""
    measure_return = _return(world, **fields)
    fund = catalogue["comfort_fund"]
    f.MeasureFigureFactory(
        measure_return=measure_return, part=fund.parts.get(code="payouts"), value=2
    )
    f.MeasureFigureFactory(
        measure_return=measure_return, part=fund.parts.get(code="amount"), value=Decimal("300.00")
    )
    return measure_return


def test_anonymous_requests_are_told_to_sign_in():
    for url in ("/api/v1/measures/", RETURNS, ROOMS, MEDIATORS):
        assert APIClient().get(url).status_code == 401


# ---- the catalogue ----------------------------------------------------------------------


def test_the_catalogue_lists_each_measure_with_its_parts(api, world, catalogue):
    body = api(world.translator).get("/api/v1/measures/").json()
    measures = {row["code"]: row for row in body["results"]}
    assert set(measures) == set(catalogue)
    fund = measures["comfort_fund"]
    assert (fund["unit"], fund["computation"], fund["source"]) == ("yuan", "count_amount", "typed")
    assert fund["name_bo_needs_review"] is True
    assert fund["name_zh"]
    assert fund["name_en"]
    assert [(p["code"], p["role"], p["kind"]) for p in fund["parts"]] == [
        ("payouts", "count", "whole"),
        ("amount", "amount", "money"),
    ]
    assert measures["reception_days"]["source"] == "events"


# ---- monthly returns: scope and filters --------------------------------------------------


def test_organizer_lists_only_the_returns_of_their_subtree(api, world):
    own = _return(world)
    other = _return(world, unit="central_b")
    body = api(world.organizer).get(RETURNS).json()
    assert [row["id"] for row in body["results"]] == [own.pk]
    assert body["count"] == 1
    assert body["results"][0]["month"] == "2025-03-01"
    assert api(world.organizer).get(_url(other)).status_code == 404


def test_a_return_outside_the_scope_answers_like_a_missing_one(api, world):
    own = _return(world)
    outside = api(world.other_organizer).get(_url(own))
    missing = api(world.other_organizer).get(f"{RETURNS}999999/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_returns_filter_by_unit_year_month_and_status(api, world):
    march = _return(world)
    _return(world, month=dt.date(2025, 2, 1), status=MeasureReturn.Status.SUBMITTED)
    _return(world, unit="sub_a", month=dt.date(2024, 3, 1))
    client = api(world.reviewer)

    def ids(**query):
        return [row["id"] for row in client.get(RETURNS, query).json()["results"]]

    assert len(ids()) == 3
    assert ids(year=2025, month=3) == [march.pk]
    assert len(ids(month=3)) == 2
    assert len(ids(status="submitted")) == 1
    assert len(ids(org_unit=world.units["central_a"].pk)) == 2
    assert client.get(RETURNS, {"month": 13}).status_code == 400


def test_the_return_list_takes_a_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    for month in range(1, 13):
        _return(world, month=dt.date(2024, month, 1))
    with django_assert_max_num_queries(6):
        assert api(world.reviewer).get(RETURNS).json()["count"] == 12


# ---- opening a month -------------------------------------------------------------------


def test_opening_a_month_starts_a_draft_once(api, world):
    client = api(world.organizer)
    body = {"org_unit": world.units["central_a"].pk, "month": "2025-03"}
    opened = client.post(RETURNS, body, format="json")
    assert opened.status_code == 201, opened.json()
    assert (opened.json()["month"], opened.json()["status"]) == ("2025-03-01", "draft")
    again = client.post(RETURNS, {**body, "month": "2025-03-17"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == opened.json()["id"]
    assert MeasureReturn.objects.get().created_by == world.organizer


@pytest.mark.parametrize("month", [f"{timezone.localdate().year + 1}-01", "2999-01", "0001-01"])
def test_a_month_not_yet_begun_or_out_of_range_is_refused_under_month(api, world, month):
    response = api(world.organizer).post(
        RETURNS, {"org_unit": world.units["central_a"].pk, "month": month}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["month"]
    assert not MeasureReturn.objects.exists()


def test_a_unit_outside_the_scope_cannot_be_named_and_a_translator_may_not_open(api, world):
    outside = api(world.other_organizer).post(
        RETURNS, {"org_unit": world.units["central_a"].pk, "month": "2025-03"}, format="json"
    )
    assert outside.status_code == 400
    assert "org_unit" in outside.json()
    refused = api(world.translator).post(
        RETURNS, {"org_unit": world.units["central_a"].pk, "month": "2025-03"}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_allowed"
    assert not MeasureReturn.objects.exists()


# ---- figures ----------------------------------------------------------------------------


def test_figures_are_saved_and_values_answered_as_decimal_strings(api, world, catalogue):
    measure_return = _return(world)
    response = api(world.organizer).patch(
        _url(measure_return), {"version": 1, "figures": FIGURES}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    body = response.json()
    assert body["figures"]["comfort_fund"] == {"payouts": "2.00", "amount": "1500.50"}
    assert body["figures"]["fast_settlement"] == {"settled_fast": None, "complaints": None}
    assert body["values"]["mediation_cases"] == "80.00"  # 8 of 10, in percent
    assert body["values"]["comfort_fund"] == "1500.50"
    assert body["values"]["roadside_response"] == "24.00"  # 480 minutes over 20 dispatches
    assert body["values"]["roadside_nps"] == "88.00"
    assert body["values"]["fast_settlement"] is None
    assert "reception_days" not in body["figures"]  # counted from events, never typed
    read = api(world.reviewer).get(_url(measure_return)).json()
    assert read["figures"] == body["figures"]
    assert read["values"] == body["values"]
    assert MeasureFigure.objects.filter(measure_return=measure_return).count() == 9


def test_patch_keeps_the_figures_left_out_and_put_replaces_them_all(api, world, catalogue):
    measure_return = _figured(world, catalogue)
    client = api(world.organizer)
    patched = client.patch(
        _url(measure_return),
        {"version": 1, "figures": {"mediation_cases": {"resolved": "1", "mediated": "4"}}},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["figures"]["comfort_fund"]["payouts"] == "2.00"
    put = client.put(
        _url(measure_return),
        {
            "version": 2,
            "figures": {"roadside_nps": {"promoters": 1, "passives": 0, "detractors": 0}},
        },
        format="json",
    )
    assert put.status_code == 200, put.json()
    figures = put.json()["figures"]
    assert figures["comfort_fund"]["payouts"] is None
    assert figures["mediation_cases"]["resolved"] is None
    assert put.json()["values"]["roadside_nps"] == "100.00"


def test_a_bad_figure_is_refused_at_its_field_and_nothing_is_saved(api, world, catalogue):
    measure_return = _figured(world, catalogue)
    figures = {**FIGURES, "comfort_fund": {"payouts": "2.5", "amount": "1500.50"}}
    response = api(world.organizer).patch(
        _url(measure_return), {"version": 1, "figures": figures}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"figures": {"comfort_fund": {"payouts": ["Give a whole number."]}}}
    measure_return.refresh_from_db()
    assert measure_return.version == 1
    assert sorted(figure.value for figure in measure_return.figures.all()) == [2, 300]


def test_a_part_larger_than_its_whole_is_named_at_the_part(api, world, catalogue):
    measure_return = _return(world)
    response = api(world.organizer).patch(
        _url(measure_return),
        {"version": 1, "figures": {"mediation_cases": {"resolved": "12", "mediated": "10"}}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "figures": {
            "mediation_cases": {
                "resolved": ["The part cannot be larger than the whole it is counted in."]
            }
        }
    }
    assert not MeasureFigure.objects.exists()


def test_figures_not_asked_for_and_no_numbers_are_refused_by_name(api, world, catalogue):
    measure_return = _return(world)
    client = api(world.organizer)
    unknown = client.patch(
        _url(measure_return),
        {"version": 1, "figures": {"reception_days": {"sessions": "3"}, "nope": {"x": "1"}}},
        format="json",
    )
    assert unknown.status_code == 400
    assert set(unknown.json()["figures"]) == {"reception_days", "nope"}
    not_a_number = client.patch(
        _url(measure_return),
        {"version": 1, "figures": {"comfort_fund": {"amount": 1e308, "payouts": "many"}}},
        format="json",
    )
    assert not_a_number.status_code == 400
    assert "payouts" in not_a_number.json()["figures"]["comfort_fund"]
    assert not MeasureFigure.objects.exists()
    measure_return.refresh_from_db()
    assert measure_return.version == 1


def test_figures_need_the_version_edited_and_a_stale_one_saves_nothing(api, world, catalogue):
    measure_return = _figured(world, catalogue)
    client = api(world.organizer)
    body = {"figures": {"comfort_fund": {"payouts": "3"}}}
    assert client.patch(_url(measure_return), body, format="json").status_code == 428
    stale = client.patch(_url(measure_return), {**body, "version": 7}, format="json")
    assert stale.status_code == 412  # the events API's answer to a stale edit
    assert stale.json()["code"] == "stale_edit"
    assert "now version 1" in stale.json()["detail"]
    assert MeasureFigure.objects.get(part__code="payouts").value == 2
    by_header = client.patch(_url(measure_return), body, format="json", headers={"If-Match": '"1"'})
    assert by_header.status_code == 200, by_header.json()
    assert by_header.json()["figures"]["comfort_fund"]["payouts"] == "3.00"


def test_a_reviewer_sees_the_figures_but_may_not_change_them(api, world, catalogue):
    measure_return = _figured(world, catalogue)
    response = api(world.reviewer).patch(
        _url(measure_return),
        {"version": 1, "figures": {"comfort_fund": {"payouts": "3"}}},
        format="json",
    )
    assert response.status_code == 403
    assert MeasureFigure.objects.get(part__code="payouts").value == 2


def test_a_submitted_return_can_no_longer_be_changed(api, world, catalogue):
    measure_return = _figured(world, catalogue, status=MeasureReturn.Status.SUBMITTED)
    response = api(world.organizer).patch(
        _url(measure_return),
        {"version": 1, "figures": {"comfort_fund": {"payouts": "3"}}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert MeasureFigure.objects.get(part__code="payouts").value == 2


# ---- the review -------------------------------------------------------------------------


def test_submit_then_return_with_a_note_then_submit_and_approve(api, world, catalogue):
    measure_return = _figured(world, catalogue)
    organizer, reviewer = api(world.organizer), api(world.reviewer)
    submitted = organizer.post(_url(measure_return, "submit"), {"version": 1})
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
    assert submitted["ETag"] == '"2"'
    returned = reviewer.post(
        _url(measure_return, "return"), {"version": 2, "note": "请核对安抚金金额。"}
    )
    assert returned.status_code == 200, returned.json()
    assert (returned.json()["status"], returned.json()["review_note"]) == (
        "returned",
        "请核对安抚金金额。",
    )
    assert organizer.post(_url(measure_return, "submit"), {"version": 3}).status_code == 200
    approved = reviewer.post(_url(measure_return, "approve"), {"version": 4})
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "campaigns.measure_return.submitted",
        "campaigns.measure_return.returned",
        "campaigns.measure_return.approved",
    } <= actions


def test_returning_needs_a_note(api, world, catalogue):
    measure_return = _figured(world, catalogue, status=MeasureReturn.Status.SUBMITTED)
    response = api(world.reviewer).post(_url(measure_return, "return"), {"version": 1})
    assert response.status_code == 400
    assert "note" in response.json()
    assert MeasureReturn.objects.get().status == MeasureReturn.Status.SUBMITTED


def test_an_empty_return_cannot_be_submitted(api, world):
    measure_return = _return(world)
    response = api(world.organizer).post(_url(measure_return, "submit"), {"version": 1})
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert MeasureReturn.objects.get().status == MeasureReturn.Status.DRAFT


def test_roles_and_scope_of_the_transitions(api, world, catalogue):
    measure_return = _figured(world, catalogue)
    translator = api(world.translator).post(_url(measure_return, "submit"), {"version": 1})
    assert translator.status_code == 403
    assert translator.json()["code"] == "not_allowed"
    by_reviewer = api(world.reviewer).post(_url(measure_return, "submit"), {"version": 1})
    assert by_reviewer.status_code == 403
    MeasureReturn.objects.filter(pk=measure_return.pk).update(status=MeasureReturn.Status.SUBMITTED)
    elsewhere = api(world.other_reviewer).post(_url(measure_return, "approve"), {"version": 1})
    assert elsewhere.status_code == 404
    by_organizer = api(world.organizer).post(_url(measure_return, "approve"), {"version": 1})
    assert by_organizer.status_code == 403
    stale = api(world.reviewer).post(_url(measure_return, "approve"), {"version": 9})
    assert stale.status_code == 412
    assert MeasureReturn.objects.get().status == MeasureReturn.Status.SUBMITTED


# ---- mediation rooms and mediators ------------------------------------------------------


def test_a_room_is_added_listed_in_scope_and_closed_with_its_version(api, world):
    organizer = api(world.organizer)
    created = organizer.post(
        ROOMS,
        {
            "org_unit": world.units["central_a"].pk,
            "name": "红原枫桥经验调解室",
            "address": "红原县支公司一楼",
            "opened_on": "2024-06-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    room = created.json()
    assert (room["is_open"], room["closed_on"], room["version"]) == (True, None, 1)
    f.MediationRoomFactory(org_unit=world.units["central_b"])
    listed = organizer.get(ROOMS).json()
    assert [row["id"] for row in listed["results"]] == [room["id"]]
    closed = organizer.patch(
        f"{ROOMS}{room['id']}/",
        {"is_open": False, "closed_on": "2025-01-31", "version": 1},
        format="json",
    )
    assert closed.status_code == 200, closed.json()
    assert closed["ETag"] == '"2"'
    assert (closed.json()["is_open"], closed.json()["name"]) == (False, "红原枫桥经验调解室")
    stale = organizer.patch(f"{ROOMS}{room['id']}/", {"name": "改名", "version": 1}, format="json")
    assert stale.status_code == 412
    assert MediationRoom.objects.get(pk=room["id"]).name == "红原枫桥经验调解室"


def test_a_room_closing_before_it_opened_is_refused_at_closed_on(api, world):
    room = f.MediationRoomFactory(org_unit=world.units["central_a"], opened_on=MARCH)
    response = api(world.organizer).patch(
        f"{ROOMS}{room.pk}/",
        {"is_open": False, "closed_on": "2025-01-01", "version": 1},
        format="json",
    )
    assert response.status_code == 400
    assert "closed_on" in response.json()
    room.refresh_from_db()
    assert (room.is_open, room.version) == (True, 1)


def test_rooms_outside_the_scope_are_missing_and_reviewers_may_not_change_them(api, world):
    room = f.MediationRoomFactory(org_unit=world.units["central_a"])
    body = {"name": "改名", "version": 1}
    outside = api(world.other_organizer).patch(f"{ROOMS}{room.pk}/", body, format="json")
    assert outside.status_code == 404
    refused = api(world.reviewer).patch(f"{ROOMS}{room.pk}/", body, format="json")
    assert refused.status_code == 403
    assert api(world.reviewer).get(f"{ROOMS}{room.pk}/").status_code == 200
    assert MediationRoom.objects.get().name == room.name


def test_a_mediator_is_added_and_taken_out_of_the_pool(api, world):
    organizer = api(world.organizer)
    created = organizer.post(
        MEDIATORS,
        {
            "org_unit": world.units["central_a"].pk,
            "name": "扎西",
            "field": "机动车理赔",
            "organisation": "阿坝州人民调解委员会",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    mediator = created.json()
    assert (mediator["active"], mediator["contact"]) == (True, "")
    url = f"{MEDIATORS}{mediator['id']}/"
    assert api(world.other_organizer).get(url).status_code == 404
    put = organizer.put(
        url,
        {
            "org_unit": world.units["sub_a"].pk,
            "name": "扎西",
            "field": "机动车理赔",
            "organisation": "阿坝州人民调解委员会",
            "active": False,
            "version": 1,
        },
        format="json",
    )
    assert put.status_code == 200, put.json()
    saved = Mediator.objects.get()
    assert (saved.active, saved.org_unit, saved.version) == (False, world.units["sub_a"], 2)
    missing_field = organizer.put(url, {"name": "扎西", "version": 2}, format="json")
    assert missing_field.status_code == 400
    assert "organisation" in missing_field.json()


# ---- the schema -------------------------------------------------------------------------


def test_the_schema_documents_the_measures_endpoints(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    schema = (tmp_path / "s.yml").read_text()
    for path in (
        "/api/v1/measures/:",
        "/api/v1/measure-returns/:",
        "/api/v1/measure-returns/{id}/:",
        "/api/v1/measure-returns/{id}/submit/:",
        "/api/v1/measure-returns/{id}/approve/:",
        "/api/v1/measure-returns/{id}/return/:",
        "/api/v1/mediation-rooms/{id}/:",
        "/api/v1/mediators/{id}/:",
    ):
        assert path in schema
    assert "MeasureReturnStatusEnum" in schema
