"""Campaign targets: set by a unit for the units right below it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.errors import NotAllowed, row_errors
from campaigns.models import Campaign, CampaignTarget, OrgUnit
from campaigns.services.audit import audit_record
from portal.access import can

TARGET_FIGURES = ("events", "people_reached", "counties_covered", "special_area_counties_covered")


@transaction.atomic
def targets_set(
    *, user, campaign: Campaign, parent: OrgUnit, targets: dict[int, dict[str, int]]
) -> list[str]:
    """Set the targets of ``parent``'s sub-units (by unit id); returns warnings, not errors.

    Only changed targets are written and audited. A refused target refuses them all, each
    refusal under "targets" as the row of its unit in ``targets`` (``row_errors``).
    """
    if not can(user, "target.set", parent):
        raise NotAllowed(_("Your role does not allow setting these targets."))
    children = {child.pk: child for child in parent.children.all()}
    existing = {
        target.org_unit_id: target
        for target in CampaignTarget.objects.select_for_update().filter(
            campaign=campaign, org_unit__in=list(children.values())
        )
    }
    changed, refused = [], []
    for row, (unit_id, figures) in enumerate(targets.items(), start=1):
        if unit_id not in children:
            raise ValidationError(_("Targets can only be set for the units right below yours."))
        target = existing.get(unit_id) or CampaignTarget(
            campaign=campaign, org_unit=children[unit_id]
        )
        before = {name: getattr(target, name) for name in TARGET_FIGURES}
        for name in TARGET_FIGURES:
            setattr(target, name, figures[name])
        if target.pk and before == figures:
            continue
        try:
            target.full_clean()
        except ValidationError as error:
            refused += row_errors(error, row=row)
        changed.append((target, before if target.pk else None, figures))
    if refused:
        raise ValidationError({"targets": refused})
    for target, before, figures in changed:
        target.save()
        audit_record(
            actor=user,
            obj=target,
            action="campaigns.target.set",
            data={"before": before, "after": figures},
        )
    return _split_warnings(campaign=campaign, parent=parent)


def _split_warnings(*, campaign: Campaign, parent: OrgUnit) -> list[str]:
    """Where the sub-units' targets add up to less than the parent's own target."""
    own = CampaignTarget.objects.filter(campaign=campaign, org_unit=parent).first()
    if own is None:
        return []
    below = CampaignTarget.objects.filter(campaign=campaign, org_unit__parent=parent)
    warnings = []
    for name in ("events", "people_reached"):
        total = sum(getattr(target, name) for target in below)
        goal = getattr(own, name)
        if total < goal:
            warnings.append(
                _(
                    "The sub-units' targets add up to %(total)s %(figure)s, less than the "
                    "%(goal)s set for %(unit)s."
                )
                % {
                    "total": total,
                    "goal": goal,
                    "unit": parent.name,
                    "figure": CampaignTarget._meta.get_field(name).verbose_name,
                }
            )
    return warnings
