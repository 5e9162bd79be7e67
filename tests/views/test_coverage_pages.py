"""Coverage pages as reviewers meet them: the drill-down, the links behind figures, targets."""

import re

import pytest
from django.urls import reverse

from campaigns.models import CampaignTarget
from tests import factories as f

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _unit_url(world, unit):
    return reverse("coverage_unit", args=[world.campaign.pk, world.units[unit].pk])


def test_coverage_starts_at_the_top_of_what_the_user_sees(client, coverage_world):
    response = _client(client, coverage_world.branch_reviewer).get(reverse("coverage_home"))
    assert response.url == _unit_url(coverage_world, "branch_a")


def test_a_reviewer_in_two_branches_chooses_whose_coverage_to_see(client, coverage_world):
    user = f.UserFactory()
    for unit in ("branch_b", "branch_a"):
        f.MembershipFactory(user=user, org_unit=coverage_world.units[unit], role="reviewer")

    response = _client(client, user).get(reverse("coverage_home"))

    assert response.status_code == 200
    assert "Choose whose coverage to see" in response.text
    links = re.findall(r'<a href="(/coverage/[^"]+)">', response.text)
    assert links == [_unit_url(coverage_world, "branch_a"), _unit_url(coverage_world, "branch_b")]


def test_hq_page_lists_branches_and_links_down(client, coverage_world):
    response = _client(client, coverage_world.hq_reviewer).get(_unit_url(coverage_world, "hq"))
    assert "Branches against their targets" in response.text
    assert _unit_url(coverage_world, "branch_a") in response.text
    assert coverage_world.units["branch_b"].name in response.text


def test_another_branchs_coverage_is_404(client, coverage_world):
    client = _client(client, coverage_world.other_branch_reviewer)
    assert client.get(_unit_url(coverage_world, "branch_a")).status_code == 404
    region = reverse(
        "coverage_region",
        args=[
            coverage_world.campaign.pk,
            coverage_world.units["branch_a"].pk,
            coverage_world.prefecture.pk,
        ],
    )
    assert client.get(region).status_code == 404


def test_a_figure_links_to_exactly_the_events_behind_it(client, coverage_world):
    client = _client(client, coverage_world.hq_reviewer)
    page = client.get(_unit_url(coverage_world, "hq"), {"include_reported": "on"}).text
    branch_a = coverage_world.units["branch_a"]
    link = re.search(rf'href="(/events/\?[^"]*unit={branch_a.pk}[^"]*)"', page).group(1)
    events = client.get(link.replace("&amp;", "&")).text
    assert "2 events" in events
    assert coverage_world.units["branch_b"].name not in events.split("Filter and search")[1]


def test_branch_page_shows_prefectures_counties_and_uncovered_special_areas(client, coverage_world):
    response = _client(client, coverage_world.branch_reviewer).get(
        _unit_url(coverage_world, "branch_a")
    )
    assert "Prefectures of the service area" in response.text
    assert "阿坝州" in response.text
    assert "1 special-area county not reached" in response.text
    assert "若尔盖县" in response.text


def test_region_page_lists_the_prefectures_counties(client, coverage_world):
    url = reverse(
        "coverage_region",
        args=[
            coverage_world.campaign.pk,
            coverage_world.units["branch_a"].pk,
            coverage_world.prefecture.pk,
        ],
    )
    response = _client(client, coverage_world.branch_reviewer).get(url)
    for name in ("红原县", "马尔康市", "若尔盖县"):
        assert name in response.text


def test_hq_sets_the_branches_targets(client, coverage_world):
    url = reverse("targets_edit", args=[coverage_world.campaign.pk, coverage_world.units["hq"].pk])
    client = _client(client, coverage_world.hq_reviewer)
    form = client.get(url)
    assert form.status_code == 200
    data = {"targets-TOTAL_FORMS": "2", "targets-INITIAL_FORMS": "2"}
    for index, events in enumerate((40, 50)):
        data.update(
            {
                f"targets-{index}-events": events,
                f"targets-{index}-people_reached": 1000,
                f"targets-{index}-counties_covered": 3,
                f"targets-{index}-special_area_counties_covered": 1,
            }
        )
    response = client.post(url, data)
    assert response.status_code == 302
    assert CampaignTarget.objects.get(org_unit=coverage_world.units["branch_b"]).events == 50


def test_target_form_keeps_input_and_explains_a_wrong_split(client, coverage_world):
    url = reverse("targets_edit", args=[coverage_world.campaign.pk, coverage_world.units["hq"].pk])
    data = {"targets-TOTAL_FORMS": "2", "targets-INITIAL_FORMS": "2"}
    for index in range(2):
        data.update(
            {
                f"targets-{index}-events": 7,
                f"targets-{index}-people_reached": 10,
                f"targets-{index}-counties_covered": 1,
                f"targets-{index}-special_area_counties_covered": 4,
            }
        )
    response = _client(client, coverage_world.hq_reviewer).post(url, data)
    assert response.status_code == 200
    assert (
        "The special-area counties are part of the counties covered, so their target cannot "
        "be larger." in response.text
    )
    assert CampaignTarget.objects.get(org_unit=coverage_world.units["branch_a"]).events == 10


def test_a_branch_may_not_open_headquarters_targets(client, coverage_world):
    url = reverse("targets_edit", args=[coverage_world.campaign.pk, coverage_world.units["hq"].pk])
    assert _client(client, coverage_world.branch_reviewer).get(url).status_code == 404


def test_an_organizer_may_not_set_targets(client, coverage_world):
    organizer = f.MembershipFactory(org_unit=coverage_world.units["branch_a"]).user
    url = reverse(
        "targets_edit", args=[coverage_world.campaign.pk, coverage_world.units["branch_a"].pk]
    )
    assert _client(client, organizer).get(url).status_code == 403


def _more_branches(world, extra: int) -> None:
    """More branches with an event each, to show that the queries do not follow them."""
    for number in range(extra):
        unit = f.OrgUnitFactory(code=f"Y{number}", kind="branch", parent=world.units["hq"])
        f.EventFactory(campaign=world.campaign, org_unit=unit, status="approved")


@pytest.mark.parametrize("extra", [0, 10])
def test_coverage_page_queries_do_not_grow_with_units(
    client, coverage_world, django_assert_max_num_queries, extra
):
    _more_branches(coverage_world, extra)
    client = _client(client, coverage_world.hq_reviewer)
    with django_assert_max_num_queries(20):
        response = client.get(_unit_url(coverage_world, "hq"))
    assert response.status_code == 200


def _charts_url(world, unit):
    return reverse("coverage_charts", args=[world.campaign.pk, world.units[unit].pk])


def test_coverage_page_loads_its_mix_charts_after_the_table(client, coverage_world):
    page = _client(client, coverage_world.hq_reviewer).get(
        _unit_url(coverage_world, "hq"), {"include_reported": "on"}
    )
    charts_url = _charts_url(coverage_world, "hq") + "?include_reported=on"
    assert f'hx-get="{charts_url}"' in page.text
    # Without JavaScript, the same address is a link to a page of its own.
    assert f'href="{charts_url}"' in page.text


def test_mix_charts_fragment_draws_venues_audiences_and_weeks(client, coverage_world):
    client = _client(client, coverage_world.hq_reviewer)
    fragment = client.get(_charts_url(coverage_world, "hq"), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.count('<figure class="bar-chart">') == 3
    assert "People reached by audience group" in fragment.text
    assert "<html" not in fragment.text


def test_mix_charts_open_as_a_page_without_javascript(client, coverage_world):
    page = _client(client, coverage_world.hq_reviewer).get(_charts_url(coverage_world, "hq"))
    assert "<html" in page.text
    assert page.text.count('<figure class="bar-chart">') == 3
    assert "Back to the coverage table" in page.text


def test_another_branchs_mix_charts_are_404(client, coverage_world):
    client = _client(client, coverage_world.other_branch_reviewer)
    assert client.get(_charts_url(coverage_world, "branch_a")).status_code == 404


@pytest.mark.parametrize("extra", [0, 10])
def test_mix_charts_queries_do_not_grow_with_units(
    client, coverage_world, django_assert_max_num_queries, extra
):
    _more_branches(coverage_world, extra)
    client = _client(client, coverage_world.hq_reviewer)
    with django_assert_max_num_queries(7):
        response = client.get(_charts_url(coverage_world, "hq"), headers={"HX-Request": "true"})
    assert response.status_code == 200


def test_mix_charts_say_so_when_no_event_is_counted(client, coverage_world):
    client = _client(client, coverage_world.hq_reviewer)
    fragment = client.get(
        _charts_url(coverage_world, "hq"), {"venue_type": "campus"}, headers={"HX-Request": "true"}
    )
    assert fragment.text.count("No events counted yet.") == 3
    assert "<meter" not in fragment.text


# ---- one county's coverage: its figures, its events, the way back up ----------------------


def _region_url(world, unit="branch_a"):
    return reverse(
        "coverage_region", args=[world.campaign.pk, world.units[unit].pk, world.prefecture.pk]
    )


def _county_url(world, county, unit="branch_a"):
    return reverse(
        "coverage_county",
        args=[world.campaign.pk, world.units[unit].pk, world.counties[county].pk],
    )


@pytest.mark.parametrize("county", ["hongyuan", "maerkang", "ruoergai"])
@pytest.mark.parametrize("query", [{}, {"include_reported": "on"}], ids=["approved", "reported"])
def test_a_county_page_shows_the_figures_of_its_row_on_the_prefectures_page(
    client, coverage_world, county, query
):
    client = _client(client, coverage_world.branch_reviewer)
    region = client.get(_region_url(coverage_world), query).context["counties"]
    (row,) = [r for r in region.rows if r.region == coverage_world.counties[county]]

    page = client.get(_county_url(coverage_world, county), query)

    assert page.status_code == 200
    assert page.context["row"].figures == row.figures


def test_a_county_page_lists_the_events_its_figures_count(client, coverage_world):
    client = _client(client, coverage_world.branch_reviewer)
    url = _county_url(coverage_world, "maerkang")

    approved_only = client.get(url).context["page"].object_list
    with_reported = client.get(url, {"include_reported": "on"}).context["page"].object_list

    assert list(approved_only) == []
    assert [event.status for event in with_reported] == ["reported"]


def test_a_county_pages_events_are_paginated_keeping_the_filters(client, coverage_world):
    for number in range(21):
        f.EventFactory(
            campaign=coverage_world.campaign,
            org_unit=coverage_world.units["sub_a"],
            county=coverage_world.counties["hongyuan"],
            status="approved",
            title=f"牧场宣讲{number}",
        )
    client = _client(client, coverage_world.branch_reviewer)
    url = _county_url(coverage_world, "hongyuan")

    first = client.get(url, {"include_reported": "on"})
    second = client.get(url, {"include_reported": "on", "page": 2})

    assert "22 events" in first.text
    assert "Page 1 of 2" in first.text
    assert "?include_reported=on&amp;page=2" in first.text
    assert len(second.context["page"].object_list) == 2


def test_a_county_of_another_branch_is_404(client, coverage_world):
    client = _client(client, coverage_world.other_branch_reviewer)

    # Branch A's page for its county, and the other branch's own page for branch A's county.
    assert client.get(_county_url(coverage_world, "hongyuan")).status_code == 404
    assert client.get(_county_url(coverage_world, "hongyuan", unit="branch_b")).status_code == 404
    assert client.get(_county_url(coverage_world, "furong", unit="branch_b")).status_code == 200


def test_a_prefecture_is_not_a_county_page(client, coverage_world):
    url = reverse(
        "coverage_county",
        args=[
            coverage_world.campaign.pk,
            coverage_world.units["branch_a"].pk,
            coverage_world.prefecture.pk,
        ],
    )

    assert _client(client, coverage_world.branch_reviewer).get(url).status_code == 404


def test_a_county_pages_breadcrumbs_lead_back_up_keeping_the_filters(client, coverage_world):
    client = _client(client, coverage_world.hq_reviewer)
    url = _county_url(coverage_world, "hongyuan")

    page = client.get(url, {"include_reported": "on"})

    assert page.context["breadcrumbs"] == [
        (coverage_world.units["hq"].name, _unit_url(coverage_world, "hq"), ""),
        (coverage_world.units["branch_a"].name, _unit_url(coverage_world, "branch_a"), ""),
        ("阿坝州", _region_url(coverage_world), "zh-Hans"),
        ("红原县", url, "zh-Hans"),
    ]
    assert f'href="{_region_url(coverage_world)}?include_reported=on"' in page.text
    assert '<span aria-current="page">红原县</span>' in page.text


def test_county_names_in_the_drill_down_open_their_coverage_page(client, coverage_world):
    client = _client(client, coverage_world.branch_reviewer)
    county_link = f'href="{_county_url(coverage_world, "ruoergai")}?include_reported=on"'

    region = client.get(_region_url(coverage_world), {"include_reported": "on"}).text
    unit = client.get(_unit_url(coverage_world, "branch_a"), {"include_reported": "on"}).text

    assert f"<a {county_link}>若尔盖县</a>" in region
    # The county table and the special-area counties not reached.
    assert unit.count(f"<a {county_link}>若尔盖县</a>") == 2


def test_every_figure_of_a_county_still_opens_the_events_behind_it(client, coverage_world):
    client = _client(client, coverage_world.branch_reviewer)
    query = {"include_reported": "on"}

    region = client.get(_region_url(coverage_world), query).context["counties"]
    (row,) = [r for r in region.rows if r.region == coverage_world.counties["maerkang"]]
    county = client.get(_county_url(coverage_world, "maerkang"), query)

    assert county.context["events_link"] == row.events_link
    listed = client.get(row.events_link).context["page"].object_list
    assert len(listed) == row.figures.events == county.context["row"].figures.events == 1


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ({}, "approved", "approved"),
        ({"include_reported": "on"}, "approved,reported", "approved or reported"),
    ],
    ids=["approved", "reported"],
)
def test_the_events_behind_a_figure_say_which_statuses_they_hold(
    client, coverage_world, query, status, words
):
    client = _client(client, coverage_world.branch_reviewer)
    region = client.get(_region_url(coverage_world), query).context["counties"]
    (row,) = [r for r in region.rows if r.region == coverage_world.counties["hongyuan"]]

    events = client.get(row.events_link).text

    assert f'<option value="{status}" selected>{words}</option>' in events
    assert "Status:</span> " + words + "</li>" in events
    assert "Unit:</span> " + coverage_world.units["branch_a"].name in events
    assert '<details class="card filters">' in events


@pytest.mark.parametrize("extra", [0, 15])
def test_a_county_pages_queries_do_not_grow_with_its_events(
    client, coverage_world, django_assert_max_num_queries, extra
):
    for _number in range(extra):
        f.EventFactory(
            campaign=coverage_world.campaign,
            org_unit=f.OrgUnitFactory(parent=coverage_world.units["sub_a"]),
            county=coverage_world.counties["hongyuan"],
            status="approved",
        )
    client = _client(client, coverage_world.hq_reviewer)

    # The session (read and renewed), user, campaign, scope, unit, county, figures, area,
    # the units above, the count, unread notices, roles for the menu, the page: none per event.
    with django_assert_max_num_queries(13):
        response = client.get(_county_url(coverage_world, "hongyuan"))

    assert len(response.context["page"].object_list) == extra + 1
