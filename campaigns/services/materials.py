"""The material library and the translator's editor: every write to materials and editions.

An edition moves draft → translated → reviewed → approved (the moves a status allows are
``MaterialEdition.TRANSITIONS``, as an event's are on ``Event``). Its translator may not review
it (the four-eyes rule), and it is approved only once a native reader of Tibetan (a person
an administrator marked as one, ``portal.access.is_native_reader``) has cleared every block
that has Tibetan text, block by block; each block keeps who cleared it and when, and a
change to its Tibetan needs a native reader again. Text changes while the edition is a draft
or translated; saving a translated edition sends it back to draft. An approved edition is
never changed again: editing it starts a new edition based on it, and the approved one stays
printable until the new one is approved.

Block changes are audited on their edition, so that the edition's history tells the whole
story and the audit entry belongs to the material's org unit.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from campaigns import bounds
from campaigns.errors import InvalidState, NotAllowed, StaleEdit
from campaigns.models import BlockComment, EditionBlock, Material, MaterialEdition, OrgUnit
from campaigns.services.audit import audit_record
from portal.access import can, is_native_reader, require, visible_to

Status = MaterialEdition.Status


# A change refused because someone else saved the block, or the edition, first.
STALE_BLOCK = gettext_lazy(
    "Someone else saved this block after you opened it (now version %(version)s). "
    "Your text was not saved; it is still in the boxes. Compare it with theirs, "
    "then keep yours or load theirs."
)
STALE_EDITION = gettext_lazy(
    "Someone else changed this edition after you opened it (now version "
    "%(version)s). Nothing was changed; look at it again, then try once more."
)


def _edition_for_update(*, user, edition_id: int) -> MaterialEdition:
    return (
        visible_to(user, MaterialEdition)
        .select_for_update(of=("self",))
        .select_related("material__org_unit")
        .get(pk=edition_id)
    )


def _edition_as_seen(*, user, edition_id: int, expected_version: int) -> MaterialEdition:
    """The edition, locked, if it is still at the version the person saw: a transition or a
    native reader's approval sent from a page that saw none, or an older one, is refused."""
    edition = _edition_for_update(user=user, edition_id=edition_id)
    if edition.version != expected_version:
        raise StaleEdit(STALE_EDITION % {"version": edition.version}, current=edition)
    return edition


def _require_text_editable(edition: MaterialEdition) -> None:
    if not edition.text_editable:
        if edition.status == Status.APPROVED:
            message = _("An approved edition is not changed; start a new edition from it.")
        else:
            message = _("A reviewed edition is not changed; return it to draft first.")
        raise InvalidState(message, code="not_editable")


def _back_to_draft(edition: MaterialEdition) -> bool:
    """A text change to a translated edition needs translating (and reviewing) again."""
    if edition.status != Status.TRANSLATED:
        return False
    edition.transition(to=Status.DRAFT)
    edition.translated_by = None
    edition.reviewed_by = None
    edition.version += 1
    return True


def _native_review_flag_sync(edition: MaterialEdition) -> bool:
    """Set the edition's summary flag from its blocks; whether it changed."""
    pending = edition.native_review_pending()
    if edition.needs_native_review == pending:
        return False
    edition.needs_native_review = pending
    return True


def _native_review_reset(block: EditionBlock) -> None:
    """Changed Tibetan awaits a native reader again; whoever cleared the old text did not
    read this one."""
    block.needs_native_review = True
    block.native_reviewed_by = None
    block.native_reviewed_at = None


@transaction.atomic
def edition_create(*, user, material_id: int) -> MaterialEdition:
    """Start a material's first edition, as an empty draft."""
    material = (
        visible_to(user, Material)
        .select_for_update()
        .select_related("org_unit")
        .get(pk=material_id)
    )
    require(user, "material.edit", material.org_unit)
    if material.editions.exists():
        raise InvalidState(
            _("This material has editions already; start a new one from an approved edition."),
            code="has_editions",
        )
    edition = MaterialEdition.objects.create(material=material, number=1)
    audit_record(actor=user, obj=edition, action="campaigns.edition.created")
    return edition


@transaction.atomic
def material_create(
    *, user, org_unit: OrgUnit, title_zh: str, topic: str, kind: str, title_bo: str = ""
) -> Material:
    """Add a material to the library of an org unit, with its first (draft) edition."""
    if not can(user, "material.edit", org_unit):
        raise ValidationError(
            {"org_unit": _("You cannot add handouts for %(unit)s.") % {"unit": org_unit}}
        )
    material = Material(
        org_unit=org_unit,
        title_zh=title_zh.strip(),
        title_bo=title_bo.strip(),
        topic=topic,
        kind=kind,
    )
    material.full_clean()
    material.save()
    audit_record(actor=user, obj=material, action="campaigns.material.created")
    edition_create(user=user, material_id=material.pk)
    return material


@transaction.atomic
def edition_new(*, user, edition_id: int) -> MaterialEdition:
    """Start a new draft edition from an approved one; the approved one stays printable."""
    source = _edition_for_update(user=user, edition_id=edition_id)
    material = source.material
    require(user, "material.edit", material.org_unit)
    if source.status != Status.APPROVED:
        raise InvalidState(
            _("Only an approved edition can be the start of a new edition."), code="not_approved"
        )
    # Lock the material so that two new editions cannot take the same number.
    Material.objects.select_for_update().get(pk=material.pk)
    open_edition = material.editions.exclude(status=Status.APPROVED).order_by("-number").first()
    if open_edition is not None:
        raise InvalidState(
            _("Edition %(number)s is already being worked on; finish or use that one.")
            % {"number": open_edition.number},
            code="open_edition",
        )
    number = (material.editions.aggregate(last=Max("number"))["last"] or 0) + 1
    edition = MaterialEdition.objects.create(
        material=material,
        number=number,
        based_on=source,
        needs_native_review=source.needs_native_review,
    )
    EditionBlock.objects.bulk_create(
        EditionBlock(
            edition=edition,
            position=block.position,
            kind=block.kind,
            text_zh=block.text_zh,
            text_bo=block.text_bo,
            # Text a native reader has cleared stays cleared, by them, until it changes.
            needs_native_review=block.needs_native_review,
            native_reviewed_by_id=block.native_reviewed_by_id,
            native_reviewed_at=block.native_reviewed_at,
        )
        for block in source.blocks.all()
    )
    if _native_review_flag_sync(edition):
        edition.save(update_fields=["needs_native_review"])
    audit_record(
        actor=user,
        obj=edition,
        action="campaigns.edition.created",
        data={"based_on": source.pk, "based_on_number": source.number},
    )
    return edition


@transaction.atomic
def block_add(
    *, user, edition_id: int, kind: str, text_zh: str = "", text_bo: str = ""
) -> EditionBlock:
    """Add a block at the end of a draft or translated edition."""
    edition = _edition_for_update(user=user, edition_id=edition_id)
    require(user, "material.edit", edition.material.org_unit)
    _require_text_editable(edition)
    position = (edition.blocks.aggregate(last=Max("position"))["last"] or 0) + 1
    block = EditionBlock(
        edition=edition, position=position, kind=kind, text_zh=text_zh, text_bo=text_bo
    )
    block.full_clean()
    block.save()
    _native_review_flag_sync(edition)
    _back_to_draft(edition)
    edition.save(
        update_fields=["status", "translated_by", "reviewed_by", "version", "needs_native_review"]
    )
    audit_record(
        actor=user,
        obj=edition,
        action="campaigns.edition.block_added",
        data={"block": block.pk, "position": position, "kind": kind},
    )
    return block


@transaction.atomic
def block_save(
    *,
    user,
    block_id: int,
    expected_version: int,
    text_zh: str,
    text_bo: str,
    kind: str | None = None,
) -> EditionBlock:
    """Save a block's two texts (and kind), refusing a save based on an older version.

    Nothing is written when nothing changed, so a repeated autosave costs no version.
    Changed Tibetan text needs native review again, and forgets who cleared the old one.
    """
    block = (
        visible_to(user, EditionBlock)
        .select_for_update(of=("self",))
        .select_related("edition__material__org_unit")
        .get(pk=block_id)
    )
    edition = block.edition
    require(user, "edition.translate", edition.material.org_unit)
    _require_text_editable(edition)
    if block.version != expected_version:
        raise StaleEdit(STALE_BLOCK % {"version": block.version}, current=block)
    kind = kind or block.kind
    if (block.text_zh, block.text_bo, block.kind) == (text_zh, text_bo, kind):
        return block
    changed = [
        name
        for name, value in (("text_zh", text_zh), ("text_bo", text_bo), ("kind", kind))
        if getattr(block, name) != value
    ]
    block.text_zh, block.text_bo, block.kind = text_zh, text_bo, kind
    if "text_bo" in changed:
        _native_review_reset(block)
    block.version += 1
    block.full_clean()
    block.save(
        update_fields=[
            "text_zh",
            "text_bo",
            "kind",
            "needs_native_review",
            "native_reviewed_by",
            "native_reviewed_at",
            "version",
        ]
    )
    edition = MaterialEdition.objects.select_for_update().get(pk=edition.pk)
    fields = []
    if "text_bo" in changed and _native_review_flag_sync(edition):
        fields.append("needs_native_review")
    if _back_to_draft(edition):
        fields += ["status", "translated_by", "reviewed_by", "version"]
    if fields:
        edition.save(update_fields=fields)
    block.edition = edition
    audit_record(
        actor=user,
        obj=edition,
        action="campaigns.edition.block_saved",
        data={"block": block.pk, "position": block.position, "changed": changed},
    )
    return block


def _transition(
    *, user, edition_id: int, to: str, expected_version: int, actions: tuple[str, ...]
) -> MaterialEdition:
    """The edition, locked and moved to ``to`` in memory, once the user's role allows one
    of ``actions`` and its status leads to ``to`` (else InvalidTransition); the caller checks
    its own rules, then saves with ``_save_status``."""
    edition = _edition_as_seen(user=user, edition_id=edition_id, expected_version=expected_version)
    unit = edition.material.org_unit
    if not any(can(user, action, unit) for action in actions):
        raise NotAllowed
    edition.transition(to=to)
    return edition


def _save_status(edition: MaterialEdition, *fields: str) -> None:
    edition.version += 1
    edition.save(update_fields=["status", "version", *fields])


@transaction.atomic
def edition_translate(*, user, edition_id: int, expected_version: int) -> MaterialEdition:
    """Mark a draft edition as translated, by its translator."""
    edition = _transition(
        user=user,
        edition_id=edition_id,
        to=Status.TRANSLATED,
        expected_version=expected_version,
        actions=("edition.translate",),
    )
    if not edition.blocks.exists():
        raise ValidationError(_("Add at least one block before marking the edition translated."))
    edition.translated_by = user
    edition.reviewed_by = None
    _save_status(edition, "translated_by", "reviewed_by")
    audit_record(actor=user, obj=edition, action="campaigns.edition.translated")
    return edition


def _four_eyes(user, edition: MaterialEdition, message: str) -> None:
    if edition.translated_by_user(user):
        raise ValidationError(message, code="own_translation")


@transaction.atomic
def edition_review(*, user, edition_id: int, expected_version: int) -> MaterialEdition:
    """Confirm a translated edition's translation; never by its own translator."""
    edition = _transition(
        user=user,
        edition_id=edition_id,
        to=Status.REVIEWED,
        expected_version=expected_version,
        actions=("edition.review",),
    )
    _four_eyes(
        user,
        edition,
        _("You translated this edition; another translator or a reviewer must review it."),
    )
    edition.reviewed_by = user
    _save_status(edition, "reviewed_by")
    audit_record(actor=user, obj=edition, action="campaigns.edition.reviewed")
    return edition


def _native_review_missing(positions: list[int]) -> str:
    """What keeps an edition from approval while the blocks at ``positions`` await review."""
    return ngettext(
        "The Tibetan of block %(blocks)s still awaits native review. A native reader of "
        "Tibetan must read and clear it before the edition is approved.",
        "The Tibetan of blocks %(blocks)s still awaits native review. A native reader of "
        "Tibetan must read and clear each of them before the edition is approved.",
        len(positions),
    ) % {"blocks": ", ".join(f"#{position}" for position in positions)}


@transaction.atomic
def edition_approve(*, user, edition_id: int, expected_version: int) -> MaterialEdition:
    """Approve a reviewed edition for print once its Tibetan text has passed native review."""
    edition = _transition(
        user=user,
        edition_id=edition_id,
        to=Status.APPROVED,
        expected_version=expected_version,
        actions=("edition.approve",),
    )
    _four_eyes(user, edition, _("You translated this edition; someone else must approve it."))
    pending = list(edition.blocks_awaiting_native_review().values_list("position", flat=True))
    if pending:
        raise ValidationError(_native_review_missing(pending), code="native_review_pending")
    # Ordering an edition locks its material too: an order of the edition this approval
    # replaces either comes first or sees this one.
    Material.objects.select_for_update().filter(pk=edition.material_id).first()
    edition.approved_at = timezone.now()
    _save_status(edition, "approved_at")
    audit_record(actor=user, obj=edition, action="campaigns.edition.approved")
    return edition


@transaction.atomic
def edition_return(*, user, edition_id: int, note: str, expected_version: int) -> MaterialEdition:
    """Send a translated or reviewed edition back to draft with a note saying what to fix."""
    edition = _transition(
        user=user,
        edition_id=edition_id,
        to=Status.DRAFT,
        expected_version=expected_version,
        actions=("edition.review", "edition.approve"),
    )
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what should be fixed.")})
    bounds.text_within(note, bounds.NOTE_LENGTH)
    edition.translated_by = None
    edition.reviewed_by = None
    _save_status(edition, "translated_by", "reviewed_by")
    audit_record(actor=user, obj=edition, action="campaigns.edition.returned", comment=note)
    return edition


def _require_native_reader(user, edition: MaterialEdition) -> None:
    """Only a native reader clears Tibetan, once the edition is translated and before it is
    approved, and never the edition's own translator."""
    if not is_native_reader(user):
        raise NotAllowed(
            _(
                "Only a native reader of Tibetan clears native review. An administrator marks "
                "native readers on the members page."
            )
        )
    if edition.status not in MaterialEdition.NATIVE_REVIEW_OPEN:
        raise InvalidState(
            _("Native review is cleared once the edition is translated, before it is approved."),
            code="not_translated",
        )
    _four_eyes(
        user, edition, _("You translated this edition; a native reader other than you checks it.")
    )


def _native_review_clear(*, user, edition: MaterialEdition, blocks, bulk: bool) -> None:
    """Record ``user`` as the native reader of ``blocks`` now, one audit entry per block."""
    now = timezone.now()
    for block in blocks:
        block.needs_native_review = False
        block.native_reviewed_by = user
        block.native_reviewed_at = now
        block.save(
            update_fields=["needs_native_review", "native_reviewed_by", "native_reviewed_at"]
        )
        data = {"block": block.pk, "position": block.position}
        if bulk:
            data["all_blocks"] = True
        audit_record(
            actor=user,
            obj=edition,
            action="campaigns.edition.block_native_review_cleared",
            data=data,
        )
    if _native_review_flag_sync(edition):
        # Pages opened while it awaited review offered no approval; they are out of date.
        edition.version += 1
        edition.save(update_fields=["needs_native_review", "version"])


@transaction.atomic
def block_native_review_clear(*, user, block_id: int, expected_version: int) -> EditionBlock:
    """A native reader, having read one block's Tibetan, clears it; clearing it again changes
    nothing. The edition's flag goes with its last block.

    ``expected_version`` is the edition's: the text read is the text cleared.
    """
    block = (
        visible_to(user, EditionBlock)
        .select_for_update(of=("self",))
        .select_related("edition__material__org_unit")
        .get(pk=block_id)
    )
    edition = _edition_as_seen(
        user=user, edition_id=block.edition_id, expected_version=expected_version
    )
    _require_native_reader(user, edition)
    if not block.text_bo:
        raise ValidationError(_("This block has no Tibetan text to review."), code="no_tibetan")
    if block.needs_native_review:
        _native_review_clear(user=user, edition=edition, blocks=[block], bulk=False)
    block.edition = edition
    return block


@transaction.atomic
def edition_native_review_clear(*, user, edition_id: int, expected_version: int) -> MaterialEdition:
    """A native reader, having read the whole edition's Tibetan, clears every block that
    awaits review at once; each block records them, with an audit entry of its own."""
    edition = _edition_as_seen(user=user, edition_id=edition_id, expected_version=expected_version)
    _require_native_reader(user, edition)
    blocks = list(edition.blocks_awaiting_native_review().select_for_update())
    _native_review_clear(user=user, edition=edition, blocks=blocks, bulk=True)
    return edition


@transaction.atomic
def block_comment_add(*, user, block_id: int, text: str) -> BlockComment:
    """Leave a remark on a block, for the translator or the reviewer."""
    block = (
        visible_to(user, EditionBlock)
        .select_related("edition__material__org_unit")
        .get(pk=block_id)
    )
    require(user, "material.edit", block.edition.material.org_unit)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the comment first.")})
    comment = BlockComment(block=block, author=user, text=text)
    comment.full_clean()
    comment.save()
    audit_record(
        actor=user,
        obj=block.edition,
        action="campaigns.edition.comment_added",
        data={"block": block.pk, "comment": comment.pk},
    )
    return comment


@transaction.atomic
def block_comment_resolve(*, user, comment_id: int) -> BlockComment:
    """Mark a comment as dealt with; resolving it twice changes nothing."""
    comment = (
        visible_to(user, BlockComment)
        .select_for_update(of=("self",))
        .select_related("block__edition__material__org_unit")
        .get(pk=comment_id)
    )
    edition = comment.block.edition
    require(user, "material.edit", edition.material.org_unit)
    if comment.resolved:
        return comment
    comment.resolved = True
    comment.save(update_fields=["resolved"])
    audit_record(
        actor=user,
        obj=edition,
        action="campaigns.edition.comment_resolved",
        data={"block": comment.block_id, "comment": comment.pk},
    )
    return comment
