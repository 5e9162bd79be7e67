"""Reads about regions: the Tibetan names a native reader reviews."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from campaigns.models import Region

UNREVIEWED, REVIEWED, ALL = "unreviewed", "reviewed", "all"


def _with_tibetan_name() -> QuerySet[Region]:
    return Region.objects.exclude(name_bo="")


def region_names_bo(*, status: str = UNREVIEWED, prefecture: Region | None = None):
    """The regions with a Tibetan name, in code order: those awaiting a native reader
    (``unreviewed``), those reviewed, or all; ``prefecture`` narrows to it and its counties."""
    regions = _with_tibetan_name().select_related("parent", "name_bo_reviewed_by")
    if status == UNREVIEWED:
        regions = regions.filter(name_bo_needs_review=True)
    elif status == REVIEWED:
        regions = regions.filter(name_bo_needs_review=False)
    if prefecture is not None:
        regions = regions.filter(Q(pk=prefecture.pk) | Q(parent=prefecture))
    return regions.order_by("code")


def region_names_bo_unreviewed_count() -> int:
    """How many Tibetan names of regions await a native reader."""
    return _with_tibetan_name().filter(name_bo_needs_review=True).count()


def region_name_prefectures() -> QuerySet[Region]:
    """The prefectures with a Tibetan name of their own or of one of their counties."""
    named_child = _with_tibetan_name().filter(parent=OuterRef("pk"))
    return (
        Region.objects.filter(level=Region.Level.PREFECTURE)
        .filter(~Q(name_bo="") | Exists(named_child))
        .order_by("code")
    )
