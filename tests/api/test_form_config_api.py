"""The offline form's reference lists: only what the user may see or act on, in their
language, versioned by their content."""

import datetime as dt

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from campaigns.models import Event, MaterialEdition, VenueType
from tests import factories as f
from tests.events_world import BEIJING

pytestmark = pytest.mark.django_db
URL = "/api/v1/form-config"


@pytest.fixture
def elsewhere(world):
    """What branch B has: a partner, an approved handout and a planned event."""
    unit = world.units["central_b"]
    return {
        "partner": f.PartnerFactory(org_unit=world.units["branch_b"], name="湖南省人民医院"),
        "edition": f.MaterialEditionFactory(
            material=f.MaterialFactory(org_unit=unit), status=MaterialEdition.Status.APPROVED
        ),
        "event": f.EventFactory(org_unit=unit, county=world.other_county, campaign=world.campaign),
    }


def test_the_config_lists_only_what_the_organizer_may_see_or_act_on(
    api, world, hospital, elsewhere
):
    own = f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=world.units["branch_a"]),
        status=MaterialEdition.Status.APPROVED,
    )
    f.MaterialEditionFactory(material=own.material)  # a draft: not for the form
    reported = f.EventFactory(
        org_unit=world.units["sub_a"],
        county=world.county,
        campaign=world.campaign,
        status=Event.Status.REPORTED,
    )

    body = api(world.organizer).get(URL).json()

    assert [unit["id"] for unit in body["units"]] == [
        world.units["central_a"].pk,
        world.units["sub_a"].pk,
    ]
    assert body["units"][0]["counties"] == [
        {"id": world.county.pk, "code": "513233", "name_zh": "红原县", "name_bo": "རྨ་ཐང་རྫོང་"}
    ]
    assert [p["id"] for p in body["partners"]] == [hospital.pk]
    assert [e["id"] for e in body["editions"]] == [own.pk]
    assert [e["uuid"] for e in body["planned_events"]] == [str(world.event.uuid)]
    assert body["planned_events"][0] == {
        "uuid": str(world.event.uuid),
        "pk": world.event.pk,
        "title": "红原牧区金融知识宣讲",
        "starts_at": "2025-03-12T10:00:00+08:00",
        "version": 1,
        "county": world.county.pk,
    }
    assert str(reported.uuid) not in str(body)
    # Campaigns are the company's: every one.
    assert [c["id"] for c in body["campaigns"]] == [world.campaign.pk]


def test_a_reviewer_plans_for_no_unit_and_reports_no_event(api, world):
    body = api(world.reviewer).get(URL).json()

    assert body["units"] == []
    assert body["planned_events"] == []


def test_the_labels_are_in_the_users_language(api, world):
    chinese = api(world.organizer, "zh-hans").get(URL).json()

    with translation.override("zh-hans"):
        label = str(VenueType.VILLAGE.label)
    assert ["village", label] in chinese["venue_types"]
    assert label != "village, farm or pasture"


def test_an_unchanged_config_answers_304_to_its_etag(api, world):
    client = api(world.organizer)
    first = client.get(URL)
    etag = first["ETag"]

    again = client.get(URL, headers={"If-None-Match": etag})
    weak = client.get(URL, headers={"If-None-Match": f"W/{etag}"})

    assert etag == f'"{first.json()["version"]}"'
    assert len(first.json()["version"]) == 16
    assert (again.status_code, weak.status_code) == (304, 304)
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_changed_config_has_a_new_version(api, world):
    client = api(world.organizer)
    etag = client.get(URL)["ETag"]
    f.EventFactory(
        org_unit=world.units["central_a"],
        county=world.county,
        starts_at=dt.datetime(2025, 3, 20, 9, tzinfo=BEIJING),
    )

    response = client.get(URL, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert len(response.json()["planned_events"]) == 2


def test_not_signed_in_is_401(world):
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_the_config_takes_a_fixed_number_of_queries(
    api, world, hospital, django_assert_max_num_queries
):
    for _ in range(5):
        f.EventFactory(org_unit=world.units["sub_a"], county=world.county)
        f.MaterialEditionFactory(
            material=f.MaterialFactory(org_unit=world.units["central_a"]),
            status=MaterialEdition.Status.APPROVED,
        )
    client = api(world.organizer)

    with django_assert_max_num_queries(9):
        assert client.get(URL).status_code == 200
