"""Print run pages: ordering copies of a material's current edition, the list, a run and its
PDF."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from campaigns.forms.print_runs import PrintRunOrderForm
from campaigns.models import MaterialEdition, OrgUnit, PrintRun
from campaigns.printing.jobs import print_run_filename
from campaigns.printing.layouts import KIND_PAPER
from campaigns.selectors.org import own_unit
from campaigns.services import print_runs as services
from campaigns.views.errors import service_errors_shown
from portal.access import filter_by_action, visible_to
from portal.downloads import stored_file_response

PRINT_RUNS_PER_PAGE = 25


@login_required
def print_run_order(request, pk: int):
    user = request.user
    edition = get_object_or_404(visible_to(user, MaterialEdition).select_related("material"), pk=pk)
    units = filter_by_action(visible_to(user, OrgUnit), user, "printrun.order").order_by("path")
    if not units.exists():
        raise PermissionDenied
    initial = {
        "paper_size": KIND_PAPER.get(edition.material.kind, "A5"),
        "org_unit": own_unit(user=user, action="printrun.order"),
    }
    form = PrintRunOrderForm(request.POST or None, org_units=units, initial=initial)
    # Said before anything is typed (the page offers no order button then); the service
    # refuses the order all the same.
    refusal = services.print_run_refusal(edition)
    if refusal is None and request.method == "POST" and form.is_valid():
        try:
            print_run = services.print_run_order(user=user, edition=edition, **form.cleaned_data)
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            # The job page says what became of it: being made, ready (with the jobs run
            # in-process it is ready by now) or waiting for the job service.
            messages.success(request, _("The print run was ordered."))
            return redirect("job_detail", pk=print_run.job_id)
    current = (
        MaterialEdition.objects.filter(material=edition.material_id).current().first()
        if refusal is not None
        else None
    )
    return render(
        request,
        "print_runs/order.html",
        {"form": form, "edition": edition, "refusal": refusal, "current": current},
    )


@login_required
def print_run_list(request):
    runs = (
        visible_to(request.user, PrintRun)
        .select_related("edition__material", "org_unit", "job")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(runs, PRINT_RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "print_runs/list.html", {"page": page})


@login_required
def print_run_detail(request, pk: int):
    print_run = get_object_or_404(
        visible_to(request.user, PrintRun).select_related(
            "edition__material", "org_unit", "job", "ordered_by"
        ),
        pk=pk,
    )
    return render(request, "print_runs/detail.html", {"print_run": print_run})


@login_required
def print_run_pdf(request, pk: int):
    print_run = get_object_or_404(
        visible_to(request.user, PrintRun).select_related("edition__material"), pk=pk
    )
    if not print_run.pdf:
        raise Http404
    return stored_file_response(
        print_run.pdf, filename=print_run_filename(print_run), content_type="application/pdf"
    )
