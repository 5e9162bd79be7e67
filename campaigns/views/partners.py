"""Partner pages: the list, a partner's page, and the forms for partners and agreements."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.forms.partners import AgreementForm, PartnerFilterForm, PartnerForm
from campaigns.models import Partner, PartnerAgreement
from campaigns.selectors import partners as selectors
from campaigns.selectors.org import own_unit
from campaigns.services import partners as services
from campaigns.views.errors import service_errors_shown
from portal.access import can, visible_to
from portal.downloads import stored_file_response

PARTNERS_PER_PAGE = 25
SERVICES_PER_PAGE = 50


@login_required
def partner_list(request):
    user = request.user
    form = PartnerFilterForm(request.GET, org_units=selectors.partner_filter_units(user=user))
    form.is_valid()  # an invalid filter is left out; cleaned_data keeps the valid ones
    filters = form.cleaned_data
    partners = selectors.partner_list(
        user=user,
        today=timezone.localdate(),
        kind=filters.get("kind", ""),
        org_unit=filters.get("org_unit"),
        search=filters.get("q", "").strip(),
    )
    page = Paginator(partners, PARTNERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/list.html",
        {
            "page": page,
            "form": form,
            "filtered": any(filters.values()),
            "may_add": selectors.partner_units_editable(user=user).exists(),
            "within_days": selectors.ENDING_SOON_DAYS,
        },
    )


@login_required
def partner_detail(request, pk: int):
    user = request.user
    partner = get_object_or_404(visible_to(user, Partner).select_related("org_unit"), pk=pk)
    delivered = selectors.partner_services_delivered(user=user, partner=partner)
    return render(
        request,
        "partners/detail.html",
        {
            "partner": partner,
            "may_edit": can(user, "partner.edit", partner.org_unit),
            "agreements": selectors.partner_agreements(
                user=user, partner=partner, today=timezone.localdate()
            ),
            "services": Paginator(delivered, SERVICES_PER_PAGE).get_page(request.GET.get("page")),
            "totals": selectors.partner_screening_totals(user=user, partner=partner),
            "within_days": selectors.ENDING_SOON_DAYS,
        },
    )


@login_required
def partner_create(request):
    user = request.user
    units = selectors.partner_units_editable(user=user).order_by("path")
    default_unit = own_unit(user=user, action="partner.edit")
    if default_unit is None:
        raise PermissionDenied
    form = PartnerForm(request.POST or None, org_units=units, initial={"org_unit": default_unit})
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_create(user=user, **form.cleaned_data)
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            messages.success(request, _("The partner was added."))
            return redirect("partner_detail", pk=partner.pk)
    return render(request, "partners/form.html", {"form": form, "partner": None})


@login_required
def partner_edit(request, pk: int):
    user = request.user
    partner = get_object_or_404(visible_to(user, Partner).select_related("org_unit"), pk=pk)
    if not can(user, "partner.edit", partner.org_unit):
        raise PermissionDenied
    units = selectors.partner_units_editable(user=user).order_by("path")
    initial = {field: getattr(partner, field) for field in services.PARTNER_FIELDS}
    form = PartnerForm(request.POST or None, org_units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_update(partner_id=partner.pk, user=user, **form.cleaned_data)
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            messages.success(request, _("The partner was saved."))
            return redirect("partner_detail", pk=partner.pk)
    return render(request, "partners/form.html", {"form": form, "partner": partner})


@login_required
def agreement_create(request, pk: int):
    user = request.user
    partner = get_object_or_404(visible_to(user, Partner).select_related("org_unit"), pk=pk)
    if not can(user, "partner.edit", partner.org_unit):
        raise PermissionDenied
    form = AgreementForm(
        request.POST or None, request.FILES or None, counties=partner.org_unit.service_counties()
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_create(partner_id=partner.pk, user=user, **form.cleaned_data)
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            messages.success(request, _("The agreement was added."))
            return redirect("partner_detail", pk=partner.pk)
    return render(
        request,
        "partners/agreement_form.html",
        {"form": form, "partner": partner, "agreement": None},
    )


@login_required
def agreement_edit(request, pk: int):
    user = request.user
    agreement = get_object_or_404(
        visible_to(user, PartnerAgreement).select_related("partner__org_unit"), pk=pk
    )
    partner = agreement.partner
    if not can(user, "partner.edit", partner.org_unit):
        raise PermissionDenied
    initial = {
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "services": agreement.services,
        "counties": list(agreement.counties.values_list("pk", flat=True)),
    }
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        counties=partner.org_unit.service_counties(),
        has_document=bool(agreement.document),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(agreement_id=agreement.pk, user=user, **form.cleaned_data)
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect("partner_detail", pk=partner.pk)
    return render(
        request,
        "partners/agreement_form.html",
        {"form": form, "partner": partner, "agreement": agreement},
    )


@login_required
def agreement_document(request, pk: int):
    agreement = get_object_or_404(visible_to(request.user, PartnerAgreement), pk=pk)
    if not agreement.document:
        raise Http404
    filename = agreement.document.name.rsplit("/", 1)[-1]
    return stored_file_response(agreement.document, filename=filename)
