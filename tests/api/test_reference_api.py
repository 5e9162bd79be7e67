"""Regions, org units and campaigns through the API; the schema and its documentation page."""

import datetime as dt

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from campaigns.models import CampaignTarget
from tests.api.clients import signed_in_api

pytestmark = pytest.mark.django_db


def test_regions_are_found_by_name_or_code(world):
    client = signed_in_api(world.organizer)
    by_name = client.get("/api/v1/regions/", {"search": "红原"}).json()
    by_code = client.get("/api/v1/regions/", {"search": "513233"}).json()
    assert [row["code"] for row in by_name["results"]] == ["513233"]
    assert by_code["results"][0]["name_bo"] == "རྨ་ཐང་རྫོང་"


def test_org_units_are_those_of_the_users_subtree(world):
    codes = {
        row["id"]
        for row in signed_in_api(world.reviewer).get("/api/v1/org-units/").json()["results"]
    }
    branch_a = world.units["branch_a"]
    assert branch_a.pk in codes
    assert world.units["central_a"].pk in codes
    assert world.units["branch_b"].pk not in codes
    assert (
        signed_in_api(world.reviewer)
        .get(f"/api/v1/org-units/{world.units['branch_b'].pk}/")
        .status_code
        == 404
    )


def test_campaign_targets_show_only_visible_units(world):
    CampaignTarget.objects.create(
        campaign=world.campaign, org_unit=world.units["branch_a"], events=10
    )
    CampaignTarget.objects.create(
        campaign=world.campaign, org_unit=world.units["branch_b"], events=20
    )
    targets = (
        signed_in_api(world.reviewer).get(f"/api/v1/campaigns/{world.campaign.pk}/targets/").json()
    )
    assert targets == [
        {
            "org_unit": world.units["branch_a"].pk,
            "events": 10,
            "people_reached": 0,
            "counties_covered": 0,
            "special_area_counties_covered": 0,
        }
    ]


def test_campaigns_list_newest_first(world):
    from tests.factories import CampaignFactory

    CampaignFactory(
        name="2026年宣传周", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31)
    )
    names = [
        row["name"]
        for row in signed_in_api(world.organizer).get("/api/v1/campaigns/").json()["results"]
    ]
    assert names[0] == "2026年宣传周"


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/v1/events/{id}/submit/" in (tmp_path / "s.yml").read_text()


def test_the_api_documentation_is_served_by_the_portal_itself(world):
    client = APIClient()
    client.force_login(world.organizer)
    page = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


@pytest.mark.parametrize("url", ["/api/v1/schema/", "/api/v1/docs/"])
def test_the_schema_and_its_docs_are_not_served_to_anyone_not_signed_in(url):
    assert APIClient().get(url).status_code == 401
