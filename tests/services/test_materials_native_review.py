"""Native review by native readers: only a user an administrator marked as a native reader
of Tibetan clears a block's Tibetan, block by block or all at once, each block recording who
and when; changed Tibetan needs a native reader again; approval waits for every block."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from campaigns.models import AuditEntry, EditionBlock, MaterialEdition, Membership
from campaigns.services import materials as services
from tests import factories as f

pytestmark = pytest.mark.django_db

Status = MaterialEdition.Status
TIBETAN = "ནོར་རྫས་བདེ་འཇགས་ཀྱི་ཐོབ་ཐང་།"


def _member(unit, role, *, native_reader=False):
    user = f.MembershipFactory(org_unit=unit, role=role).user
    if native_reader:
        user.is_native_reader = True
        user.save(update_fields=["is_native_reader"])
    return user


@pytest.fixture
def handout(org_tree):
    """A translated edition of branch A with two Tibetan blocks and a Chinese-only one."""
    unit = org_tree["branch_a"]
    translator = _member(unit, Membership.Role.TRANSLATOR)
    material = f.MaterialFactory(org_unit=unit, title_zh="金融消费者八项基本权利")
    edition = f.MaterialEditionFactory(
        material=material, number=1, status=Status.TRANSLATED, translated_by=translator
    )
    blocks = [
        f.EditionBlockFactory(edition=edition, position=1, text_bo=TIBETAN),
        f.EditionBlockFactory(edition=edition, position=2, text_bo="ཤེས་རྟོགས་ཀྱི་ཐོབ་ཐང་།"),
        f.EditionBlockFactory(edition=edition, position=3, text_zh="咨询电话", text_bo=""),
    ]
    return SimpleNamespace(
        unit=unit,
        edition=edition,
        blocks=blocks,
        translator=translator,
        reviewer=_member(unit, Membership.Role.REVIEWER),
        native_reader=_member(unit, Membership.Role.TRANSLATOR, native_reader=True),
    )


def _version(edition) -> int:
    return MaterialEdition.objects.get(pk=edition.pk).version


def _clear_block(handout, block, user=None):
    return services.block_native_review_clear(
        user=user or handout.native_reader,
        block_id=block.pk,
        expected_version=_version(handout.edition),
    )


def _clear_all(handout, user=None):
    return services.edition_native_review_clear(
        user=user or handout.native_reader,
        edition_id=handout.edition.pk,
        expected_version=_version(handout.edition),
    )


def _block(block) -> EditionBlock:
    return EditionBlock.objects.get(pk=block.pk)


def _cleared_entries(edition):
    return list(
        AuditEntry.objects.filter(
            action="campaigns.edition.block_native_review_cleared", object_id=str(edition.pk)
        )
        .order_by("pk")
        .values_list("actor", "data")
    )


def test_a_native_reader_clears_one_block_and_the_block_records_who_and_when(handout):
    first = handout.blocks[0]

    _clear_block(handout, first)

    block = _block(first)
    assert not block.needs_native_review
    assert block.native_reviewed_by == handout.native_reader
    assert block.native_reviewed_at is not None
    # The other Tibetan block still awaits its reader.
    assert _block(handout.blocks[1]).needs_native_review
    assert handout.edition.native_review_pending()
    assert _cleared_entries(handout.edition) == [
        (handout.native_reader.pk, {"block": first.pk, "position": 1})
    ]


@pytest.mark.parametrize("who", ["reviewer", "translator", "superuser"])
def test_someone_who_is_not_a_native_reader_clears_nothing(handout, who):
    user = f.UserFactory(is_superuser=True) if who == "superuser" else getattr(handout, who)

    with pytest.raises(PermissionDenied, match="Only a native reader"):
        _clear_block(handout, handout.blocks[0], user=user)
    with pytest.raises(PermissionDenied, match="Only a native reader"):
        _clear_all(handout, user=user)

    assert not EditionBlock.objects.filter(needs_native_review=False).exists()
    assert not _cleared_entries(handout.edition)


def test_a_native_reader_of_another_branch_does_not_find_the_block(handout, org_tree):
    outsider = _member(org_tree["branch_b"], Membership.Role.TRANSLATOR, native_reader=True)
    with pytest.raises(EditionBlock.DoesNotExist):
        _clear_block(handout, handout.blocks[0], user=outsider)


def test_a_native_reader_below_the_handouts_unit_clears_it_whatever_their_role(handout, org_tree):
    """Native review is a reading skill, not a unit's decision: a native reader clears the
    Tibetan of any handout they see, such as one their branch hands down to them."""
    herder_organizer = _member(org_tree["sub_a"], Membership.Role.ORGANIZER, native_reader=True)

    _clear_block(handout, handout.blocks[0], user=herder_organizer)

    assert _block(handout.blocks[0]).native_reviewed_by == herder_organizer


def test_clearing_a_cleared_block_again_changes_nothing(handout):
    _clear_block(handout, handout.blocks[0])
    first = _block(handout.blocks[0])
    other = _member(handout.unit, Membership.Role.REVIEWER, native_reader=True)

    _clear_block(handout, handout.blocks[0], user=other)

    again = _block(handout.blocks[0])
    assert (again.native_reviewed_by, again.native_reviewed_at) == (
        first.native_reviewed_by,
        first.native_reviewed_at,
    )
    assert len(_cleared_entries(handout.edition)) == 1


def test_a_block_without_tibetan_has_nothing_to_clear(handout):
    with pytest.raises(ValidationError, match="no Tibetan text"):
        _clear_block(handout, handout.blocks[2])


def test_clearing_all_records_each_block_with_an_audit_entry_of_its_own(handout):
    edition = _clear_all(handout)

    tibetan = handout.blocks[:2]
    for block in map(_block, tibetan):
        assert (block.needs_native_review, block.native_reviewed_by) == (
            False,
            handout.native_reader,
        )
        assert block.native_reviewed_at is not None
    assert _cleared_entries(handout.edition) == [
        (
            handout.native_reader.pk,
            {"block": block.pk, "position": block.position, "all_blocks": True},
        )
        for block in tibetan
    ]
    assert not edition.native_review_pending()
    assert not MaterialEdition.objects.get(pk=edition.pk).needs_native_review


def test_clearing_all_leaves_blocks_cleared_earlier_as_their_reader_left_them(handout):
    first_reader = _member(handout.unit, Membership.Role.REVIEWER, native_reader=True)
    _clear_block(handout, handout.blocks[0], user=first_reader)

    _clear_all(handout)

    assert _block(handout.blocks[0]).native_reviewed_by == first_reader
    assert _block(handout.blocks[1]).native_reviewed_by == handout.native_reader


def test_changing_the_tibetan_needs_a_native_reader_again_and_forgets_who_cleared_it(handout):
    _clear_all(handout)
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(status=Status.DRAFT)
    first = _block(handout.blocks[0])

    services.block_save(
        user=handout.translator,
        block_id=first.pk,
        expected_version=first.version,
        text_zh=first.text_zh,
        text_bo=TIBETAN + " ཞིབ་ཚགས།",
    )

    block = _block(first)
    assert (block.needs_native_review, block.native_reviewed_by, block.native_reviewed_at) == (
        True,
        None,
        None,
    )
    assert MaterialEdition.objects.get(pk=handout.edition.pk).needs_native_review
    # The other block's Tibetan did not change: it stays cleared, by its reader.
    assert _block(handout.blocks[1]).native_reviewed_by == handout.native_reader


def test_changing_only_the_chinese_keeps_the_tibetan_cleared(handout):
    _clear_all(handout)
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(status=Status.DRAFT)
    first = _block(handout.blocks[0])

    services.block_save(
        user=handout.translator,
        block_id=first.pk,
        expected_version=first.version,
        text_zh="财产安全权（修订）",
        text_bo=first.text_bo,
    )

    assert _block(first).native_reviewed_by == handout.native_reader


def test_a_block_added_without_tibetan_leaves_nothing_to_review(handout):
    _clear_all(handout)
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(status=Status.DRAFT)

    services.block_add(user=handout.translator, edition_id=handout.edition.pk, kind="paragraph")

    assert not handout.edition.native_review_pending()
    assert not MaterialEdition.objects.get(pk=handout.edition.pk).needs_native_review


def test_approval_names_the_blocks_whose_tibetan_awaits_a_native_reader(handout):
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(status=Status.REVIEWED)
    _clear_block(handout, handout.blocks[0])

    with pytest.raises(ValidationError, match=r"block #2 still awaits native review") as refused:
        services.edition_approve(
            user=handout.reviewer,
            edition_id=handout.edition.pk,
            expected_version=_version(handout.edition),
        )

    assert refused.value.code == "native_review_pending"
    assert MaterialEdition.objects.get(pk=handout.edition.pk).status == Status.REVIEWED
    _clear_block(handout, handout.blocks[1])
    approved = services.edition_approve(
        user=handout.reviewer,
        edition_id=handout.edition.pk,
        expected_version=_version(handout.edition),
    )
    assert approved.status == Status.APPROVED


def test_approval_waits_even_when_the_editions_own_flag_was_cleared(handout):
    """The blocks decide: an edition flag cleared behind the services' back opens nothing."""
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(
        status=Status.REVIEWED, needs_native_review=False
    )
    with pytest.raises(ValidationError, match="blocks #1, #2 still awaits native review"):
        services.edition_approve(
            user=handout.reviewer,
            edition_id=handout.edition.pk,
            expected_version=_version(handout.edition),
        )


def test_a_new_edition_keeps_who_cleared_each_unchanged_block(handout):
    _clear_all(handout)
    MaterialEdition.objects.filter(pk=handout.edition.pk).update(status=Status.APPROVED)

    new = services.edition_new(user=handout.translator, edition_id=handout.edition.pk)

    copies = {block.position: block for block in new.blocks.all()}
    assert copies[1].native_reviewed_by == handout.native_reader
    assert copies[1].native_reviewed_at == _block(handout.blocks[0]).native_reviewed_at
    assert not new.needs_native_review


def test_a_block_awaiting_review_cannot_name_a_reader(handout):
    """The database keeps who and when only for cleared text."""
    with pytest.raises(IntegrityError), transaction.atomic():
        EditionBlock.objects.filter(pk=handout.blocks[0].pk).update(
            needs_native_review=True, native_reviewed_by=handout.native_reader
        )
