"""Regions whose Tibetan names await a native reader: two prefectures with a county each."""

from campaigns.models import Region
from tests import factories as f

HONGYUAN_BO = "ཧོང་ཡོན་རྫོང་།"


def regions_awaiting_review(*, province: Region | None = None) -> dict[str, Region]:
    """Aba prefecture with Hongyuan county and Ganzi prefecture with Litang county, under
    ``province`` if given, each with a Tibetan name not yet reviewed: four names wait."""
    # Short names, not the official ones: the page tests look for "阿坝州" and "甘孜州" and
    # would find "阿坝州" nowhere in "阿坝藏族羌族自治州".
    aba = f.RegionFactory(
        code="513200",
        name_zh="阿坝州",
        name_bo="རྔ་བ་ཁུལ།",
        name_bo_needs_review=True,
        level=Region.Level.PREFECTURE,
        parent=province,
    )
    ganzi = f.RegionFactory(
        code="513300",
        name_zh="甘孜州",
        name_bo="དཀར་མཛེས་ཁུལ།",
        name_bo_needs_review=True,
        level=Region.Level.PREFECTURE,
        parent=province,
    )
    return {
        "aba": aba,
        "ganzi": ganzi,
        "hongyuan": f.RegionFactory(
            code="513233",
            name_zh="红原县",
            name_bo=HONGYUAN_BO,
            name_bo_needs_review=True,
            parent=aba,
        ),
        "litang": f.RegionFactory(
            code="513334",
            name_zh="理塘县",
            name_bo="ལི་ཐང་རྫོང་།",
            name_bo_needs_review=True,
            parent=ganzi,
        ),
    }


def native_reader(*, org_unit, role):
    """A member of ``org_unit`` in ``role`` who reads Tibetan natively."""
    return f.MembershipFactory(org_unit=org_unit, role=role, user__is_native_reader=True).user
