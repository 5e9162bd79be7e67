from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from portal.access import OrgScopedQuerySet

# The org tree is kept as materialized paths: a unit's path is the primary keys from the root
# down to it, each zero-padded and closed by a dot ("0000001.0000004."). This module alone
# knows that format: whatever builds a path, or cuts one to a unit above, asks it.
PATH_SEGMENT_WIDTH = 7
PATH_SEPARATOR = "."
PATH_SEGMENT_LENGTH = PATH_SEGMENT_WIDTH + len(PATH_SEPARATOR)


def child_path(parent_path: str, pk: int) -> str:
    """The path of the unit ``pk`` placed below the unit at ``parent_path`` ("" for the root)."""
    return f"{parent_path}{pk:0{PATH_SEGMENT_WIDTH}d}{PATH_SEPARATOR}"


def path_ancestors(path: str) -> list[str]:
    """The paths of every unit above the unit with this path, root first."""
    segments = path.split(PATH_SEPARATOR)[:-1]
    return [
        PATH_SEPARATOR.join(segments[:depth]) + PATH_SEPARATOR for depth in range(1, len(segments))
    ]


def path_is_root(path: str) -> bool:
    """Whether ``path`` is the root's: headquarters'."""
    return path.count(PATH_SEPARATOR) == 1


def path_length(depth: int) -> int:
    """The length of the path of a unit ``depth`` levels down the tree (headquarters: 1), and
    so of the start of every path below it that names it."""
    return depth * PATH_SEGMENT_LENGTH


def child_key_length(path: str) -> int:
    """How much of a path below the unit at ``path`` names the child of that unit it lies
    under; the unit's own path is shorter, so cut to this length it stays itself. The key by
    which a subtree's figures are summed per child."""
    return len(path) + PATH_SEGMENT_LENGTH


class OrgUnitQuerySet(OrgScopedQuerySet):
    owner_path = "path"


class OrgUnit(models.Model):
    """A unit of the company: headquarters, branch, central sub-branch, sub-branch or outlet.

    ``path`` is the materialized path of primary keys from the root ("0000001.0000004."), kept
    by ``save()``, so that a subtree is one indexed prefix match.
    """

    class Kind(models.TextChoices):
        HQ = "hq", _("headquarters")
        BRANCH = "branch", _("branch")
        CENTRAL_SUB_BRANCH = "central_sub_branch", _("central sub-branch")
        SUB_BRANCH = "sub_branch", _("sub-branch")
        OUTLET = "outlet", _("outlet")

    # Each kind sits below the kinds before it.
    KIND_DEPTH = {kind: depth for depth, kind in enumerate(Kind)}

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    service_area = models.ManyToManyField(
        "campaigns.Region",
        blank=True,
        related_name="serving_units",
        limit_choices_to={"level": "county"},
        verbose_name=_("service area"),
        help_text=_("The counties this unit serves."),
    )
    contact_line = models.CharField(
        _("contact line"),
        max_length=200,
        blank=True,
        help_text=_("Printed in the footer of handouts."),
    )

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        indexes = [
            # LIKE 'prefix%' on PostgreSQL uses a b-tree index only with the pattern opclass.
            models.Index(
                fields=["path"], name="orgunit_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            self._refresh_path()

    def clean(self) -> None:
        if self.parent_id is None:
            if self.kind != self.Kind.HQ:
                raise ValidationError(
                    {"parent": _("Only headquarters stands without a parent unit.")}
                )
            return
        if self.pk and self.path and self.parent.is_within(self):
            raise ValidationError({"parent": _("A unit cannot be placed below itself.")})
        if self.KIND_DEPTH[self.kind] <= self.KIND_DEPTH[self.parent.kind]:
            raise ValidationError(
                {
                    "kind": _("A %(kind)s cannot be placed below a %(parent)s.")
                    % {"kind": self.get_kind_display(), "parent": self.parent.get_kind_display()}
                }
            )

    def _refresh_path(self) -> None:
        expected = child_path(self.parent.path if self.parent_id else "", self.pk)
        if expected == self.path:
            return
        old = self.path
        if old:
            # Moved: every unit below follows.
            descendants = list(OrgUnit.objects.filter(path__startswith=old).exclude(pk=self.pk))
            for unit in descendants:
                unit.path = expected + unit.path[len(old) :]
            OrgUnit.objects.bulk_update(descendants, ["path"])
        OrgUnit.objects.filter(pk=self.pk).update(path=expected)
        self.path = expected

    def is_within(self, other: "OrgUnit") -> bool:
        """Whether this unit is ``other`` or below it."""
        return self.path.startswith(other.path)

    def ancestors(self) -> models.QuerySet["OrgUnit"]:
        return OrgUnit.objects.filter(path__in=path_ancestors(self.path))

    def service_counties(self) -> models.QuerySet:
        """The counties this unit may hold events in: its own service area, or, for a unit
        that declares none (headquarters), the service areas of the units below it."""
        region_model = self._meta.get_field("service_area").related_model
        own = region_model.objects.filter(serving_units=self)
        if own.exists():
            return own
        return region_model.objects.filter(
            serving_units__path__startswith=self.path, level="county"
        ).distinct()


class MembershipQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"


class Membership(models.Model):
    """A user's role in one org unit; it reaches the unit's whole subtree."""

    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("organizer")
        REVIEWER = "reviewer", _("reviewer")
        TRANSLATOR = "translator", _("translator")
        ADMIN = "admin", _("administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    org_unit = models.ForeignKey(
        OrgUnit, models.CASCADE, related_name="memberships", verbose_name=_("org unit")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["org_unit__path", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org_unit", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org_unit}"
