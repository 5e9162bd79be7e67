"""Measures pages: a unit's monthly returns (figures, submit, review), the review queue of
returns, and the unit's mediation rooms and mediators."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaigns.forms.events import NoteForm
from campaigns.forms.measures import (
    MediationRoomForm,
    MediatorForm,
    ReturnFiguresForm,
    ReturnFilterForm,
    ReturnOpenForm,
)
from campaigns.models import MeasureReturn, MediationRoom, Mediator
from campaigns.selectors import measures as selectors
from campaigns.services import measures as services
from campaigns.views.errors import button_step_said, service_errors_shown
from portal.access import can, visible_to

RETURNS_PER_PAGE = 25
REVIEW_PER_PAGE = 25
ROOMS_PER_PAGE = 25
RETURN_NOTE_LABEL = gettext_lazy("What should the unit fix?")


def _visible_return(user, pk: int) -> MeasureReturn:
    return get_object_or_404(visible_to(user, MeasureReturn).select_related("org_unit"), pk=pk)


@login_required
def measure_return_list(request):
    user = request.user
    filters = ReturnFilterForm(request.GET, org_units=selectors.return_filter_units(user=user))
    filters.is_valid()  # an invalid filter is left out; cleaned_data keeps the valid ones
    chosen = {
        "org_unit": filters.cleaned_data.get("org_unit"),
        "month": filters.cleaned_data.get("month"),
        "status": filters.cleaned_data.get("status", ""),
    }
    returns = selectors.measure_returns(user=user, **chosen)
    page = Paginator(returns, RETURNS_PER_PAGE).get_page(request.GET.get("page"))
    units = selectors.report_units(user=user)
    open_form = None
    if units.exists():
        today = timezone.localdate()
        open_form = ReturnOpenForm(
            org_units=units, initial={"org_unit": units.first(), "month": today.replace(day=1)}
        )
    return render(
        request,
        "measures/return_list.html",
        {
            "page": page,
            "filters": filters,
            "filtered": any(chosen.values()),
            "open_form": open_form,
            "may_review": selectors.measure_review_queue(user=user).exists(),
        },
    )


@login_required
@require_POST
def measure_return_open(request):
    user = request.user
    units = selectors.report_units(user=user)
    if not units.exists():
        raise PermissionDenied
    form = ReturnOpenForm(request.POST, org_units=units)
    if form.is_valid():
        try:
            measure_return = services.measure_return_open(
                user=user,
                org_unit_id=form.cleaned_data["org_unit"].pk,
                month=form.cleaned_data["month"],
            )
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            return redirect("measure_return_detail", pk=measure_return.pk)
    for field, errors in form.errors.items():
        for error in errors:
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {error}" if label else error)
    return redirect("measure_return_list")


@login_required
def measure_return_detail(request, pk: int):
    user = request.user
    measure_return = _visible_return(user, pk)
    may_report = can(user, "measures.report", measure_return.org_unit)
    measures = selectors.return_figures(measure_return)
    form = None
    if may_report and measure_return.is_editable:
        form = ReturnFiguresForm(
            request.POST or None, measures=measures, initial={"version": measure_return.version}
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.measure_return_save(
                    user=user,
                    return_id=measure_return.pk,
                    expected_version=form.cleaned_data["version"],
                    figures=form.figures(),
                )
            except ValidationError as error:
                service_errors_shown(form, error)
            else:
                messages.success(request, _("The figures are saved."))
                return redirect("measure_return_detail", pk=measure_return.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "measures/return_detail.html",
        {
            "measure_return": measure_return,
            "measures": measures,
            "history": selectors.return_history(measure_return),
            "form": form,
            "may_submit": may_report and measure_return.can_move_to(MeasureReturn.Status.SUBMITTED),
            "may_review": can(user, "measures.review", measure_return.org_unit)
            and measure_return.status == MeasureReturn.Status.SUBMITTED,
        },
    )


def _button_transition(request, pk: int, *, service, reached: str, done: str):
    """Submit or approve: one button; a refusal is said on the return's page."""
    measure_return = _visible_return(request.user, pk)
    return button_step_said(
        request,
        step=partial(service, user=request.user, return_id=measure_return.pk),
        taken_by_user=partial(
            selectors.return_step_taken_by,
            return_id=measure_return.pk,
            status=reached,
            user=request.user,
        ),
        done=done,
        back=reverse("measure_return_detail", args=[measure_return.pk]),
    )


@login_required
@require_POST
def measure_return_submit(request, pk: int):
    return _button_transition(
        request,
        pk,
        service=services.measure_return_submit,
        reached=MeasureReturn.Status.SUBMITTED,
        done=_("The month's figures are sent for review."),
    )


@login_required
@require_POST
def measure_return_approve(request, pk: int):
    return _button_transition(
        request,
        pk,
        service=services.measure_return_approve,
        reached=MeasureReturn.Status.APPROVED,
        done=_("The month's figures are approved."),
    )


@login_required
def measure_return_send_back(request, pk: int):
    measure_return = _visible_return(request.user, pk)
    if not can(request.user, "measures.review", measure_return.org_unit):
        raise PermissionDenied
    form = NoteForm(
        request.POST or None, label=RETURN_NOTE_LABEL, initial={"version": measure_return.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_return_send_back(
                user=request.user,
                return_id=measure_return.pk,
                note=form.cleaned_data["text"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            service_errors_shown(form, error, fields={"note": "text"})
        else:
            messages.success(request, _("The month's figures are returned to the unit."))
            return redirect("measure_return_detail", pk=measure_return.pk)
    return render(
        request,
        "measures/note_form.html",
        {"measure_return": measure_return, "form": form, "heading": RETURN_NOTE_LABEL},
    )


@login_required
def measure_review_queue(request):
    returns = selectors.measure_review_queue(user=request.user)
    page = Paginator(returns, REVIEW_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "measures/review_queue.html", {"page": page})


# --- mediation rooms and mediators ---------------------------------------------------


def _record_list(request, *, records, template: str):
    page = Paginator(records, ROOMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        template,
        {"page": page, "may_add": selectors.report_units(user=request.user).exists()},
    )


@login_required
def mediation_room_list(request):
    return _record_list(
        request,
        records=selectors.mediation_rooms(user=request.user),
        template="measures/room_list.html",
    )


@login_required
def mediator_list(request):
    return _record_list(
        request,
        records=selectors.mediators(user=request.user),
        template="measures/mediator_list.html",
    )


def _record_form(request, *, form_class, record, create, update, fields, done, back, heading):
    """Add or change a room or a mediator: the same form for both, the rules in services."""
    user = request.user
    units = selectors.report_units(user=user)
    if record is not None:
        if not can(user, "measures.report", record.org_unit):
            raise PermissionDenied
        initial = {name: getattr(record, name) for name in fields}
        initial |= {"org_unit": record.org_unit, "version": record.version}
    else:
        if not units.exists():
            raise PermissionDenied
        initial = {"org_unit": units.first()}
    form = form_class(request.POST or None, org_units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in fields}
        try:
            if record is None:
                create(user=user, org_unit=form.cleaned_data["org_unit"], **values)
            else:
                update(
                    user,
                    record,
                    org_unit=form.cleaned_data["org_unit"],
                    expected_version=form.cleaned_data["version"],
                    values=values,
                )
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            messages.success(request, done)
            return redirect(back)
    return render(
        request,
        "measures/record_form.html",
        {"form": form, "heading": heading, "back": back},
    )


@login_required
def mediation_room_create(request):
    return _record_form(
        request,
        form_class=MediationRoomForm,
        record=None,
        create=services.mediation_room_create,
        update=None,
        fields=services.ROOM_FIELDS,
        done=_("The mediation room was added."),
        back="mediation_room_list",
        heading=_("Add a mediation room"),
    )


@login_required
def mediation_room_edit(request, pk: int):
    room = get_object_or_404(visible_to(request.user, MediationRoom), pk=pk)
    return _record_form(
        request,
        form_class=MediationRoomForm,
        record=room,
        create=None,
        update=lambda user, record, org_unit, expected_version, values: (
            services.mediation_room_update(
                user=user,
                room_id=record.pk,
                org_unit=org_unit,
                expected_version=expected_version,
                **values,
            )
        ),
        fields=services.ROOM_FIELDS,
        done=_("The mediation room was saved."),
        back="mediation_room_list",
        heading=_("Change the mediation room"),
    )


@login_required
def mediator_create(request):
    return _record_form(
        request,
        form_class=MediatorForm,
        record=None,
        create=services.mediator_create,
        update=None,
        fields=services.MEDIATOR_FIELDS,
        done=_("The mediator was added to the pool."),
        back="mediator_list",
        heading=_("Add a mediator"),
    )


@login_required
def mediator_edit(request, pk: int):
    mediator = get_object_or_404(visible_to(request.user, Mediator), pk=pk)
    return _record_form(
        request,
        form_class=MediatorForm,
        record=mediator,
        create=None,
        update=lambda user, record, org_unit, expected_version, values: services.mediator_update(
            user=user,
            mediator_id=record.pk,
            org_unit=org_unit,
            expected_version=expected_version,
            **values,
        ),
        fields=services.MEDIATOR_FIELDS,
        done=_("The mediator was saved."),
        back="mediator_list",
        heading=_("Change the mediator"),
    )
