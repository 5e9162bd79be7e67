"""In-app notifications, also sent by email through Django's email backend."""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import AuditEntry, Membership, Notification
from campaigns.selectors.reminders import (
    notice_recipients,
    overdue_planned_events,
    reports_awaiting_review,
)
from campaigns.services.audit import audit_record


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


def _record_undelivered(*, about, kind: str, occasion: str, params: dict) -> None:
    """Write to the audit log of ``about`` that a notice found nobody to reach, once per
    occasion, so that a repeated run writes nothing twice."""
    written = AuditEntry.objects.filter(
        action="campaigns.notification.undelivered",
        object_type=about._meta.label_lower,
        object_id=str(about.pk),
        data__occasion=occasion,
    )
    if not written.exists():
        audit_record(
            actor=None,
            obj=about,
            action="campaigns.notification.undelivered",
            data={"kind": kind, "occasion": occasion, **params},
        )


def _notify_each(*, recipients, kind: str, occasion: str, params: dict, event) -> int:
    """Notify each recipient once per occasion; with nobody to tell, say so in the log."""
    if not recipients:
        _record_undelivered(about=event, kind=kind, occasion=occasion, params=params)
        return 0
    return sum(
        _notify(recipient=recipient, kind=kind, occasion=occasion, params=params, event=event)
        for recipient in recipients
    )


def overdue_reports_remind(*, today: dt.date) -> int:
    """Remind, once per event, whoever answers for a planned event not reported N days after:
    the person who planned it, else the organizers of its unit or of the nearest unit above."""
    sent = 0
    after_days = settings.REPORT_OVERDUE_AFTER_DAYS
    for event in overdue_planned_events(today=today, after_days=after_days):
        event_day = timezone.localtime(event.starts_at).date()
        sent += _notify_each(
            recipients=notice_recipients(
                org_unit=event.org_unit, role=Membership.Role.ORGANIZER, person=event.created_by
            ),
            kind=Notification.Kind.REPORT_OVERDUE,
            occasion=f"report_overdue:{event.pk}",
            params={
                "title": event.title,
                "date": event_day.isoformat(),
                "days": (today - event_day).days,
            },
            event=event,
        )
    return sent


def report_returned_notify(*, event, note: str) -> int:
    """Tell the person who reported the event, else the organizers of its unit or of the
    nearest unit above, that a reviewer sent its report back, and why."""
    return _notify_each(
        recipients=notice_recipients(
            org_unit=event.org_unit, role=Membership.Role.ORGANIZER, person=event.reported_by
        ),
        kind=Notification.Kind.REPORT_RETURNED,
        occasion=f"report_returned:{event.pk}:{event.version}",
        params={"title": event.title, "note": note},
        event=event,
    )


def measures_returned_notify(*, measure_return, note: str) -> int:
    """Tell the person who submitted a unit's monthly measures, else the organizers of its
    unit or of the nearest unit above, that a reviewer sent them back, and why."""
    recipients = notice_recipients(
        org_unit=measure_return.org_unit,
        role=Membership.Role.ORGANIZER,
        person=measure_return.submitted_by,
    )
    kind = Notification.Kind.MEASURES_RETURNED
    occasion = f"measures_returned:{measure_return.pk}:{measure_return.version}"
    params = {
        "unit": measure_return.org_unit.name,
        "month": f"{measure_return.month:%Y-%m}",
        "note": note,
    }
    if not recipients:
        _record_undelivered(about=measure_return, kind=kind, occasion=occasion, params=params)
        return 0
    return sum(
        _notify(recipient=recipient, kind=kind, occasion=occasion, params=params)
        for recipient in recipients
    )


def review_digests_send(*, today: dt.date) -> int:
    """Tell reviewers, once a week, how many reports and monthly measures returns wait for
    them: a unit's wait for its own reviewers, else for those of the nearest unit above
    that has any."""
    year, week, _day = today.isocalendar()
    occasion = f"review_digest:{year}-W{week:02d}"
    waiting = reports_awaiting_review()
    sent = 0
    for reviewer, counts in waiting.by_reviewer.items():
        sent += _notify(
            recipient=reviewer,
            kind=Notification.Kind.REVIEW_DIGEST,
            occasion=occasion,
            params={"count": counts.reports, "returns": counts.returns},
        )
    for unit, counts in waiting.unreached.items():
        _record_undelivered(
            about=unit,
            kind=Notification.Kind.REVIEW_DIGEST,
            occasion=occasion,
            params={"count": counts.reports, "returns": counts.returns},
        )
    return sent


@transaction.atomic
def notifications_mark_read(*, user) -> int:
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())
