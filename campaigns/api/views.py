"""API views: scope every queryset with visible_to, call the services, shape the answer.

An object outside the user's scope is not found (404), exactly like a missing one.
"""

from urllib.parse import unquote

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import bounds
from campaigns.api import serializers as s
from campaigns.api.errors import PreconditionRequired
from campaigns.api.moments import MomentFilter
from campaigns.api.offline_requests import offline_request_store, report_sent
from campaigns.api.parsers import BoundedJSONParser, PhotoParser
from campaigns.errors import StaleEdit
from campaigns.forms.jobs import idempotency_key_clean
from campaigns.models import (
    JOB_WAITING_FOR_SERVICE,
    Campaign,
    CampaignTarget,
    Event,
    EventTopic,
    Job,
    Material,
    Measure,
    MeasurePart,
    MeasureReturn,
    OrgUnit,
    Partner,
    PrintRun,
    Region,
)
from campaigns.selectors import measures as measure_selectors
from campaigns.selectors.materials import approved_editions
from campaigns.selectors.offline import form_config, offline_copy, offline_event, photos_count
from campaigns.services import events as event_services
from campaigns.services import measures as measure_services
from campaigns.services.offline import (
    canonical_sha256,
    event_photo_offline_put,
)
from campaigns.services.print_runs import print_run_order
from portal.access import visible_to


class RegionFilter(django_filters.FilterSet):
    class Meta:
        model = Region
        fields = ["level", "parent", "ethnic_area", "old_revolutionary_area", "remote_area"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Provinces, prefectures and counties (GB/T 2260), searchable by name or code."""

    queryset = Region.objects.order_by("code")
    serializer_class = s.RegionSerializer
    filterset_class = RegionFilter
    search_fields = ["code", "name_zh", "name_bo"]
    ordering_fields = ["code", "name_zh"]


class OrgUnitViewSet(viewsets.ReadOnlyModelViewSet):
    """The org units the user may see."""

    serializer_class = s.OrgUnitSerializer
    filterset_fields = ["kind", "parent"]
    search_fields = ["code", "name"]
    ordering_fields = ["path", "code", "name"]

    def get_queryset(self):
        return visible_to(self.request.user, OrgUnit).order_by("path")


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Campaigns, company-wide; their targets are those of the units the user may see."""

    queryset = Campaign.objects.order_by("-starts_on")
    serializer_class = s.CampaignSerializer
    search_fields = ["name", "theme"]

    @extend_schema(responses=s.CampaignTargetSerializer(many=True))
    @action(detail=True, pagination_class=None)
    def targets(self, request, pk=None):
        campaign = self.get_object()
        targets = visible_to(request.user, CampaignTarget).filter(campaign=campaign)
        return Response(
            s.CampaignTargetSerializer(targets.order_by("org_unit__path"), many=True).data
        )


class EventFilter(django_filters.FilterSet):
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt")
    county_code = django_filters.CharFilter(field_name="county__code")
    topic = django_filters.CharFilter(field_name="topic_rows__topic", distinct=True)

    class Meta:
        model = Event
        fields = ["campaign", "org_unit", "county", "status", "venue_type", "format", "channel"]


VERSION_PARAMETERS = [
    OpenApiParameter(
        "If-Match",
        location=OpenApiParameter.HEADER,
        required=False,
        description='The version edited, as the ETag of the event ("3"); or send "version".',
    )
]


class VersionedEdits:
    """An edit names the version it was made on; the input is checked by a serializer."""

    def _expected_version(self, data: dict) -> int:
        """The version the client edited: If-Match wins over a "version" field."""
        header = self.request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
        version = bounds.number_in(header, bounds.DATABASE_INTEGER)
        if version is not None:
            return version
        if data.get("version"):
            return data["version"]
        raise PreconditionRequired

    def _valid(self, serializer_class, **options) -> dict:
        serializer = serializer_class(data=self.request.data, **options)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class EventViewSet(
    VersionedEdits,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Events: list, read, plan, change the plan, report, and the status transitions."""

    filterset_class = EventFilter
    search_fields = ["title", "venue_name"]
    ordering_fields = ["starts_at", "created_at", "title"]
    ordering = ["-starts_at", "-pk"]

    def get_queryset(self):
        events = visible_to(self.request.user, Event).prefetch_related(
            Prefetch("topic_rows", queryset=EventTopic.objects.order_by("topic"))
        )
        if self.action != "list":
            events = events.prefetch_related("audience_counts", "material_uses", "partner_services")
        return events

    def get_serializer_class(self):
        return s.EventSerializer if self.action == "list" else s.EventDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    def _respond(self, event: Event, status: int = 200) -> Response:
        response = Response(s.EventDetailSerializer(event).data, status=status)
        response["ETag"] = f'"{event.version}"'
        return response

    def _answer(self, event: Event, status: int = 200) -> Response:
        """The event as a service left it, read again with its report."""
        return self._respond(self.get_queryset().get(pk=event.pk), status)

    @extend_schema(request=s.EventPlanSerializer, responses={201: s.EventDetailSerializer})
    def create(self, request):
        data = self._valid(s.EventPlanSerializer, user=request.user)
        event = event_services.event_plan(user=request.user, **data)
        return self._answer(event, status=201)

    @extend_schema(
        request=s.EventPlanUpdateSerializer,
        responses=s.EventDetailSerializer,
        parameters=VERSION_PARAMETERS,
    )
    def partial_update(self, request, pk=None):
        event = self.get_object()
        data = self._valid(s.EventPlanUpdateSerializer, user=request.user)
        expected_version = self._expected_version(data)
        data.pop("version", None)
        topics = data.pop("topics", None)
        partners = data.pop("expected_partners", None)
        event = event_services.event_plan_update(
            user=request.user,
            event_id=event.pk,
            expected_version=expected_version,
            topics=topics if topics is not None else [r.topic for r in event.topic_rows.all()],
            expected_partners=partners
            if partners is not None
            else list(event.expected_partners.all()),
            **data,
        )
        return self._answer(event)

    @extend_schema(
        request=s.EventReportSerializer,
        responses=s.EventDetailSerializer,
        parameters=VERSION_PARAMETERS,
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """Save the report without submitting it. ``handouts`` and ``partner_services``, when
        sent, replace the event's; left out, they stay as they are."""
        event = self.get_object()
        data = self._valid(s.EventReportSerializer, user=request.user)
        report = report_sent(data)
        event = event_services.event_report_save(
            user=request.user,
            event_id=event.pk,
            expected_version=self._expected_version(data),
            figures=report.figures,
            audience=report.audience,
            handouts=report.handouts,
            partner_services=report.partner_services,
            summary=event.summary if report.summary is None else report.summary,
        )
        return self._answer(event)

    def _transition(self, service, serializer_class=s.TransitionSerializer, text_field=None):
        event = self.get_object()
        data = self._valid(serializer_class)
        text = {text_field: data[text_field]} if text_field else {}
        event = service(
            user=self.request.user,
            event_id=event.pk,
            expected_version=self._expected_version(data),
            **text,
        )
        return self._answer(event)

    @extend_schema(
        request=s.TransitionSerializer,
        responses=s.EventDetailSerializer,
        parameters=VERSION_PARAMETERS,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the report for review."""
        return self._transition(event_services.event_submit)

    @extend_schema(
        request=s.TransitionSerializer,
        responses=s.EventDetailSerializer,
        parameters=VERSION_PARAMETERS,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Accept a reported event's report (reviewers of the subtree)."""
        return self._transition(event_services.event_approve)

    @extend_schema(
        request=s.HeadCountSerializer,
        responses=s.EventDetailSerializer,
        parameters=VERSION_PARAMETERS,
    )
    @action(detail=True, methods=["post"], url_path="confirm-head-count")
    def confirm_head_count(self, request, pk=None):
        """Confirm or correct the head count of an in-person event, in particular one derived
        from the old sum of its groups (``head_count_derived``); organizers and reviewers."""
        return self._transition(
            event_services.event_head_count_confirm, s.HeadCountSerializer, "head_count"
        )

    @extend_schema(
        request=s.NoteSerializer, responses=s.EventDetailSerializer, parameters=VERSION_PARAMETERS
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request, pk=None):
        """Send a report back to its organizer with a note saying what to fix."""
        return self._transition(event_services.event_return, s.NoteSerializer, "note")

    @extend_schema(
        request=s.ReasonSerializer, responses=s.EventDetailSerializer, parameters=VERSION_PARAMETERS
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a planned event, with the reason."""
        return self._transition(event_services.event_cancel, s.ReasonSerializer, "reason")


class PartnerViewSet(viewsets.ReadOnlyModelViewSet):
    """Partners of the units the user may see (and those shared down to them)."""

    serializer_class = s.PartnerSerializer
    filterset_fields = ["kind", "org_unit"]
    search_fields = ["name"]

    def get_queryset(self):
        return visible_to(self.request.user, Partner).order_by("name", "pk")


class MaterialViewSet(viewsets.ReadOnlyModelViewSet):
    """Handouts; ``editions`` lists the approved, printable ones with their text."""

    serializer_class = s.MaterialSerializer
    filterset_fields = ["kind", "topic", "org_unit"]
    search_fields = ["title_zh", "title_bo"]

    def get_queryset(self):
        return visible_to(self.request.user, Material).order_by("title_zh", "pk")

    @extend_schema(responses=s.MaterialEditionSerializer(many=True))
    @action(detail=True, pagination_class=None)
    def editions(self, request, pk=None):
        material = self.get_object()
        editions = approved_editions(user=request.user, material=material)
        return Response(s.MaterialEditionSerializer(editions, many=True).data)


class PrintRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Print runs of the units the user may see; ordering one queues its PDF's rendering."""

    serializer_class = s.PrintRunSerializer
    filterset_fields = ["org_unit", "edition", "paper_size"]

    def get_queryset(self):
        return visible_to(self.request.user, PrintRun).order_by("-created_at", "-pk")

    @extend_schema(
        request=s.PrintRunOrderSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                location=OpenApiParameter.HEADER,
                required=False,
                description="A key of your own (up to 64 visible ASCII characters, a UUID for "
                "instance): the order sent again with it answers with the first print run.",
            )
        ],
        responses={201: s.PrintRunSerializer},
    )
    def create(self, request):
        serializer = s.PrintRunOrderSerializer(data=request.data, user=request.user)
        serializer.is_valid(raise_exception=True)
        print_run = print_run_order(
            user=request.user,
            idempotency_key=self._idempotency_key(),
            **serializer.validated_data,
        )
        body = s.PrintRunSerializer(print_run).data
        if print_run.job is not None and print_run.job.waits_for_service:
            body["detail"] = str(JOB_WAITING_FOR_SERVICE)
        return Response(body, status=201)

    def _idempotency_key(self) -> str:
        header = self.request.headers.get("Idempotency-Key")
        if header is None:
            return ""
        if not idempotency_key_clean(header):
            message = _("Send an Idempotency-Key of 1 to 64 visible ASCII characters.")
            raise exceptions.ValidationError({"idempotency_key": [message]})
        return header


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """The user's own background jobs and their progress."""

    serializer_class = s.JobSerializer
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is made without a user
            return Job.objects.none()
        return Job.objects.of(self.request.user).order_by("-created_at", "-pk")


# ---- offline reports ---------------------------------------------------------------------
#
# A phone's outbox sends each report under the id the phone made, again until it hears an
# answer naming that id: "stored" (201, 200), "conflict" (409), "gone" (410) or "invalid"
# (422, never sent again by itself). Refusals are shaped by campaigns/api/errors.py
# (offline_answer); not signed in, not allowed and not found answer {"detail"} as
# everywhere, in JSON, never a redirect.

OFFLINE_REFUSALS = {
    401: s.DetailSerializer,
    403: s.DetailSerializer,
    404: s.DetailSerializer,
    409: s.OfflineConflictSerializer,
    410: s.OfflineRefusalSerializer,
    422: s.OfflineInvalidSerializer,
}


class OfflineReportView(APIView):
    """A report made on a phone, stored under the id the phone made for it."""

    answers_offline = True
    parser_classes = [BoundedJSONParser]

    def answer_id(self) -> str:
        return str(self.kwargs["uuid"])

    def conflict(self, error) -> dict:
        # Read again: the refused request's transaction has been rolled back.
        event = Event.objects.get(pk=error.current.pk)
        server = s.OfflineCopySerializer(offline_copy(event)).data
        return {"server_version": event.version, "server": server, "detail": error.messages[0]}

    @extend_schema(
        responses={200: s.OfflineReportSerializer, 401: s.DetailSerializer, 404: s.DetailSerializer}
    )
    def get(self, request, uuid):
        """The report as stored, in the shape a phone sends it, with its photos' count."""
        event = visible_to(request.user, Event).get(uuid=uuid)
        count = photos_count(event)
        body = {
            "id": uuid,
            "status": "stored",
            "version": event.version,
            **offline_copy(event),
            "photos_received": count.received,
            "photos_expected": count.expected,
        }
        return Response(s.OfflineReportSerializer(body).data)

    @extend_schema(
        request=s.OfflineReportPutSerializer,
        responses={
            201: s.OfflineStoredSerializer,
            200: s.OfflineStoredSerializer,
            **OFFLINE_REFUSALS,
        },
    )
    def put(self, request, uuid):
        """Store the report: 201 when new, 200 when sent again or changed on the current
        version, 409 (with the server's copy) when changed on an older one, 410 when the
        event was cancelled, 422 with messages at the web form's fields."""
        # An id outside the user's scope is not found, whatever the request holds.
        stored = offline_request_store(user=request.user, report_id=uuid, body=request.data)
        body = {
            "id": str(uuid),
            "status": "stored",
            "version": stored.version,
            "event": stored.event.pk,
            "url": reverse("event_detail", kwargs={"pk": stored.event.pk}),
        }
        return Response(body, status=201 if stored.created else 200)


class OfflineReportPhotoView(APIView):
    """A photo of a report made on a phone, under the id the phone made for it."""

    answers_offline = True
    parser_classes = [PhotoParser]

    def answer_id(self) -> str:
        return str(self.kwargs["photo_uuid"])

    def conflict(self, error) -> dict:
        return {"detail": error.messages[0]}

    @extend_schema(
        request=dict.fromkeys(("image/jpeg", "image/png", "image/webp"), OpenApiTypes.BINARY),
        parameters=[
            OpenApiParameter(
                "X-Content-SHA256",
                location=OpenApiParameter.HEADER,
                required=True,
                description="The SHA-256 of the body, 64 hexadecimal digits.",
            ),
            OpenApiParameter(
                "X-Caption",
                location=OpenApiParameter.HEADER,
                required=False,
                description="The photo's caption, percent-encoded UTF-8.",
            ),
        ],
        responses={
            201: s.OfflinePhotoStoredSerializer,
            200: s.OfflinePhotoStoredSerializer,
            **OFFLINE_REFUSALS,
            409: s.OfflineRefusalSerializer,
        },
    )
    def put(self, request, uuid, photo_uuid):
        """Store the photo (checked and re-encoded without its metadata, as any): 201 when
        new, 200 when sent again, 409 when another photo has its id, 422 when its bytes do
        not match their SHA-256 or it is refused; the report must have been sent first."""
        # A report outside the user's scope is not found, whatever the request holds.
        offline_event(user=request.user, report_id=uuid)
        content = request.data if isinstance(request.data, bytes) else b""
        stored = event_photo_offline_put(
            user=request.user,
            report_id=uuid,
            photo_id=photo_uuid,
            upload=SimpleUploadedFile(f"{photo_uuid}.photo", content),
            sha256=request.headers.get("X-Content-SHA256", ""),
            caption=self._caption(),
        )
        body = {
            "id": str(photo_uuid),
            "status": "stored",
            "received": stored.photos.received,
            "expected": stored.photos.expected,
        }
        return Response(body, status=201 if stored.created else 200)

    def _caption(self) -> str:
        try:
            return unquote(self.request.headers.get("X-Caption", ""), errors="strict")
        except UnicodeDecodeError:
            message = _("Send the caption as percent-encoded UTF-8 (X-Caption).")
            raise exceptions.ValidationError({"caption": [message]}) from None


class FormConfigView(APIView):
    """What the offline form needs, for the signed-in user: only what they may see."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "If-None-Match",
                location=OpenApiParameter.HEADER,
                required=False,
                description="The ETag of the config the phone has: 304 while it is current.",
            )
        ],
        responses={200: s.FormConfigSerializer, 304: None, 401: s.DetailSerializer},
    )
    def get(self, request):
        body = s.FormConfigSerializer(form_config(user=request.user)).data
        # The labels are in the user's language: a config is for one user in one language.
        body = {"version": canonical_sha256(body)[:16], **body}
        etag = f'"{body["version"]}"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        tags = parse_etags(request.headers.get("If-None-Match", ""))
        if "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags):
            return Response(status=304, headers=headers)
        return Response(body, headers=headers)


# ---- consumer-protection measures (issue 21) ---------------------------------------------

RECORD_VERSION_PARAMETERS = [
    OpenApiParameter(
        "If-Match",
        location=OpenApiParameter.HEADER,
        required=False,
        description='The version edited, as the ETag of the record ("3"); or send "version".',
    )
]


class VersionedRecords(VersionedEdits):
    """What the measures' viewsets share with the events': the version edited (If-Match or
    "version", else 428), checked input, and an answer with the version as its ETag."""

    read_serializer_class = None

    def _respond(self, record, status: int = 200) -> Response:
        response = Response(self.read_serializer_class(record).data, status=status)
        response["ETag"] = f'"{record.version}"'
        return response

    def _answer(self, record, status: int = 200) -> Response:
        """The record as a service left it, read again within the user's scope."""
        return self._respond(self.get_queryset().get(pk=record.pk), status)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())


class MeasureViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The catalogue of consumer-protection measures and the parts each is computed from."""

    serializer_class = s.MeasureSerializer
    filterset_fields = ["source", "active"]

    def get_queryset(self):
        return visible_to(self.request.user, Measure).prefetch_related(
            Prefetch("parts", queryset=MeasurePart.objects.order_by("position", "pk"))
        )


class BoundedIntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class MeasureReturnFilter(django_filters.FilterSet):
    year = BoundedIntegerFilter(field_name="month", lookup_expr="year", min_value=1, max_value=9999)
    month = BoundedIntegerFilter(field_name="month", lookup_expr="month", min_value=1, max_value=12)

    class Meta:
        model = MeasureReturn
        fields = ["org_unit", "status"]


class MeasureReturnViewSet(
    VersionedRecords,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Units' monthly measures returns: list, read, open a month, change its figures, and
    the review's transitions (submit, approve, return), each with the version edited."""

    filterset_class = MeasureReturnFilter
    ordering_fields = ["month", "updated_at"]
    read_serializer_class = s.MeasureReturnDetailSerializer

    def get_queryset(self):
        return measure_selectors.measure_returns(user=self.request.user)

    def get_serializer_class(self):
        return (
            s.MeasureReturnSerializer if self.action == "list" else s.MeasureReturnDetailSerializer
        )

    @extend_schema(
        request=s.MeasureReturnOpenSerializer,
        responses={201: s.MeasureReturnDetailSerializer, 200: s.MeasureReturnDetailSerializer},
    )
    def create(self, request):
        """Open a unit's month: 201 with a new draft, 200 with the return already begun."""
        data = self._valid(s.MeasureReturnOpenSerializer, user=request.user)
        begun = MeasureReturn.objects.filter(
            org_unit=data["org_unit"], month=measure_services.month_start(data["month"])
        ).exists()
        measure_return = measure_services.measure_return_open(
            user=request.user, org_unit_id=data["org_unit"].pk, month=data["month"]
        )
        return self._answer(measure_return, status=200 if begun else 201)

    @extend_schema(
        request=s.MeasureReturnFiguresSerializer,
        responses=s.MeasureReturnDetailSerializer,
        parameters=RECORD_VERSION_PARAMETERS,
    )
    def update(self, request, pk=None):
        """Replace the month's figures: a part left out is not given."""
        return self._figures_saved(partial=False)

    @extend_schema(
        request=s.MeasureReturnFiguresSerializer,
        responses=s.MeasureReturnDetailSerializer,
        parameters=RECORD_VERSION_PARAMETERS,
    )
    def partial_update(self, request, pk=None):
        """Change some of the month's figures: a part left out keeps its figure."""
        return self._figures_saved(partial=True)

    def _figures_saved(self, *, partial: bool) -> Response:
        measure_return = self.get_object()
        data = self._valid(s.MeasureReturnFiguresSerializer, partial=partial)
        expected_version = self._expected_version(data)
        asked = {
            (entry.measure.code, figure.part.code): figure
            for entry in measure_selectors.return_figures(measure_return)
            for figure in entry.parts
        }
        figures = {figure.part.pk: figure.value if partial else None for figure in asked.values()}
        unknown: dict[str, dict[str, list[str]]] = {}
        for measure_code, given in data.get("figures", {}).items():
            for part_code, value in given.items():
                figure = asked.get((measure_code, part_code))
                if figure is None:
                    message = _("No such figure is asked for in a monthly return.")
                    unknown.setdefault(measure_code, {})[part_code] = [message]
                else:
                    figures[figure.part.pk] = value
        if unknown:
            raise exceptions.ValidationError({"figures": unknown})
        try:
            measure_return = measure_services.measure_return_save(
                user=self.request.user,
                return_id=measure_return.pk,
                expected_version=expected_version,
                figures=figures,
            )
        except DjangoValidationError as error:
            if isinstance(error, StaleEdit) or not hasattr(error, "error_dict"):
                raise
            raise exceptions.ValidationError(_figure_errors(error, asked)) from None
        return self._answer(measure_return)

    def _transition(self, service, serializer_class=s.TransitionSerializer, text_field=None):
        measure_return = self.get_object()
        data = self._valid(serializer_class)
        text = {text_field: data[text_field]} if text_field else {}
        measure_return = service(
            user=self.request.user,
            return_id=measure_return.pk,
            expected_version=self._expected_version(data),
            **text,
        )
        return self._answer(measure_return)

    @extend_schema(
        request=s.TransitionSerializer,
        responses=s.MeasureReturnDetailSerializer,
        parameters=RECORD_VERSION_PARAMETERS,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the month's figures for review (organizers of the unit)."""
        return self._transition(measure_services.measure_return_submit)

    @extend_schema(
        request=s.TransitionSerializer,
        responses=s.MeasureReturnDetailSerializer,
        parameters=RECORD_VERSION_PARAMETERS,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Accept a submitted return (reviewers of the subtree)."""
        return self._transition(measure_services.measure_return_approve)

    @extend_schema(
        request=s.NoteSerializer,
        responses=s.MeasureReturnDetailSerializer,
        parameters=RECORD_VERSION_PARAMETERS,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request, pk=None):
        """Send a submitted return back to its unit with a note saying what to fix."""
        return self._transition(measure_services.measure_return_send_back, s.NoteSerializer, "note")


def _figure_errors(error: DjangoValidationError, asked: dict) -> dict:
    """The service's refusals with a part's figure (``part_<id>``) named as the request
    names it: under "figures", by the measure's code and the part's."""
    field_of = {
        measure_services.figure_field(figure.part): codes for codes, figure in asked.items()
    }
    body: dict = {}
    for field, messages in error.message_dict.items():
        messages = [str(message) for message in messages]
        if field in field_of:
            measure_code, part_code = field_of[field]
            body.setdefault("figures", {}).setdefault(measure_code, {})[part_code] = messages
        else:
            body["non_field_errors" if field == "__all__" else field] = messages
    return body


class RecordViewSet(
    VersionedRecords,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A unit's mediation rooms or mediators: list, read, add, change with the version."""

    filterset_fields = ["org_unit"]
    search_fields = ["name"]
    write_serializer_class = None
    update_serializer_class = None
    record_fields: tuple[str, ...] = ()

    def get_serializer_class(self):
        return self.read_serializer_class

    def _created(self, service) -> Response:
        data = self._valid(self.write_serializer_class, user=self.request.user)
        record = service(user=self.request.user, **data)
        return self._answer(record, status=201)

    def _changed(self, service, id_name: str, *, partial: bool) -> Response:
        record = self.get_object()
        data = self._valid(self.update_serializer_class, user=self.request.user, partial=partial)
        expected_version = self._expected_version(data)
        record = service(
            user=self.request.user,
            expected_version=expected_version,
            org_unit=data.get("org_unit", record.org_unit),
            **{id_name: record.pk},
            **{name: data.get(name, getattr(record, name)) for name in self.record_fields},
        )
        return self._answer(record)


class MediationRoomViewSet(RecordViewSet):
    """The "Fengqiao" mediation rooms of the units the user may see."""

    read_serializer_class = s.MediationRoomSerializer
    write_serializer_class = s.MediationRoomWriteSerializer
    update_serializer_class = s.MediationRoomUpdateSerializer
    record_fields = measure_services.ROOM_FIELDS
    filterset_fields = ["org_unit", "is_open"]

    def get_queryset(self):
        return measure_selectors.mediation_rooms(user=self.request.user)

    @extend_schema(
        request=s.MediationRoomWriteSerializer, responses={201: s.MediationRoomSerializer}
    )
    def create(self, request):
        """Record a mediation room a unit runs (organizers of the unit)."""
        return self._created(measure_services.mediation_room_create)

    @extend_schema(
        request=s.MediationRoomUpdateSerializer,
        responses=s.MediationRoomSerializer,
        parameters=RECORD_VERSION_PARAMETERS,
    )
    def update(self, request, pk=None):
        """Change every field of the room."""
        return self._changed(measure_services.mediation_room_update, "room_id", partial=False)

    @extend_schema(
        request=s.MediationRoomUpdateSerializer,
        responses=s.MediationRoomSerializer,
        parameters=RECORD_VERSION_PARAMETERS,
    )
    def partial_update(self, request, pk=None):
        """Change some fields of the room (that it closed, say); the others are kept."""
        return self._changed(measure_services.mediation_room_update, "room_id", partial=True)


class MediatorViewSet(RecordViewSet):
    """The third-party mediators of the units the user may see."""

    read_serializer_class = s.MediatorSerializer
    write_serializer_class = s.MediatorWriteSerializer
    update_serializer_class = s.MediatorUpdateSerializer
    record_fields = measure_services.MEDIATOR_FIELDS
    filterset_fields = ["org_unit", "active"]

    def get_queryset(self):
        return measure_selectors.mediators(user=self.request.user)

    @extend_schema(request=s.MediatorWriteSerializer, responses={201: s.MediatorSerializer})
    def create(self, request):
        """Add a mediator to a unit's pool (organizers of the unit)."""
        return self._created(measure_services.mediator_create)

    @extend_schema(
        request=s.MediatorUpdateSerializer,
        responses=s.MediatorSerializer,
        parameters=RECORD_VERSION_PARAMETERS,
    )
    def update(self, request, pk=None):
        """Change every field of the mediator."""
        return self._changed(measure_services.mediator_update, "mediator_id", partial=False)

    @extend_schema(
        request=s.MediatorUpdateSerializer,
        responses=s.MediatorSerializer,
        parameters=RECORD_VERSION_PARAMETERS,
    )
    def partial_update(self, request, pk=None):
        """Change some fields of the mediator (out of the pool, say); the others are kept."""
        return self._changed(measure_services.mediator_update, "mediator_id", partial=True)
