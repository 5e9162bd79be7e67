"""What the home page shows a signed-in user."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from campaigns.models import Campaign, Event, Membership, OrgUnit
from campaigns.selectors.org import own_units
from portal.access import visible_to


@dataclass
class HomeSummary:
    memberships: list[Membership]
    campaign: Campaign | None
    # The units whose events the user may export, each offered when there are several.
    export_units: list[OrgUnit] = field(default_factory=list)
    events_by_status: dict[str, int] = field(default_factory=dict)
    events_total: int = 0


def home_summary(*, user) -> HomeSummary:
    """The user's units and roles, the current campaign, and its events they may see, by status."""
    memberships = list(
        Membership.objects.filter(user=user).select_related("org_unit").order_by("org_unit__path")
    )
    campaign = Campaign.objects.current(timezone.localdate())
    summary = HomeSummary(
        memberships=memberships, campaign=campaign, export_units=own_units(user=user)
    )
    if campaign is None:
        return summary
    counts = (
        visible_to(user, Event)
        .filter(campaign=campaign)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_status = {row["status"]: row["n"] for row in counts}
    summary.events_by_status = {
        label: by_status.get(value, 0) for value, label in Event.Status.choices
    }
    summary.events_total = sum(by_status.values())
    return summary
