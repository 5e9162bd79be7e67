import pytest

from campaigns.models import OrgUnit
from tests.coverage_world import coverage_world  # noqa: F401 - shared fixture
from tests.events_world import world  # noqa: F401 - shared fixture
from tests.factories import OrgUnitFactory, PartnerFactory, RegionFactory
from tests.s3_server import s3, s3_environ, s3_server  # noqa: F401 - shared fixtures


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads and job results of a test go to a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def org_tree(db):
    """Two branches under headquarters, each with a central sub-branch and a sub-branch.

    The second branch is there so that a leak sideways (to a sibling's data) shows.
    """
    hq = OrgUnitFactory(code="HQ", kind=OrgUnit.Kind.HQ)
    tree = {"hq": hq}
    for letter in "ab":
        branch = OrgUnitFactory(code=f"BR-{letter}", kind=OrgUnit.Kind.BRANCH, parent=hq)
        central = OrgUnitFactory(
            code=f"CSB-{letter}", kind=OrgUnit.Kind.CENTRAL_SUB_BRANCH, parent=branch
        )
        sub = OrgUnitFactory(code=f"SB-{letter}", kind=OrgUnit.Kind.SUB_BRANCH, parent=central)
        tree.update(
            {f"branch_{letter}": branch, f"central_{letter}": central, f"sub_{letter}": sub}
        )
    return tree


@pytest.fixture
def hongyuan(org_tree):
    """Hongyuan county, served by branch A."""
    county = RegionFactory(code="513233", name_zh="红原县")
    org_tree["branch_a"].service_area.add(county)
    return county


@pytest.fixture
def hospital(org_tree):
    """Branch A's partner hospital, which its sub-units work with too."""
    return PartnerFactory(org_unit=org_tree["branch_a"], name="四川省妇幼保健院")
