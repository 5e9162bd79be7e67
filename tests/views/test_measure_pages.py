"""The measures pages as a branch and its reviewer use them: open a month, type its figures
(refusals at their box, in the user's language), submit, approve or return with a note;
mediation rooms and mediators."""

import datetime as dt

import pytest
from django.urls import reverse

from campaigns.models import MeasureFigure, MeasureReturn, MediationRoom, Mediator, Membership
from campaigns.seeding.measures import measures_catalogue_load
from campaigns.services.measures import figure_field
from tests import factories as f

pytestmark = pytest.mark.django_db

MARCH = dt.date(2025, 3, 1)


@pytest.fixture
def catalogue(db):
    return measures_catalogue_load()


@pytest.fixture
def organizer(org_tree):
    return f.MembershipFactory(org_unit=org_tree["central_a"], role=Membership.Role.ORGANIZER).user


@pytest.fixture
def reviewer(org_tree):
    return f.MembershipFactory(org_unit=org_tree["branch_a"], role=Membership.Role.REVIEWER).user


def _boxes(catalogue, **figures) -> dict:
    parts = {part.code: part for m in catalogue.values() for part in m.parts.all()}
    return {figure_field(parts[code]): value for code, value in figures.items()}


def test_an_organizer_opens_a_month_and_is_taken_to_its_form(
    client, catalogue, organizer, org_tree
):
    client.force_login(organizer)
    response = client.post(
        reverse("measure_return_open"),
        {"org_unit": org_tree["central_a"].pk, "month": "2025-03"},
    )
    measure_return = MeasureReturn.objects.get()
    assert response.url == reverse("measure_return_detail", args=[measure_return.pk])
    page = client.get(response.url).text
    assert "customers solved by phone" in page
    # The Tibetan names are ours: flagged where they are shown, in the Tibetan interface.
    assert "native-review-pending" not in page
    client.cookies["django_language"] = "bo"
    tibetan = client.get(response.url).text
    assert "ཁ་པར་ཐོག་ཐག་ཆོད་པའི་མགྲོན་པོ།" in tibetan
    assert tibetan.count("native-review-pending") == 6  # the six typed measures


def test_figures_are_saved_and_the_shown_value_is_computed_from_them(
    client, catalogue, organizer, org_tree
):
    measure_return = f.MeasureReturnFactory(org_unit=org_tree["central_a"], month=MARCH)
    client.force_login(organizer)
    url = reverse("measure_return_detail", args=[measure_return.pk])
    figures = _boxes(catalogue, solved_by_phone="3", calls="47", amount="1500.50", payouts="2")

    response = client.post(url, {"version": measure_return.version, **figures})

    assert response.status_code == 302
    assert MeasureFigure.objects.filter(measure_return=measure_return).count() == 4
    assert "6.38" in client.get(url).text  # 3 of 47 calls


def test_a_part_larger_than_its_whole_is_refused_at_its_box_and_what_was_typed_is_kept(
    client, catalogue, organizer, org_tree
):
    measure_return = f.MeasureReturnFactory(org_unit=org_tree["central_a"], month=MARCH)
    client.force_login(organizer)
    figures = _boxes(catalogue, solved_by_phone="50", calls="47")

    response = client.post(
        reverse("measure_return_detail", args=[measure_return.pk]),
        {"version": measure_return.version, **figures},
    )

    assert response.status_code == 200
    assert "The part cannot be larger than the whole" in response.text
    assert 'value="50"' in response.text
    assert not MeasureFigure.objects.exists()


def test_an_amount_with_three_decimals_is_refused_in_chinese_for_a_chinese_user(
    client, catalogue, organizer, org_tree
):
    measure_return = f.MeasureReturnFactory(org_unit=org_tree["central_a"], month=MARCH)
    client.cookies["django_language"] = "zh-hans"
    client.force_login(organizer)
    figures = _boxes(catalogue, amount="10.005", payouts="1")

    response = client.post(
        reverse("measure_return_detail", args=[measure_return.pk]),
        {"version": measure_return.version, **figures},
    )

    assert response.status_code == 200
    assert "小数不超过 2 位" in response.text  # Django's own message, in Chinese
    assert not MeasureFigure.objects.exists()


def test_a_branch_submits_and_its_reviewer_approves_from_the_queue(
    client, catalogue, organizer, reviewer, org_tree
):
    measure_return = f.MeasureReturnFactory(org_unit=org_tree["central_a"], month=MARCH)
    f.MeasureFigureFactory(
        measure_return=measure_return, part=catalogue["remote_diagnosis"].parts.first()
    )
    client.force_login(organizer)
    client.post(
        reverse("measure_return_submit", args=[measure_return.pk]),
        {"version": measure_return.version},
    )
    measure_return.refresh_from_db()
    assert measure_return.status == MeasureReturn.Status.SUBMITTED

    client.force_login(reviewer)
    queue = client.get(reverse("measure_review_queue")).text
    assert reverse("measure_return_detail", args=[measure_return.pk]) in queue
    client.post(
        reverse("measure_return_approve", args=[measure_return.pk]),
        {"version": measure_return.version},
    )
    measure_return.refresh_from_db()
    assert measure_return.status == MeasureReturn.Status.APPROVED
    assert "No monthly returns are waiting" in client.get(reverse("measure_review_queue")).text


def test_a_reviewer_returns_a_month_with_a_note_the_branch_then_reads(
    client, catalogue, organizer, reviewer, org_tree
):
    measure_return = f.MeasureReturnFactory(
        org_unit=org_tree["central_a"], month=MARCH, status=MeasureReturn.Status.SUBMITTED
    )
    client.force_login(reviewer)
    url = reverse("measure_return_send_back", args=[measure_return.pk])
    empty = client.post(url, {"text": "  ", "version": measure_return.version})
    assert empty.status_code == 200
    client.post(url, {"text": "派单数请与调度系统核对。", "version": measure_return.version})

    measure_return.refresh_from_db()
    assert measure_return.status == MeasureReturn.Status.RETURNED
    client.force_login(organizer)
    page = client.get(reverse("measure_return_detail", args=[measure_return.pk])).text
    assert "派单数请与调度系统核对。" in page
    assert "Save the figures" in page


def test_an_organizer_cannot_approve_a_return(client, catalogue, organizer, org_tree):
    measure_return = f.MeasureReturnFactory(
        org_unit=org_tree["central_a"], month=MARCH, status=MeasureReturn.Status.SUBMITTED
    )
    client.force_login(organizer)
    response = client.post(
        reverse("measure_return_approve", args=[measure_return.pk]),
        {"version": measure_return.version},
    )
    assert response.status_code == 403


def test_the_list_shows_each_return_with_its_status_and_pages(client, organizer, org_tree):
    months = [dt.date(year, month, 1) for year in (2021, 2022, 2023) for month in range(1, 13)]
    for unit, month in zip(["central_a", "sub_a"] * 13, months[:26], strict=True):
        f.MeasureReturnFactory(org_unit=org_tree[unit], month=month)
    f.MeasureReturnFactory(org_unit=org_tree["central_b"], month=dt.date(2023, 1, 1))
    client.force_login(organizer)

    first = client.get(reverse("measure_return_list")).text
    second = client.get(reverse("measure_return_list") + "?page=2").text

    assert "Page 1 of 2" in first
    assert first.count('class="badge status-') + second.count('class="badge status-') == 26
    assert org_tree["central_b"].name not in first + second


def test_the_list_is_narrowed_to_a_unit_and_a_month(client, organizer, org_tree):
    april = dt.date(2025, 4, 1)
    f.MeasureReturnFactory(org_unit=org_tree["central_a"], month=MARCH)
    f.MeasureReturnFactory(org_unit=org_tree["sub_a"], month=MARCH)
    f.MeasureReturnFactory(org_unit=org_tree["sub_a"], month=april)
    client.force_login(organizer)
    url = reverse("measure_return_list")
    sub_a = org_tree["sub_a"]

    of_unit = client.get(url, {"org_unit": sub_a.pk}).text
    of_unit_and_month = client.get(url, {"org_unit": sub_a.pk, "month": "2025-04"}).text

    assert of_unit.count('class="badge status-') == 2
    assert f"{org_tree['central_a'].name} · 2025-03" not in of_unit
    assert of_unit_and_month.count('class="badge status-') == 1
    assert f"{sub_a.name} · 2025-04" in of_unit_and_month


def test_a_unit_outside_the_users_scope_is_no_choice_and_is_ignored(client, organizer, org_tree):
    f.MeasureReturnFactory(org_unit=org_tree["central_a"], month=MARCH)
    f.MeasureReturnFactory(org_unit=org_tree["central_b"], month=MARCH)
    client.force_login(organizer)
    outside = org_tree["central_b"]

    page = client.get(reverse("measure_return_list"), {"org_unit": outside.pk}).text

    assert f'<option value="{org_tree["sub_a"].pk}"' in page
    assert f'<option value="{outside.pk}"' not in page
    # Ignored like any invalid filter: the user's own returns, none of the other branch's.
    assert page.count('class="badge status-') == 1
    assert f"{outside.name} · " not in page


def test_an_invalid_month_is_ignored_and_the_pages_keep_the_filters(client, organizer, org_tree):
    months = [dt.date(year, month, 1) for year in (2022, 2023, 2024) for month in range(1, 13)]
    for month in months[:26]:
        f.MeasureReturnFactory(org_unit=org_tree["sub_a"], month=month)
    f.MeasureReturnFactory(org_unit=org_tree["central_a"], month=MARCH)
    client.force_login(organizer)
    unit = org_tree["sub_a"].pk

    first = client.get(reverse("measure_return_list"), {"org_unit": unit, "month": "March"})

    assert "Page 1 of 2" in first.text
    assert f'href="?org_unit={unit}&amp;month=March&amp;page=2"' in first.text
    second = client.get(reverse("measure_return_list"), {"org_unit": unit, "page": 2}).text
    assert second.count('class="badge status-') == 1
    assert f"{org_tree['central_a'].name} · " not in first.text + second


def test_an_empty_list_says_how_to_begin(client, organizer):
    client.force_login(organizer)
    page = client.get(reverse("measure_return_list")).text
    assert "No monthly returns yet." in page
    assert "Report a month" in page


def test_a_mediation_room_is_added_and_then_closed(client, organizer, org_tree):
    client.force_login(organizer)
    client.post(
        reverse("mediation_room_create"),
        {
            "org_unit": org_tree["central_a"].pk,
            "name": "阿坝枫桥经验调解室",
            "address": "马尔康市达萨街",
            "opened_on": "2024-05-01",
            "is_open": "on",
        },
    )
    room = MediationRoom.objects.get()
    response = client.post(
        reverse("mediation_room_edit", args=[room.pk]),
        {
            "org_unit": org_tree["central_a"].pk,
            "name": room.name,
            "address": room.address,
            "opened_on": "2024-05-01",
            "closed_on": "2025-01-31",
            "version": room.version,
        },
    )
    assert response.status_code == 302
    room.refresh_from_db()
    assert (room.is_open, room.closed_on) == (False, dt.date(2025, 1, 31))
    assert "closed" in client.get(reverse("mediation_room_list")).text


def test_a_mediator_is_added_to_the_pool_and_listed(client, organizer, org_tree):
    client.force_login(organizer)
    client.post(
        reverse("mediator_create"),
        {
            "org_unit": org_tree["central_a"].pk,
            "name": "王律师",
            "field": "保险法",
            "organisation": "阿坝州律师协会",
            "active": "on",
        },
    )
    assert Mediator.objects.get().organisation == "阿坝州律师协会"
    assert "王律师" in client.get(reverse("mediator_list")).text


def test_empty_rooms_and_mediators_pages_offer_the_first_one(client, organizer):
    client.force_login(organizer)
    assert "No mediation rooms yet." in client.get(reverse("mediation_room_list")).text
    assert "No mediators in the pool yet." in client.get(reverse("mediator_list")).text


def test_a_second_tap_on_submit_is_said_as_done_not_as_a_conflict(
    client, catalogue, organizer, org_tree
):
    measure_return = f.MeasureReturnFactory(org_unit=org_tree["central_a"], month=MARCH)
    f.MeasureFigureFactory(
        measure_return=measure_return, part=catalogue["remote_diagnosis"].parts.first()
    )
    client.force_login(organizer)
    url = reverse("measure_return_submit", args=[measure_return.pk])
    client.post(url, {"version": measure_return.version})

    again = client.post(url, {"version": measure_return.version}, follow=True)

    assert "figures are sent for review." in again.text
    assert "Someone else saved" not in again.text


def test_the_return_page_shows_its_history_with_the_reviewers_note(
    client, catalogue, organizer, reviewer, org_tree
):
    measure_return = f.MeasureReturnFactory(
        org_unit=org_tree["central_a"], month=MARCH, status=MeasureReturn.Status.SUBMITTED
    )
    client.force_login(reviewer)
    client.post(
        reverse("measure_return_send_back", args=[measure_return.pk]),
        {"text": "请补充三月的救援派单。", "version": measure_return.version},
    )
    page = client.get(reverse("measure_return_detail", args=[measure_return.pk])).text
    assert "Monthly measures returned to the unit" in page
    assert "<blockquote>请补充三月的救援派单。</blockquote>" in page
