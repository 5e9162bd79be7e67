"""The members page, where administrators give and take roles within their subtree."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import AuditEntry, Membership
from campaigns.services.members import member_add
from tests import factories as f

pytestmark = pytest.mark.django_db

ADMIN, ORGANIZER, REVIEWER = (
    Membership.Role.ADMIN,
    Membership.Role.ORGANIZER,
    Membership.Role.REVIEWER,
)


@pytest.fixture
def branch_admin(org_tree):
    """Sichuan's administrator, who is also a reviewer there (and no organizer)."""
    admin = f.MembershipFactory(org_unit=org_tree["branch_a"], role=ADMIN).user
    f.MembershipFactory(user=admin, org_unit=org_tree["branch_a"], role=REVIEWER)
    return admin


@pytest.fixture
def admin_client(client, branch_admin):
    client.force_login(branch_admin)
    return client


def _add(client, unit, **fields):
    return client.post(
        reverse("member_add"),
        {"org_unit": unit.pk, "role": REVIEWER, "username": "", **fields},
    )


def test_the_list_shows_the_roles_of_the_admins_subtree_only(admin_client, org_tree):
    f.MembershipFactory(user=f.UserFactory(username="zhuoma"), org_unit=org_tree["sub_a"])
    f.MembershipFactory(user=f.UserFactory(username="hunan-man"), org_unit=org_tree["branch_b"])
    f.MembershipFactory(user=f.UserFactory(username="hq-man"), org_unit=org_tree["hq"])

    page = admin_client.get(reverse("member_list")).content.decode()

    assert "zhuoma" in page
    assert "hunan-man" not in page
    assert "hq-man" not in page


def test_an_existing_person_gets_a_role_in_the_subtree_and_it_is_audited(
    admin_client, org_tree, branch_admin
):
    person = f.MembershipFactory(user__username="zhuoma", org_unit=org_tree["sub_a"]).user

    response = _add(admin_client, org_tree["central_a"], username="zhuoma", role=REVIEWER)

    assert response.status_code == 302
    membership = Membership.objects.get(user=person, role=REVIEWER)
    assert membership.org_unit == org_tree["central_a"]
    entry = AuditEntry.objects.get(action="campaigns.membership.granted")
    assert (entry.actor, entry.org_unit) == (branch_admin, org_tree["central_a"])
    assert "zhuoma is now reviewer" in admin_client.get(reverse("member_list")).content.decode()


def test_a_unit_above_or_beside_the_admins_own_cannot_be_chosen(admin_client, org_tree):
    f.MembershipFactory(user__username="zhuoma", org_unit=org_tree["sub_a"])
    form = admin_client.get(reverse("member_add")).content.decode()

    assert f'value="{org_tree["central_a"].pk}"' in form
    assert f'value="{org_tree["hq"].pk}"' not in form
    assert f'value="{org_tree["branch_b"].pk}"' not in form
    for unit in (org_tree["hq"], org_tree["branch_b"]):
        response = _add(admin_client, unit, username="zhuoma", role=ADMIN)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not Membership.objects.filter(user__username="zhuoma", role=ADMIN).exists()


def test_an_admin_cannot_give_themselves_a_role(admin_client, org_tree, branch_admin):
    response = _add(admin_client, org_tree["sub_a"], username=branch_admin.username, role=REVIEWER)

    assert "Your own roles are given and taken by another administrator." in (
        response.content.decode()
    )
    assert Membership.objects.filter(user=branch_admin).count() == 2


def test_an_admin_cannot_give_a_role_they_do_not_hold(admin_client, org_tree, branch_admin):
    # Else an administrator could make an organizer account, report with it and approve.
    form = admin_client.get(reverse("member_add")).content.decode()
    response = _add(
        admin_client,
        org_tree["sub_a"],
        username="sock",
        full_name="傀儡",
        password="pasture-2026-hongyuan",
        role=ORGANIZER,
    )

    assert 'value="organizer"' not in form
    assert 'value="reviewer"' in form
    assert "Select a valid choice" in response.content.decode()
    assert not get_user_model().objects.filter(username="sock").exists()
    with pytest.raises(ValidationError) as refusal:
        member_add(
            actor=branch_admin,
            org_unit=org_tree["sub_a"],
            role=ORGANIZER,
            username="sock",
            full_name="傀儡",
            password="pasture-2026-hongyuan",
        )
    assert "roles you hold yourself" in str(refusal.value)
    assert not get_user_model().objects.filter(username="sock").exists()


def test_someone_of_another_branch_cannot_be_given_a_role(admin_client, org_tree):
    f.MembershipFactory(user__username="hunan-man", org_unit=org_tree["sub_b"])
    f.UserFactory(username="nobody-yet")

    for username in ("hunan-man", "nobody-yet"):
        response = _add(admin_client, org_tree["sub_a"], username=username)
        assert "belongs to someone outside the units you administer" in (response.content.decode())
    assert not Membership.objects.filter(org_unit=org_tree["sub_a"]).exists()


def test_a_new_person_gets_an_account_that_signs_in_and_nothing_more(admin_client, org_tree):
    response = _add(
        admin_client,
        org_tree["sub_a"],
        username="yangjin",
        full_name="央金",
        email="yangjin@example.cn",
        password="pasture-2026-hongyuan",
        # Not fields of the form: a crafted request cannot raise anyone's status.
        is_superuser="on",
        is_staff="on",
    )

    assert response.status_code == 302
    person = get_user_model().objects.get(username="yangjin")
    assert (person.first_name, person.is_staff, person.is_superuser) == ("央金", False, False)
    assert person.memberships.get().org_unit == org_tree["sub_a"]
    assert person.check_password("pasture-2026-hongyuan")


def test_a_weak_password_is_refused_at_its_field_and_nothing_is_made(admin_client, org_tree):
    response = _add(
        admin_client, org_tree["sub_a"], username="yangjin", full_name="央金", password="123"
    )

    assert response.status_code == 200
    assert 'class="field has-error"' in response.content.decode()
    assert "The password is too short: it needs at least 10 characters." in (
        response.content.decode()
    )
    assert not get_user_model().objects.filter(username="yangjin").exists()
    assert not AuditEntry.objects.filter(action__startswith="campaigns.membership").exists()


def test_details_typed_for_a_taken_user_name_are_not_dropped_silently(admin_client, org_tree):
    f.UserFactory(username="zhuoma", first_name="卓玛")

    response = _add(
        admin_client, org_tree["sub_a"], username="ZHUOMA", full_name="另一个卓玛", password="x"
    )

    assert "This user name is taken." in response.content.decode()
    assert not Membership.objects.filter(user__username="zhuoma").exists()


def test_a_role_is_taken_away_after_confirming_and_the_account_stays(
    admin_client, org_tree, branch_admin
):
    membership = f.MembershipFactory(
        user=f.UserFactory(username="zhuoma"), org_unit=org_tree["sub_a"], role=ORGANIZER
    )
    url = reverse("member_remove", kwargs={"pk": membership.pk})

    assert "zhuoma will no longer be organizer" in admin_client.get(url).content.decode()
    assert admin_client.post(url).status_code == 302

    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert get_user_model().objects.filter(username="zhuoma").exists()
    entry = AuditEntry.objects.get(action="campaigns.membership.revoked")
    assert (entry.actor, entry.org_unit, entry.data["role"]) == (
        branch_admin,
        org_tree["sub_a"],
        ORGANIZER,
    )


def test_an_admin_cannot_take_away_their_own_role(admin_client, branch_admin):
    own = branch_admin.memberships.get(role=ADMIN)

    response = admin_client.post(reverse("member_remove", kwargs={"pk": own.pk}))

    assert response.status_code == 200
    assert "Your own roles are given and taken by another administrator." in (
        response.content.decode()
    )
    assert Membership.objects.filter(pk=own.pk).exists()


def test_people_without_an_administrator_role_do_not_reach_the_page(client, org_tree):
    client.force_login(f.MembershipFactory(org_unit=org_tree["hq"], role=REVIEWER).user)

    assert client.get(reverse("member_list")).status_code == 403
    assert client.get(reverse("member_add")).status_code == 403
    assert "/members/" not in client.get(reverse("event_list")).content.decode()


def test_the_list_is_paginated_and_filtered(admin_client, org_tree):
    for number in range(55):
        f.MembershipFactory(
            user=f.UserFactory(username=f"person-{number:02d}"), org_unit=org_tree["sub_a"]
        )

    first = admin_client.get(reverse("member_list")).content.decode()
    found = admin_client.get(reverse("member_list"), {"q": "person-54"}).content.decode()

    assert "Page 1 of 2" in first
    assert "person-54" in found
    assert "person-53" not in found


def test_a_locked_out_member_is_flagged_and_the_admin_unlocks_them(
    admin_client, org_tree, branch_admin, settings
):
    person = f.UserFactory(username="zhuoma")
    membership = f.MembershipFactory(user=person, org_unit=org_tree["sub_a"])
    f.AccessAttemptFactory(username="zhuoma", failures_since_start=settings.AXES_FAILURE_LIMIT)
    assert "locked out after failed sign-ins" in (
        admin_client.get(reverse("member_list")).content.decode()
    )

    response = admin_client.post(reverse("member_unlock", kwargs={"pk": membership.pk}))

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="zhuoma").exists()
    entry = AuditEntry.objects.get(action="portal.user.sign_in_unlocked")
    assert (entry.actor, entry.object_id) == (branch_admin, str(person.pk))
    assert "locked out" not in admin_client.get(reverse("member_list")).content.decode()


def test_an_admin_cannot_unlock_someone_who_also_holds_a_role_above_them(admin_client, org_tree):
    # Unlocking clears every address, a guesser's too: not for a headquarters account.
    hq_admin = f.MembershipFactory(user__username="hq-admin", org_unit=org_tree["hq"], role=ADMIN)
    in_branch = f.MembershipFactory(user=hq_admin.user, org_unit=org_tree["sub_a"])
    f.AccessAttemptFactory(username="hq-admin", failures_since_start=5)

    page = admin_client.get(reverse("member_list")).content.decode()
    response = admin_client.post(reverse("member_unlock", kwargs={"pk": in_branch.pk}))

    assert "hq-admin" in page
    assert "locked out" not in page
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(username="hq-admin").exists()


def test_an_admin_cannot_unlock_someone_of_another_branch(admin_client, org_tree):
    other = f.MembershipFactory(
        user=f.UserFactory(username="hunan-man"), org_unit=org_tree["sub_b"]
    )

    response = admin_client.post(reverse("member_unlock", kwargs={"pk": other.pk}))

    assert response.status_code == 404
