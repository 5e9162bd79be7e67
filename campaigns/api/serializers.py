"""Small input and output serializers: they shape data, the services decide."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns import bounds
from campaigns.api.moments import MomentField
from campaigns.forms.events import handout_name
from campaigns.models import (
    AudienceCount,
    AudienceGroup,
    Campaign,
    CampaignTarget,
    Channel,
    EditionBlock,
    Event,
    EventFormat,
    EventLanguage,
    Job,
    Material,
    MaterialEdition,
    MaterialUse,
    Measure,
    MeasurePart,
    MeasureReturn,
    MediationRoom,
    Mediator,
    OrgUnit,
    Partner,
    PartnerService,
    PrintRun,
    Region,
    Topic,
    VenueType,
)
from campaigns.models.events import PLAN_FIELDS, REPORT_FIGURES
from campaigns.selectors.measures import MeasureFigures, return_figures
from portal.access import visible_to


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = [
            "id",
            "code",
            "level",
            "name_zh",
            "name_bo",
            "name_bo_needs_review",
            "parent",
            "ethnic_area",
            "old_revolutionary_area",
            "remote_area",
        ]
        read_only_fields = fields


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "kind", "parent"]
        read_only_fields = fields


class CampaignTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignTarget
        fields = [
            "org_unit",
            "events",
            "people_reached",
            "counties_covered",
            "special_area_counties_covered",
        ]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "theme", "description", "starts_on", "ends_on"]


class AudienceCountSerializer(serializers.ModelSerializer):
    class Meta:
        model = AudienceCount
        fields = ["group", "count"]


class PartnerServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerService
        fields = [
            "partner",
            "service_type",
            "screening_type",
            "people_served",
            "screened",
            "referred",
        ]


class MaterialUseSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialUse
        fields = ["edition", "copies"]


class EventSerializer(serializers.ModelSerializer):
    """An event as the list shows it."""

    topics = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            *PLAN_FIELDS,
            "status",
            "version",
            "topics",
            "people_reached",
            # True while the head count (and so people_reached) is the old sum of the groups,
            # which may count some people twice; the event's page asks to confirm it.
            "head_count_derived",
        ]
        read_only_fields = fields

    def get_topics(self, event: Event) -> list[str]:
        return sorted(row.topic for row in event.topic_rows.all())


class EventDetailSerializer(EventSerializer):
    """An event with its report: figures, audience counts, handouts and partner services."""

    audience_counts = AudienceCountSerializer(many=True, read_only=True)
    handouts = MaterialUseSerializer(source="material_uses", many=True, read_only=True)
    partner_services = PartnerServiceSerializer(many=True, read_only=True)

    class Meta(EventSerializer.Meta):
        fields = [
            *EventSerializer.Meta.fields,
            *REPORT_FIGURES,
            "summary",
            "review_note",
            "cancel_reason",
            "audience_counts",
            "handouts",
            "partner_services",
        ]
        read_only_fields = fields


class EventPlanSerializer(serializers.Serializer):
    """What planning an event takes; the service checks scope, service area and partners."""

    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all())
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    county = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(level=Region.Level.COUNTY)
    )
    title = serializers.CharField(max_length=200)
    venue_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    venue_type = serializers.ChoiceField(choices=VenueType.choices)
    format = serializers.ChoiceField(choices=EventFormat.choices)
    language = serializers.ChoiceField(choices=EventLanguage.choices, default=EventLanguage.ZH)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.OFFLINE)
    starts_at = MomentField()
    ends_at = MomentField(required=False, allow_null=True)
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=Topic.choices), max_length=len(Topic.choices)
    )
    expected_partners = serializers.PrimaryKeyRelatedField(
        queryset=Partner.objects.none(), many=True, required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what the user may see can be named; anything else reads as "does not exist".
        self.fields["org_unit"].queryset = visible_to(user, OrgUnit)
        self.fields["expected_partners"].child_relation.queryset = visible_to(user, Partner)


class EventPlanUpdateSerializer(EventPlanSerializer):
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=bounds.DATABASE_INTEGER.high
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class AudienceSerializer(serializers.Serializer):
    """Counts by audience group; a group left out or null is "not counted", not 0. Read out
    (an offline report's copy), only the groups counted."""

    def to_representation(self, instance):
        counted = super().to_representation(instance)
        return {group: count for group, count in counted.items() if count is not None}

    def get_fields(self):
        return {
            group: serializers.IntegerField(
                min_value=bounds.PEOPLE.low,
                max_value=bounds.PEOPLE.high,
                required=False,
                allow_null=True,
            )
            for group in AudienceGroup.values
        }


class HandoutGivenSerializer(serializers.Serializer):
    edition = serializers.PrimaryKeyRelatedField(queryset=MaterialEdition.objects.none())
    copies = serializers.IntegerField(min_value=bounds.COPIES.low, max_value=bounds.COPIES.high)


class PartnerServiceReportSerializer(serializers.ModelSerializer):
    """One service a partner gave at the event; the service checks it against the rules."""

    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.none())

    class Meta:
        model = PartnerService
        fields = PartnerServiceSerializer.Meta.fields
        # The model's own checks (referred <= screened, screening fields) run in the service.
        validators = []
        extra_kwargs = {
            name: {"min_value": bounds.PEOPLE.low, "max_value": bounds.PEOPLE.high}
            for name in ("people_served", "screened", "referred")
        }


class EventReportSerializer(serializers.Serializer):
    """A report: the event's own figures (REPORT_FIGURES; an in-person event's head count is
    its people reached), the audience by group ("of whom" figures under the head count, each
    at most the head count), a summary, and the handouts and partner services, each list
    replacing the event's when given."""

    version = serializers.IntegerField(
        required=False, min_value=1, max_value=bounds.DATABASE_INTEGER.high
    )
    audience = AudienceSerializer(required=False)
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=bounds.LONG_TEXT_LENGTH
    )
    handouts = HandoutGivenSerializer(many=True, required=False)
    partner_services = PartnerServiceReportSerializer(many=True, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handouts"].child.fields["edition"].queryset = visible_to(
            user, MaterialEdition
        ).filter(status=MaterialEdition.Status.APPROVED)
        self.fields["partner_services"].child.fields["partner"].queryset = visible_to(user, Partner)

    def get_fields(self):
        figures = {
            name: serializers.IntegerField(
                min_value=bound.low, max_value=bound.high, required=False, allow_null=True
            )
            for name in REPORT_FIGURES
            for bound in [bounds.REACH if name == "online_reach" else bounds.PEOPLE]
        }
        return {**super().get_fields(), **figures}


class TransitionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=bounds.DATABASE_INTEGER.high
    )


class HeadCountSerializer(TransitionSerializer):
    """The head count of an in-person event, confirmed as it stands or corrected."""

    head_count = serializers.IntegerField(min_value=bounds.PEOPLE.low, max_value=bounds.PEOPLE.high)


class NoteSerializer(TransitionSerializer):
    note = serializers.CharField(max_length=bounds.NOTE_LENGTH)


class ReasonSerializer(TransitionSerializer):
    reason = serializers.CharField(max_length=bounds.NOTE_LENGTH)


class PartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "org_unit", "name", "kind", "contact_name", "contact_phone"]


class EditionBlockSerializer(serializers.ModelSerializer):
    # The native reader who cleared the block's Tibetan (a user name), and when.
    native_reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = EditionBlock
        fields = [
            "position",
            "kind",
            "text_zh",
            "text_bo",
            "needs_native_review",
            "native_reviewed_by",
            "native_reviewed_at",
        ]


class MaterialEditionSerializer(serializers.ModelSerializer):
    """An approved edition; only the current one (``current``) may be ordered, an older one
    names the edition that replaced it (``replaced_by``)."""

    blocks = EditionBlockSerializer(many=True, read_only=True)
    current = serializers.SerializerMethodField()
    replaced_by = serializers.IntegerField(
        source="replaced_by_number", read_only=True, allow_null=True
    )

    class Meta:
        model = MaterialEdition
        fields = [
            "id",
            "number",
            "status",
            "needs_native_review",
            "approved_at",
            "current",
            "replaced_by",
            "blocks",
        ]

    def get_current(self, edition: MaterialEdition) -> bool:
        return edition.replaced_by_number is None


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ["id", "org_unit", "title_zh", "title_bo", "topic", "kind"]


class PrintRunSerializer(serializers.ModelSerializer):
    pdf_ready = serializers.SerializerMethodField()

    class Meta:
        model = PrintRun
        fields = [
            "id",
            "edition",
            "org_unit",
            "paper_size",
            "layout",
            "bleed",
            "crop_marks",
            "copies",
            "delivery_note",
            "job",
            "pdf_ready",
            "created_at",
        ]
        read_only_fields = fields

    def get_pdf_ready(self, print_run: PrintRun) -> bool:
        return bool(print_run.pdf)


class PrintRunOrderSerializer(serializers.Serializer):
    """What ordering a print run takes; the service checks the edition and the role."""

    edition = serializers.PrimaryKeyRelatedField(queryset=MaterialEdition.objects.none())
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    paper_size = serializers.ChoiceField(choices=PrintRun.PaperSize.choices)
    layout = serializers.ChoiceField(choices=PrintRun.Layout.choices)
    copies = serializers.IntegerField(min_value=bounds.COPIES.low, max_value=bounds.COPIES.high)
    bleed = serializers.BooleanField(default=False)
    crop_marks = serializers.BooleanField(default=False)
    delivery_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=bounds.NOTE_LENGTH
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].queryset = visible_to(user, MaterialEdition)
        self.fields["org_unit"].queryset = visible_to(user, OrgUnit)


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "error_code",
            "problem_count",
            "problems",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


# ---- offline reports: what a phone's outbox sends and is answered ------------------------


class DetailSerializer(serializers.Serializer):
    """A refusal that names no field: not signed in, not allowed, not found."""

    detail = serializers.CharField()


class OfflineReportContentSerializer(EventReportSerializer):
    """A report as a phone sends it: the report API's fields but the version, which the
    request's ``base_version`` gives."""

    def get_fields(self):
        fields = super().get_fields()
        del fields["version"]
        return fields


class OfflineCopySerializer(serializers.Serializer):
    """An event as a phone's request states it: its plan, and its report or null."""

    plan = EventPlanSerializer()
    report = OfflineReportContentSerializer(allow_null=True)


OFFLINE_PLAN_HELP = "Required for a new event; left out or null: unchanged."


class OfflineReportPutSerializer(serializers.Serializer):
    """What a phone sends under a report's id (campaigns/services/offline.py)."""

    base_version = serializers.IntegerField(
        allow_null=True,
        default=None,
        min_value=1,
        max_value=bounds.DATABASE_INTEGER.high,
        help_text="The server version the phone last had; null: this phone made the report.",
    )
    config_version = serializers.CharField(
        max_length=64,
        allow_blank=True,
        default="",
        help_text="The form config version the form was filled against.",
    )
    plan = EventPlanSerializer(allow_null=True, default=None, help_text=OFFLINE_PLAN_HELP)
    report = OfflineReportContentSerializer(allow_null=True, default=None)
    photos = serializers.ListField(
        child=serializers.UUIDField(),
        max_length=bounds.PHOTOS_PER_REPORT,
        default=list,
        help_text="The ids of the photos the phone will send for this report.",
    )
    submit = serializers.BooleanField(default=False, help_text="Send for review once saved.")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices of the plan and the report, scoped to the user as in the other APIs.
        self.fields["plan"] = EventPlanSerializer(
            user=user, allow_null=True, default=None, help_text=OFFLINE_PLAN_HELP
        )
        self.fields["report"] = OfflineReportContentSerializer(
            user=user, allow_null=True, default=None
        )


class OfflineAnswerSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The report's id (a photo's, for a photo).")


class OfflineStoredSerializer(OfflineAnswerSerializer):
    status = serializers.ChoiceField(choices=["stored"])
    version = serializers.IntegerField(help_text="The version the request left the event at.")
    event = serializers.IntegerField()
    url = serializers.CharField(help_text="The event's page.")


class OfflineReportSerializer(OfflineCopySerializer, OfflineAnswerSerializer):
    status = serializers.ChoiceField(choices=["stored"])
    version = serializers.IntegerField()
    photos_received = serializers.IntegerField()
    photos_expected = serializers.IntegerField()


class OfflineConflictSerializer(OfflineAnswerSerializer):
    status = serializers.ChoiceField(choices=["conflict"])
    server_version = serializers.IntegerField()
    server = OfflineCopySerializer(help_text="The event as stored, in the request's shape.")
    detail = serializers.CharField(help_text="What happened and what to do, in words.")


class OfflineRefusalSerializer(OfflineAnswerSerializer):
    """Gone (the event was cancelled) or, for a photo, a conflict: said in words."""

    status = serializers.ChoiceField(choices=["gone", "conflict"])
    detail = serializers.CharField()


class OfflineInvalidSerializer(OfflineAnswerSerializer):
    status = serializers.ChoiceField(choices=["invalid"])
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by the web form's field names; __all__ for the whole report.",
    )


class OfflinePhotoStoredSerializer(OfflineAnswerSerializer):
    status = serializers.ChoiceField(choices=["stored"])
    received = serializers.IntegerField(help_text="Photos of the report received so far.")
    expected = serializers.IntegerField(help_text="Photos the report said it would send.")


class FormConfigCountySerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name_zh", "name_bo"]


class FormConfigUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    counties = FormConfigCountySerializer(many=True)


class FormConfigCampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "starts_on", "ends_on"]


class FormConfigEditionSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = MaterialEdition
        fields = ["id", "label"]

    def get_label(self, edition: MaterialEdition) -> str:
        return handout_name(edition)


class FormConfigPartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "name", "org_unit"]


class FormConfigEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["uuid", "pk", "title", "starts_at", "version", "county"]


def _choices_field():
    """[[value, label], ...], the labels in the user's language."""
    return serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2)
    )


class FormConfigSerializer(serializers.Serializer):
    """What the offline form is filled from, for the signed-in user."""

    version = serializers.CharField(
        read_only=True, help_text="The first 16 hex digits of the SHA-256 of the rest."
    )
    campaigns = FormConfigCampaignSerializer(many=True)
    units = FormConfigUnitSerializer(many=True, help_text="The units the user plans for.")
    venue_types = _choices_field()
    formats = _choices_field()
    channels = _choices_field()
    topics = _choices_field()
    languages = _choices_field()
    audience_groups = _choices_field()
    service_types = _choices_field()
    screening_types = _choices_field()
    editions = FormConfigEditionSerializer(many=True, help_text="Approved handout editions.")
    partners = FormConfigPartnerSerializer(many=True)
    planned_events = FormConfigEventSerializer(
        many=True, help_text="Events the user may still report, the latest first."
    )


# ---- consumer-protection measures --------------------------------------------------------
#
# Figures and values are decimals with two places, sent and answered as strings ("1500.50"),
# never as floats: a part's figure under its measure's code and its own code, as
# {"comfort_fund": {"payouts": "2.00", "amount": "1500.50"}}.


def _decimal_out(**options):
    return serializers.DecimalField(
        max_digits=bounds.MONEY_MAX_DIGITS,
        decimal_places=bounds.MONEY_DECIMAL_PLACES,
        allow_null=True,
        **options,
    )


class MeasurePartSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeasurePart
        fields = ["code", "role", "kind", "name_zh", "name_bo", "name_bo_needs_review", "name_en"]
        read_only_fields = fields


class MeasureSerializer(serializers.ModelSerializer):
    """A measure of the catalogue and the parts its value is computed from."""

    parts = MeasurePartSerializer(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id",
            "code",
            "name_zh",
            "name_bo",
            "name_bo_needs_review",
            "name_en",
            "unit",
            "computation",
            "source",
            "active",
            "parts",
        ]
        read_only_fields = fields


class MeasureReturnSerializer(serializers.ModelSerializer):
    """A unit's monthly return as the list shows it."""

    class Meta:
        model = MeasureReturn
        fields = [
            "id",
            "org_unit",
            "month",
            "status",
            "version",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields


FIGURES_HELP = (
    "Each measure's figures by its code, each part's by its code; null: not given. "
    "Decimals as strings with two places."
)


class MeasureReturnDetailSerializer(MeasureReturnSerializer):
    """A monthly return with every figure asked for and each measure's value computed from
    them (a rate or a score from its parts, never typed)."""

    figures = serializers.SerializerMethodField(help_text=FIGURES_HELP)
    values = serializers.SerializerMethodField(
        help_text="Each measure's value by its code, computed from its figures; null where "
        "nothing divides."
    )

    class Meta(MeasureReturnSerializer.Meta):
        fields = [*MeasureReturnSerializer.Meta.fields, "review_note", "figures", "values"]
        read_only_fields = fields

    def _measures(self, measure_return: MeasureReturn) -> list[MeasureFigures]:
        cache = self.__dict__.setdefault("_measures_of", {})
        if measure_return.pk not in cache:
            cache[measure_return.pk] = return_figures(measure_return)
        return cache[measure_return.pk]

    @extend_schema_field(serializers.DictField(child=serializers.DictField(child=_decimal_out())))
    def get_figures(self, measure_return: MeasureReturn) -> dict:
        shown = _decimal_out()
        return {
            entry.measure.code: {
                figure.part.code: shown.to_representation(figure.value)
                if figure.value is not None
                else None
                for figure in entry.parts
            }
            for entry in self._measures(measure_return)
        }

    @extend_schema_field(serializers.DictField(child=_decimal_out()))
    def get_values(self, measure_return: MeasureReturn) -> dict:
        shown = _decimal_out()
        values = {}
        for entry in self._measures(measure_return):
            value = entry.value
            values[entry.measure.code] = None if value is None else shown.to_representation(value)
        return values


class MeasureReturnOpenSerializer(serializers.Serializer):
    """A unit's month to report: its return, started as a draft if there is none yet."""

    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    month = serializers.DateField(
        input_formats=["%Y-%m", "iso-8601"],
        validators=[bounds.day_in_range],
        help_text='The month, as "2025-03" or any day of it ("2025-03-01").',
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = visible_to(user, OrgUnit)


class MeasureReturnFiguresSerializer(TransitionSerializer):
    """The month's figures. PUT: those given replace all, a part left out is not given;
    PATCH: those given replace theirs, a part left out keeps its figure."""

    figures = serializers.DictField(
        child=serializers.DictField(
            child=serializers.DecimalField(
                max_digits=None, decimal_places=None, allow_null=True, coerce_to_string=True
            )
        ),
        help_text=FIGURES_HELP,
    )


class MediationRoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationRoom
        fields = [
            "id",
            "org_unit",
            "name",
            "address",
            "opened_on",
            "is_open",
            "closed_on",
            "version",
        ]
        read_only_fields = fields


class MediationRoomWriteSerializer(serializers.Serializer):
    """A mediation room a unit runs; the service checks the unit, the role and the days."""

    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300)
    opened_on = serializers.DateField(validators=[bounds.day_in_range])
    is_open = serializers.BooleanField(default=True)
    closed_on = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[bounds.day_in_range]
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = visible_to(user, OrgUnit)


class MediationRoomUpdateSerializer(MediationRoomWriteSerializer):
    """PUT: every field; PATCH: those to change, the others kept."""

    version = serializers.IntegerField(
        required=False, min_value=1, max_value=bounds.DATABASE_INTEGER.high
    )


class MediatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Mediator
        fields = ["id", "org_unit", "name", "field", "organisation", "contact", "active", "version"]
        read_only_fields = fields


class MediatorWriteSerializer(serializers.Serializer):
    """A third-party mediator of a unit's pool: a professional contact."""

    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    name = serializers.CharField(max_length=100)
    field = serializers.CharField(max_length=200)
    organisation = serializers.CharField(max_length=200)
    contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(default=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = visible_to(user, OrgUnit)


class MediatorUpdateSerializer(MediatorWriteSerializer):
    """PUT: every field; PATCH: those to change, the others kept."""

    version = serializers.IntegerField(
        required=False, min_value=1, max_value=bounds.DATABASE_INTEGER.high
    )
