"""The permission matrix: every role at every level against data owned at every level.

Expected visibility is computed here from parent links, independently of how
``visible_to`` filters (materialized paths), so a wrong filter cannot agree with itself.
"""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser

from campaigns import models
from portal.access import OrgScopedQuerySet, visible_to
from tests import factories as f

ROLES = list(models.Membership.Role)
LEVELS = ["hq", "branch_a", "central_a", "sub_a"]
OWNER_UNITS = ["hq", "branch_a", "central_a", "sub_a", "branch_b", "central_b", "sub_b"]


def _event(unit):
    return f.EventFactory(org_unit=unit)


def _coverage_summary(unit):
    """The summary row an event of ``unit`` is counted in (the event's save makes it)."""
    event = _event(unit)
    return models.CoverageSummary.objects.get(campaign=event.campaign, org_unit=unit)


def _edition(unit):
    return f.MaterialEditionFactory(material=f.MaterialFactory(org_unit=unit))


# How to make one object owned by a unit, for every org-owned model.
OWNED_BY = {
    models.OrgUnit: None,  # the units themselves
    models.Membership: lambda unit: f.MembershipFactory(org_unit=unit),
    models.CampaignTarget: lambda unit: f.CampaignTargetFactory(org_unit=unit),
    models.Event: _event,
    models.EventTopic: lambda unit: f.EventTopicFactory(event=_event(unit)),
    models.EventPhoto: lambda unit: f.EventPhotoFactory(event=_event(unit)),
    models.AudienceCount: lambda unit: f.AudienceCountFactory(event=_event(unit)),
    models.CoverageSummary: _coverage_summary,
    models.Partner: lambda unit: f.PartnerFactory(org_unit=unit),
    models.PartnerAgreement: lambda unit: f.PartnerAgreementFactory(
        partner=f.PartnerFactory(org_unit=unit)
    ),
    models.PartnerService: lambda unit: f.PartnerServiceFactory(event=_event(unit)),
    models.Material: lambda unit: f.MaterialFactory(org_unit=unit),
    models.MaterialEdition: _edition,
    models.EditionBlock: lambda unit: f.EditionBlockFactory(edition=_edition(unit)),
    models.BlockComment: lambda unit: f.BlockCommentFactory(
        block=f.EditionBlockFactory(edition=_edition(unit))
    ),
    models.PrintRun: lambda unit: f.PrintRunFactory(org_unit=unit),
    models.MaterialUse: lambda unit: f.MaterialUseFactory(event=_event(unit)),
    models.SignIn: lambda unit: f.SignInFactory(event=_event(unit)),
    models.AuditEntry: lambda unit: f.AuditEntryFactory(org_unit=unit),
    models.Job: lambda unit: f.JobFactory(org_unit=unit),
    models.MeasureReturn: lambda unit: f.MeasureReturnFactory(org_unit=unit),
    models.MeasureFigure: lambda unit: f.MeasureFigureFactory(
        measure_return=f.MeasureReturnFactory(org_unit=unit)
    ),
    models.MediationRoom: lambda unit: f.MediationRoomFactory(org_unit=unit),
    models.Mediator: lambda unit: f.MediatorFactory(org_unit=unit),
}
# Data shared by the whole company, visible to every signed-in user.
COMPANY_WIDE = {models.Region, models.Campaign, models.Measure, models.MeasurePart}
# Private to one user: only the recipient sees them.
USER_OWNED = {models.Notification}
# Owned by a unit and also handed down to the units below it.
SHARED_WITH_SUBUNITS = {
    models.Material,
    models.MaterialEdition,
    models.EditionBlock,
    models.BlockComment,
    models.Partner,
    models.PartnerAgreement,
}


def _ancestors(unit):
    while unit is not None:
        yield unit
        unit = unit.parent


def _expected_visible(viewer_unit, owner_unit, model) -> bool:
    if viewer_unit.parent is None:  # headquarters sees everything
        return True
    if viewer_unit in _ancestors(owner_unit):
        return True
    return model in SHARED_WITH_SUBUNITS and owner_unit in _ancestors(viewer_unit)


def _owned_objects(model, org_tree):
    if model is models.OrgUnit:
        return {name: org_tree[name] for name in OWNER_UNITS}
    return {name: OWNED_BY[model](org_tree[name]) for name in OWNER_UNITS}


def test_every_campaigns_model_is_scoped_or_declared_company_wide():
    """A new model must either be org-scoped (and in the matrix) or be declared company-wide."""
    scoped = {
        model
        for model in apps.get_app_config("campaigns").get_models()
        if isinstance(model._default_manager.all(), OrgScopedQuerySet)
    }
    unscoped = set(apps.get_app_config("campaigns").get_models()) - scoped
    assert scoped == set(OWNED_BY)
    assert unscoped == COMPANY_WIDE | USER_OWNED


@pytest.mark.parametrize("model", list(OWNED_BY), ids=lambda m: m.__name__)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", ROLES)
def test_member_sees_exactly_their_subtree(org_tree, model, level, role):
    owned = _owned_objects(model, org_tree)
    viewer_unit = org_tree[level]
    viewer = f.MembershipFactory(org_unit=viewer_unit, role=role).user

    seen = set(visible_to(viewer, model).filter(pk__in=[obj.pk for obj in owned.values()]))

    expected = {
        obj for name, obj in owned.items() if _expected_visible(viewer_unit, org_tree[name], model)
    }
    leaked = {name for name, obj in owned.items() if obj in seen - expected}
    hidden = {name for name, obj in owned.items() if obj in expected - seen}
    assert not leaked, f"{role} at {level} sees {model.__name__} owned by {sorted(leaked)}"
    assert not hidden, f"{role} at {level} cannot see {model.__name__} owned by {sorted(hidden)}"


@pytest.mark.parametrize("model", list(OWNED_BY), ids=lambda m: m.__name__)
def test_outsiders_see_nothing(org_tree, model):
    owned = _owned_objects(model, org_tree)
    ids = [obj.pk for obj in owned.values()]
    no_membership = f.UserFactory()
    inactive = f.MembershipFactory(org_unit=org_tree["hq"], user__is_active=False).user
    for outsider in (AnonymousUser(), None, no_membership, inactive):
        assert not visible_to(outsider, model).filter(pk__in=ids).exists()


@pytest.mark.parametrize("model", list(OWNED_BY), ids=lambda m: m.__name__)
def test_superuser_sees_everything(org_tree, model):
    owned = _owned_objects(model, org_tree)
    superuser = f.UserFactory(is_superuser=True)
    assert set(visible_to(superuser, model).filter(pk__in=[o.pk for o in owned.values()])) == set(
        owned.values()
    )


def test_member_of_two_units_sees_both_subtrees(org_tree):
    events = {name: f.EventFactory(org_unit=org_tree[name]) for name in OWNER_UNITS}
    user = f.MembershipFactory(org_unit=org_tree["central_a"]).user
    f.MembershipFactory(user=user, org_unit=org_tree["sub_b"], role=models.Membership.Role.REVIEWER)
    user = type(user).objects.get(pk=user.pk)  # a fresh object: scope is cached per user object

    seen = set(visible_to(user, models.Event))

    assert seen == {events["central_a"], events["sub_a"], events["sub_b"]}


def test_moving_a_unit_moves_its_subtree_into_the_new_scope(org_tree):
    event = f.EventFactory(org_unit=org_tree["sub_a"])
    reviewer_b = f.MembershipFactory(org_unit=org_tree["branch_b"]).user
    assert not visible_to(reviewer_b, models.Event).filter(pk=event.pk).exists()

    central = org_tree["central_a"]
    central.parent = org_tree["branch_b"]
    central.save()

    reviewer_b = type(reviewer_b).objects.get(pk=reviewer_b.pk)
    assert visible_to(reviewer_b, models.Event).filter(pk=event.pk).exists()


def test_notifications_are_seen_by_their_recipient_only(org_tree):
    hq_reviewer = f.MembershipFactory(org_unit=org_tree["hq"], role="reviewer").user
    organizer = f.MembershipFactory(org_unit=org_tree["sub_a"]).user
    mine = f.NotificationFactory(recipient=organizer)
    f.NotificationFactory(recipient=hq_reviewer)

    assert list(models.Notification.objects.visible_to(organizer)) == [mine]
    assert models.Notification.objects.visible_to(hq_reviewer).count() == 1
    assert not models.Notification.objects.visible_to(AnonymousUser()).exists()


@pytest.mark.parametrize("model", [models.Measure, models.MeasurePart], ids=lambda m: m.__name__)
def test_the_measures_catalogue_is_read_by_every_signed_in_user_and_nobody_else(org_tree, model):
    f.MeasurePartFactory()
    member = f.MembershipFactory(org_unit=org_tree["sub_b"]).user
    assert visible_to(member, model).count() == 1
    assert visible_to(AnonymousUser(), model).count() == 0
