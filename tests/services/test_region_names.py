"""Regions' Tibetan names: a native reader confirms or corrects them (audited, with who and
when); nobody else does; the review list filters by status and prefecture and counts what
still waits."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns.models import AuditEntry, Membership, Region
from campaigns.selectors import regions as selectors
from campaigns.services.regions import region_name_bo_review
from tests import factories as f
from tests import region_world
from tests.region_world import HONGYUAN_BO, regions_awaiting_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions(db):
    sichuan = f.RegionFactory(code="510000", name_zh="四川省", level=Region.Level.PROVINCE)
    regions = regions_awaiting_review(province=sichuan)
    return regions | {
        # Beside the four awaiting review: a name reviewed already, and a county without one.
        "songpan": f.RegionFactory(
            code="513224", name_zh="松潘县", name_bo="ཟུང་ཕན་རྫོང་།", parent=regions["aba"]
        ),
        "chengdu": f.RegionFactory(code="510104", name_zh="锦江区", parent=sichuan),
    }


@pytest.fixture
def native_reader(org_tree):
    return region_world.native_reader(org_unit=org_tree["sub_a"], role=Membership.Role.ORGANIZER)


def _review(user, region, name_bo, seen=None):
    return region_name_bo_review(
        user=user,
        region_id=region.pk,
        name_bo=name_bo,
        seen_name_bo=region.name_bo if seen is None else seen,
    )


def test_a_native_reader_confirms_a_name_as_it_is(regions, native_reader):
    region = _review(native_reader, regions["hongyuan"], HONGYUAN_BO)

    region = Region.objects.get(pk=region.pk)
    assert (region.name_bo, region.name_bo_needs_review, region.name_bo_reviewed_by) == (
        HONGYUAN_BO,
        False,
        native_reader,
    )
    assert region.name_bo_reviewed_at is not None
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.object_id, entry.data) == (
        "campaigns.region.name_bo_confirmed",
        native_reader,
        str(region.pk),
        {"code": "513233"},
    )


def test_a_native_reader_corrects_a_name_and_the_audit_keeps_both(regions, native_reader):
    _review(native_reader, regions["hongyuan"], "  རྐང་གཡོན་རྫོང་།  ")

    region = Region.objects.get(pk=regions["hongyuan"].pk)
    assert (region.name_bo, region.name_bo_needs_review) == ("རྐང་གཡོན་རྫོང་།", False)
    entry = AuditEntry.objects.get()
    assert entry.action == "campaigns.region.name_bo_corrected"
    assert entry.data == {"code": "513233", "before": HONGYUAN_BO, "after": "རྐང་གཡོན་རྫོང་།"}


@pytest.mark.parametrize("who", ["translator", "superuser"])
def test_someone_who_is_not_a_native_reader_reviews_no_name(regions, org_tree, who):
    user = (
        f.UserFactory(is_superuser=True)
        if who == "superuser"
        else f.MembershipFactory(org_unit=org_tree["hq"], role=Membership.Role.TRANSLATOR).user
    )
    with pytest.raises(PermissionDenied):
        _review(user, regions["hongyuan"], HONGYUAN_BO)
    assert Region.objects.get(pk=regions["hongyuan"].pk).name_bo_needs_review
    assert not AuditEntry.objects.exists()


def test_a_name_changed_since_it_was_read_is_not_confirmed(regions, native_reader):
    Region.objects.filter(pk=regions["hongyuan"].pk).update(name_bo="ཧོང་ཡོན།")

    with pytest.raises(ValidationError, match="Someone else changed this name") as refused:
        _review(native_reader, regions["hongyuan"], HONGYUAN_BO, seen=HONGYUAN_BO)

    assert "ཧོང་ཡོན།" in refused.value.message_dict["name_bo"][0]
    assert Region.objects.get(pk=regions["hongyuan"].pk).name_bo_needs_review


@pytest.mark.parametrize(
    ("typed", "reason"), [("  ", "Write the Tibetan name"), ("Hongyuan", "Tibetan script")]
)
def test_an_empty_or_non_tibetan_name_is_refused(regions, native_reader, typed, reason):
    with pytest.raises(ValidationError, match=reason):
        _review(native_reader, regions["hongyuan"], typed)
    assert Region.objects.get(pk=regions["hongyuan"].pk).name_bo == HONGYUAN_BO


def test_the_list_filters_by_status_and_prefecture(regions):
    def codes(**filters):
        return [region.code for region in selectors.region_names_bo(**filters)]

    assert codes() == ["513200", "513233", "513300", "513334"]
    assert codes(status=selectors.REVIEWED) == ["513224"]
    assert codes(status=selectors.ALL, prefecture=regions["aba"]) == ["513200", "513224", "513233"]
    assert codes(prefecture=regions["ganzi"]) == ["513300", "513334"]
    assert selectors.region_names_bo_unreviewed_count() == 4
    assert list(selectors.region_name_prefectures()) == [regions["aba"], regions["ganzi"]]


def test_a_reviewed_name_leaves_the_unreviewed_list_and_count(regions, native_reader):
    _review(native_reader, regions["litang"], "ལི་ཐང་རྫོང་།")

    assert selectors.region_names_bo_unreviewed_count() == 3
    assert regions["litang"] not in selectors.region_names_bo(prefecture=regions["ganzi"])
