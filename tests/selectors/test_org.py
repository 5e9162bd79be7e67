"""The user's own unit: decided once, for every page that preselects or narrows by it."""

import pytest

from campaigns.selectors.org import own_unit, own_units
from tests import factories as f


def _member(org_tree, *roles):
    """A user holding ``roles``: (role, unit name in org_tree) pairs."""
    user = f.UserFactory()
    for role, unit in roles:
        f.MembershipFactory(user=user, org_unit=org_tree[unit], role=role)
    return user


def test_an_organizer_in_two_branches_has_both_as_own_units_the_first_in_the_tree_first(
    org_tree,
):
    # Joined in the other order: the tree decides, not the order of the memberships.
    user = _member(org_tree, ("organizer", "branch_b"), ("organizer", "branch_a"))

    assert own_units(user=user, action="event.plan") == [org_tree["branch_a"], org_tree["branch_b"]]
    assert own_unit(user=user, action="event.plan") == org_tree["branch_a"]
    assert own_unit(user=user) == org_tree["branch_a"]


def test_a_unit_below_another_own_unit_is_not_one_more(org_tree):
    user = _member(org_tree, ("organizer", "sub_a"), ("organizer", "branch_a"))

    assert own_units(user=user, action="event.plan") == [org_tree["branch_a"]]


def test_the_own_unit_is_where_a_role_grants_the_action(org_tree):
    # A translator at the branch plans nothing there; the sub-branch is where they organize.
    user = _member(org_tree, ("translator", "branch_a"), ("organizer", "sub_b"))

    assert own_unit(user=user, action="event.plan") == org_tree["sub_b"]
    assert own_unit(user=user, action="material.edit") == org_tree["branch_a"]
    assert own_units(user=user) == [org_tree["branch_a"], org_tree["sub_b"]]
    assert own_unit(user=user, action="event.review") is None


@pytest.mark.parametrize("role", ["organizer", "translator"])
def test_a_role_at_headquarters_makes_the_root_the_own_unit(org_tree, role):
    user = _member(org_tree, (role, "hq"), ("organizer", "sub_a"))

    assert own_units(user=user) == [org_tree["hq"]]


def test_a_superuser_without_a_membership_stands_at_the_root(org_tree):
    user = f.UserFactory(is_superuser=True)

    assert own_unit(user=user, action="event.plan") == org_tree["hq"]
    assert own_unit(user=user) == org_tree["hq"]


def test_someone_without_a_role_has_no_own_unit(org_tree):
    assert own_units(user=f.UserFactory()) == []
    assert own_unit(user=f.UserFactory(), action="event.plan") is None
