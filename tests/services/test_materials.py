"""Material services: every edition transition allowed and refused, the four-eyes rule,
native review, the lock conflict on blocks, and new editions from approved ones."""

import difflib
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from campaigns.errors import StaleEdit
from campaigns.models import (
    AuditEntry,
    BlockComment,
    EditionBlock,
    Material,
    MaterialEdition,
    Membership,
)
from campaigns.models.materials import BLOCK_TEXT_LENGTH
from campaigns.selectors import materials as selectors
from campaigns.services import materials as services
from tests import factories as f

pytestmark = pytest.mark.django_db

Status = MaterialEdition.Status


def _member(unit, role):
    return f.MembershipFactory(org_unit=unit, role=role).user


def _native_reader(unit, role):
    user = _member(unit, role)
    user.is_native_reader = True
    user.save(update_fields=["is_native_reader"])
    return user


@pytest.fixture
def team(org_tree):
    """Branch A's handout team with a native reader of Tibetan, an organizer, and a
    translator of branch B."""
    unit = org_tree["branch_a"]
    material = f.MaterialFactory(org_unit=unit, title_zh="金融消费者八项基本权利")
    edition = f.MaterialEditionFactory(material=material, number=1)
    block = f.EditionBlockFactory(edition=edition, position=1, text_zh="财产安全权", text_bo="")
    return SimpleNamespace(
        unit=unit,
        material=material,
        edition=edition,
        block=block,
        translator=_member(unit, Membership.Role.TRANSLATOR),
        other_translator=_member(unit, Membership.Role.TRANSLATOR),
        reviewer=_member(unit, Membership.Role.REVIEWER),
        organizer=_member(unit, Membership.Role.ORGANIZER),
        native_reader=_native_reader(unit, Membership.Role.TRANSLATOR),
        outsider=_member(org_tree["branch_b"], Membership.Role.TRANSLATOR),
    )


def _fresh(edition):
    return MaterialEdition.objects.get(pk=edition.pk)


def _save(team, user=None, block=None, **texts):
    block = EditionBlock.objects.get(pk=(block or team.block).pk)
    return services.block_save(
        user=user or team.translator,
        block_id=block.pk,
        expected_version=block.version,
        text_zh=texts.get("text_zh", block.text_zh),
        text_bo=texts.get("text_bo", block.text_bo),
    )


def _seen(team) -> dict:
    """The edition and the version of it the person acting sees: the one now stored."""
    return {"edition_id": team.edition.pk, "expected_version": _fresh(team.edition).version}


def _translate(team, user=None):
    return services.edition_translate(user=user or team.translator, **_seen(team))


def _review(team, user=None):
    return services.edition_review(user=user or team.reviewer, **_seen(team))


def _clear(team, user=None):
    return services.edition_native_review_clear(user=user or team.native_reader, **_seen(team))


def _approve(team, user=None):
    return services.edition_approve(user=user or team.reviewer, **_seen(team))


def _approved(team):
    _save(team, text_bo="ནོར་རྫས་བདེ་འཇགས་ཀྱི་ཐོབ་ཐང་།")
    _translate(team)
    _review(team)
    _clear(team)
    return _approve(team)


def _actions(edition):
    return list(
        AuditEntry.objects.filter(
            object_type="campaigns.materialedition", object_id=str(edition.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


# Creating materials and editions.


def test_translator_adds_a_material_with_an_empty_first_draft(team):
    material = services.material_create(
        user=team.translator,
        org_unit=team.unit,
        title_zh="防范电信网络诈骗",
        title_bo="གློག་འཕྲིན་དྲ་རྒྱའི་གཡོ་ཟོལ་སྔོན་འགོག",
        topic="anti_fraud",
        kind=Material.Kind.A5_LEAFLET,
    )
    edition = material.editions.get()
    assert (edition.number, edition.status, edition.blocks.count()) == (1, Status.DRAFT, 0)
    assert AuditEntry.objects.filter(action="campaigns.material.created").count() == 1
    assert _actions(edition) == ["campaigns.edition.created"]


def test_an_organizer_cannot_add_a_material(team):
    with pytest.raises(ValidationError) as refused:
        services.material_create(
            user=team.organizer, org_unit=team.unit, title_zh="x", topic="anti_fraud", kind="banner"
        )
    assert "org_unit" in refused.value.error_dict


def test_a_second_first_edition_is_refused(team):
    with pytest.raises(ValidationError, match="has editions already"):
        services.edition_create(user=team.translator, material_id=team.material.pk)


def test_blocks_are_added_at_the_end_and_raise_the_native_review_flag(team):
    MaterialEdition.objects.filter(pk=team.edition.pk).update(needs_native_review=False)
    block = services.block_add(
        user=team.reviewer, edition_id=team.edition.pk, kind="heading", text_bo="ཐོབ་ཐང་།"
    )
    assert block.position == 2
    assert block.needs_native_review
    assert _fresh(team.edition).needs_native_review
    assert _actions(team.edition) == ["campaigns.edition.block_added"]


def test_an_organizer_cannot_add_blocks(team):
    with pytest.raises(PermissionDenied):
        services.block_add(user=team.organizer, edition_id=team.edition.pk, kind="paragraph")


def test_a_translator_of_another_branch_does_not_find_the_edition(team):
    with pytest.raises(MaterialEdition.DoesNotExist):
        services.block_add(user=team.outsider, edition_id=team.edition.pk, kind="paragraph")


# Saving blocks.


def test_saving_a_block_raises_its_version_and_is_audited(team):
    block = _save(team, text_bo="ནོར་རྫས་བདེ་འཇགས།")
    assert (block.version, block.text_bo) == (2, "ནོར་རྫས་བདེ་འཇགས།")
    assert _actions(team.edition) == ["campaigns.edition.block_saved"]
    assert AuditEntry.objects.get().data["changed"] == ["text_bo"]


def test_a_save_from_an_older_version_is_refused_and_changes_nothing(team):
    _save(team, text_zh="财产安全权（修订）")
    with pytest.raises(StaleEdit) as refused:
        services.block_save(
            user=team.other_translator,
            block_id=team.block.pk,
            expected_version=1,
            text_zh="另一位译者的文字",
            text_bo="",
        )
    assert refused.value.current.version == 2
    assert EditionBlock.objects.get(pk=team.block.pk).text_zh == "财产安全权（修订）"


def test_saving_unchanged_text_writes_nothing(team):
    block = _save(team)
    assert block.version == 1
    assert not AuditEntry.objects.exists()


def test_a_reviewer_cannot_change_block_text(team):
    with pytest.raises(PermissionDenied):
        _save(team, user=team.reviewer, text_zh="审校人改的")


def test_changed_tibetan_needs_native_review_again(team):
    EditionBlock.objects.filter(pk=team.block.pk).update(needs_native_review=False)
    MaterialEdition.objects.filter(pk=team.edition.pk).update(needs_native_review=False)
    _save(team, text_zh="财产安全权。")
    assert not EditionBlock.objects.get(pk=team.block.pk).needs_native_review
    _save(team, text_bo="ནོར་རྫས།")
    assert EditionBlock.objects.get(pk=team.block.pk).needs_native_review
    assert _fresh(team.edition).needs_native_review


def test_saving_a_translated_edition_returns_it_to_draft(team):
    _save(team, text_bo="ནོར་རྫས།")
    _translate(team)
    _save(team, text_bo="ནོར་རྫས་བདེ་འཇགས།")
    edition = _fresh(team.edition)
    assert (edition.status, edition.translated_by) == (Status.DRAFT, None)


@pytest.mark.parametrize("status", [Status.REVIEWED, Status.APPROVED])
def test_blocks_of_a_reviewed_or_approved_edition_are_not_changed(team, status):
    MaterialEdition.objects.filter(pk=team.edition.pk).update(status=status)
    with pytest.raises(ValidationError, match="edition is not changed"):
        _save(team, text_zh="改")
    with pytest.raises(ValidationError, match="edition is not changed"):
        services.block_add(user=team.translator, edition_id=team.edition.pk, kind="paragraph")


# Transitions.


def test_the_whole_way_to_approval_is_audited(team):
    edition = _approved(team)
    assert edition.status == Status.APPROVED
    assert edition.approved_at is not None
    assert (edition.translated_by, edition.reviewed_by) == (team.translator, team.reviewer)
    assert _actions(edition) == [
        "campaigns.edition.block_saved",
        "campaigns.edition.translated",
        "campaigns.edition.reviewed",
        "campaigns.edition.block_native_review_cleared",
        "campaigns.edition.approved",
    ]


@pytest.mark.parametrize(
    ("status", "transition"),
    [
        (Status.TRANSLATED, "translate"),
        (Status.REVIEWED, "translate"),
        (Status.APPROVED, "translate"),
        (Status.DRAFT, "review"),
        (Status.REVIEWED, "review"),
        (Status.APPROVED, "review"),
        (Status.DRAFT, "approve"),
        (Status.TRANSLATED, "approve"),
        (Status.APPROVED, "approve"),
        (Status.DRAFT, "return"),
        (Status.APPROVED, "return"),
    ],
)
def test_a_transition_from_the_wrong_status_is_refused(team, status, transition):
    MaterialEdition.objects.filter(pk=team.edition.pk).update(
        status=status, translated_by=team.other_translator, needs_native_review=False
    )
    EditionBlock.objects.update(needs_native_review=False)
    user = team.translator if transition == "translate" else team.reviewer
    service = {
        "translate": services.edition_translate,
        "review": services.edition_review,
        "approve": services.edition_approve,
        "return": lambda **kw: services.edition_return(note="请修改", **kw),
    }[transition]
    with pytest.raises(ValidationError, match="edition cannot become"):
        service(user=user, **_seen(team))
    assert _fresh(team.edition).status == status


@pytest.mark.parametrize(
    ("status", "transition", "role"),
    [
        (Status.DRAFT, "translate", "reviewer"),
        (Status.DRAFT, "translate", "organizer"),
        (Status.TRANSLATED, "review", "organizer"),
        (Status.REVIEWED, "approve", "other_translator"),
        (Status.REVIEWED, "approve", "organizer"),
        (Status.TRANSLATED, "return", "organizer"),
    ],
)
def test_a_role_without_the_action_is_refused(team, status, transition, role):
    MaterialEdition.objects.filter(pk=team.edition.pk).update(status=status)
    service = {
        "translate": services.edition_translate,
        "review": services.edition_review,
        "approve": services.edition_approve,
        "return": lambda **kw: services.edition_return(note="请修改", **kw),
    }[transition]
    with pytest.raises(PermissionDenied):
        service(user=getattr(team, role), **_seen(team))


def test_an_empty_edition_cannot_be_marked_translated(team):
    team.block.delete()
    with pytest.raises(ValidationError, match="at least one block"):
        _translate(team)


def test_the_translator_cannot_review_their_own_translation(team):
    _translate(team)
    with pytest.raises(ValidationError, match="another translator or a reviewer"):
        _review(team, user=team.translator)
    assert _fresh(team.edition).status == Status.TRANSLATED


def test_another_translator_may_review(team):
    _translate(team)
    assert _review(team, user=team.other_translator).reviewed_by == team.other_translator


def test_the_translator_cannot_approve_their_own_translation(team):
    reviewer_translator = team.reviewer
    f.MembershipFactory(user=reviewer_translator, org_unit=team.unit, role="translator")
    _translate(team, user=reviewer_translator)
    _review(team, user=team.other_translator)
    with pytest.raises(ValidationError, match="someone else must approve"):
        _approve(team, user=reviewer_translator)


def test_approval_waits_for_native_review(team):
    _save(team, text_bo="ནོར་རྫས།")
    _translate(team)
    _review(team)
    with pytest.raises(ValidationError, match="awaits native review"):
        _approve(team)
    assert _fresh(team.edition).status == Status.REVIEWED


def test_a_chinese_only_edition_needs_no_native_review(team):
    _translate(team)
    _review(team)
    assert _approve(team).status == Status.APPROVED


def test_return_needs_a_note_and_clears_translator_and_reviewer(team):
    _translate(team)
    _review(team)
    with pytest.raises(ValidationError) as refused:
        services.edition_return(user=team.reviewer, note=" ", **_seen(team))
    assert "note" in refused.value.error_dict
    edition = services.edition_return(user=team.reviewer, note="第二句藏文漏译。", **_seen(team))
    assert (edition.status, edition.translated_by, edition.reviewed_by) == (
        Status.DRAFT,
        None,
        None,
    )
    assert AuditEntry.objects.get(action="campaigns.edition.returned").comment == "第二句藏文漏译。"


@pytest.mark.parametrize("version", [0, None])
def test_a_transition_from_an_older_edition_version_or_none_is_refused(team, version):
    with pytest.raises(StaleEdit):
        services.edition_translate(
            user=team.translator, edition_id=team.edition.pk, expected_version=version
        )


# Native review.


def test_clearing_the_last_flagged_block_clears_the_edition(team):
    second = f.EditionBlockFactory(edition=team.edition, position=2)
    _save(team, text_bo="ནོར་རྫས།")
    _translate(team)
    services.block_native_review_clear(
        user=team.native_reader,
        block_id=team.block.pk,
        expected_version=_fresh(team.edition).version,
    )
    assert _fresh(team.edition).needs_native_review
    assert _fresh(team.edition).native_review_pending()
    services.block_native_review_clear(
        user=team.native_reader, block_id=second.pk, expected_version=_fresh(team.edition).version
    )
    assert not _fresh(team.edition).needs_native_review
    assert not _fresh(team.edition).native_review_pending()


def test_native_review_is_not_cleared_by_the_translator_or_before_translation(team):
    _save(team, text_bo="ནོར་རྫས།")
    with pytest.raises(ValidationError, match="once the edition is translated"):
        _clear(team)
    # The translator reads Tibetan natively too; their own translation is someone else's.
    team.translator.is_native_reader = True
    team.translator.save(update_fields=["is_native_reader"])
    _translate(team)
    with pytest.raises(ValidationError, match="other than you"):
        _clear(team, user=team.translator)
    for user in (team.organizer, team.reviewer):
        with pytest.raises(PermissionDenied):
            _clear(team, user=user)
    assert _fresh(team.edition).native_review_pending()


# New editions.


def test_a_new_edition_copies_the_blocks_and_the_old_one_stays_approved(team):
    old = _approved(team)
    new = services.edition_new(user=team.translator, edition_id=old.pk)
    assert (new.number, new.status, new.based_on) == (2, Status.DRAFT, old)
    assert list(new.blocks.values_list("position", "text_zh", "text_bo")) == list(
        old.blocks.values_list("position", "text_zh", "text_bo")
    )
    old = _fresh(old)
    assert old.status == Status.APPROVED
    assert old.approved_at is not None
    # The copy is edited on its own; the approved text stays as it was printed.
    copy = new.blocks.get()
    services.block_save(
        user=team.translator,
        block_id=copy.pk,
        expected_version=copy.version,
        text_zh="财产安全权（第二版）",
        text_bo=copy.text_bo,
    )
    assert old.blocks.get().text_zh == "财产安全权"


def test_a_new_edition_starts_only_from_an_approved_one(team):
    with pytest.raises(ValidationError, match="Only an approved edition"):
        services.edition_new(user=team.translator, edition_id=team.edition.pk)


def test_only_one_new_edition_is_open_at_a_time(team):
    old = _approved(team)
    services.edition_new(user=team.translator, edition_id=old.pk)
    with pytest.raises(ValidationError, match="already being worked on"):
        services.edition_new(user=team.translator, edition_id=old.pk)


# Comments.


def test_comments_are_added_resolved_once_and_audited(team):
    comment = services.block_comment_add(
        user=team.reviewer, block_id=team.block.pk, text="“财产安全权”的藏文请再核对。"
    )
    services.block_comment_resolve(user=team.translator, comment_id=comment.pk)
    services.block_comment_resolve(user=team.translator, comment_id=comment.pk)
    assert BlockComment.objects.get().resolved
    assert _actions(team.edition) == [
        "campaigns.edition.comment_added",
        "campaigns.edition.comment_resolved",
    ]


def test_an_empty_comment_and_an_organizers_comment_are_refused(team):
    with pytest.raises(ValidationError):
        services.block_comment_add(user=team.reviewer, block_id=team.block.pk, text="  ")
    with pytest.raises(PermissionDenied):
        services.block_comment_add(user=team.organizer, block_id=team.block.pk, text="好")


# The diff.


def test_the_diff_marks_changes_per_block_and_added_and_removed_blocks(team):
    old = f.MaterialEditionFactory(material=team.material, number=5)
    f.EditionBlockFactory(edition=old, position=1, text_zh="财产安全权", text_bo="ནོར་རྫས་བདེ་འཇགས།")
    f.EditionBlockFactory(edition=old, position=2, text_zh="知情权", text_bo="")
    new = f.MaterialEditionFactory(material=team.material, number=6, based_on=old)
    f.EditionBlockFactory(edition=new, position=1, text_zh="财产安全权<b>", text_bo="ནོར་རྫས་སྲུང་སྐྱོབ།")
    f.EditionBlockFactory(edition=new, position=3, text_zh="自主选择权", text_bo="")
    rows = selectors.edition_diff(old, new)
    assert [(r.position, r.state) for r in rows] == [(1, "changed"), (2, "removed"), (3, "added")]
    assert rows[0].zh == "财产安全权<ins>&lt;b&gt;</ins>"
    # Tibetan is compared syllable by syllable.
    assert rows[0].bo == "ནོར་རྫས་<del>བདེ་འཇགས།</del><ins>སྲུང་སྐྱོབ།</ins>"
    assert rows[1].zh == "<del>知情权</del>"
    assert rows[2].zh == "<ins>自主选择权</ins>"


class _WeighedMatcher(difflib.SequenceMatcher):
    """difflib's matcher, refusing to weigh more token pairs than the diff allows itself."""

    made = 0

    def __init__(self, *, a, b, autojunk):
        assert len(a) * len(b) <= selectors.DIFF_PAIRS_MAX, f"{len(a)} × {len(b)} tokens"
        type(self).made += 1
        super().__init__(a=a, b=b, autojunk=autojunk)


@pytest.fixture
def weighed(monkeypatch):
    cache.clear()  # diffs are kept by their texts' hash, across tests too
    _WeighedMatcher.made = 0
    monkeypatch.setattr(selectors.difflib, "SequenceMatcher", _WeighedMatcher)
    return _WeighedMatcher


def test_a_60000_character_block_is_compared_within_a_bounded_effort(weighed):
    old = "".join("金融消费者八项基本权利"[i % 11] for i in range(60_000))
    new = old[:30_000] + "知情权" + old[30_003:]

    html = selectors.inline_diff(old, new)

    assert "<ins>知情权</ins>" in html
    assert weighed.made


def test_a_diff_shown_again_is_not_compared_again(team, weighed):
    new = f.MaterialEditionFactory(material=team.material, number=2, based_on=team.edition)
    f.EditionBlockFactory(edition=new, position=1, text_zh="财产安全权。知情权。", text_bo="")
    first = selectors.edition_diff(team.edition, new)
    made = weighed.made

    again = selectors.edition_diff(team.edition, new)

    assert made > 0
    assert weighed.made == made
    assert again == first


def test_block_text_beyond_its_bound_is_refused(team):
    longest = "权" * BLOCK_TEXT_LENGTH
    assert _save(team, text_zh=longest, text_bo="").text_zh == longest
    with pytest.raises(ValidationError) as refused:
        _save(team, text_zh=longest + "权", text_bo="")
    assert "text_zh" in refused.value.message_dict
    assert EditionBlock.objects.get(pk=team.block.pk).text_zh == longest


def test_the_database_holds_the_bound_of_block_text_too(team):
    with pytest.raises(IntegrityError), transaction.atomic():
        EditionBlock.objects.filter(pk=team.block.pk).update(text_bo="ཀ" * (BLOCK_TEXT_LENGTH + 1))
