"""Only the current edition is printable: once edition 2 of a handout is approved, the
service refuses to order edition 1 and says which edition replaced it; print runs already
made of edition 1, and their stock, stay."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import MaterialEdition, Membership, PrintRun
from campaigns.selectors.print_runs import material_stock
from campaigns.services import materials as material_services
from campaigns.services.print_runs import print_run_order, print_run_refusal
from tests import factories as f
from tests.printing.conftest import leaflet_edition

pytestmark = pytest.mark.django_db

Status = MaterialEdition.Status


@pytest.fixture
def editions(org_tree):
    """Edition 1 of headquarters' leaflet, approved and printed once for branch A, and its
    edition 2 in draft; an organizer and a reviewer."""
    first = leaflet_edition(org_tree["hq"], number=1)
    second = leaflet_edition(
        org_tree["hq"], material=first.material, number=2, status=Status.REVIEWED
    )
    organizer = f.MembershipFactory(org_unit=org_tree["branch_a"]).user
    run = f.PrintRunFactory(edition=first, org_unit=org_tree["branch_a"], copies=500)
    f.MaterialUseFactory(
        edition=first, copies=120, event=f.EventFactory(org_unit=org_tree["branch_a"])
    )
    return SimpleNamespace(
        tree=org_tree,
        first=first,
        second=second,
        run=run,
        organizer=organizer,
        reviewer=f.MembershipFactory(org_unit=org_tree["hq"], role=Membership.Role.REVIEWER).user,
    )


def _approve(edition, reviewer):
    edition.blocks.update(needs_native_review=False)
    MaterialEdition.objects.filter(pk=edition.pk).update(needs_native_review=False)
    return material_services.edition_approve(
        user=reviewer,
        edition_id=edition.pk,
        expected_version=MaterialEdition.objects.get(pk=edition.pk).version,
    )


def _order(editions, edition):
    return print_run_order(
        user=editions.organizer,
        edition=edition,
        org_unit=editions.tree["branch_a"],
        paper_size="A5",
        layout=PrintRun.Layout.SIDE_BY_SIDE,
        copies=300,
    )


def test_an_approved_edition_stays_orderable_while_its_successor_is_not_approved(editions):
    assert print_run_refusal(editions.first) is None
    assert _order(editions, editions.first).edition == editions.first


def test_once_edition_2_is_approved_edition_1_is_refused_with_the_reason(editions):
    _approve(editions.second, editions.reviewer)

    with pytest.raises(ValidationError) as refused:
        _order(editions, editions.first)

    assert refused.value.message_dict["edition"] == [
        "Edition 2 replaced this edition, which is printed no more; order edition 2 instead."
    ]
    assert PrintRun.objects.filter(edition=editions.first).count() == 1
    assert _order(editions, editions.second).edition == editions.second


def test_a_stale_copy_of_edition_1_is_refused_too(editions):
    """An edition read before edition 2's approval is judged as it is stored now."""
    first = MaterialEdition.objects.get(pk=editions.first.pk)
    _approve(editions.second, editions.reviewer)

    with pytest.raises(ValidationError, match="Edition 2 replaced this edition"):
        _order(editions, first)


def test_the_newest_approved_edition_is_the_current_one(editions):
    second = _approve(editions.second, editions.reviewer)
    third = leaflet_edition(
        editions.tree["hq"], material=editions.first.material, number=3, status=Status.APPROVED
    )

    current = MaterialEdition.objects.filter(material=editions.first.material).current()

    assert list(current) == [third]
    assert "Edition 3 replaced" in print_run_refusal(editions.first)
    assert "Edition 3 replaced" in print_run_refusal(second)


def test_the_print_runs_and_stock_of_a_replaced_edition_stay(editions):
    _approve(editions.second, editions.reviewer)

    assert PrintRun.objects.get(pk=editions.run.pk).edition == editions.first
    [row] = material_stock(user=editions.organizer, material=editions.first.material)
    assert (row.printed, row.handed_out, row.stock) == (500, 120, 380)
