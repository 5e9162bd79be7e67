"""Reads of the material library and the translator's editor, and the diff between editions."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext

from campaigns.models import (
    AuditEntry,
    BlockComment,
    EditionBlock,
    Material,
    MaterialEdition,
    OrgUnit,
)
from campaigns.selectors.audit import action_label
from portal.access import action_scope, can, filter_by_action, is_native_reader, visible_to

Status = MaterialEdition.Status

HISTORY_LABELS = {
    "campaigns.edition.created": gettext_lazy("edition started"),
    "campaigns.edition.block_added": gettext_lazy("block added"),
    "campaigns.edition.block_saved": gettext_lazy("block saved"),
    "campaigns.edition.translated": gettext_lazy("marked translated"),
    "campaigns.edition.reviewed": gettext_lazy("translation reviewed"),
    "campaigns.edition.approved": gettext_lazy("approved for print"),
    "campaigns.edition.returned": gettext_lazy("returned to draft"),
    "campaigns.edition.native_review_cleared": gettext_lazy("native review cleared"),
    "campaigns.edition.block_native_review_cleared": gettext_lazy(
        "native review of a block cleared"
    ),
    "campaigns.edition.comment_added": gettext_lazy("comment added"),
    "campaigns.edition.comment_resolved": gettext_lazy("comment resolved"),
}
# Autosave writes many entries; the editor shows the latest ones.
HISTORY_SHOWN = 30


def may_order_print_runs(user) -> bool:
    """Whether ``user`` orders print runs somewhere; a handout is shared with units below its
    own, so the organizer's unit need not be the material's."""
    return action_scope(user, "printrun.order").reaches_anything


def read_only_reason(*, user, unit: OrgUnit) -> str:
    """Why a translator may not change a handout of ``unit``, and who may; "" when they
    may, or when they translate nowhere (then nobody expects to edit it)."""
    if can(user, "edition.translate", unit):
        return ""
    if not action_scope(user, "edition.translate").reaches_anything:
        return ""
    return gettext(
        "You can read this handout but not change it: it belongs to %(unit)s, and only "
        "translators of %(unit)s or of a unit above it may edit it."
    ) % {"unit": unit.name}


def material_units_editable(*, user) -> QuerySet[OrgUnit]:
    """The org units ``user`` may add materials for."""
    return filter_by_action(OrgUnit.objects.all(), user, "material.edit")


def material_list(
    *, user, topic: str = "", kind: str = "", status: str = "", search: str = ""
) -> QuerySet[Material]:
    """The materials ``user`` sees, with their latest edition's number and status.

    ``status`` narrows to materials whose latest edition has that status.
    """
    latest = MaterialEdition.objects.filter(material=OuterRef("pk")).order_by("-number")
    materials = (
        visible_to(user, Material)
        .select_related("org_unit")
        .annotate(
            latest_number=Subquery(latest.values("number")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            approved_count=Count("editions", filter=Q(editions__status=Status.APPROVED)),
        )
    )
    if topic:
        materials = materials.filter(topic=topic)
    if kind:
        materials = materials.filter(kind=kind)
    if status:
        materials = materials.filter(latest_status=status)
    if search:
        materials = materials.filter(Q(title_zh__icontains=search) | Q(title_bo__icontains=search))
    return materials.order_by("title_zh", "pk")


@dataclass
class MaterialPage:
    material: Material
    editions: list[MaterialEdition]
    # The newest approved edition: the current one, the only one ordered.
    latest_approved: MaterialEdition | None
    open_edition: MaterialEdition | None
    may_edit: bool = False
    may_start_edition: bool = False
    may_order: bool = False
    read_only_reason: str = ""


def material_page(*, user, material_id: int) -> MaterialPage:
    """A material with its editions, newest first; raises Material.DoesNotExist outside scope."""
    material = visible_to(user, Material).select_related("org_unit").get(pk=material_id)
    # Newest first, said outright: a query with an aggregate ignores Meta.ordering.
    editions = list(
        material.editions.select_related("translated_by", "reviewed_by", "based_on")
        .annotate(block_count=Count("blocks"))
        .order_by("-number")
    )
    approved = [e for e in editions if e.status == Status.APPROVED]
    open_edition = next((e for e in editions if e.status != Status.APPROVED), None)
    for edition in editions:
        # Newest first: every approved edition after the first was replaced by it.
        edition.replaced_by = approved[0] if edition in approved[1:] else None
    may_edit = can(user, "material.edit", material.org_unit)
    return MaterialPage(
        material=material,
        editions=editions,
        latest_approved=approved[0] if approved else None,
        open_edition=open_edition,
        may_edit=may_edit,
        may_start_edition=may_edit and open_edition is None and bool(approved),
        may_order=may_order_print_runs(user),
        read_only_reason=read_only_reason(user=user, unit=material.org_unit),
    )


@dataclass
class EditorPage:
    """An edition with its blocks, comments and what the user may do to it."""

    edition: MaterialEdition
    blocks: list[EditionBlock]
    native_review_pending: bool
    history: list[AuditEntry]
    # The positions of the blocks whose Tibetan awaits a native reader, and that in words.
    pending_positions: list[int] = field(default_factory=list)
    native_review_missing: str = ""
    # The material's current edition, when it replaced this approved one.
    replaced_by: MaterialEdition | None = None
    return_note: str = ""
    text_editable: bool = False
    may_add_block: bool = False
    may_edit_text: bool = False
    may_comment: bool = False
    may_translate: bool = False
    may_review: bool = False
    may_approve: bool = False
    may_return: bool = False
    may_clear_native_review: bool = False
    is_translator: bool = False
    is_native_reader: bool = False
    may_order: bool = False
    newer_editions: list[MaterialEdition] = field(default_factory=list)
    read_only_reason: str = ""


def editor_blocks(edition: MaterialEdition) -> QuerySet[EditionBlock]:
    """The blocks of an edition in order, with their comments and the comments' authors."""
    return (
        edition.blocks.order_by("position")
        .select_related("native_reviewed_by")
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=BlockComment.objects.select_related("author").order_by("created_at", "pk"),
            )
        )
    )


def edition_for_user(*, user, edition_id: int) -> MaterialEdition:
    """An edition inside the user's scope; raises MaterialEdition.DoesNotExist otherwise."""
    return (
        visible_to(user, MaterialEdition)
        .select_related("material__org_unit", "translated_by", "reviewed_by", "based_on")
        .get(pk=edition_id)
    )


def editor_permissions(
    *, user, edition: MaterialEdition, native_review_pending: bool = False, current: bool = True
) -> dict[str, bool]:
    """What the editor offers ``user`` for ``edition``; the services enforce the same rules.

    ``native_review_pending``: Tibetan of the edition awaits a native reader, so it is not
    approved yet; ``current``: no newer approved edition replaced it, so it may be ordered.
    """
    unit = edition.material.org_unit
    text_editable = edition.text_editable
    is_translator = edition.translated_by_user(user)
    may_review_role = can(user, "edition.review", unit)
    may_approve_role = can(user, "edition.approve", unit)
    native_reader = is_native_reader(user)
    could_approve = edition.can_move_to(Status.APPROVED) and may_approve_role and not is_translator
    return {
        "text_editable": text_editable,
        "is_translator": is_translator,
        "may_add_block": text_editable and can(user, "material.edit", unit),
        "may_edit_text": text_editable and can(user, "edition.translate", unit),
        "may_comment": can(user, "material.edit", unit),
        "may_translate": edition.can_move_to(Status.TRANSLATED)
        and can(user, "edition.translate", unit),
        "may_review": edition.can_move_to(Status.REVIEWED)
        and may_review_role
        and not is_translator,
        "is_native_reader": native_reader,
        "may_approve": could_approve and not native_review_pending,
        "may_return": edition.can_move_to(Status.DRAFT) and (may_review_role or may_approve_role),
        "may_order": edition.status == Status.APPROVED and current and may_order_print_runs(user),
        "may_clear_native_review": edition.status in MaterialEdition.NATIVE_REVIEW_OPEN
        and native_reader
        and not is_translator,
    }


def _awaiting_native_reader(positions: list[int]) -> str:
    return ngettext(
        "Still awaiting a native reader: block %(blocks)s.",
        "Still awaiting a native reader: blocks %(blocks)s.",
        len(positions),
    ) % {"blocks": ", ".join(f"#{position}" for position in positions)}


def editor_page(*, user, edition_id: int) -> EditorPage:
    """Everything the translator's editor shows for one edition."""
    edition = edition_for_user(user=user, edition_id=edition_id)
    history = list(
        AuditEntry.objects.filter(
            object_type=MaterialEdition._meta.label_lower, object_id=str(edition.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")[:HISTORY_SHOWN]
    )
    for entry in history:
        entry.label = HISTORY_LABELS.get(entry.action) or action_label(entry.action)
    return_note = ""
    if edition.status == Status.DRAFT:
        # The latest return note, unless the edition was marked translated again since.
        for entry in history:
            if entry.action in ("campaigns.edition.returned", "campaigns.edition.translated"):
                return_note = entry.comment
                break
    newer = list(edition.material.editions.filter(number__gt=edition.number).order_by("number"))
    replaced_by = next((e for e in reversed(newer) if e.status == Status.APPROVED), None)
    blocks = list(editor_blocks(edition))
    pending = [block.position for block in blocks if block.awaits_native_review]
    return EditorPage(
        edition=edition,
        blocks=blocks,
        native_review_pending=bool(pending),
        pending_positions=pending,
        native_review_missing=_awaiting_native_reader(pending) if pending else "",
        replaced_by=replaced_by,
        history=history,
        return_note=return_note,
        newer_editions=newer,
        read_only_reason=read_only_reason(user=user, unit=edition.material.org_unit),
        **editor_permissions(
            user=user,
            edition=edition,
            native_review_pending=bool(pending),
            current=replaced_by is None,
        ),
    )


@dataclass(frozen=True)
class BlockDiff:
    """One block compared between two editions, by position."""

    position: int
    kind: str
    state: str  # "same", "changed", "added" or "removed"
    zh: SafeString
    bo: SafeString


# Tibetan is compared syllable by syllable (a syllable ends at its tsheg or shad), Chinese
# character by character; spaces and line breaks are tokens of their own.
TIBETAN_TOKEN = re.compile(r"\s+|[^\s\u0f0b\u0f0c\u0f0d\u0f0e]+[\u0f0b\u0f0c\u0f0d\u0f0e]*|.")
# A block is compared sentence by sentence first, and only the sentences that changed are
# compared token by token: difflib's matcher weighs every pair of tokens at worst, which
# made one 60,000-character block take 10 s.
SENTENCE = re.compile(r"[^。！？；!?;\n\u0f0d\u0f0e]*(?:[。！？；!?;\n\u0f0d\u0f0e]+|$)")
# The most pairs one comparison may weigh (a few hundredths of a second); a larger change
# is shown removed and added whole, after what it shares at its start and end.
DIFF_PAIRS_MAX = 1_000_000
# A diff depends only on the two texts, so it is kept by their hash: no edit needs to
# forget it, and every later view of the same two editions costs a cache read per block.
DIFF_CACHE_SECONDS = 7 * 24 * 3600


def _tokens(text: str, *, tibetan: bool) -> list[str]:
    return TIBETAN_TOKEN.findall(text) if tibetan else list(text)


def _changes(old: list[str], new: list[str]):
    """(tag, removed, added) runs turning ``old`` into ``new``, each side joined."""
    if len(old) * len(new) <= DIFF_PAIRS_MAX:
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            yield tag, "".join(old[a0:a1]), "".join(new[b0:b1])
        return
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    yield "equal", "", "".join(new[:start])
    yield "replace", "".join(old[start : len(old) - end]), "".join(new[start : len(new) - end])
    yield "equal", "", "".join(new[len(new) - end :])


def _inline_diff_html(old: str, new: str, *, tibetan: bool) -> str:
    parts = []
    sentences = (SENTENCE.findall(old), SENTENCE.findall(new))
    for tag, removed_text, added_text in _changes(*sentences):
        if tag == "equal":
            parts.append(escape(added_text))
            continue
        tokens = (_tokens(removed_text, tibetan=tibetan), _tokens(added_text, tibetan=tibetan))
        for step, removed, added in _changes(*tokens):
            if step == "equal":
                parts.append(escape(added))
                continue
            if removed:
                parts.append(f"<del>{escape(removed)}</del>")
            if added:
                parts.append(f"<ins>{escape(added)}</ins>")
    return "".join(parts)


def inline_diff(old: str, new: str, *, tibetan: bool = False) -> SafeString:
    """``new`` as HTML, with what was removed from ``old`` in <del> and what was added in <ins>."""
    if old == new:
        return escape(new)
    digest = hashlib.sha256(f"{tibetan}\0{old}\0{new}".encode(errors="surrogatepass"))
    key = f"edition-diff:{digest.hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = _inline_diff_html(old, new, tibetan=tibetan)
        cache.set(key, html, DIFF_CACHE_SECONDS)
    # Escaped piece by piece when it was made; the cache holds only what this code wrote.
    return mark_safe(html)  # noqa: S308


def edition_diff(old: MaterialEdition, new: MaterialEdition) -> list[BlockDiff]:
    """What changed from ``old`` to ``new``, block by block, matched by position."""
    old_blocks = {b.position: b for b in old.blocks.all()}
    new_blocks = {b.position: b for b in new.blocks.all()}
    rows = []
    for position in sorted(old_blocks.keys() | new_blocks.keys()):
        before, after = old_blocks.get(position), new_blocks.get(position)
        if before is None:
            state = "added"
        elif after is None:
            state = "removed"
        elif (before.text_zh, before.text_bo, before.kind) == (
            after.text_zh,
            after.text_bo,
            after.kind,
        ):
            state = "same"
        else:
            state = "changed"
        rows.append(
            BlockDiff(
                position=position,
                kind=(after or before).get_kind_display(),
                state=state,
                zh=inline_diff(before.text_zh if before else "", after.text_zh if after else ""),
                bo=inline_diff(
                    before.text_bo if before else "",
                    after.text_bo if after else "",
                    tibetan=True,
                ),
            )
        )
    return rows


def approved_editions(*, user, material: Material) -> QuerySet[MaterialEdition]:
    """The approved editions of ``material``, newest first, with their blocks in order; each
    carries ``replaced_by_number``, the number of the current edition when a newer approved
    one replaced it (None for the current edition)."""
    newest = (
        MaterialEdition.objects.filter(
            material=OuterRef("material"), status=Status.APPROVED, number__gt=OuterRef("number")
        )
        .order_by("-number")
        .values("number")[:1]
    )
    blocks = EditionBlock.objects.select_related("native_reviewed_by").order_by("position")
    return (
        visible_to(user, MaterialEdition)
        .filter(material=material, status=Status.APPROVED)
        .annotate(replaced_by_number=Subquery(newest))
        .prefetch_related(Prefetch("blocks", queryset=blocks))
        .order_by("-number")
    )


@dataclass(frozen=True)
class PublicEdition:
    """What the public page of an approved edition shows."""

    edition: MaterialEdition
    blocks: list[EditionBlock]
    # Some of its Tibetan awaits a native reader.
    native_review_pending: bool
    # The material's current edition, when a newer approved one replaced this one.
    current: MaterialEdition | None


def public_edition(*, token) -> PublicEdition:
    """An approved edition found by its public token, with its blocks; raises
    MaterialEdition.DoesNotExist for any other token."""
    # No user scope: the token is the permission, and only approved text is public.
    edition = MaterialEdition.objects.select_related("material__org_unit").get(
        public_token=token, status=Status.APPROVED
    )
    blocks = list(edition.blocks.order_by("position"))
    current = MaterialEdition.objects.filter(material=edition.material_id).current().first()
    return PublicEdition(
        edition=edition,
        blocks=blocks,
        native_review_pending=any(block.awaits_native_review for block in blocks),
        current=current if current is not None and current.pk != edition.pk else None,
    )
