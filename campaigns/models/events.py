from types import SimpleNamespace
from uuid import uuid4

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.models.constraints import FieldCheck
from campaigns.models.states import StatusMachine
from portal.access import OrgScopedQuerySet


class VenueType(models.TextChoices):
    """The "five intos" (五进入)."""

    COMMUNITY = "community", _("community")
    BUSINESS_DISTRICT = "business_district", _("business district")
    CAMPUS = "campus", _("campus")
    ENTERPRISE = "enterprise", _("enterprise or workshop")
    VILLAGE = "village", _("village, farm or pasture")


class EventFormat(models.TextChoices):
    LECTURE = "lecture", _("lecture")
    STALL = "stall", _("stall")
    SALON = "salon", _("salon")
    GM_RECEPTION_DAY = "gm_reception_day", _("general manager reception day")
    COUNTY_TOUR_STOP = "county_tour_stop", _("county tour stop")
    LIVESTREAM = "livestream", _("livestream")
    OTHER = "other", _("other")


class Topic(models.TextChoices):
    EIGHT_RIGHTS = "eight_rights", _("eight basic rights of financial consumers")
    ANTI_FRAUD = "anti_fraud", _("anti-fraud")
    CLAIMS = "claims", _("insurance claims")
    PENSIONS = "pensions", _("pensions and the elderly")
    OTHER = "other", _("other")


class EventLanguage(models.TextChoices):
    ZH = "zh", _("Chinese")
    BO = "bo", _("Tibetan")
    BOTH = "both", _("Chinese and Tibetan")


class Channel(models.TextChoices):
    OFFLINE = "offline", _("offline")
    LIVESTREAM = "livestream", _("livestream")
    WECHAT_ARTICLE = "wechat_article", _("WeChat article")
    SMS = "sms", _("SMS")


class AudienceGroup(models.TextChoices):
    """Groups named in the regulator's campaign notices ("一老一少一新" and more)."""

    ELDERLY = "elderly", _("elderly")
    YOUTH = "youth", _("youth and students")
    WOMEN = "women", _("women")
    ETHNIC_MINORITY = "ethnic_minority", _("ethnic minority")
    FARMERS_HERDERS = "farmers_herders", _("farmers and herders")
    NEW_URBAN_RESIDENTS = "new_urban_residents", _("new urban residents")
    MIGRANT_WORKERS = "migrant_workers", _("migrant workers")
    DISABLED = "disabled", _("people with disabilities")
    FOREIGNERS = "foreigners", _("foreigners in China")
    ENTERPRISE_STAFF = "enterprise_staff", _("enterprise staff")
    OTHER = "other", _("other")


def audience_column(group: str) -> str:
    """The Event column that holds the event's count of an audience group."""
    return f"audience_{group}"


# Read once: ``AudienceGroup.values`` builds a new list on every call, and an import calls
# for it per row.
AUDIENCE_GROUPS = tuple(AudienceGroup.values)
AUDIENCE_COLUMNS = [audience_column(group) for group in AUDIENCE_GROUPS]
# The event's figures that count people (or staff, outlets, matters) at one event.
PEOPLE_FIGURES = (
    "head_count",
    "staff_count",
    "outlets_count",
    "visitors_received",
    "matters_raised",
    "matters_resolved",
    "matters_referred",
    *AUDIENCE_COLUMNS,
)


# Figures of a report kept on the event itself; audience counts have rows of their own.
REPORT_FIGURES = (
    "head_count",
    "staff_count",
    "outlets_count",
    "online_reach",
    "visitors_received",
    "matters_raised",
    "matters_resolved",
    "matters_referred",
)
PLAN_FIELDS = (
    "campaign",
    "org_unit",
    "county",
    "title",
    "venue_name",
    "venue_type",
    "format",
    "language",
    "channel",
    "starts_at",
    "ends_at",
)


# Said at the end time by the planning services (services/events.py); the constraint below
# is the database's last word.
ENDS_BEFORE_START = _("An event cannot end before it starts.")
GROUP_ABOVE_HEAD_COUNT = _(
    "A group is part of the head count: it cannot be larger than the head count, and needs one."
)


def groups_within_head_count() -> Q:
    """Each counted audience group of an in-person event is at most its head count (and
    needs one). Online events report reach, not groups; the report service refuses groups
    there, and the few an older API client may have sent before the head count are kept."""
    condition = Q()
    for column in AUDIENCE_COLUMNS:
        condition &= Q(**{f"{column}__isnull": True}) | Q(
            head_count__isnull=False, **{f"{column}__lte": F("head_count")}
        )
    return ~Q(channel="offline") | condition


class EventTopicQuerySet(OrgScopedQuerySet):
    owner_path = "event__org_unit__path"


class EventTopic(models.Model):
    """One of an event's topics; a row per topic keeps "events on anti-fraud" a plain join."""

    event = models.ForeignKey("campaigns.Event", models.CASCADE, related_name="topic_rows")
    topic = models.CharField(_("topic"), max_length=32, choices=Topic.choices)

    objects = EventTopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("event topic")
        verbose_name_plural = _("event topics")
        constraints = [models.UniqueConstraint(fields=["event", "topic"], name="event_topic_once")]

    def __str__(self) -> str:
        return self.get_topic_display()


class EventQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"


class Event(StatusMachine, models.Model):
    """One activity of a campaign: where, for whom, in which format, and what it reached."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        REPORTED = "reported", _("reported")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITION_REFUSED = _("A %(current)s event cannot become %(target)s.")
    TRANSITIONS = {
        Status.PLANNED: {Status.REPORTED, Status.CANCELLED},
        Status.REPORTED: {Status.APPROVED, Status.RETURNED},
        Status.RETURNED: {Status.REPORTED},
        Status.APPROVED: set(),
        Status.CANCELLED: set(),
    }
    # Statuses in which the organizer may still change the plan and the report.
    EDITABLE = frozenset({Status.PLANNED, Status.RETURNED})

    campaign = models.ForeignKey(
        "campaigns.Campaign", models.PROTECT, related_name="events", verbose_name=_("campaign")
    )
    org_unit = models.ForeignKey(
        "campaigns.OrgUnit", models.PROTECT, related_name="events", verbose_name=_("org unit")
    )
    county = models.ForeignKey(
        "campaigns.Region",
        models.PROTECT,
        related_name="events",
        limit_choices_to={"level": "county"},
        verbose_name=_("county"),
    )
    title = models.CharField(_("title"), max_length=200)
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    venue_type = models.CharField(_("venue type"), max_length=32, choices=VenueType.choices)
    format = models.CharField(_("format"), max_length=32, choices=EventFormat.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=EventLanguage.choices, default=EventLanguage.ZH
    )
    channel = models.CharField(
        _("channel"), max_length=32, choices=Channel.choices, default=Channel.OFFLINE
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        help_text=_("Raised by every save; a save based on an older version is refused."),
    )

    # Reported figures. NULL means "not reported", which differs from 0.
    # People who came to an in-person event: the figure for people reached. The audience
    # groups are "of whom" figures under it and overlap, so they are never summed.
    head_count = models.PositiveIntegerField(
        _("head count"),
        null=True,
        blank=True,
        help_text=_("Everyone who came. One person may count in several groups below."),
    )
    # Set where a migration had to derive the head count from the old sum of the groups;
    # the event page says so until someone confirms or corrects it.
    head_count_derived = models.BooleanField(
        _("head count derived from the groups"), default=False, editable=False
    )
    online_reach = models.PositiveIntegerField(_("online reach"), null=True, blank=True)
    staff_count = models.PositiveIntegerField(_("staff taking part"), null=True, blank=True)
    outlets_count = models.PositiveIntegerField(_("outlets taking part"), null=True, blank=True)
    visitors_received = models.PositiveIntegerField(_("visitors received"), null=True, blank=True)
    matters_raised = models.PositiveIntegerField(_("matters raised"), null=True, blank=True)
    matters_resolved = models.PositiveIntegerField(_("resolved on the spot"), null=True, blank=True)
    matters_referred = models.PositiveIntegerField(_("matters referred"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    # Kept by the report service: the head count of an in-person event, or the online reach
    # of an online event; NULL while nothing was counted. Coverage over 100,000 events sums
    # this column instead of joining a million audience rows.
    people_reached = models.PositiveIntegerField(
        _("people reached"), null=True, blank=True, editable=False
    )
    # The same counts as the AudienceCount rows, one column per group, kept with them by the
    # report service: the audience mix of 100,000 events is then a sum of columns, without
    # joining a million rows or reading JSON.
    audience_elderly = models.PositiveIntegerField(null=True, blank=True, editable=False)
    audience_youth = models.PositiveIntegerField(null=True, blank=True, editable=False)
    audience_women = models.PositiveIntegerField(null=True, blank=True, editable=False)
    audience_ethnic_minority = models.PositiveIntegerField(null=True, blank=True, editable=False)
    audience_farmers_herders = models.PositiveIntegerField(null=True, blank=True, editable=False)
    audience_new_urban_residents = models.PositiveIntegerField(
        null=True, blank=True, editable=False
    )
    audience_migrant_workers = models.PositiveIntegerField(null=True, blank=True, editable=False)
    audience_disabled = models.PositiveIntegerField(null=True, blank=True, editable=False)
    audience_foreigners = models.PositiveIntegerField(null=True, blank=True, editable=False)
    audience_enterprise_staff = models.PositiveIntegerField(null=True, blank=True, editable=False)
    audience_other = models.PositiveIntegerField(null=True, blank=True, editable=False)
    expected_partners = models.ManyToManyField(
        "campaigns.Partner",
        blank=True,
        related_name="expected_at",
        verbose_name=_("partners expected"),
    )
    # The reviewer's latest note when returning the report, shown to the organizer until
    # the report is resubmitted; the audit log keeps every note.
    review_note = models.TextField(_("reviewer's note"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Who last sent the report for review: the first to hear when a reviewer returns it.
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    # The event's number in the sheet it was imported from: importing it again updates it.
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)
    # The report's own id, made where the event was first written down: by the phone that
    # opened the offline form (which sends the report again under it until it hears back),
    # or by the server for an event planned on the web or through the API.
    uuid = models.UUIDField(_("report id"), default=uuid4, unique=True, editable=False)
    # What a phone last stored under that id (campaigns/services/offline.py): the SHA-256 of
    # its request's canonical JSON, to know the same request sent again, and the version
    # that request left the event at, answered again then; the form-config version it was
    # filled against; and the ids of the photos it said it would send, for "3 of 5 photos
    # received".
    offline_payload_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    offline_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    offline_config_version = models.CharField(max_length=64, blank=True, editable=False)
    photos_expected = models.JSONField(default=list, blank=True, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["campaign", "status"], name="event_campaign_status"),
            # Coverage's late plans: the planned events of a campaign started before a day.
            models.Index(
                fields=["campaign", "status", "starts_at"], name="event_campaign_status_start"
            ),
            # A campaign's events in the lists' order (the web list, the API): newest first
            # read from the index, 50 at a time, instead of sorting the whole campaign.
            models.Index(
                F("campaign"), F("starts_at").desc(), F("id").desc(), name="event_campaign_newest"
            ),
            # The review queue: the reports waiting, oldest first, 50 a page.
            models.Index(
                fields=["reported_at", "id"],
                condition=Q(status="reported"),
                name="event_review_queue",
            ),
            # What an organizer still has to report (events_needing_action, on the event
            # list): the open events of their units, never the campaign's approved bulk.
            models.Index(
                fields=["org_unit", "starts_at"],
                condition=Q(status__in=["planned", "returned"]),
                name="event_unit_open",
            ),
            models.Index(fields=["org_unit", "starts_at"], name="event_unit_start"),
            # How many events of a campaign a branch's units hold (the lists' page count): one
            # short index range per unit instead of reading the whole campaign.
            models.Index(fields=["org_unit", "campaign"], name="event_unit_campaign"),
            models.Index(fields=["county", "starts_at"], name="event_county_start"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "external_ref"],
                condition=~Q(external_ref=""),
                name="event_external_ref_once_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=ENDS_BEFORE_START,
            ),
            FieldCheck(
                fields=("matters_resolved",),
                condition=Q(matters_resolved__isnull=True)
                | Q(matters_raised__isnull=False, matters_resolved__lte=F("matters_raised")),
                name="event_resolved_within_raised",
                violation_error_message=_("No more matters can be resolved than were raised."),
            ),
            FieldCheck(
                fields=("matters_referred",),
                condition=Q(matters_referred__isnull=True)
                | Q(matters_raised__isnull=False, matters_referred__lte=F("matters_raised")),
                name="event_referred_within_raised",
                violation_error_message=_("No more matters can be referred than were raised."),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="event_version_positive"),
            models.CheckConstraint(
                condition=bounds.moments_within("starts_at", "ends_at"),
                name="event_moments_in_bounds",
                violation_error_message=bounds.MOMENT_REFUSED,
            ),
            models.CheckConstraint(
                condition=bounds.counts_within(bounds.PEOPLE, *PEOPLE_FIGURES)
                & bounds.counts_within(bounds.REACH, "online_reach", "people_reached"),
                name="event_figures_in_bounds",
                violation_error_message=_("A figure of this event is beyond any event's."),
            ),
            models.CheckConstraint(
                condition=groups_within_head_count(),
                name="event_groups_within_head_count",
                violation_error_message=GROUP_ABOVE_HEAD_COUNT,
            ),
            models.CheckConstraint(
                condition=bounds.lengths_within(bounds.LONG_TEXT_LENGTH, "summary")
                & bounds.lengths_within(bounds.NOTE_LENGTH, "review_note", "cancel_reason"),
                name="event_texts_in_bounds",
                violation_error_message=_("A text of this event is too long."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # Coverage summaries (campaigns/models/coverage.py) move with every save of an event:
    # what the event counted for when it was read is taken away, what it counts for now is
    # added, in the same transaction as the save.
    def save(self, *args, **kwargs):
        from campaigns.models.coverage import event_contribution, summaries_move

        with transaction.atomic():
            old = None if self._state.adding else self._counted_before()
            super().save(*args, **kwargs)
            new = event_contribution(self)
            summaries_move([(old, new)])
        self._counted_as, self._read_as = new, None

    @classmethod
    def from_db(cls, db, field_names, values):
        event = super().from_db(db, field_names, values)
        # Kept as read, and made a contribution only if the event is saved or deleted: an
        # export reads 100,000 events and saves none.
        event._read_as = (field_names, values)
        return event

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._counted_as, self._read_as = None, None
        if not self.get_deferred_fields():
            self._counted_as = self._contribution_of(self)

    def _counted_before(self):
        """What this event counted for in the summaries when it was read (read again if a
        field of it was not), None for an event not stored."""
        if getattr(self, "_counted_as", None) is not None:
            return self._counted_as
        read_as = getattr(self, "_read_as", None)
        if read_as is not None:
            counted_as = self._contribution_of(SimpleNamespace(**dict(zip(*read_as, strict=True))))
            if counted_as is not None:
                self._counted_as = counted_as
                return counted_as
        stored = Event._base_manager.filter(pk=self.pk).first() if self.pk else None
        return None if stored is None else stored._counted_before()

    @staticmethod
    def _contribution_of(values):
        """The contribution of an event's ``values``, None if one it needs is missing."""
        from campaigns.models.coverage import CONTRIBUTING_FIELDS, event_contribution

        if not all(hasattr(values, name) for name in CONTRIBUTING_FIELDS):
            return None
        return event_contribution(values)

    @property
    def is_online(self) -> bool:
        return self.channel != Channel.OFFLINE

    def record_audience(self, counts: dict[str, int | None]) -> None:
        """Keep the event's copies of its audience counts by group, and of the people it
        reached, in step with its figures."""
        for group, column in zip(AUDIENCE_GROUPS, AUDIENCE_COLUMNS, strict=True):
            setattr(self, column, counts.get(group))
        self.people_reached = self.reached()

    def reached(self) -> int | None:
        """People reached: the online reach of an online event, else the head count."""
        return self.online_reach if self.is_online else self.head_count

    def groups_above_head_count(self, counts: dict[str, int | None]) -> list[str]:
        """The audience groups of ``counts`` that count more people than came, in the order
        of AudienceGroup; an uncounted head count leaves no room for any group."""
        return [
            group
            for group in AUDIENCE_GROUPS
            if counts.get(group) is not None
            and (self.head_count is None or counts[group] > self.head_count)
        ]

    @property
    def is_editable(self) -> bool:
        """Whether the organizer may still change the plan and the report."""
        return self.status in self.EDITABLE


class AudienceCountQuerySet(OrgScopedQuerySet):
    owner_path = "event__org_unit__path"


class AudienceCount(models.Model):
    """People of one audience group reached at an event. No row means "not counted"."""

    event = models.ForeignKey(
        Event, models.CASCADE, related_name="audience_counts", verbose_name=_("event")
    )
    group = models.CharField(_("audience group"), max_length=32, choices=AudienceGroup.choices)
    count = models.PositiveIntegerField(_("count"))

    objects = AudienceCountQuerySet.as_manager()

    class Meta:
        ordering = ["event", "group"]
        verbose_name = _("audience count")
        verbose_name_plural = _("audience counts")
        constraints = [
            models.UniqueConstraint(fields=["event", "group"], name="audience_one_per_group"),
            models.CheckConstraint(condition=Q(count__gte=0), name="audience_count_not_negative"),
            models.CheckConstraint(
                condition=bounds.counts_within(bounds.PEOPLE, "count"),
                name="audience_count_in_bounds",
                violation_error_message=_("A count of this event is beyond any event's."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()}: {self.count}"


class EventPhotoQuerySet(OrgScopedQuerySet):
    owner_path = "event__org_unit__path"


class EventPhoto(models.Model):
    """A photo of an event, re-encoded on upload so that no EXIF location or device data stays."""

    event = models.ForeignKey(Event, models.CASCADE, related_name="photos", verbose_name=_("event"))
    image = models.ImageField(
        _("photo"), upload_to="event-photos/%Y/%m/", width_field="width", height_field="height"
    )
    thumbnail = models.ImageField(_("thumbnail"), upload_to="event-photos/%Y/%m/thumbs/")
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Made by the phone for a photo sent with an offline report (it sends the photo again
    # under it until it hears back), else by the server; and the SHA-256 of the bytes as
    # received, before they were re-encoded (blank for photos uploaded before it was kept).
    uuid = models.UUIDField(_("photo id"), default=uuid4, unique=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)

    objects = EventPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["event", "uploaded_at", "pk"]
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")

    def __str__(self) -> str:
        return self.caption or f"{self.event} · {self.pk}"
