"""Coverage pages: a campaign's units against their targets, drilled down HQ → branch →
prefecture → county → the events behind every figure; and the targets' form."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.charts import BarChart
from campaigns.forms.events import CoverageFilterForm
from campaigns.forms.targets import target_formset
from campaigns.models import Campaign, CampaignTarget, OrgUnit, Region
from campaigns.selectors import coverage as selectors
from campaigns.selectors.events import EventFilters
from campaigns.selectors.org import own_units
from campaigns.services.targets import TARGET_FIGURES, targets_set
from campaigns.views.errors import refusal_said
from portal.access import can, visible_to

# A county's counted events, a page at a time, as on the event list.
EVENTS_PER_PAGE = 20
EXPORT_KINDS = [
    ("regulator_sheet", gettext_lazy("Regulator statistics (Excel)")),
    ("coverage_summary", gettext_lazy("Summary with charts (PDF)")),
]


def _campaign(pk: int) -> Campaign:
    return get_object_or_404(Campaign, pk=pk)


def _unit(user, pk: int) -> OrgUnit:
    try:
        return selectors.coverage_unit(user=user, unit_id=pk)
    except OrgUnit.DoesNotExist:
        raise Http404 from None


def _breadcrumbs(user, campaign: Campaign, unit: OrgUnit) -> list[tuple[str, str, str]]:
    """The visible units from the top of the user's coverage down to ``unit``: (label, link,
    language of the label); a unit's name has no language of its own, a region's is Chinese."""
    units = [*visible_to(user, OrgUnit).filter(pk__in=unit.ancestors()).order_by("path"), unit]
    return [(u.name, reverse("coverage_unit", args=[campaign.pk, u.pk]), "") for u in units]


class _Narrowing:
    """The page's filters, with the query strings that carry them to links."""

    def __init__(self, request, campaign: Campaign):
        self.form = CoverageFilterForm(request.GET or None)
        self.include_reported = self.form.is_valid() and self.form.cleaned_data["include_reported"]
        self.filters = EventFilters(**self.form.narrowing())
        self.campaign = campaign
        self.statuses = selectors.counted_statuses(self.include_reported)

    def page_query(self) -> str:
        query = self.filters.query()
        if self.include_reported:
            query["include_reported"] = "on"
        return urlencode(query)

    def keeping(self, url: str) -> str:
        """``url`` with this page's filters, so that the next page shows the same events."""
        query = self.page_query()
        return f"{url}?{query}" if query and "?" not in url else url

    def events_link(self, **narrower) -> str:
        """The event list holding exactly the events behind a figure."""
        query = {
            **self.filters.query(),
            "campaign": self.campaign.pk,
            # One of the list's status choices, so that its filter says what is counted.
            "status": ",".join(self.statuses),
            **{key: value for key, value in narrower.items() if value is not None},
        }
        return f"{reverse('event_list')}?{urlencode(query)}"

    def overdue_link(self, unit: OrgUnit, county: Region | None = None) -> str:
        query = {**self.filters.query(), "campaign": self.campaign.pk, "unit": unit.pk}
        if county is not None:
            query["county"] = county.code
        query["status"] = "planned"
        return f"{reverse('event_list')}?{urlencode(query)}"

    def county_link(self, unit: OrgUnit, county: Region) -> str:
        """The coverage page of one county of ``unit``'s service area."""
        return self.keeping(reverse("coverage_county", args=[self.campaign.pk, unit.pk, county.pk]))


def _link_rows(table, narrowing: _Narrowing, campaign: Campaign, *, unit=None) -> None:
    """Give every row its drill-down link and the links of its figures."""
    for row in table.rows:
        if row.region is not None and row.region.level == Region.Level.PREFECTURE:
            row.link = narrowing.keeping(
                reverse("coverage_region", args=[campaign.pk, unit.pk, row.region.pk])
            )
            row.events_link = narrowing.events_link(unit=unit.pk, prefecture=row.region.pk)
        elif row.region is not None:
            row.link = narrowing.county_link(unit, row.region)
            row.events_link = narrowing.events_link(unit=unit.pk, county=row.region.code)
        else:
            row.link = (
                None
                if row.own_events_only
                else narrowing.keeping(reverse("coverage_unit", args=[campaign.pk, row.unit.pk]))
            )
            row.events_link = narrowing.events_link(unit=row.unit.pk)
            row.overdue_link = narrowing.overdue_link(row.unit)


@login_required
def coverage_home(request):
    """The current campaign's coverage from the top of what the user may see: their own
    unit, or, when their roles lie in two branches, the choice of them."""
    campaign = Campaign.objects.current(timezone.localdate()) or Campaign.objects.first()
    units = own_units(user=request.user)
    if campaign is None or not units:
        return render(request, "coverage/empty.html", {"campaign": campaign})
    if len(units) > 1:
        return render(request, "coverage/units.html", {"campaign": campaign, "units": units})
    return redirect("coverage_unit", campaign.pk, units[0].pk)


@login_required
def coverage_unit(request, campaign_pk: int, unit_pk: int):
    campaign = _campaign(campaign_pk)
    unit = _unit(request.user, unit_pk)
    narrowing = _Narrowing(request, campaign)
    arguments = {
        "user": request.user,
        "campaign": campaign,
        "unit": unit,
        "filters": narrowing.filters,
        "include_reported": narrowing.include_reported,
    }
    units = selectors.unit_coverage(**arguments)
    _link_rows(units, narrowing, campaign)
    regions = None
    counties = []
    if unit.kind != OrgUnit.Kind.HQ:
        regions = selectors.region_coverage(**arguments)
        _link_rows(regions, narrowing, campaign, unit=unit)
        counties = selectors.county_coverage(**arguments)
        for county in counties:
            county.link = narrowing.county_link(unit, county.region)
            county.events_link = narrowing.events_link(unit=unit.pk, county=county.region.code)
    # The target chart comes from the table; the mix charts read every event a second time,
    # so they follow in their own request (coverage_charts) and the table shows first.
    progress = [(row.label, row.progress()["events"] or 0) for row in units.rows if row.target]
    charts = (
        [BarChart(_("Share of the events target reached"), progress, max_value=100, suffix="%")]
        if progress
        else []
    )
    charts_url = narrowing.keeping(reverse("coverage_charts", args=[campaign.pk, unit.pk]))
    return render(
        request,
        "coverage/unit.html",
        {
            "campaign": campaign,
            "campaigns": Campaign.objects.order_by("-starts_on"),
            "unit": unit,
            "units": units,
            "regions": regions,
            "counties": counties,
            "uncovered_special": [c for c in counties if not c.covered and c.special_kinds],
            "charts": charts,
            "charts_url": charts_url,
            "form": narrowing.form,
            "narrowing": narrowing,
            "totals_link": narrowing.events_link(unit=unit.pk),
            "breadcrumbs": _breadcrumbs(request.user, campaign, unit),
            "may_set_targets": can(request.user, "target.set", unit) and units.rows,
            "export_kinds": EXPORT_KINDS,
        },
    )


@login_required
def coverage_charts(request, campaign_pk: int, unit_pk: int):
    """The venue-type, audience and weekly mix of a coverage page's events, as charts.

    The coverage page loads this into itself with htmx; without JavaScript its link opens it
    as a page of its own.
    """
    campaign = _campaign(campaign_pk)
    unit = _unit(request.user, unit_pk)
    narrowing = _Narrowing(request, campaign)
    mix = selectors.coverage_mix(
        user=request.user,
        campaign=campaign,
        unit=unit,
        filters=narrowing.filters,
        include_reported=narrowing.include_reported,
    )
    charts = [
        BarChart(_("Events by venue type"), mix.venue_types),
        BarChart(_("People reached by audience group"), mix.audience),
        BarChart(_("Events per week"), mix.per_week),
    ]
    template = "coverage/_mix_charts.html" if request.htmx else "coverage/charts.html"
    return render(
        request,
        template,
        {
            "campaign": campaign,
            "unit": unit,
            "charts": charts,
            "narrowing": narrowing,
            "back_link": narrowing.keeping(reverse("coverage_unit", args=[campaign.pk, unit.pk])),
            "breadcrumbs": _breadcrumbs(request.user, campaign, unit),
        },
    )


@login_required
def coverage_region(request, campaign_pk: int, unit_pk: int, region_pk: int):
    campaign = _campaign(campaign_pk)
    unit = _unit(request.user, unit_pk)
    prefecture = get_object_or_404(Region, pk=region_pk, level=Region.Level.PREFECTURE)
    narrowing = _Narrowing(request, campaign)
    counties = selectors.region_coverage(
        user=request.user,
        campaign=campaign,
        unit=unit,
        filters=narrowing.filters,
        prefecture=prefecture,
        include_reported=narrowing.include_reported,
    )
    if not counties.rows:
        raise Http404
    _link_rows(counties, narrowing, campaign, unit=unit)
    breadcrumbs = _breadcrumbs(request.user, campaign, unit)
    breadcrumbs.append((prefecture.name_zh, request.path, "zh-Hans"))
    return render(
        request,
        "coverage/region.html",
        {
            "campaign": campaign,
            "unit": unit,
            "prefecture": prefecture,
            "counties": counties,
            "form": narrowing.form,
            "narrowing": narrowing,
            "totals_link": narrowing.events_link(unit=unit.pk, prefecture=prefecture.pk),
            "breadcrumbs": breadcrumbs,
        },
    )


@login_required
def coverage_county(request, campaign_pk: int, unit_pk: int, region_pk: int):
    """One county of a unit's service area: its figures and the events they count."""
    campaign = _campaign(campaign_pk)
    unit = _unit(request.user, unit_pk)
    try:
        county = selectors.coverage_county(unit=unit, county_id=region_pk)
    except Region.DoesNotExist:
        raise Http404 from None
    narrowing = _Narrowing(request, campaign)
    arguments = {
        "user": request.user,
        "campaign": campaign,
        "unit": unit,
        "county": county,
        "filters": narrowing.filters,
        "include_reported": narrowing.include_reported,
    }
    row = selectors.county_figures(**arguments)
    events = selectors.county_events(**arguments)
    breadcrumbs = _breadcrumbs(request.user, campaign, unit)
    prefecture = county.parent
    if prefecture is not None and prefecture.level == Region.Level.PREFECTURE:
        region_url = reverse("coverage_region", args=[campaign.pk, unit.pk, prefecture.pk])
        breadcrumbs.append((prefecture.name_zh, region_url, "zh-Hans"))
    breadcrumbs.append((county.name_zh, request.path, "zh-Hans"))
    return render(
        request,
        "coverage/county.html",
        {
            "campaign": campaign,
            "unit": unit,
            "county": county,
            "row": row,
            "special_kinds": county.special_kinds,
            "page": Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page")),
            "form": narrowing.form,
            "narrowing": narrowing,
            "events_link": narrowing.events_link(unit=unit.pk, county=county.code),
            "overdue_link": narrowing.overdue_link(unit, county),
            "breadcrumbs": breadcrumbs,
        },
    )


@login_required
def targets_edit(request, campaign_pk: int, unit_pk: int):
    campaign = _campaign(campaign_pk)
    unit = _unit(request.user, unit_pk)
    if not can(request.user, "target.set", unit):
        raise PermissionDenied
    children = list(unit.children.order_by("path"))
    existing = {
        t.org_unit_id: t
        for t in CampaignTarget.objects.filter(campaign=campaign, org_unit__parent=unit)
    }
    initial = [
        {name: getattr(existing.get(child.pk), name, 0) for name in TARGET_FIGURES}
        for child in children
    ]
    formset = target_formset(children, request.POST or None, initial=initial, prefix="targets")
    if request.method == "POST" and (
        formset.total_form_count() != len(children) or formset.non_form_errors()
    ):
        # Not what the page sent: a tampered management form. Say so, and start again.
        for error in formset.non_form_errors() or [_("The form was incomplete; try again.")]:
            messages.error(request, error)
        formset = target_formset(children, initial=initial, prefix="targets")
    elif request.method == "POST" and formset.is_valid():
        try:
            warnings = targets_set(
                user=request.user,
                campaign=campaign,
                parent=unit,
                targets={
                    child.pk: form.cleaned_data
                    for child, form in zip(children, formset, strict=True)
                },
            )
        except ValidationError as error:
            refusal_said(request, error, rows={"targets": formset.forms})
        else:
            messages.success(request, _("The targets are saved."))
            for warning in warnings:
                messages.warning(request, warning)
            return redirect("coverage_unit", campaign.pk, unit.pk)
    own_target = CampaignTarget.objects.filter(campaign=campaign, org_unit=unit).first()
    return render(
        request,
        "coverage/targets.html",
        {
            "campaign": campaign,
            "unit": unit,
            "rows": list(zip(children, formset, strict=True)),
            "formset": formset,
            # A refused row is named by its sub-unit in the summary of problems.
            "row_names": [child.name for child in children],
            "own_target": own_target,
            "breadcrumbs": _breadcrumbs(request.user, campaign, unit),
        },
    )
