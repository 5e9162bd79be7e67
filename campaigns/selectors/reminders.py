"""Who is owed a reminder or a digest, on a given day."""

import datetime as dt

from django.utils import timezone

from campaigns.models import Event, Membership
from portal.access import visible_to


def overdue_planned_events(*, today: dt.date, after_days: int):
    """Planned events whose date passed ``after_days`` days ago or more, still not reported."""
    last_day = today - dt.timedelta(days=after_days)
    cutoff = timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min))
    return Event.objects.filter(status=Event.Status.PLANNED, starts_at__lt=cutoff).select_related(
        "org_unit", "created_by"
    )


def organizers_of(event: Event) -> set:
    """The organizers of the event's own unit; the person who planned it if there are none."""
    organizers = {
        membership.user
        for membership in Membership.objects.filter(
            org_unit_id=event.org_unit_id, role=Membership.Role.ORGANIZER, user__is_active=True
        ).select_related("user")
    }
    if not organizers and event.created_by is not None and event.created_by.is_active:
        organizers.add(event.created_by)
    return organizers


def reports_awaiting_review_by_reviewer() -> dict:
    """For each active reviewer, how many reported events in their subtree wait for review."""
    reviewers = {
        membership.user
        for membership in Membership.objects.filter(
            role=Membership.Role.REVIEWER, user__is_active=True
        ).select_related("user")
    }
    waiting = {}
    for reviewer in reviewers:
        count = visible_to(reviewer, Event).filter(status=Event.Status.REPORTED).count()
        if count:
            waiting[reviewer] = count
    return waiting
