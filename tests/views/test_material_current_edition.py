"""Only the current edition is printable, on the web: once edition 2 is approved, edition 1's
pages offer no order and say that edition 2 replaced it, its order page refuses, its print
runs stay, and its public page links to the newer edition."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from campaigns.models import MaterialEdition, Membership, PrintRun
from tests import factories as f
from tests.printing.conftest import leaflet_edition

pytestmark = pytest.mark.django_db


@pytest.fixture
def replaced(org_tree):
    """Headquarters' leaflet: edition 1 printed for branch A, then edition 2 approved."""
    first = leaflet_edition(org_tree["hq"], number=1)
    second = leaflet_edition(org_tree["hq"], material=first.material, number=2)
    organizer = f.MembershipFactory(org_unit=org_tree["branch_a"]).user
    return SimpleNamespace(
        tree=org_tree,
        material=first.material,
        first=first,
        second=second,
        run=f.PrintRunFactory(edition=first, org_unit=org_tree["branch_a"], copies=500),
        organizer=organizer,
        translator=f.MembershipFactory(
            org_unit=org_tree["hq"], role=Membership.Role.TRANSLATOR
        ).user,
    )


def _order_url(edition) -> str:
    return reverse("print_run_order", args=[edition.pk])


def test_the_old_editions_page_names_its_replacement_and_offers_no_order(client, replaced):
    client.force_login(replaced.organizer)

    page = client.get(reverse("edition_editor", args=[replaced.first.pk])).content.decode()

    assert "Edition 2 replaced this edition: it can no longer be ordered." in page
    assert "Print runs already made and their stock stay." in page
    assert reverse("edition_editor", args=[replaced.second.pk]) in page
    assert _order_url(replaced.first) not in page
    page = client.get(reverse("edition_editor", args=[replaced.second.pk])).content.decode()
    assert _order_url(replaced.second) in page
    assert "replaced this edition" not in page


def test_the_material_page_orders_only_the_current_edition_and_keeps_the_old_stock(
    client, replaced
):
    client.force_login(replaced.organizer)

    page = client.get(reverse("material_detail", args=[replaced.material.pk])).content.decode()

    assert _order_url(replaced.first) not in page
    assert page.count(_order_url(replaced.second)) == 2  # the edition's row and the stock box
    assert "replaced by edition 2" in page
    assert reverse("print_run_detail", args=[replaced.run.pk]) in page
    assert "<td>500</td>" in page


def test_the_order_page_of_an_old_edition_refuses_and_points_to_the_current_one(client, replaced):
    client.force_login(replaced.organizer)

    page = client.get(_order_url(replaced.first)).content.decode()

    assert "Edition 2 replaced this edition, which is printed no more" in page
    assert "Order and make the PDF" not in page
    assert _order_url(replaced.second) in page
    response = client.post(
        _order_url(replaced.first),
        {
            "org_unit": replaced.tree["branch_a"].pk,
            "paper_size": "A5",
            "layout": PrintRun.Layout.SIDE_BY_SIDE,
            "copies": 200,
        },
    )
    assert response.status_code == 200
    assert PrintRun.objects.filter(edition=replaced.first).count() == 1


def test_the_print_run_of_an_old_edition_still_opens(client, replaced):
    client.force_login(replaced.organizer)
    response = client.get(reverse("print_run_detail", args=[replaced.run.pk]))
    assert response.status_code == 200


def test_the_public_page_of_an_old_edition_links_to_the_newer_one(client, replaced):
    old = client.get(reverse("edition_public", args=[replaced.first.public_token]))
    page = old.content.decode()
    assert old.status_code == 200
    assert "A newer edition of this handout exists: edition 2." in page
    assert reverse("edition_public", args=[replaced.second.public_token]) in page
    current = client.get(reverse("edition_public", args=[replaced.second.public_token]))
    assert "A newer edition" not in current.content.decode()


def test_a_draft_edition_2_leaves_edition_1_orderable_everywhere(client, replaced):
    MaterialEdition.objects.filter(pk=replaced.second.pk).update(status="draft")
    client.force_login(replaced.organizer)
    page = client.get(reverse("edition_editor", args=[replaced.first.pk])).content.decode()
    assert _order_url(replaced.first) in page
    public = client.get(reverse("edition_public", args=[replaced.first.public_token]))
    assert "A newer edition" not in public.content.decode()
