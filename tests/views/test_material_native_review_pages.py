"""Native review in the editor: only a native reader is offered to clear a block (or all of
them), each block shows who cleared it and when, and the approve button is not offered while
Tibetan awaits review; the page says which blocks instead. Administrators mark native
readers on the members page."""

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import AuditEntry, EditionBlock, MaterialEdition, Membership
from portal.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db

TIBETAN = "ནོར་རྫས་བདེ་འཇགས་ཀྱི་ཐོབ་ཐང་།"


def _native_reader(unit, role=Membership.Role.TRANSLATOR):
    user = f.MembershipFactory(org_unit=unit, role=role).user
    user.is_native_reader = True
    user.save(update_fields=["is_native_reader"])
    return user


@pytest.fixture
def reviewed(org_tree):
    """A reviewed edition of branch A whose two Tibetan blocks await native review."""
    unit = org_tree["branch_a"]
    translator = f.MembershipFactory(org_unit=unit, role=Membership.Role.TRANSLATOR).user
    material = f.MaterialFactory(org_unit=unit, title_zh="金融消费者八项基本权利")
    edition = f.MaterialEditionFactory(
        material=material, number=1, status="reviewed", translated_by=translator
    )
    return SimpleNamespace(
        edition=edition,
        blocks=[
            f.EditionBlockFactory(edition=edition, position=1, text_bo=TIBETAN),
            f.EditionBlockFactory(edition=edition, position=2, text_bo="ཤེས་རྟོགས།"),
            f.EditionBlockFactory(edition=edition, position=3, text_bo=""),
        ],
        reviewer=f.MembershipFactory(org_unit=unit, role=Membership.Role.REVIEWER).user,
        native_reader=_native_reader(unit),
    )


def _editor(client, edition) -> str:
    return client.get(reverse("edition_editor", args=[edition.pk])).content.decode()


def _transition_url(edition, action) -> str:
    return reverse("edition_transition", args=[edition.pk, action])


def _version(edition) -> dict:
    return {"version": MaterialEdition.objects.get(pk=edition.pk).version}


def test_the_approve_button_waits_for_native_review_and_the_page_says_which_blocks(
    client, reviewed
):
    client.force_login(reviewed.reviewer)

    page = _editor(client, reviewed.edition)

    assert _transition_url(reviewed.edition, "approve") not in page
    assert "Still awaiting a native reader: blocks #1, #2." in page
    assert "Ask a native reader of Tibetan" in page
    # Nor is a reviewer who reads no Tibetan offered to clear anything.
    assert _transition_url(reviewed.edition, "clear_native_review") not in page


def test_a_native_reader_clears_block_by_block_and_the_block_shows_who_and_when(client, reviewed):
    reviewed.native_reader.first_name = "卓玛"
    reviewed.native_reader.save(update_fields=["first_name"])
    client.force_login(reviewed.native_reader)
    page = _editor(client, reviewed.edition)
    # One button per Tibetan block, none for the block without Tibetan, and one for all.
    assert page.count('name="block" value=') == 2
    assert "I have read the Tibetan of all 2 blocks: clear their native review" in page

    response = client.post(
        _transition_url(reviewed.edition, "clear_native_review"),
        {"block": reviewed.blocks[0].pk} | _version(reviewed.edition),
        follow=True,
    )

    page = response.content.decode()
    assert "Native review of the block is cleared." in page
    cleared = EditionBlock.objects.get(pk=reviewed.blocks[0].pk)
    flag = re.search(rf'id="block-{cleared.pk}-flag">(.*?)</span>\s*</span>', page, re.S).group(1)
    assert "Tibetan cleared by 卓玛" in flag
    assert timezone.localtime(cleared.native_reviewed_at).strftime("%Y-%m-%d %H:%M") in flag
    assert "Still awaiting a native reader: block #2." in page


def test_after_the_last_block_is_cleared_the_reviewer_is_offered_the_approval(client, reviewed):
    client.force_login(reviewed.native_reader)
    client.post(
        _transition_url(reviewed.edition, "clear_native_review"), _version(reviewed.edition)
    )
    assert (
        AuditEntry.objects.filter(action="campaigns.edition.block_native_review_cleared").count()
        == 2
    )

    client.force_login(reviewed.reviewer)
    page = _editor(client, reviewed.edition)

    assert _transition_url(reviewed.edition, "approve") in page
    assert "Still awaiting a native reader" not in page
    client.post(_transition_url(reviewed.edition, "approve"), _version(reviewed.edition))
    assert MaterialEdition.objects.get(pk=reviewed.edition.pk).status == "approved"


def test_a_reviewer_who_is_not_a_native_reader_is_refused_clearing(client, reviewed):
    client.force_login(reviewed.reviewer)
    for data in ({"block": reviewed.blocks[0].pk}, {}):
        response = client.post(
            _transition_url(reviewed.edition, "clear_native_review"),
            data | _version(reviewed.edition),
        )
        assert response.status_code == 403
    assert not EditionBlock.objects.filter(needs_native_review=False).exists()


def test_the_native_readers_own_translation_offers_them_no_clearing(client, reviewed):
    MaterialEdition.objects.filter(pk=reviewed.edition.pk).update(
        translated_by=reviewed.native_reader
    )
    client.force_login(reviewed.native_reader)
    assert _transition_url(reviewed.edition, "clear_native_review") not in _editor(
        client, reviewed.edition
    )


def test_an_administrator_marks_a_native_reader_on_the_members_page(client, org_tree):
    admin = f.MembershipFactory(org_unit=org_tree["branch_a"], role=Membership.Role.ADMIN).user
    membership = f.MembershipFactory(org_unit=org_tree["sub_a"], role=Membership.Role.TRANSLATOR)
    client.force_login(admin)
    url = reverse("member_native_reader", args=[membership.pk])
    page = client.get(reverse("member_list")).content.decode()
    assert url in page
    assert "Mark as a native reader of Tibetan" in page

    response = client.post(url, {"is_native_reader": "on"}, follow=True)

    assert "is marked as a native reader of Tibetan" in response.content.decode()
    assert User.objects.get(pk=membership.user_id).is_native_reader
    assert "No longer a native reader" in response.content.decode()
    client.post(url, {})
    assert not User.objects.get(pk=membership.user_id).is_native_reader
    assert AuditEntry.objects.filter(action__startswith="portal.user.native_reader").count() == 2


def test_the_members_page_offers_no_mark_for_the_administrator_themselves(client, org_tree):
    admin_role = f.MembershipFactory(org_unit=org_tree["branch_a"], role=Membership.Role.ADMIN)
    client.force_login(admin_role.user)
    page = client.get(reverse("member_list")).content.decode()
    assert reverse("member_native_reader", args=[admin_role.pk]) not in page
    response = client.post(
        reverse("member_native_reader", args=[admin_role.pk]),
        {"is_native_reader": "on"},
        follow=True,
    )
    assert "marked by another administrator" in response.content.decode()
    assert not User.objects.get(pk=admin_role.user_id).is_native_reader
