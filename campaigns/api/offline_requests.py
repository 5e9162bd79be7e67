"""A phone's request for a report, read and stored as the offline reports' endpoint does it.

The endpoint (OfflineReportView) and the office's import of a phone's unsent reports file
(campaigns/services/unsent_reports.py) both store a request through ``offline_request_store``,
so that a report imported from the file and the same report sent later by the phone are
one request to the server: the second is "already stored", never a second event.
"""

from __future__ import annotations

from uuid import UUID

from campaigns.api import serializers as s
from campaigns.models import AudienceGroup
from campaigns.models.events import REPORT_FIGURES
from campaigns.selectors.offline import offline_event
from campaigns.services import events as event_services
from campaigns.services.offline import (
    OfflineStored,
    ReportSent,
    canonical_sha256,
    event_offline_put,
)


def report_sent(data: dict) -> ReportSent:
    """A report's validated data (EventReportSerializer) as the services take it."""
    audience = data.get("audience", {})
    handouts = data.get("handouts")
    services = data.get("partner_services")
    return ReportSent(
        figures={name: data.get(name) for name in REPORT_FIGURES},
        audience={group: audience.get(group) for group in AudienceGroup.values},
        handouts=None
        if handouts is None
        else [event_services.HandoutGiven(**given) for given in handouts],
        partner_services=None
        if services is None
        else [event_services.PartnerServiceReport(**service) for service in services],
        summary=data.get("summary"),
    )


def plan_arguments(plan: dict | None) -> dict | None:
    """A plan as a phone sends it (the whole plan, each time) as event_plan's arguments."""
    if plan is None:
        return None
    return {"venue_name": "", "ends_at": None, "expected_partners": [], **plan}


def offline_request_store(*, user, report_id: UUID, body) -> OfflineStored:
    """Store ``body``, a phone's request (the JSON it PUTs), under ``report_id`` for ``user``.

    Raises Event.DoesNotExist for an id of an event outside the user's scope, whatever the
    request holds; DRF's ValidationError for a request the serializer refuses; and whatever
    ``event_offline_put`` refuses (StaleEdit, Gone, NotAllowed, ValidationError)."""
    offline_event(user=user, report_id=report_id)
    serializer = s.OfflineReportPutSerializer(data=body, user=user)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    return event_offline_put(
        user=user,
        report_id=report_id,
        request_sha256=canonical_sha256(body),
        base_version=data["base_version"],
        config_version=data["config_version"],
        plan=plan_arguments(data["plan"]),
        report=None if data["report"] is None else report_sent(data["report"]),
        photos=data["photos"],
        submit=data["submit"],
    )
