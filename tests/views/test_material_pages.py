"""The handout pages as a user sees them: library, material page, editor, autosave, diff,
transitions, and the public page of an approved edition."""

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from campaigns.models import BlockComment, EditionBlock, MaterialEdition, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _native_reader(unit):
    user = f.MembershipFactory(org_unit=unit, role=Membership.Role.TRANSLATOR).user
    user.is_native_reader = True
    user.save(update_fields=["is_native_reader"])
    return user


@pytest.fixture
def handout(org_tree):
    unit = org_tree["branch_a"]
    material = f.MaterialFactory(
        org_unit=unit, title_zh="金融消费者八项基本权利", title_bo="དངུལ་རྩིས་ཐོབ་ཐང་བརྒྱད།"
    )
    edition = f.MaterialEditionFactory(material=material, number=1)
    block = f.EditionBlockFactory(edition=edition, position=1)
    return SimpleNamespace(
        unit=unit,
        material=material,
        edition=edition,
        block=block,
        comment=f.BlockCommentFactory(block=block),
        translator=f.MembershipFactory(org_unit=unit, role=Membership.Role.TRANSLATOR).user,
        reviewer=f.MembershipFactory(org_unit=unit, role=Membership.Role.REVIEWER).user,
        native_reader=_native_reader(unit),
        organizer=f.MembershipFactory(
            org_unit=org_tree["sub_a"], role=Membership.Role.ORGANIZER
        ).user,
    )


def _block_post(block, **overrides):
    data = {
        "text_zh": block.text_zh,
        "text_bo": block.text_bo,
        "kind": block.kind,
        "version": block.version,
    }
    data.update(overrides)
    return data


def test_another_branch_gets_404_on_every_handout_page(client, org_tree, handout):
    client.force_login(
        f.MembershipFactory(org_unit=org_tree["branch_b"], role=Membership.Role.TRANSLATOR).user
    )
    edition, block = handout.edition, handout.block
    for url in (
        reverse("material_detail", args=[handout.material.pk]),
        reverse("edition_editor", args=[edition.pk]),
        reverse("edition_diff", args=[edition.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (reverse("block_add", args=[edition.pk]), {"kind": "paragraph"}),
        (reverse("block_save", args=[block.pk]), _block_post(block, text_zh="改")),
        (reverse("block_comment_add", args=[block.pk]), {"text": "看看"}),
        (reverse("comment_resolve", args=[handout.comment.pk]), {}),
        (reverse("edition_transition", args=[edition.pk, "translate"]), {}),
        (reverse("edition_new", args=[edition.pk]), {}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert EditionBlock.objects.get(pk=block.pk).text_zh == "财产安全权"


def test_an_organizer_sees_the_editor_read_only_and_gets_403_when_editing(client, handout):
    client.force_login(handout.organizer)
    page = client.get(reverse("edition_editor", args=[handout.edition.pk]))
    assert page.status_code == 200
    assert b"<textarea" not in page.content
    assert b"Mark translated" not in page.content
    edition, block = handout.edition, handout.block
    for url, data in (
        (reverse("block_save", args=[block.pk]), _block_post(block, text_zh="改")),
        (reverse("block_add", args=[edition.pk]), {"kind": "paragraph"}),
        (reverse("edition_transition", args=[edition.pk, "translate"]), _seen(edition)),
        (reverse("block_comment_add", args=[block.pk]), {"text": "看看"}),
    ):
        assert client.post(url, data).status_code == 403, url
    assert client.get(reverse("material_create")).status_code == 403


def test_a_translator_of_a_unit_below_is_told_why_the_handout_is_read_only(
    client, org_tree, handout
):
    below = f.MembershipFactory(org_unit=org_tree["central_a"], role=Membership.Role.TRANSLATOR)
    client.force_login(below.user)
    reason = (
        f"You can read this handout but not change it: it belongs to {handout.unit.name}, "
        f"and only translators of {handout.unit.name} or of a unit above it may edit it."
    )
    for name, pk in (
        ("edition_editor", handout.edition.pk),
        ("material_detail", handout.material.pk),
    ):
        page = client.get(reverse(name, args=[pk])).content.decode()
        assert reason in page, name
        assert "<textarea" not in page


def test_the_handouts_own_translator_and_an_organizer_get_no_read_only_notice(client, handout):
    for user in (handout.translator, handout.organizer):
        client.force_login(user)
        page = client.get(reverse("edition_editor", args=[handout.edition.pk])).content.decode()
        assert "You can read this handout but not change it" not in page


def test_the_library_lists_visible_handouts_with_filters(client, org_tree, handout):
    f.MaterialFactory(org_unit=org_tree["branch_b"], title_zh="乙分公司的折页")
    f.MaterialFactory(org_unit=org_tree["hq"], title_zh="总公司海报", kind="a3_poster")
    client.force_login(handout.organizer)
    page = client.get(reverse("material_list")).content.decode()
    assert "金融消费者八项基本权利" in page
    assert "总公司海报" in page
    assert "乙分公司的折页" not in page
    assert 'href="/materials/"' in page  # the main navigation's Handouts link
    page = client.get(reverse("material_list"), {"kind": "a3_poster"}).content.decode()
    assert "总公司海报" in page
    assert "金融消费者八项基本权利" not in page
    page = client.get(reverse("material_list"), {"q": "ཐོབ་ཐང"}).content.decode()
    assert "金融消费者八项基本权利" in page
    assert "总公司海报" not in page


def test_a_translator_adds_a_handout_and_lands_in_its_editor(client, handout):
    client.force_login(handout.translator)
    response = client.post(
        reverse("material_create"),
        {
            "org_unit": handout.unit.pk,
            "title_zh": "防范电信网络诈骗",
            "title_bo": "",
            "topic": "anti_fraud",
            "kind": "a4_trifold",
        },
    )
    edition = MaterialEdition.objects.get(material__title_zh="防范电信网络诈骗")
    assert response.url == reverse("edition_editor", args=[edition.pk])


def test_the_editor_marks_tibetan_text_with_its_language(client, handout):
    client.force_login(handout.translator)
    client.cookies["django_language"] = "bo"
    page = client.get(reverse("edition_editor", args=[handout.edition.pk])).content.decode()
    assert '<html lang="bo">' in page
    textarea = re.search(r'<textarea name="text_bo"[^>]*>', page).group(0)
    assert 'lang="bo"' in textarea
    assert 'hx-post="/blocks/' in page


def test_autosave_answers_with_the_saved_state_and_the_new_version(client, handout):
    client.force_login(handout.translator)
    response = client.post(
        reverse("block_save", args=[handout.block.pk]),
        _block_post(handout.block, text_bo="ནོར་རྫས་བདེ་འཇགས་ཀྱི་ཐོབ་ཐང་།"),
        **HTMX,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Saved · version 2" in page
    assert f'id="block-{handout.block.pk}-version" hx-swap-oob="true"' in page
    assert 'value="2"' in page
    assert EditionBlock.objects.get(pk=handout.block.pk).text_bo.endswith("ཐོབ་ཐང་།")


def test_autosave_conflict_shows_the_text_saved_meanwhile_and_offers_to_keep_mine(client, handout):
    EditionBlock.objects.filter(pk=handout.block.pk).update(text_zh="别人改过的", version=3)
    client.force_login(handout.translator)
    response = client.post(
        reverse("block_save", args=[handout.block.pk]),
        _block_post(handout.block, text_zh="我的文字", version=1),
        **HTMX,
    )
    page = response.content.decode()
    assert "Someone else saved this block" in page
    assert "别人改过的" in page
    assert 'name="overwrite_version" value="3"' in page
    assert EditionBlock.objects.get(pk=handout.block.pk).text_zh == "别人改过的"
    # Keep my text: the same post with the version the user has now seen.
    client.post(
        reverse("block_save", args=[handout.block.pk]),
        _block_post(handout.block, text_zh="我的文字", version=1, overwrite_version=3),
        **HTMX,
    )
    assert EditionBlock.objects.get(pk=handout.block.pk).text_zh == "我的文字"


def test_saving_without_javascript_redirects_to_the_block_in_the_editor(client, handout):
    client.force_login(handout.translator)
    response = client.post(
        reverse("block_save", args=[handout.block.pk]), _block_post(handout.block, text_zh="改好")
    )
    assert response.url.endswith(f"/editions/{handout.edition.pk}/#block-{handout.block.pk}")


def test_a_conflict_without_javascript_keeps_the_typed_text_in_the_editor(client, handout):
    EditionBlock.objects.filter(pk=handout.block.pk).update(version=2)
    client.force_login(handout.translator)
    response = client.post(
        reverse("block_save", args=[handout.block.pk]),
        _block_post(handout.block, text_zh="我刚打的字", version=1),
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "我刚打的字" in page
    assert "Someone else saved this block" in page


def test_comments_are_added_and_resolved_in_place(client, handout):
    client.force_login(handout.reviewer)
    response = client.post(
        reverse("block_comment_add", args=[handout.block.pk]), {"text": "请核对藏文。"}, **HTMX
    )
    assert "请核对藏文。" in response.content.decode()
    response = client.post(reverse("comment_resolve", args=[handout.comment.pk]), **HTMX)
    assert response.status_code == 200
    assert BlockComment.objects.get(pk=handout.comment.pk).resolved


def test_the_translator_cannot_review_their_own_translation_and_is_told_why(client, handout):
    client.force_login(handout.translator)
    client.post(
        reverse("edition_transition", args=[handout.edition.pk, "translate"]),
        _seen(handout.edition),
    )
    response = client.post(
        reverse("edition_transition", args=[handout.edition.pk, "review"]),
        _seen(handout.edition),
        follow=True,
    )
    assert "another translator or a reviewer must review it" in response.content.decode()
    assert MaterialEdition.objects.get(pk=handout.edition.pk).status == "translated"


def test_approval_is_refused_while_native_review_is_pending(client, handout):
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(status="reviewed")
    client.force_login(handout.reviewer)
    page = client.get(reverse("edition_editor", args=[handout.edition.pk])).content.decode()
    assert "Tibetan awaits native review" in page
    assert "approved only after a native reader has cleared" in page
    response = client.post(
        reverse("edition_transition", args=[handout.edition.pk, "approve"]),
        _seen(handout.edition),
        follow=True,
    )
    assert "still awaits native review" in response.content.decode()
    client.force_login(handout.native_reader)
    client.post(
        reverse("edition_transition", args=[handout.edition.pk, "clear_native_review"]),
        {"block": handout.block.pk} | _seen(handout.edition),
    )
    client.force_login(handout.reviewer)
    client.post(
        reverse("edition_transition", args=[handout.edition.pk, "approve"]),
        _seen(handout.edition),
    )
    assert MaterialEdition.objects.get(pk=handout.edition.pk).status == "approved"


def test_an_unknown_transition_is_404(client, handout):
    client.force_login(handout.reviewer)
    url = reverse("edition_transition", args=[handout.edition.pk, "publish"])
    assert client.post(url).status_code == 404


def test_the_material_page_offers_print_and_a_new_edition_only_for_approved(client, handout):
    client.force_login(handout.translator)
    url = reverse("material_detail", args=[handout.material.pk])
    order = reverse("print_run_order", args=[handout.edition.pk])
    assert order not in client.get(url).content.decode()
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(status="approved")
    client.force_login(handout.organizer)
    page = client.get(url).content.decode()
    assert order in page
    assert "Printed copies and stock" in page  # the print runs' stock box, included
    client.force_login(handout.translator)
    page = client.get(url).content.decode()
    assert reverse("edition_new", args=[handout.edition.pk]) in page
    response = client.post(reverse("edition_new", args=[handout.edition.pk]))
    new = MaterialEdition.objects.get(number=2)
    assert response.url == reverse("edition_editor", args=[new.pk])
    assert MaterialEdition.objects.get(pk=handout.edition.pk).status == "approved"


def test_the_diff_page_shows_insertions_and_deletions(client, handout):
    new = f.MaterialEditionFactory(material=handout.material, number=2, based_on=handout.edition)
    f.EditionBlockFactory(edition=new, position=1, text_zh="财产安全权利", text_bo="")
    client.force_login(handout.translator)
    page = client.get(reverse("edition_diff", args=[new.pk])).content.decode()
    assert "财产安全权<ins>利</ins>" in page
    assert "<del>" in page
    other = f.MaterialEditionFactory(material=f.MaterialFactory(org_unit=handout.unit))
    url = reverse("edition_diff", args=[new.pk])
    assert client.get(url, {"against": other.pk}).status_code == 404


def test_the_public_page_shows_an_approved_edition_without_sign_in(client, handout):
    url = reverse("edition_public", args=[handout.edition.public_token])
    assert client.get(url).status_code == 404  # a draft is not public
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(status="approved")
    page = client.get(url).content.decode()
    assert '<p lang="bo">རྒྱུ་ནོར་བདེ་འཇགས།</p>' in page
    assert '<p lang="zh-Hans">财产安全权</p>' in page
    assert "The Tibetan text awaits review by a native reader." in page
    assert "main-nav" not in page
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(needs_native_review=False)
    EditionBlock.objects.update(needs_native_review=False)
    assert "awaits review" not in client.get(url).content.decode()


def _seen(edition) -> dict:
    """The version of the edition the editor page shows, as its forms post it."""
    return {"version": MaterialEdition.objects.get(pk=edition.pk).version}


@pytest.mark.parametrize(
    ("posted", "said"),
    [
        ({}, "Nothing was changed: the page this came from did not say which version"),
        ({"version": "latest"}, "Nothing was changed: the page this came from did not say"),
        ({"version": 0}, "Someone else changed this edition after you opened it"),
    ],
    ids=["no-version", "no-number", "older-version"],
)
@pytest.mark.parametrize("action", ["review", "return", "clear_native_review"])
def test_an_edition_transition_not_from_the_version_seen_says_why_and_changes_nothing(
    client, handout, action, posted, said
):
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(
        status="translated", translated_by=handout.translator
    )
    before = MaterialEdition.objects.get(pk=handout.edition.pk)
    client.force_login(
        handout.native_reader if action == "clear_native_review" else handout.reviewer
    )

    response = client.post(
        reverse("edition_transition", args=[handout.edition.pk, action]),
        {"text": "请核对藏文。"} | posted,
        follow=True,
    )

    assert said in response.content.decode()
    after = MaterialEdition.objects.get(pk=handout.edition.pk)
    assert (after.status, after.version, after.needs_native_review) == (
        before.status,
        before.version,
        before.needs_native_review,
    )


def test_clearing_one_blocks_native_review_needs_the_version_seen(client, handout):
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(
        status="translated", translated_by=handout.translator
    )
    EditionBlock.objects.filter(pk=handout.block.pk).update(text_bo="ནོར་རྫས།")
    client.force_login(handout.native_reader)

    client.post(
        reverse("edition_transition", args=[handout.edition.pk, "clear_native_review"]),
        {"block": handout.block.pk, "version": 0},
    )

    assert EditionBlock.objects.get(pk=handout.block.pk).needs_native_review
    client.post(
        reverse("edition_transition", args=[handout.edition.pk, "clear_native_review"]),
        {"block": handout.block.pk} | _seen(handout.edition),
    )
    assert not EditionBlock.objects.get(pk=handout.block.pk).needs_native_review
