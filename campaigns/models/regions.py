import re
import unicodedata

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An administrative division with its 6-digit GB/T 2260 code; the code prefix is the tree."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        PREFECTURE = "prefecture", _("prefecture")
        COUNTY = "county", _("county")

    code = models.CharField(
        _("code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{6}$", _("A region code has six digits."))],
    )
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_bo = models.CharField(_("Tibetan name"), max_length=128, blank=True)
    name_bo_needs_review = models.BooleanField(
        _("Tibetan name needs native review"),
        default=False,
        help_text=_(
            "Set while the Tibetan name was written by us and not yet checked by a native reader."
        ),
    )
    # Who last confirmed or corrected the Tibetan name as a native reader, and when.
    name_bo_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Tibetan name reviewed by"),
    )
    name_bo_reviewed_at = models.DateTimeField(_("Tibetan name reviewed at"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    ethnic_area = models.BooleanField(_("ethnic-minority area"), default=False)
    old_revolutionary_area = models.BooleanField(_("old revolutionary area"), default=False)
    remote_area = models.BooleanField(_("remote area"), default=False)

    # A special area is a county of any of these kinds; every query, SQL fold, filter choice
    # and badge takes the kinds from here.
    SPECIAL_AREA_KINDS = ("ethnic_area", "old_revolutionary_area", "remote_area")

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["level", "code"], name="region_level_code")]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"

    @property
    def special_kinds(self) -> list[str]:
        """The kinds of special area this region is, in words; empty when it is none."""
        return [
            str(self._meta.get_field(kind).verbose_name)
            for kind in self.SPECIAL_AREA_KINDS
            if getattr(self, kind)
        ]

    @classmethod
    def special_kind_choices(cls) -> list[tuple[str, str]]:
        return [(kind, cls._meta.get_field(kind).verbose_name) for kind in cls.SPECIAL_AREA_KINDS]

    @classmethod
    def special_area_q(cls, kind: str = "any", prefix: str = "") -> models.Q:
        """Regions of one special-area kind, or of any kind when ``kind`` is "any";
        ``prefix`` reaches the region from another model ("county__")."""
        if kind == "any":
            kinds = cls.SPECIAL_AREA_KINDS
        elif kind in cls.SPECIAL_AREA_KINDS:
            kinds = (kind,)
        else:
            raise ValueError(f"unknown special area {kind!r}")
        condition = models.Q()
        for name in kinds:
            condition |= models.Q(**{f"{prefix}{name}": True})
        return condition

    @classmethod
    def special_area_sql(cls, alias: str) -> str:
        """The same rule as ``special_area_q`` for hand-written SQL over regions as ``alias``."""
        return "(" + " OR ".join(f"{alias}.{kind}" for kind in cls.SPECIAL_AREA_KINDS) + ")"


# A county as people type it: its code, its name, or both, with or without a space between
# ("513233", "红原县", "513233 红原县", "513233红原县").
COUNTY_TEXT = re.compile(r"^(?P<code>[0-9]{6})(?![0-9])\s*(?P<name>.*)$", re.DOTALL)


def county_text_parts(text: str) -> tuple[str, str]:
    """The code and the name in what was typed for a county: ("513233", "红原县") for
    "513233红原县", ("", "红原县") for a name alone. Full-width digits count as digits."""
    text = unicodedata.normalize("NFKC", text).strip()
    match = COUNTY_TEXT.match(text)
    if match is None:
        return "", text
    return match["code"], match["name"].strip()
