"""Marking native readers of Tibetan: an administrator marks the people all of whose roles
lie in their units (the mark counts wherever the person works), never themselves; a
superuser marks anyone else; each change is audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns.models import AuditEntry, Membership
from campaigns.selectors.members import members_native_reader_markable
from campaigns.services.members import user_native_reader_set
from portal.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db

ADMIN, TRANSLATOR = Membership.Role.ADMIN, Membership.Role.TRANSLATOR


def _member(unit, role=TRANSLATOR, user=None):
    return f.MembershipFactory(org_unit=unit, role=role, **({"user": user} if user else {})).user


def _marked(user) -> bool:
    return User.objects.get(pk=user.pk).is_native_reader


def test_a_branch_administrator_marks_a_translator_of_a_unit_below_and_it_is_audited(org_tree):
    admin = _member(org_tree["branch_a"], ADMIN)
    translator = _member(org_tree["sub_a"])

    user_native_reader_set(actor=admin, user_id=translator.pk, is_native_reader=True)
    user_native_reader_set(actor=admin, user_id=translator.pk, is_native_reader=True)
    assert _marked(translator)
    user_native_reader_set(actor=admin, user_id=translator.pk, is_native_reader=False)

    assert not _marked(translator)
    assert list(
        AuditEntry.objects.order_by("pk").values_list("action", "actor", "object_id", "data")
    ) == [
        (
            "portal.user.native_reader_marked",
            admin.pk,
            str(translator.pk),
            {"username": translator.username},
        ),
        (
            "portal.user.native_reader_unmarked",
            admin.pk,
            str(translator.pk),
            {"username": translator.username},
        ),
    ]


def test_nobody_marks_themselves(org_tree):
    admin = _member(org_tree["hq"], ADMIN)
    with pytest.raises(ValidationError, match="another administrator"):
        user_native_reader_set(actor=admin, user_id=admin.pk, is_native_reader=True)
    superuser = f.UserFactory(is_superuser=True)
    with pytest.raises(ValidationError):
        user_native_reader_set(actor=superuser, user_id=superuser.pk, is_native_reader=True)
    assert not _marked(admin)
    assert not _marked(superuser)


def test_a_branch_administrator_does_not_mark_someone_who_also_works_elsewhere(org_tree):
    admin = _member(org_tree["branch_a"], ADMIN)
    translator = _member(org_tree["sub_a"])
    _member(org_tree["branch_b"], user=translator)

    with pytest.raises(PermissionDenied):
        user_native_reader_set(actor=admin, user_id=translator.pk, is_native_reader=True)

    assert not _marked(translator)
    headquarters = _member(org_tree["hq"], ADMIN)
    user_native_reader_set(actor=headquarters, user_id=translator.pk, is_native_reader=True)
    assert _marked(translator)


def test_someone_who_administers_nothing_marks_nobody(org_tree):
    reviewer = _member(org_tree["hq"], Membership.Role.REVIEWER)
    translator = _member(org_tree["sub_a"])
    with pytest.raises(PermissionDenied):
        user_native_reader_set(actor=reviewer, user_id=translator.pk, is_native_reader=True)


def test_a_superuser_marks_anyone_else(org_tree):
    superuser = f.UserFactory(is_superuser=True)
    person = f.UserFactory()
    user_native_reader_set(actor=superuser, user_id=person.pk, is_native_reader=True)
    assert _marked(person)


def test_the_members_page_learns_whom_it_may_offer_in_three_queries(
    org_tree, django_assert_num_queries
):
    admin = _member(org_tree["branch_a"], ADMIN)
    inside = [_member(org_tree["sub_a"]) for _ in range(5)]
    elsewhere = _member(org_tree["sub_a"])
    _member(org_tree["branch_b"], user=elsewhere)
    staff = _member(org_tree["central_a"])
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    ids = {user.pk for user in [*inside, elsewhere, staff, admin]}

    # The administrator's roles (read once per request), then two counts for the whole page.
    with django_assert_num_queries(3):
        markable = members_native_reader_markable(user=admin, person_ids=ids)

    assert markable == {user.pk for user in inside}
