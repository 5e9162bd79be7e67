import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.models.events import Topic
from campaigns.models.states import StatusMachine
from portal.access import OrgScopedQuerySet


class MaterialQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"
    # A handout made at headquarters or a branch is handed out by every unit below it.
    shared_with_subunits = True


class Material(models.Model):
    """A handout, leaflet, poster or banner; its text lives in editions."""

    class Kind(models.TextChoices):
        A5_LEAFLET = "a5_leaflet", _("A5 leaflet")
        A4_TRIFOLD = "a4_trifold", _("A4 tri-fold")
        A3_POSTER = "a3_poster", _("A3 poster")
        BANNER = "banner", _("banner")

    org_unit = models.ForeignKey(
        "campaigns.OrgUnit", models.PROTECT, related_name="materials", verbose_name=_("org unit")
    )
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    title_bo = models.CharField(_("Tibetan title"), max_length=300, blank=True)
    topic = models.CharField(_("topic"), max_length=32, choices=Topic.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)

    objects = MaterialQuerySet.as_manager()

    class Meta:
        ordering = ["title_zh"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "title_zh"], name="material_unique_title_per_unit"
            )
        ]

    def __str__(self) -> str:
        return self.title_zh


class MaterialEditionQuerySet(OrgScopedQuerySet):
    owner_path = "material__org_unit__path"
    shared_with_subunits = True

    def current(self):
        """The approved editions that no newer approved edition of their material replaced:
        one per material, the only one that may be ordered."""
        newer = MaterialEdition.objects.filter(
            material=OuterRef("material"),
            status=MaterialEdition.Status.APPROVED,
            number__gt=OuterRef("number"),
        )
        return self.filter(status=MaterialEdition.Status.APPROVED).exclude(Exists(newer))


class MaterialEdition(StatusMachine, models.Model):
    """One numbered edition of a material's bilingual text. Only approved editions print.

    An edition moves draft → translated → reviewed → approved, and a translated or reviewed
    one may be returned to draft; the services in ``services/materials.py`` make each move,
    with who made it, its checks and its audit entry.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        TRANSLATED = "translated", _("translated")
        REVIEWED = "reviewed", _("reviewed")
        APPROVED = "approved", _("approved")

    TRANSITION_REFUSED = _("A %(current)s edition cannot become %(target)s.")
    TRANSITIONS = {
        Status.DRAFT: {Status.TRANSLATED},
        Status.TRANSLATED: {Status.REVIEWED, Status.DRAFT},
        Status.REVIEWED: {Status.APPROVED, Status.DRAFT},
        Status.APPROVED: set(),
    }
    # Statuses in which the blocks' text may still change: an approved edition never
    # changes again, and a reviewed one is returned to draft first.
    TEXT_EDITABLE = frozenset({Status.DRAFT, Status.TRANSLATED})
    # Statuses in which a native reader clears the Tibetan: once it is translated, before
    # the edition is approved.
    NATIVE_REVIEW_OPEN = frozenset({Status.TRANSLATED, Status.REVIEWED})

    material = models.ForeignKey(
        Material, models.CASCADE, related_name="editions", verbose_name=_("material")
    )
    number = models.PositiveIntegerField(_("edition number"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    needs_native_review = models.BooleanField(
        _("needs native review"),
        default=True,
        help_text=_("Cleared by a native reader of Tibetan."),
    )
    # The read-only public page of the edition (the QR code on the print) is found by this
    # unguessable token, never by the sequential id.
    public_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    based_on = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("based on edition"),
        help_text=_("Editing an approved edition starts a new one based on it."),
    )
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("translated by"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MaterialEditionQuerySet.as_manager()

    class Meta:
        ordering = ["material", "-number"]
        verbose_name = _("material edition")
        verbose_name_plural = _("material editions")
        constraints = [
            models.UniqueConstraint(fields=["material", "number"], name="edition_unique_number"),
            # The four-eyes rule: whoever translated may not also review.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("translated_by")),
                name="edition_reviewer_not_translator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material} · {self.number}"

    @property
    def text_editable(self) -> bool:
        """Whether the blocks' text may still change."""
        return self.status in self.TEXT_EDITABLE

    def translated_by_user(self, user) -> bool:
        """Whether ``user`` translated this edition: the four-eyes rule keeps them from
        reviewing, approving it or clearing its native review."""
        return self.translated_by_id is not None and self.translated_by_id == user.pk

    def blocks_awaiting_native_review(self) -> models.QuerySet:
        """The blocks whose Tibetan awaits a native reader, in order. A block without
        Tibetan has nothing to review, so a Chinese-only edition has none."""
        return self.blocks.awaiting_native_review().order_by("position")

    def native_review_pending(self) -> bool:
        """Whether Tibetan text of the edition still awaits a native reader (read from its
        blocks; ``needs_native_review`` is the summary the services keep of it)."""
        return self.blocks_awaiting_native_review().exists()


# Characters in one language of one block: a block is one heading, paragraph or list of a
# leaflet or poster (the longest seeded one has 1,133), and the edition diff compares
# blocks, which must stay quick to compare.
BLOCK_TEXT_LENGTH = 5_000


class EditionBlockQuerySet(OrgScopedQuerySet):
    owner_path = "edition__material__org_unit__path"
    shared_with_subunits = True

    def awaiting_native_review(self):
        """Blocks whose Tibetan a native reader has not cleared; a block without Tibetan has
        nothing to review (``EditionBlock.awaits_native_review`` says the same of one)."""
        return self.exclude(text_bo="").filter(needs_native_review=True)


class EditionBlock(models.Model):
    """One block of an edition, in Chinese and in Tibetan, printed side by side."""

    class Kind(models.TextChoices):
        HEADING = "heading", _("heading")
        PARAGRAPH = "paragraph", _("paragraph")
        LIST = "list", _("list")
        IMAGE = "image", _("image")
        QR_CODE = "qr_code", _("QR code")
        CALLOUT = "callout", _("callout")

    edition = models.ForeignKey(
        MaterialEdition, models.CASCADE, related_name="blocks", verbose_name=_("edition")
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text_zh = models.TextField(
        _("Chinese text"), blank=True, validators=[MaxLengthValidator(BLOCK_TEXT_LENGTH)]
    )
    text_bo = models.TextField(
        _("Tibetan text"), blank=True, validators=[MaxLengthValidator(BLOCK_TEXT_LENGTH)]
    )
    needs_native_review = models.BooleanField(_("Tibetan needs native review"), default=True)
    # Who cleared the block's Tibetan, and when; emptied whenever the Tibetan changes.
    native_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("native review cleared by"),
    )
    native_reviewed_at = models.DateTimeField(_("native review cleared at"), null=True, blank=True)
    # Raised by every save of the block: the editor's autosave refuses an older version.
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = EditionBlockQuerySet.as_manager()

    class Meta:
        ordering = ["edition", "position"]
        verbose_name = _("edition block")
        verbose_name_plural = _("edition blocks")
        constraints = [
            models.UniqueConstraint(fields=["edition", "position"], name="block_unique_position"),
            models.CheckConstraint(
                condition=bounds.lengths_within(BLOCK_TEXT_LENGTH, "text_zh", "text_bo"),
                name="block_text_length",
            ),
            # Text awaiting native review has not been cleared by anyone yet.
            models.CheckConstraint(
                condition=Q(needs_native_review=False)
                | Q(native_reviewed_by__isnull=True, native_reviewed_at__isnull=True),
                name="block_native_review_cleared_only_when_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition} #{self.position}"

    @property
    def awaits_native_review(self) -> bool:
        """Whether the block's Tibetan awaits a native reader (as ``awaiting_native_review``)."""
        return bool(self.text_bo) and self.needs_native_review


class BlockCommentQuerySet(OrgScopedQuerySet):
    owner_path = "block__edition__material__org_unit__path"
    shared_with_subunits = True


class BlockComment(models.Model):
    """A translator's or reviewer's remark on one block of an edition."""

    block = models.ForeignKey(
        EditionBlock, models.CASCADE, related_name="comments", verbose_name=_("block")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("comment"))
    resolved = models.BooleanField(_("resolved"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = BlockCommentQuerySet.as_manager()

    class Meta:
        ordering = ["block", "created_at", "pk"]
        verbose_name = _("block comment")
        verbose_name_plural = _("block comments")
        constraints = [
            models.CheckConstraint(
                condition=bounds.lengths_within(bounds.NOTE_LENGTH, "text"),
                name="comment_text_in_bounds",
                violation_error_message=_("The comment is too long."),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class PrintRunQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"


class PrintRun(models.Model):
    """Copies of an approved edition printed for an org unit, with the print-ready PDF."""

    class PaperSize(models.TextChoices):
        A5 = "A5", "A5"
        A4 = "A4", "A4"
        A3 = "A3", "A3"

    edition = models.ForeignKey(
        MaterialEdition, models.PROTECT, related_name="print_runs", verbose_name=_("edition")
    )
    org_unit = models.ForeignKey(
        "campaigns.OrgUnit", models.PROTECT, related_name="print_runs", verbose_name=_("org unit")
    )

    class Layout(models.TextChoices):
        SIDE_BY_SIDE = "side_by_side", _("Chinese and Tibetan side by side")
        SEQUENTIAL = "sequential", _("Chinese, then Tibetan")

    paper_size = models.CharField(_("paper size"), max_length=4, choices=PaperSize.choices)
    layout = models.CharField(
        _("layout"), max_length=16, choices=Layout.choices, default=Layout.SIDE_BY_SIDE
    )
    bleed = models.BooleanField(_("3 mm bleed"), default=False)
    crop_marks = models.BooleanField(_("crop marks"), default=False)
    copies = models.PositiveIntegerField(_("copies"))
    delivery_note = models.TextField(_("delivery note"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="print-runs/%Y/", blank=True)
    job = models.ForeignKey(
        "campaigns.Job",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rendering job"),
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PrintRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("print run")
        verbose_name_plural = _("print runs")
        constraints = [
            models.CheckConstraint(condition=Q(copies__gt=0), name="print_run_copies_positive"),
            models.CheckConstraint(
                condition=bounds.counts_within(bounds.COPIES, "copies")
                & bounds.lengths_within(bounds.NOTE_LENGTH, "delivery_note"),
                name="print_run_order_in_bounds",
                violation_error_message=_("The copies or the delivery note are beyond any order."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition} × {self.copies}"


class MaterialUseQuerySet(OrgScopedQuerySet):
    owner_path = "event__org_unit__path"


class MaterialUse(models.Model):
    """Copies of an edition handed out at an event; stock = printed − handed out."""

    event = models.ForeignKey(
        "campaigns.Event", models.CASCADE, related_name="material_uses", verbose_name=_("event")
    )
    edition = models.ForeignKey(
        MaterialEdition, models.PROTECT, related_name="uses", verbose_name=_("edition")
    )
    copies = models.PositiveIntegerField(_("copies handed out"))

    objects = MaterialUseQuerySet.as_manager()

    class Meta:
        ordering = ["event", "edition"]
        verbose_name = _("material use")
        verbose_name_plural = _("material uses")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "edition"], name="material_use_once_per_edition"
            ),
            models.CheckConstraint(condition=Q(copies__gt=0), name="material_use_copies_positive"),
            models.CheckConstraint(
                condition=bounds.counts_within(bounds.COPIES, "copies"),
                name="material_use_copies_in_bounds",
                violation_error_message=_("More copies than any print run holds."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition} × {self.copies}"
