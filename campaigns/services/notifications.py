"""In-app notifications, also sent by email through Django's email backend."""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import Notification
from campaigns.selectors.reminders import (
    organizers_of,
    overdue_planned_events,
    reports_awaiting_review_by_reviewer,
)


def _notify(*, recipient, kind: str, occasion: str, params: dict, event=None) -> bool:
    """Create the notification once per occasion and email it; False if it existed already."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, kind=kind, occasion=occasion, params=params, event=event
            )
    except IntegrityError:
        return False
    if recipient.email:
        with translation.override(settings.LANGUAGE_CODE):
            send_mail(
                subject=_("Outreach portal: %(kind)s") % {"kind": notification.get_kind_display()},
                message=notification.text,
                from_email=None,
                recipient_list=[recipient.email],
                fail_silently=True,
            )
    return True


def overdue_reports_remind(*, today: dt.date) -> int:
    """Remind organizers, once per event, of planned events not reported N days after."""
    sent = 0
    after_days = settings.REPORT_OVERDUE_AFTER_DAYS
    for event in overdue_planned_events(today=today, after_days=after_days):
        event_day = timezone.localtime(event.starts_at).date()
        params = {
            "title": event.title,
            "date": event_day.isoformat(),
            "days": (today - event_day).days,
        }
        for organizer in organizers_of(event):
            sent += _notify(
                recipient=organizer,
                kind=Notification.Kind.REPORT_OVERDUE,
                occasion=f"report_overdue:{event.pk}",
                params=params,
                event=event,
            )
    return sent


def report_returned_notify(*, event, note: str) -> int:
    """Tell the event's organizers that a reviewer sent its report back, and why."""
    sent = 0
    for organizer in organizers_of(event):
        sent += _notify(
            recipient=organizer,
            kind=Notification.Kind.REPORT_RETURNED,
            occasion=f"report_returned:{event.pk}:{event.version}",
            params={"title": event.title, "note": note},
            event=event,
        )
    return sent


def review_digests_send(*, today: dt.date) -> int:
    """Tell each reviewer, once a week, how many reports in their subtree wait for them."""
    year, week, _day = today.isocalendar()
    sent = 0
    for reviewer, count in reports_awaiting_review_by_reviewer().items():
        sent += _notify(
            recipient=reviewer,
            kind=Notification.Kind.REVIEW_DIGEST,
            occasion=f"review_digest:{year}-W{week:02d}",
            params={"count": count},
        )
    return sent


@transaction.atomic
def notifications_mark_read(*, user) -> int:
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())
