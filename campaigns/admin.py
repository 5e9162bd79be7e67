"""The Django admin: a back office for superusers (``portal.admin_site``).

Reference data (regions, units, memberships, campaigns and targets) is edited here, each
change audited. Models with a workflow are shown read-only: their changes go through the
services behind the portal's pages. Querysets still go through ``visible_to``, so that the
admin shows nothing the portal's one scoping rule would not.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from campaigns import models
from campaigns.models.measures import COMPUTATION_ROLES
from portal.access import visible_to
from portal.admin_site import AuditedAdmin, ReadOnlyAdminMixin


class ScopedAdmin(AuditedAdmin):
    def get_queryset(self, request):
        return visible_to(request.user, self.model).select_related(*self.list_select_related or ())


class WorkflowAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    pass


class WorkflowInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0


@admin.register(models.Region)
class RegionAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_bo",
        "level",
        "parent",
        "ethnic_area",
        "old_revolutionary_area",
        "remote_area",
    ]
    list_filter = [
        "level",
        "ethnic_area",
        "old_revolutionary_area",
        "remote_area",
        "name_bo_needs_review",
    ]
    search_fields = ["code", "name_zh", "name_bo"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    ordering = ["code"]
    # Only a native reader clears a Tibetan name, on the review page; a name written here
    # waits for one again.
    readonly_fields = ["name_bo_needs_review", "name_bo_reviewed_by", "name_bo_reviewed_at"]

    def save_model(self, request, obj, form, change):
        if "name_bo" in form.changed_data:
            obj.name_bo_needs_review = True
            obj.name_bo_reviewed_by = None
            obj.name_bo_reviewed_at = None
        super().save_model(request, obj, form, change)


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.OrgUnit)
class OrgUnitAdmin(ScopedAdmin):
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent", "service_area"]
    inlines = [MembershipInline]


@admin.register(models.Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "org_unit", "role", "created_at"]
    list_filter = ["role", "org_unit__kind"]
    search_fields = ["user__username", "org_unit__name"]
    list_select_related = ["user", "org_unit"]
    autocomplete_fields = ["user", "org_unit"]


class CampaignTargetInline(admin.TabularInline):
    model = models.CampaignTarget
    extra = 0
    autocomplete_fields = ["org_unit"]


@admin.register(models.Campaign)
class CampaignAdmin(AuditedAdmin):
    list_display = ["name", "theme", "starts_on", "ends_on"]
    search_fields = ["name", "theme"]
    date_hierarchy = "starts_on"
    inlines = [CampaignTargetInline]


@admin.register(models.CampaignTarget)
class CampaignTargetAdmin(ScopedAdmin):
    list_display = [
        "campaign",
        "org_unit",
        "events",
        "people_reached",
        "counties_covered",
        "special_area_counties_covered",
    ]
    list_filter = ["campaign"]
    search_fields = ["org_unit__name"]
    list_select_related = ["campaign", "org_unit"]
    autocomplete_fields = ["org_unit"]


class AudienceCountInline(WorkflowInline):
    model = models.AudienceCount


class EventTopicInline(WorkflowInline):
    model = models.EventTopic


class PartnerServiceInline(WorkflowInline):
    model = models.PartnerService
    autocomplete_fields = ["partner"]


class MaterialUseInline(WorkflowInline):
    model = models.MaterialUse
    autocomplete_fields = ["edition"]


@admin.register(models.Event)
class EventAdmin(WorkflowAdmin):
    list_display = ["title", "org_unit", "county", "venue_type", "format", "starts_at", "status"]
    list_filter = ["status", "campaign", "venue_type", "format", "channel", "language"]
    search_fields = ["title", "venue_name", "county__name_zh", "county__code"]
    list_select_related = ["org_unit", "county"]
    autocomplete_fields = ["org_unit", "county", "campaign"]
    date_hierarchy = "starts_at"
    readonly_fields = [
        "uuid",
        "version",
        "created_by",
        "created_at",
        "updated_at",
        "reported_at",
        "reported_by",
    ]
    inlines = [EventTopicInline, AudienceCountInline, PartnerServiceInline, MaterialUseInline]


class PartnerAgreementInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = models.PartnerAgreement
    extra = 0
    autocomplete_fields = ["counties"]


@admin.register(models.Partner)
class PartnerAdmin(WorkflowAdmin):
    list_display = ["name", "kind", "org_unit", "contact_name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["org_unit"]
    autocomplete_fields = ["org_unit"]
    inlines = [PartnerAgreementInline]


class EditionBlockInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = models.EditionBlock
    extra = 0


class MaterialEditionInline(WorkflowInline):
    model = models.MaterialEdition
    fields = [
        "number",
        "status",
        "needs_native_review",
        "translated_by",
        "reviewed_by",
        "approved_at",
    ]
    show_change_link = True
    autocomplete_fields = ["translated_by", "reviewed_by"]


@admin.register(models.Material)
class MaterialAdmin(WorkflowAdmin):
    list_display = ["title_zh", "title_bo", "topic", "kind", "org_unit"]
    list_filter = ["topic", "kind"]
    search_fields = ["title_zh", "title_bo"]
    list_select_related = ["org_unit"]
    autocomplete_fields = ["org_unit"]
    inlines = [MaterialEditionInline]


@admin.register(models.MaterialEdition)
class MaterialEditionAdmin(WorkflowAdmin):
    list_display = ["material", "number", "status", "needs_native_review", "approved_at"]
    list_filter = ["status", "needs_native_review"]
    search_fields = ["material__title_zh"]
    list_select_related = ["material"]
    autocomplete_fields = ["translated_by", "reviewed_by"]
    inlines = [EditionBlockInline]


@admin.register(models.PrintRun)
class PrintRunAdmin(WorkflowAdmin):
    list_display = ["edition", "org_unit", "paper_size", "copies", "created_at"]
    list_filter = ["paper_size"]
    list_select_related = ["edition__material", "org_unit"]
    autocomplete_fields = ["edition", "org_unit"]


@admin.register(models.AuditEntry)
class AuditEntryAdmin(WorkflowAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_repr", "org_unit"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "action", "actor__username"]
    list_select_related = ["actor", "org_unit"]
    date_hierarchy = "created_at"


admin.site.site_header = _("Outreach portal administration")
admin.site.site_title = _("Outreach portal")


class MeasurePartFormSet(BaseInlineFormSet):
    """A measure's parts must be the ones its computation is made of: no more, no fewer."""

    def clean(self):
        super().clean()
        measure = self.instance
        roles = [
            form.cleaned_data["role"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        needed = COMPUTATION_ROLES.get(measure.computation, frozenset())
        if sorted(roles) != sorted(needed):
            raise ValidationError(
                _("A %(computation)s measure is made of these parts: %(roles)s.")
                % {
                    "computation": measure.get_computation_display(),
                    "roles": "、".join(
                        str(models.MeasurePart.Role(role).label) for role in sorted(needed)
                    ),
                }
            )


class MeasurePartInline(admin.TabularInline):
    model = models.MeasurePart
    formset = MeasurePartFormSet
    extra = 0
    fields = [
        "position",
        "code",
        "role",
        "kind",
        "name_zh",
        "name_bo",
        "name_bo_needs_review",
        "name_en",
    ]


@admin.register(models.Measure)
class MeasureAdmin(AuditedAdmin):
    """The catalogue of measures: headquarters adds a measure here, with its parts, and the
    monthly returns ask for it from then on."""

    list_display = [
        "code",
        "name_zh",
        "name_bo",
        "name_bo_needs_review",
        "name_en",
        "unit",
        "computation",
        "source",
        "active",
    ]
    list_filter = ["active", "source", "computation", "name_bo_needs_review"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["position", "code"]
    inlines = [MeasurePartInline]


@admin.register(models.MeasureReturn)
class MeasureReturnAdmin(WorkflowAdmin):
    list_display = ["org_unit", "month", "status", "is_demo", "version"]
    list_filter = ["status", "is_demo"]
    list_select_related = ["org_unit"]


@admin.register(models.MediationRoom)
class MediationRoomAdmin(WorkflowAdmin):
    list_display = ["name", "org_unit", "opened_on", "is_open"]
    list_select_related = ["org_unit"]


@admin.register(models.Mediator)
class MediatorAdmin(WorkflowAdmin):
    list_display = ["name", "field", "organisation", "org_unit", "active"]
    list_select_related = ["org_unit"]
