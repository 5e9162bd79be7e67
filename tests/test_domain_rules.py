"""Rules the database itself enforces, and the status machines of events and editions."""

from itertools import combinations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from campaigns.models import Event, InvalidTransition, MaterialEdition, OrgUnit, Region
from campaigns.models.org import child_key_length, path_is_root, path_length
from tests import factories as f


def _refused(build):
    with pytest.raises(IntegrityError), transaction.atomic():
        build()


def test_referred_cannot_exceed_screened(db):
    _refused(lambda: f.PartnerServiceFactory(screened=10, referred=11))


def test_referred_needs_a_screened_count(db):
    _refused(lambda: f.PartnerServiceFactory(screened=None, referred=1))


def test_screening_counts_belong_to_screenings_only(db):
    _refused(
        lambda: f.PartnerServiceFactory(
            service_type="counselling", screening_type="", screened=5, referred=None
        )
    )


def test_one_audience_count_per_event_and_group(db):
    count = f.AudienceCountFactory(group="women")
    _refused(lambda: f.AudienceCountFactory(event=count.event, group="women"))


def test_counts_are_not_negative(db):
    _refused(lambda: f.AudienceCountFactory(count=-1))
    _refused(lambda: f.EventFactory(staff_count=-3))


def test_a_zero_count_differs_from_not_counted(db):
    event = f.EventFactory()
    f.AudienceCountFactory(event=event, group="elderly", count=0)
    assert dict(event.audience_counts.values_list("group", "count")) == {"elderly": 0}
    assert not event.audience_counts.filter(group="women").exists()


def test_an_audience_group_cannot_exceed_the_head_count(db):
    _refused(lambda: f.EventFactory(head_count=50, audience_farmers_herders=60))


def test_an_audience_group_of_an_in_person_event_needs_a_head_count(db):
    _refused(lambda: f.EventFactory(head_count=None, audience_women=35))


def test_overlapping_groups_may_add_up_to_more_than_the_head_count(db):
    event = f.EventFactory(head_count=80, audience_farmers_herders=60, audience_women=35)
    assert Event.objects.get(pk=event.pk).head_count == 80


def test_the_head_count_is_within_one_events_bounds(db):
    _refused(lambda: f.EventFactory(head_count=100_001))


def test_matters_resolved_cannot_exceed_matters_raised(db):
    _refused(
        lambda: f.EventFactory(format="gm_reception_day", matters_raised=3, matters_resolved=4)
    )


def test_the_translator_cannot_review_their_own_edition(db):
    translator = f.UserFactory()
    _refused(lambda: f.MaterialEditionFactory(translated_by=translator, reviewed_by=translator))


def test_a_print_run_has_copies(db):
    _refused(lambda: f.PrintRunFactory(copies=0))


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("planned", "reported"),
        ("planned", "cancelled"),
        ("reported", "approved"),
        ("reported", "returned"),
        ("returned", "reported"),
    ],
)
def test_allowed_status_transitions(start, to):
    event = Event(status=start)
    event.transition(to=to)
    assert event.status == to


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("planned", "approved"),
        ("approved", "returned"),
        ("cancelled", "planned"),
        ("returned", "approved"),
    ],
)
def test_refused_status_transitions_say_why(start, to):
    event = Event(status=start)
    with pytest.raises(InvalidTransition):
        event.transition(to=to)
    assert event.status == start


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("draft", "translated"),
        ("translated", "reviewed"),
        ("reviewed", "approved"),
        ("translated", "draft"),
        ("reviewed", "draft"),
    ],
)
def test_allowed_edition_transitions(start, to):
    edition = MaterialEdition(status=start)
    edition.transition(to=to)
    assert edition.status == to


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("draft", "reviewed"),
        ("draft", "approved"),
        ("translated", "approved"),
        ("approved", "draft"),
        ("approved", "translated"),
    ],
)
def test_refused_edition_transitions_say_why(start, to):
    edition = MaterialEdition(status=start)
    with pytest.raises(InvalidTransition) as refused:
        edition.transition(to=to)
    assert refused.value.code == "invalid_transition"
    assert edition.status == start


def test_only_headquarters_stands_without_a_parent(db):
    with pytest.raises(ValidationError):
        OrgUnit(code="X", name="孤立", kind=OrgUnit.Kind.BRANCH).full_clean()


def test_a_branch_cannot_sit_below_a_sub_branch(org_tree):
    unit = OrgUnit(code="X", name="倒置", kind=OrgUnit.Kind.BRANCH, parent=org_tree["sub_a"])
    with pytest.raises(ValidationError) as error:
        unit.full_clean()
    assert "kind" in error.value.message_dict


def test_org_unit_paths_follow_the_tree(org_tree):
    sub = org_tree["sub_a"]
    assert sub.is_within(org_tree["branch_a"])
    assert not sub.is_within(org_tree["branch_b"])
    assert list(sub.ancestors()) == [org_tree["hq"], org_tree["branch_a"], org_tree["central_a"]]


def test_a_unit_cannot_be_moved_below_itself(org_tree):
    branch = org_tree["branch_a"]
    branch.parent = org_tree["sub_a"]
    with pytest.raises(ValidationError) as error:
        branch.full_clean()
    assert "parent" in error.value.message_dict


def test_a_path_cut_to_the_child_key_names_the_child_it_lies_under(org_tree):
    hq, branch, sub = org_tree["hq"], org_tree["branch_a"], org_tree["sub_a"]
    assert sub.path[: child_key_length(hq.path)] == branch.path
    assert hq.path[: child_key_length(hq.path)] == hq.path  # its own events keep its path
    assert sub.path[: path_length(depth=2)] == branch.path
    assert (path_is_root(hq.path), path_is_root(branch.path)) == (True, False)


def test_special_area_is_one_rule_for_the_orm_the_sql_and_the_badge(db):
    # The coverage fold is hand-written SQL; the filters and badges are ORM and Python. A
    # county of each kind, of two kinds, and of none must be judged alike by all three.
    kinds = Region.SPECIAL_AREA_KINDS
    flag_sets = [(), *[(kind,) for kind in kinds], *combinations(kinds, 2)]
    regions = {f.RegionFactory(**dict.fromkeys(flags, True)).pk: bool(flags) for flags in flag_sets}
    by_orm = set(
        Region.objects.filter(pk__in=regions)
        .filter(Region.special_area_q())
        .values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id FROM {Region._meta.db_table} r "  # noqa: S608 — names from the model
            f"WHERE {Region.special_area_sql('r')}"
        )
        by_sql = {row[0] for row in cursor.fetchall()} & set(regions)
    by_badge = {pk for pk in regions if Region.objects.get(pk=pk).special_kinds}
    expected = {pk for pk, special in regions.items() if special}
    assert by_orm == by_sql == by_badge == expected
    ethnic = Region.objects.filter(Region.special_area_q("ethnic_area"), pk__in=regions)
    assert all(region.ethnic_area for region in ethnic)
    assert ethnic.count() == 3


def test_an_unknown_special_area_kind_is_refused():
    with pytest.raises(ValueError, match="unknown special area"):
        Region.special_area_q("coastal_area")
