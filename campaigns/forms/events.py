"""Forms of the event pages. They turn what was typed into values; the rules live in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.forms.bounded import (
    BoundedDateField,
    BoundedDateTimeField,
    RowIdField,
    RowsChoiceField,
    count_field,
)
from campaigns.forms.versions import VersionField
from campaigns.models import (
    AudienceGroup,
    Campaign,
    Channel,
    Event,
    EventFormat,
    EventLanguage,
    MaterialEdition,
    OrgUnit,
    Partner,
    Region,
    ScreeningType,
    ServiceType,
    Topic,
    VenueType,
)
from campaigns.models.regions import county_text_parts
from campaigns.selectors.coverage import counted_statuses
from campaigns.selectors.events import EventFilters
from campaigns.services.events import (
    PLAN_FIELDS,
    REPORT_FIGURES,
    HandoutGiven,
    PartnerServiceReport,
)
from portal.access import filter_by_action, visible_to

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
GM_RECEPTION_FIGURES = (
    "visitors_received",
    "matters_raised",
    "matters_resolved",
    "matters_referred",
)
PHOTOS_CHOOSE_AGAIN = _(
    "The report was not saved, so the photos you chose were not uploaded: choose them again."
)

# Beyond this many counties a datalist weighs more than it helps; the field still takes a
# code or a name typed in full.
COUNTY_OPTIONS_LIMIT = 400


def _blank(choices) -> list:
    return [("", "—"), *choices]


class DateInput(forms.DateInput):
    """The browser's date picker; the value must be ISO whatever the interface language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_INPUT)


class CountyInput(forms.TextInput):
    """A text box with the service area as a datalist: searchable by name or code, no JS."""

    template_name = "events/widgets/county_input.html"

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "off", "list": "county-options", **(attrs or {})})
        self.options: list[Region] = []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["options"] = self.options
        return context

    def format_value(self, value):
        if isinstance(value, Region):
            return f"{value.code} {value.name_zh}"
        if isinstance(value, int):
            region = Region.objects.filter(pk=value).first()
            return f"{region.code} {region.name_zh}" if region else ""
        return super().format_value(value)


def county_lookup(text: str, area) -> Region:
    """The county meant by ``text`` ("513233", "513233 红原县", "513233红原县", "红原县" or
    "红原") in ``area``; when a code is given, the code decides."""
    text = text.strip()
    code, name = county_text_parts(text)
    candidates = (
        Region.objects.filter(level=Region.Level.COUNTY, code=code)
        if code
        else Region.objects.filter(level=Region.Level.COUNTY).filter(
            Q(name_zh=name) | Q(name_zh__startswith=name) | Q(name_bo=name)
        )
    )
    in_area = list(candidates.filter(pk__in=area.values("pk"))[:2])
    if len(in_area) == 1:
        return in_area[0]
    if len(in_area) > 1:
        exact = [region for region in in_area if region.name_zh == name]
        if len(exact) == 1:
            return exact[0]
        raise forms.ValidationError(
            _("Several counties match “%(text)s”; choose one from the list or type its code."),
            params={"text": text},
            code="ambiguous",
        )
    if candidates.exists():
        raise forms.ValidationError(
            _("“%(text)s” is not in the service area of this unit."),
            params={"text": text},
            code="outside_area",
        )
    raise forms.ValidationError(
        _("No county is called or numbered “%(text)s”."), params={"text": text}, code="unknown"
    )


class PhotoFilesInput(forms.FileInput):
    allow_multiple_selected = True


class PhotoFilesField(forms.FileField):
    """The photos chosen in one box, as a list; what they hold is the photo service's to check
    (an empty file included, so that its refusal names the file)."""

    widget = PhotoFilesInput

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_empty_file=True, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = []
        for file in files:
            cleaned.append(super().clean(file, initial))
        return cleaned


class EventPlanForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.order_by("-starts_on")
    )
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    county = forms.CharField(
        label=_("County"),
        widget=CountyInput,
        max_length=200,
        help_text=_("Type the county's name or its six-digit code."),
    )
    venue_name = forms.CharField(
        label=_("Venue"),
        max_length=200,
        required=False,
        help_text=_("For example: Hongyuan county pasture, Anqu township."),
    )
    venue_type = forms.ChoiceField(label=_("Venue type"), choices=_blank(VenueType.choices))
    format = forms.ChoiceField(label=_("Format"), choices=_blank(EventFormat.choices))
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=Channel.choices,
        initial=Channel.OFFLINE,
        help_text=_("Online events report their reach instead of head counts."),
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=EventLanguage.choices,
        initial=EventLanguage.ZH,
        widget=forms.RadioSelect,
    )
    starts_at = BoundedDateTimeField(
        label=_("Starts at"), widget=DateTimeLocalInput, input_formats=[DATETIME_INPUT]
    )
    ends_at = BoundedDateTimeField(
        label=_("Ends at"),
        widget=DateTimeLocalInput,
        input_formats=[DATETIME_INPUT],
        required=False,
    )
    expected_partners = RowsChoiceField(
        label=_("Partners expected"),
        queryset=Partner.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = VersionField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = filter_by_action(OrgUnit.objects.all(), user, "event.plan")
        self.fields["org_unit"].queryset = units
        self.fields["expected_partners"].queryset = visible_to(user, Partner).order_by("name")
        counties = Region.objects.filter(
            pk__in=Region.objects.filter(serving_units__in=units).values("pk")
        )
        if counties.count() <= COUNTY_OPTIONS_LIMIT:
            self.fields["county"].widget.options = list(counties.order_by("code"))

    def clean(self):
        cleaned = super().clean()
        unit, county = cleaned.get("org_unit"), cleaned.get("county")
        if unit is not None and isinstance(county, str) and county:
            try:
                cleaned["county"] = county_lookup(county, unit.service_counties())
            except forms.ValidationError as error:
                self.add_error("county", error)
        return cleaned

    @classmethod
    def initial_for(cls, event: Event) -> dict:
        """The plan as saved, as the form shows it."""
        return {
            **{name: getattr(event, name) for name in PLAN_FIELDS},
            "topics": list(event.topic_rows.values_list("topic", flat=True)),
            "expected_partners": list(event.expected_partners.all()),
            "version": event.version,
        }

    def plan(self) -> dict:
        """The cleaned plan, as keyword arguments of the planning services."""
        fields = dict(self.cleaned_data)
        fields.pop("version", None)
        return fields


HEAD_COUNT_LABEL = _("Head count")
HEAD_COUNT_HELP = _("Everyone who came. One person may count in several groups below.")


class EventReportForm(forms.Form):
    """The figures of a report. An empty audience box means "not counted", kept apart from 0.

    An in-person event is asked its head count first; its audience groups follow as "of whom"
    figures, which overlap. An online event is asked its reach instead."""

    head_count = count_field(
        bounds.PEOPLE, label=HEAD_COUNT_LABEL, required=False, help_text=HEAD_COUNT_HELP
    )
    staff_count = count_field(bounds.PEOPLE, label=_("Staff taking part"), required=False)
    outlets_count = count_field(bounds.PEOPLE, label=_("Outlets taking part"), required=False)
    online_reach = count_field(
        bounds.REACH,
        label=_("Online reach"),
        required=False,
        help_text=_("Views of the livestream or article, or text messages delivered."),
    )
    visitors_received = count_field(bounds.PEOPLE, label=_("Visitors received"), required=False)
    matters_raised = count_field(bounds.PEOPLE, label=_("Matters raised"), required=False)
    matters_resolved = count_field(bounds.PEOPLE, label=_("Resolved on the spot"), required=False)
    matters_referred = count_field(bounds.PEOPLE, label=_("Matters referred"), required=False)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=bounds.LONG_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Photos go with the report's save: one chosen here is never left behind unsent.
    photos = PhotoFilesField(
        label=_("Choose photos"),
        widget=PhotoFilesInput(
            attrs={
                "accept": "image/jpeg,image/png,image/webp",
                # static/js/photos.js makes them smaller and reports in this line.
                "data-photo-status": "report-photos-status",
            }
        ),
    )
    caption = forms.CharField(label=_("Caption (optional)"), max_length=200, required=False)
    version = VersionField()

    AUDIENCE_PREFIX = "audience_"

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary"].required = False
        for group in AudienceGroup:
            self.fields[self.AUDIENCE_PREFIX + group.value] = count_field(
                bounds.PEOPLE,
                label=group.label,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            )
        # Only the figures that belong to this kind of event are asked for (and so can fail).
        if event.format != EventFormat.GM_RECEPTION_DAY:
            for name in GM_RECEPTION_FIGURES:
                del self.fields[name]
        if event.is_online:
            del self.fields["head_count"]
            for group in AudienceGroup:
                del self.fields[self.AUDIENCE_PREFIX + group.value]
        else:
            del self.fields["online_reach"]
        for name, field in self.fields.items():
            if isinstance(field, forms.IntegerField) and name != "version":
                field.widget.attrs.update({"inputmode": "numeric", "min": 0})
        # In the order of the page, which a refused save's summary of problems follows.
        self.order_fields(
            [
                "online_reach",
                "head_count",
                *(name for name in self.fields if name.startswith(self.AUDIENCE_PREFIX)),
                "staff_count",
                "outlets_count",
                *GM_RECEPTION_FIGURES,
                "summary",
                "photos",
                "caption",
            ]
        )
        self.fields["photos"].help_text = " ".join(
            str(sentence)
            for sentence in (
                _("JPEG, PNG or WebP, up to %(limit)s each.")
                % {"limit": filesizeformat(settings.PHOTO_MAX_BYTES)},
                _("They are uploaded when you save the report."),
                _("Location and camera details are removed."),
            )
        )
        self.event = event

    def photos_not_kept(self) -> None:
        """After a refused save: photos sent with it are gone from the page shown again (a
        browser cannot put a file back), so the photo field says to choose them again."""
        if self.files.getlist("photos"):
            self.add_error("photos", PHOTOS_CHOOSE_AGAIN)

    def audience_fields(self):
        return [self[name] for name in self.fields if name.startswith(self.AUDIENCE_PREFIX)]

    def figures(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in REPORT_FIGURES}

    def audience(self) -> dict:
        return {
            group.value: self.cleaned_data.get(self.AUDIENCE_PREFIX + group.value)
            for group in AudienceGroup
        }

    @classmethod
    def initial_for(cls, event: Event) -> dict:
        initial = {name: getattr(event, name) for name in REPORT_FIGURES}
        initial.update(summary=event.summary, version=event.version)
        for group, count in event.audience_counts.values_list("group", "count"):
            initial[cls.AUDIENCE_PREFIX + group] = count
        return initial


class HeadCountForm(forms.Form):
    """The head count of an in-person event, confirmed or corrected on its page."""

    head_count = count_field(bounds.PEOPLE, label=HEAD_COUNT_LABEL, help_text=HEAD_COUNT_HELP)
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head_count"].widget.attrs.update({"inputmode": "numeric", "min": 0})


def handout_name(edition: MaterialEdition) -> str:
    return _("%(title)s, edition %(number)s") % {
        "title": edition.material.title_zh,
        "number": edition.number,
    }


class HandoutForm(forms.Form):
    edition = forms.ModelChoiceField(
        label=_("Handout"), queryset=MaterialEdition.objects.none(), required=False
    )
    copies = count_field(bounds.COPIES, label=_("Copies given"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].queryset = (
            visible_to(user, MaterialEdition)
            .filter(status=MaterialEdition.Status.APPROVED)
            .select_related("material")
        )
        self.fields["edition"].label_from_instance = handout_name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("edition") and cleaned.get("copies") is None:
            self.add_error("copies", _("How many copies were given out?"))
        if cleaned.get("copies") and not cleaned.get("edition"):
            self.add_error("edition", _("Which handout was given out?"))
        return cleaned

    def given(self) -> HandoutGiven | None:
        if not self.cleaned_data.get("edition"):
            return None
        return HandoutGiven(
            edition=self.cleaned_data["edition"], copies=self.cleaned_data["copies"]
        )


class PartnerServiceForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), required=False
    )
    service_type = forms.ChoiceField(
        label=_("Service"), choices=_blank(ServiceType.choices), required=False
    )
    screening_type = forms.ChoiceField(
        label=_("Screening type"), choices=_blank(ScreeningType.choices), required=False
    )
    people_served = count_field(bounds.PEOPLE, label=_("People served"), required=False)
    screened = count_field(bounds.PEOPLE, label=_("Screened"), required=False)
    referred = count_field(bounds.PEOPLE, label=_("Referred for follow-up"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = visible_to(user, Partner).order_by("name")
        for name in ("people_served", "screened", "referred"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "min": 0})

    def clean(self):
        cleaned = super().clean()
        # A row is a partner's service or blank: figures without a partner would be lost.
        # What a service may hold is the service's to check (PartnerService's rules).
        if not cleaned.get("partner") and any(
            cleaned.get(name) not in (None, "") for name in self.fields
        ):
            self.add_error("partner", _("Which partner delivered this service?"))
        return cleaned

    def reported(self) -> PartnerServiceReport | None:
        data = self.cleaned_data
        if not data.get("partner"):
            return None
        return PartnerServiceReport(
            partner=data["partner"],
            service_type=data["service_type"],
            screening_type=data.get("screening_type") or "",
            people_served=data.get("people_served"),
            screened=data.get("screened"),
            referred=data.get("referred"),
        )


# absolute_max: a posted TOTAL_FORMS of 100,000 builds 50 forms and says so, not 1,050.
HandoutFormSet = forms.formset_factory(
    HandoutForm, extra=2, max_num=50, absolute_max=50, validate_max=True
)
PartnerServiceFormSet = forms.formset_factory(
    PartnerServiceForm, extra=1, max_num=50, absolute_max=50, validate_max=True
)


class NoteForm(forms.Form):
    """The reviewer's note when returning a report, or the reason for cancelling an event."""

    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=bounds.NOTE_LENGTH, strip=True
    )
    version = VersionField()

    def __init__(self, *args, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label


STATUS_CHOICES = _blank(Event.Status.choices)
# Coverage counts approved events, or approved and reported ones when asked: a figure links
# to the list with the statuses it counts, which the list's status filter then shows.
COUNTED_STATUS_CHOICES = [
    *STATUS_CHOICES,
    (",".join(counted_statuses(include_reported=True)), _("approved or reported")),
]
CHANNEL_KINDS = [("", "—"), ("offline", _("offline")), ("online", _("online"))]
SPECIAL_AREAS = [
    ("", "—"),
    ("any", _("any special area")),
    *Region.special_kind_choices(),
]


class EventNarrowingForm(forms.Form):
    """The filters shared by the event list and the coverage pages."""

    venue_type = forms.ChoiceField(
        label=_("Venue type"), choices=_blank(VenueType.choices), required=False
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=_blank(EventFormat.choices), required=False
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=_blank(Topic.choices), required=False)
    audience_group = forms.ChoiceField(
        label=_("Audience group"), choices=_blank(AudienceGroup.choices), required=False
    )
    channel = forms.ChoiceField(label=_("Online or offline"), choices=CHANNEL_KINDS, required=False)
    special_area = forms.ChoiceField(label=_("Special area"), choices=SPECIAL_AREAS, required=False)
    starts_on = BoundedDateField(label=_("From"), required=False, widget=DateInput)
    ends_on = BoundedDateField(label=_("To"), required=False, widget=DateInput)

    NARROWING = (
        "venue_type",
        "format",
        "topic",
        "audience_group",
        "channel",
        "special_area",
        "starts_on",
        "ends_on",
    )

    def narrowing(self) -> dict:
        """The chosen narrowing as EventFilters keyword arguments; none when invalid."""
        if not self.is_valid():
            return {}
        return {name: self.cleaned_data[name] for name in self.NARROWING}


class CoverageFilterForm(EventNarrowingForm):
    include_reported = forms.BooleanField(
        label=_("Count reports still waiting for review too"), required=False
    )


class EventFilterForm(EventNarrowingForm):
    """The narrowing of a list of events: typed on the list, or carried by a coverage link."""

    q = forms.CharField(label=_("Search by title"), required=False, max_length=200)
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.order_by("-starts_on"), required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=COUNTED_STATUS_CHOICES, required=False)
    county = forms.CharField(label=_("County"), required=False, widget=CountyInput, max_length=200)
    # Carried by links from the coverage pages; not typed by hand.
    unit = RowIdField(label=_("Unit"), required=False, widget=forms.HiddenInput)
    prefecture = RowIdField(label=_("Prefecture"), required=False, widget=forms.HiddenInput)

    field_order = ["q", "campaign", "status", "venue_type", "format", "topic"]

    def clean_county(self):
        text = self.cleaned_data["county"]
        if not text:
            return None
        return county_lookup(text, Region.objects.filter(level=Region.Level.COUNTY))

    def chosen(self, *, user) -> list[tuple[str, str]]:
        """Each filter in effect as (label, value) in words, the ones a coverage link carries
        unseen included, so that the list says what it holds with its filter panel closed."""
        if not self.is_bound or not self.is_valid():
            return []
        chosen = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if name == "unit":
                unit = visible_to(user, OrgUnit).filter(pk=value).first()
                value = unit.name if unit else None
            elif name == "prefecture":
                region = Region.objects.filter(pk=value, level=Region.Level.PREFECTURE).first()
                value = region.name_zh if region else None
            elif isinstance(value, Region):
                value = value.name_zh
            elif isinstance(field, forms.ChoiceField) and not hasattr(field, "queryset"):
                value = dict(field.choices).get(value, value)
            if value is not None:
                chosen.append((str(field.label), str(value)))
        return chosen

    def filters(self) -> EventFilters:
        """What was chosen, as the selectors' filters; nothing chosen when the form is invalid."""
        if not self.is_valid():
            return EventFilters()
        data = self.cleaned_data
        return EventFilters(
            **self.narrowing(),
            campaign_id=data["campaign"].pk if data["campaign"] else None,
            # One status, or the several a coverage figure counts.
            status="" if "," in data["status"] else data["status"],
            statuses=tuple(data["status"].split(",")) if "," in data["status"] else (),
            org_unit_id=data["unit"],
            county_id=data["county"].pk if data["county"] else None,
            prefecture_id=data["prefecture"],
            search=data["q"],
        )
