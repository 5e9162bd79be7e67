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
    assert "This cannot be more than the counties covered." in response.text
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
