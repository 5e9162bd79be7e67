"""Handouts' editions through the API: which one is current, what replaced the older ones,
that only the current one is ordered, and who cleared each block's Tibetan."""

import pytest

from campaigns.models import EditionBlock, Membership, PrintRun
from campaigns.services.materials import edition_native_review_clear
from tests import factories as f
from tests.api.clients import signed_in_api
from tests.printing.conftest import leaflet_edition

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_editions(org_tree):
    first = leaflet_edition(org_tree["hq"], number=1)
    second = leaflet_edition(org_tree["hq"], material=first.material, number=2)
    return first, second


def _order(edition, org_unit) -> dict:
    return {
        "edition": edition.pk,
        "org_unit": org_unit.pk,
        "paper_size": "A5",
        "layout": "side_by_side",
        "copies": 200,
    }


def test_the_editions_say_which_is_current_and_what_replaced_the_older(org_tree, two_editions):
    first, _second = two_editions
    organizer = f.MembershipFactory(org_unit=org_tree["branch_a"]).user

    body = signed_in_api(organizer).get(f"/api/v1/materials/{first.material.pk}/editions/").json()

    assert [(e["number"], e["current"], e["replaced_by"]) for e in body] == [
        (2, True, None),
        (1, False, 2),
    ]


def test_ordering_a_replaced_edition_is_refused_with_the_reason(org_tree, two_editions):
    first, second = two_editions
    client = signed_in_api(f.MembershipFactory(org_unit=org_tree["branch_a"]).user)

    response = client.post(
        "/api/v1/print-runs/", _order(first, org_tree["branch_a"]), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "edition": [
            "Edition 2 replaced this edition, which is printed no more; order edition 2 instead."
        ]
    }
    assert not PrintRun.objects.exists()
    response = client.post(
        "/api/v1/print-runs/", _order(second, org_tree["branch_a"]), format="json"
    )
    assert response.status_code == 201, response.json()


def test_print_runs_of_a_replaced_edition_stay_listed(org_tree, two_editions):
    first, _second = two_editions
    organizer = f.MembershipFactory(org_unit=org_tree["branch_a"]).user
    run = f.PrintRunFactory(edition=first, org_unit=org_tree["branch_a"])

    body = signed_in_api(organizer).get("/api/v1/print-runs/").json()

    assert [row["id"] for row in body["results"]] == [run.pk]


def test_each_block_says_who_cleared_its_tibetan_and_when(org_tree):
    edition = leaflet_edition(org_tree["hq"], number=1, status="translated")
    reader = f.MembershipFactory(org_unit=org_tree["hq"], role=Membership.Role.TRANSLATOR).user
    reader.is_native_reader = True
    reader.save(update_fields=["is_native_reader"])
    edition_native_review_clear(user=reader, edition_id=edition.pk, expected_version=1)
    EditionBlock.objects.filter(edition=edition, position=3).update(
        needs_native_review=True, native_reviewed_by=None, native_reviewed_at=None
    )
    edition.status = "approved"
    edition.save(update_fields=["status"])
    organizer = f.MembershipFactory(org_unit=org_tree["branch_a"]).user

    [body] = (
        signed_in_api(organizer).get(f"/api/v1/materials/{edition.material.pk}/editions/").json()
    )

    blocks = body["blocks"]
    assert [(b["needs_native_review"], b["native_reviewed_by"]) for b in blocks] == [
        (False, reader.username),
        (False, reader.username),
        (True, None),
    ]
    assert blocks[0]["native_reviewed_at"] is not None
    assert blocks[2]["native_reviewed_at"] is None
