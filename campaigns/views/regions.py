"""The review of regions' Tibetan names: a native reader of Tibetan confirms or corrects
them, filtered by status and prefecture. Everyone else is refused (403)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.forms.regions import RegionNameFilterForm, RegionNameForm
from campaigns.models import Region
from campaigns.selectors import regions as selectors
from campaigns.services.regions import region_name_bo_review
from campaigns.views.errors import service_errors_shown
from portal.access import is_native_reader

REGIONS_PER_PAGE = 50


def _require_native_reader(user) -> None:
    if not is_native_reader(user):
        raise PermissionDenied


def _name_form(region: Region, data=None) -> RegionNameForm:
    return RegionNameForm(
        data,
        initial={"name_bo": region.name_bo, "seen_name_bo": region.name_bo},
        auto_id=f"id_r{region.pk}_%s",
    )


def _review_page(request, query, *, bound_region: Region | None = None, bound=None):
    filter_form = RegionNameFilterForm(query)
    filters = filter_form.filters()
    regions = selectors.region_names_bo(**filters)
    page = Paginator(regions, REGIONS_PER_PAGE).get_page(query.get("page"))
    page.object_list = list(page.object_list)
    for region in page.object_list:
        region.form = bound if region == bound_region else _name_form(region)
    if bound is not None and bound_region not in page.object_list:
        for error in bound.errors.get("name_bo", []):
            messages.error(request, f"{bound_region.name_zh}: {error}")
    return render(
        request,
        "regions/name_review.html",
        {
            "page": page,
            "form": filter_form,
            "filters": filters,
            "unreviewed_total": selectors.region_names_bo_unreviewed_count(),
            "back": _back_query(filters, page.number),
        },
    )


def _back_query(filters: dict, page_number: int) -> dict:
    query = {"status": filters["status"]}
    if filters["prefecture"] is not None:
        query["prefecture"] = filters["prefecture"].pk
    if page_number > 1:
        query["page"] = page_number
    return query


@login_required
def region_name_review(request):
    _require_native_reader(request.user)
    return _review_page(request, request.GET)


@login_required
@require_POST
def region_name_confirm(request, pk: int):
    _require_native_reader(request.user)
    region = get_object_or_404(Region.objects.exclude(name_bo=""), pk=pk)
    form = _name_form(region, request.POST)
    if form.is_valid():
        try:
            region_name_bo_review(
                user=request.user,
                region_id=region.pk,
                name_bo=form.cleaned_data["name_bo"],
                seen_name_bo=form.cleaned_data["seen_name_bo"],
            )
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            messages.success(
                request,
                _("The Tibetan name of %(region)s is reviewed.") % {"region": region.name_zh},
            )
            filters = RegionNameFilterForm(request.POST).filters()
            query = _back_query(filters, _page_number(request.POST.get("page")))
            return redirect(f"{reverse('region_name_review')}?{urlencode(query)}")
    return _review_page(request, request.POST, bound_region=region, bound=form)


def _page_number(value) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1
