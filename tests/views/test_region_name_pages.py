"""The review page of regions' Tibetan names: native readers only, filtered by status and
prefecture, with the count of names still awaiting review; a refused name keeps what the
reader typed."""

import pytest
from django.urls import reverse

from campaigns.models import Membership, Region
from tests import factories as f
from tests import region_world
from tests.region_world import regions_awaiting_review

pytestmark = pytest.mark.django_db

URL = "/regions/tibetan-names/"


@pytest.fixture
def regions(db):
    return regions_awaiting_review()


@pytest.fixture
def native_reader(org_tree):
    return region_world.native_reader(org_unit=org_tree["sub_a"], role=Membership.Role.TRANSLATOR)


def test_the_url_is_the_review_page():
    assert reverse("region_name_review") == URL


def test_only_a_native_reader_opens_the_page(client, org_tree, regions):
    reviewer = f.MembershipFactory(org_unit=org_tree["hq"], role=Membership.Role.REVIEWER).user
    client.force_login(reviewer)
    assert client.get(URL).status_code == 403
    url = reverse("region_name_confirm", args=[regions["aba"].pk])
    response = client.post(url, {"name_bo": "རྔ་བ།", "seen_name_bo": "རྔ་བ་ཁུལ།"})
    assert response.status_code == 403
    assert Region.objects.get(pk=regions["aba"].pk).name_bo == "རྔ་བ་ཁུལ།"


def test_the_page_counts_and_filters_by_prefecture(client, native_reader, regions):
    client.force_login(native_reader)

    page = client.get(URL).content.decode()

    assert "4 Tibetan names await native review." in page
    assert all(region.name_zh in page for region in regions.values())
    page = client.get(URL, {"prefecture": regions["aba"].pk}).content.decode()
    rows = page.split("region-name-rows")[-1]  # past the filter's list of prefectures
    assert ("红原县" in rows, "阿坝州" in rows, "理塘县" in rows, "甘孜州" in rows) == (
        True,
        True,
        False,
        False,
    )
    assert "4 Tibetan names await native review." in page
    assert 'lang="bo"' in page


def test_confirming_a_name_keeps_the_filters_and_leaves_the_unreviewed_list(
    client, native_reader, regions
):
    client.force_login(native_reader)
    hongyuan = regions["hongyuan"]

    response = client.post(
        reverse("region_name_confirm", args=[hongyuan.pk]),
        {
            "name_bo": hongyuan.name_bo,
            "seen_name_bo": hongyuan.name_bo,
            "status": "unreviewed",
            "prefecture": regions["aba"].pk,
        },
    )

    assert response.status_code == 302
    assert response.url == f"{URL}?status=unreviewed&prefecture={regions['aba'].pk}"
    page = client.get(response.url).content.decode()
    assert "The Tibetan name of 红原县 is reviewed." in page
    assert "3 Tibetan names await native review." in page
    assert "红原县" not in page.split("region-name-rows")[-1]
    reviewed = client.get(URL, {"status": "reviewed"}).content.decode()
    assert "红原县" in reviewed
    assert f"reviewed by {native_reader.username}" in reviewed


def test_a_refused_name_keeps_what_the_reader_typed(client, native_reader, regions):
    client.force_login(native_reader)

    response = client.post(
        reverse("region_name_confirm", args=[regions["litang"].pk]),
        {"name_bo": "Litang", "seen_name_bo": regions["litang"].name_bo},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Write the name in Tibetan script." in page
    assert 'value="Litang"' in page
    assert Region.objects.get(pk=regions["litang"].pk).name_bo_needs_review


def test_a_region_without_a_tibetan_name_is_not_reviewed_here(client, native_reader):
    county = f.RegionFactory(code="510104", name_zh="锦江区")
    client.force_login(native_reader)
    response = client.post(reverse("region_name_confirm", args=[county.pk]), {"name_bo": "ཅིན་ཅང་།"})
    assert response.status_code == 404


def test_native_readers_find_the_page_from_the_handouts(client, native_reader, regions):
    client.force_login(native_reader)
    page = client.get(reverse("material_list")).content.decode()
    assert f'href="{URL}"' in page
    assert "4 await native review" in page
