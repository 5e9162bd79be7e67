"""The sign-in list leaves the selector with each phone as its viewer may see it."""

import pytest

from campaigns.selectors.signins import sign_ins_page
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_reviewer_is_handed_masked_phones_only(world):
    f.SignInFactory(event=world.event, phone="13812341234")

    page, in_full = sign_ins_page(user=world.reviewer, event=world.event)

    assert not in_full
    assert [sign_in.phone for sign_in in page] == ["138****1234"]
    assert "13812341234" not in repr(page.object_list)


def test_an_organizer_of_the_unit_is_handed_phones_in_full(world):
    f.SignInFactory(event=world.event, phone="13812341234")

    page, in_full = sign_ins_page(user=world.organizer, event=world.event)

    assert in_full
    assert [sign_in.phone for sign_in in page] == ["13812341234"]


def test_the_list_comes_fifty_a_page_in_the_order_people_signed_in(world):
    first = f.SignInFactory(event=world.event)
    for _ in range(50):
        f.SignInFactory(event=world.event)

    page, _in_full = sign_ins_page(user=world.organizer, event=world.event)
    last_page, _in_full = sign_ins_page(user=world.organizer, event=world.event, number=2)

    assert (len(page), page[0].pk, len(last_page)) == (50, first.pk, 1)
