"""Who is owed a reminder, a digest or a notice, on a given day."""

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count
from django.utils import timezone

from campaigns.models import Event, MeasureReturn, Membership, OrgUnit
from campaigns.models.org import path_ancestors
from portal.access import roles_held_over


def overdue_planned_events(*, today: dt.date, after_days: int):
    """Planned events whose date passed ``after_days`` days ago or more, still not reported."""
    last_day = today - dt.timedelta(days=after_days)
    cutoff = timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min))
    return Event.objects.filter(status=Event.Status.PLANNED, starts_at__lt=cutoff).select_related(
        "org_unit", "created_by"
    )


def notice_recipients(*, org_unit: OrgUnit, role: str, person=None) -> list:
    """Who hears of something at ``org_unit``: ``person`` while they still hold ``role`` over
    it, else the holders of ``role`` in the unit itself, else in the nearest unit above that
    has any; empty when nobody up to headquarters does."""
    # A person who has since left the unit or the role could not open what they are told of.
    if person is not None and person.is_active and role in roles_held_over(person, org_unit):
        return [person]
    memberships = list(
        Membership.objects.filter(
            org_unit__path__in=[org_unit.path, *path_ancestors(org_unit.path)],
            role=role,
            user__is_active=True,
        ).select_related("user", "org_unit")
    )
    nearest = max((m.org_unit.path for m in memberships), key=len, default=None)
    users = {m.user for m in memberships if m.org_unit.path == nearest}
    return sorted(users, key=lambda user: user.pk)


class Waiting(NamedTuple):
    """What waits for review: event reports, and units' monthly measures returns."""

    reports: int = 0
    returns: int = 0

    def __add__(self, other):
        return Waiting(self.reports + other.reports, self.returns + other.returns)


@dataclass(frozen=True)
class ReviewWaiting:
    """What waits for review: how much for each reviewer, and how much in each unit that
    has no reviewer at or above it."""

    by_reviewer: dict = field(default_factory=dict)
    unreached: dict = field(default_factory=dict)


def _waiting_by_unit(queryset) -> dict[int, int]:
    return dict(
        queryset.values("org_unit").annotate(waiting=Count("pk")).values_list("org_unit", "waiting")
    )


def reports_awaiting_review() -> ReviewWaiting:
    """A unit's reports and monthly returns wait for its own reviewers, or for those of the
    nearest unit above that has any."""
    reports = _waiting_by_unit(Event.objects.filter(status=Event.Status.REPORTED))
    returns = _waiting_by_unit(MeasureReturn.objects.filter(status=MeasureReturn.Status.SUBMITTED))
    waiting = ReviewWaiting()
    for unit in OrgUnit.objects.filter(pk__in={*reports, *returns}):
        counts = Waiting(reports.get(unit.pk, 0), returns.get(unit.pk, 0))
        reviewers = notice_recipients(org_unit=unit, role=Membership.Role.REVIEWER)
        if not reviewers:
            waiting.unreached[unit] = counts
        for reviewer in reviewers:
            waiting.by_reviewer[reviewer] = waiting.by_reviewer.get(reviewer, Waiting()) + counts
    return waiting
