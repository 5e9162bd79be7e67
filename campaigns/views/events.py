"""Event pages: my events, plan, report, submit, and the reviewer's approve and return.

Views only translate between HTTP and services: an event outside the user's scope is 404,
a role that does not allow the action is 403, and a refused save shows its reason next to
the field with everything the user typed kept on the form.
"""

import copy
import json
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaigns import bounds
from campaigns.errors import StaleEdit
from campaigns.forms import conflicts
from campaigns.forms.events import (
    EventFilterForm,
    EventPlanForm,
    EventReportForm,
    HandoutFormSet,
    HeadCountForm,
    NoteForm,
    PartnerServiceFormSet,
)
from campaigns.forms.versions import version_posted
from campaigns.models import Campaign, Channel, Event, EventFormat
from campaigns.selectors import events as selectors
from campaigns.selectors.org import own_unit
from campaigns.services import events as services
from campaigns.services.unsent_reports import unsent_reports_may_import
from campaigns.views.errors import button_step_said, service_errors_shown
from campaigns.views.photos import photos_added
from portal.access import can, visible_to
from portal.offline import PREFETCH_MAX

EVENTS_PER_PAGE = 20
REVIEW_PER_PAGE = 50
RETURN_NOTE_LABEL = gettext_lazy("What should the organizer fix?")
CANCEL_REASON_LABEL = gettext_lazy("Why is the event cancelled?")


def _visible_event(user, pk: int) -> Event:
    try:
        return visible_to(user, Event).select_related("org_unit", "campaign", "county").get(pk=pk)
    except Event.DoesNotExist:
        raise Http404 from None


def _show_warnings(request, event: Event) -> None:
    for warning in selectors.event_warnings(event):
        messages.warning(request, warning)


@login_required
def event_list(request):
    form = EventFilterForm(request.GET or None)
    filters = form.filters()
    events = selectors.event_list(user=request.user, filters=filters)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    unit = own_unit(user=request.user, action="event.plan")
    needing_action = selectors.events_needing_action(user=request.user, now=timezone.now())
    return render(
        request,
        "events/list.html",
        {
            "form": form,
            "page": page,
            "filtered": form.is_bound and form.has_changed(),
            "chosen": form.chosen(user=request.user),
            "needing_action": needing_action,
            "may_plan": unit is not None,
            "import_unit": unit,
            "may_import_unsent": unsent_reports_may_import(request.user),
            "offline_prefetch": _kept_for_offline(
                request.user, [*needing_action, *page.object_list], may_plan=unit is not None
            ),
        },
    )


def _kept_for_offline(user, events, *, may_plan: bool) -> list[str]:
    """The pages the service worker is asked to keep for use without network, at most
    PREFETCH_MAX (portal/offline.py): the plan form and the report form of an event planned
    on the phone, and the report forms of the listed events that the user may still report."""
    pages = [reverse("event_plan"), reverse("event_report_new")] if may_plan else []
    pages += [
        reverse("event_report", args=[event.pk])
        for event in events
        if event.is_editable and can(user, "event.report", event.org_unit)
    ]
    return list(dict.fromkeys(pages))[:PREFETCH_MAX]


@login_required
@require_GET
def event_report_new(request):
    """The report form of an event planned on the phone and not yet on the server: the same
    for each such event (the phone's outbox fills its header from the plan it keeps, named in
    the address's fragment), so the worker keeps one page for all. Every figure of every kind
    of event is on it; static/js/outbox.js shows those of the planned event's kind."""
    if own_unit(user=request.user, action="event.plan") is None:
        messages.error(request, _("Only organizers can plan events."))
        return redirect("event_list")
    # Any kind of event: this one asks for the reception day's figures, then the reach too.
    any_event = Event(format=EventFormat.GM_RECEPTION_DAY, channel=Channel.OFFLINE)
    form = EventReportForm(event=any_event)
    form.fields["online_reach"] = copy.deepcopy(EventReportForm.base_fields["online_reach"])
    form.fields["online_reach"].widget.attrs.update({"inputmode": "numeric", "min": 0})
    user = request.user
    return render(
        request,
        "events/report_new_form.html",
        {
            "form": form,
            "handouts": HandoutFormSet(prefix="handouts", form_kwargs={"user": user}),
            "partner_services": PartnerServiceFormSet(
                prefix="services", form_kwargs={"user": user}
            ),
            "photos_added_json": _photos_added_json(),
        },
    )


def _photos_added_json() -> str:
    """The message after a save with photos, for the phone's outbox to say it too."""
    return json.dumps(
        {count: photos_added(count) for count in range(1, bounds.PHOTOS_PER_REPORT + 1)},
        ensure_ascii=False,
    )


@login_required
def event_plan(request):
    unit = own_unit(user=request.user, action="event.plan")
    if unit is None:
        messages.error(request, _("Only organizers can plan events."))
        return redirect("event_list")
    if request.method == "POST":
        form = EventPlanForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                event = services.event_plan(user=request.user, **form.plan())
            except ValidationError as error:
                service_errors_shown(form, error)
            else:
                messages.success(request, _("The event is planned."))
                _show_warnings(request, event)
                return redirect("event_detail", pk=event.pk)
    else:
        form = EventPlanForm(
            user=request.user,
            initial={
                "org_unit": unit,
                "campaign": Campaign.objects.current(timezone.localdate()),
            },
        )
    return render(request, "events/plan_form.html", {"form": form, "event": None})


@login_required
def event_edit(request, pk: int):
    event = _visible_event(request.user, pk)
    if not can(request.user, "event.plan", event.org_unit):
        raise PermissionDenied
    conflict = None
    if request.method == "POST":
        form = EventPlanForm(request.POST, user=request.user)
        # A new plan has no version yet; a change to one names the version it changes.
        form.fields["version"].required = True
        if form.is_valid():
            try:
                event = services.event_plan_update(
                    user=request.user,
                    event_id=event.pk,
                    expected_version=form.cleaned_data["version"],
                    **form.plan(),
                )
            except StaleEdit:
                conflict = _plan_conflict(form, _visible_event(request.user, event.pk))
            except ValidationError as error:
                service_errors_shown(form, error)
            else:
                messages.success(request, _("The plan is saved."))
                _show_warnings(request, event)
                return redirect("event_detail", pk=event.pk)
    else:
        form = EventPlanForm(user=request.user, initial=EventPlanForm.initial_for(event))
    return render(
        request,
        "events/plan_form.html",
        {"form": form, "event": event, "edit_conflict": conflict},
    )


def _conflict_shown(form, stored: Event, differences, *, reload_url: str):
    """A save refused because ``stored`` was saved after the page was opened: the form keeps
    what was typed but now carries the stored version, so that saving it again keeps the
    typed values over the other save."""
    form.data = form.data.copy()
    form.data["version"] = stored.version
    return conflicts.edit_conflict(
        last_save=selectors.event_last_save(stored),
        differences=differences,
        reload_url=reload_url,
        no_longer_editable="" if stored.is_editable else stored.get_status_display(),
    )


def _plan_conflict(form: EventPlanForm, stored: Event):
    """A plan refused because ``stored`` was saved after the page was opened."""
    return _conflict_shown(
        form,
        stored,
        conflicts.field_differences(form, EventPlanForm.initial_for(stored)),
        reload_url=reverse("event_edit", args=[stored.pk]),
    )


def _report_forms(request, event: Event):
    user = request.user
    if request.method == "POST":
        data = request.POST
        return (
            EventReportForm(data, request.FILES, event=event),
            HandoutFormSet(data, prefix="handouts", form_kwargs={"user": user}),
            PartnerServiceFormSet(data, prefix="services", form_kwargs={"user": user}),
        )
    handouts = [
        {"edition": use.edition, "copies": use.copies}
        for use in event.material_uses.select_related("edition")
    ]
    partner_services = [
        {
            "partner": service.partner,
            "service_type": service.service_type,
            "screening_type": service.screening_type,
            "people_served": service.people_served,
            "screened": service.screened,
            "referred": service.referred,
        }
        for service in event.partner_services.select_related("partner")
    ]
    return (
        EventReportForm(initial=EventReportForm.initial_for(event), event=event),
        HandoutFormSet(initial=handouts, prefix="handouts", form_kwargs={"user": user}),
        PartnerServiceFormSet(
            initial=partner_services, prefix="services", form_kwargs={"user": user}
        ),
    )


def _report_errors_shown(
    form: EventReportForm, error: ValidationError, *, saved, partner_services
) -> None:
    """A refused save or submit, shown on the report form.

    A submit refused for want of a head count is shown at the head count; a refused partner
    service at its row. ``saved``: the event as the save left it when only the submit was
    refused; the form then carries the saved version, so that sending it again is not taken
    for someone else's edit.
    """
    if getattr(error, "code", None) == "report_empty" and "head_count" in form.fields:
        form.add_error("head_count", error)
    else:
        # The rows the service was given: the forms that typed a partner service, in order.
        typed = [row for row in partner_services if row.reported()]
        service_errors_shown(form, error, rows={"partner_services": typed})
    if saved is not None:
        form.data = form.data.copy()
        form.data["version"] = saved.version


def _report_accepted(user, event: Event, form, handouts, partner_services) -> bool:
    """Whether the report's forms accept what was typed; when they do not, the report's
    rules are said too (``_report_rules_shown``)."""
    if all([form.is_valid(), handouts.is_valid(), partner_services.is_valid()]):
        return True
    _report_rules_shown(user, event, form, handouts, partner_services)
    return False


def _report_rules_shown(user, event: Event, form, handouts, partner_services) -> None:
    """A report refused at some fields is also held to the report's rules with what was
    accepted, so that every mistake shows at once instead of one round after another.
    A refused head count or reach would make every group look wrong: then nothing more is
    said until it is fixed."""
    if {"head_count", "online_reach"} & set(form.errors):
        return
    typed = [row for row in partner_services if row.is_valid() and row.reported()]
    try:
        services.event_report_check(
            user=user,
            event=copy.copy(event),  # the page still shows the event as it is stored
            figures=form.figures(),
            audience=form.audience(),
            handouts=[h for h in (row.given() for row in handouts if row.is_valid()) if h],
            partner_services=[row.reported() for row in typed],
        )
    except ValidationError as error:
        unsaid = {
            name: refusals for name, refusals in error.error_dict.items() if name not in form.errors
        }
        if unsaid:
            service_errors_shown(form, ValidationError(unsaid), rows={"partner_services": typed})


def _report_conflict(form: EventReportForm, stored: Event, handouts, partner_services):
    """A report refused because ``stored`` was saved after the page was opened."""
    return _conflict_shown(
        form,
        stored,
        conflicts.report_differences(
            form=form,
            saved=EventReportForm.initial_for(stored),
            handouts_saved=stored.material_uses.select_related("edition__material"),
            handouts_typed=handouts,
            services_saved=stored.partner_services.select_related("partner"),
            services_typed=partner_services,
        ),
        reload_url=reverse("event_report", args=[stored.pk]),
    )


def _report_saved(request, event: Event, form: EventReportForm, handouts, partner_services):
    """The event once the report typed into ``form`` (and its handouts, services and photos)
    is saved; the photos added are said."""
    saved = services.event_report_save(
        user=request.user,
        event_id=event.pk,
        expected_version=form.cleaned_data["version"],
        figures=form.figures(),
        audience=form.audience(),
        handouts=handouts,
        partner_services=partner_services,
        summary=form.cleaned_data["summary"],
        photos=form.cleaned_data["photos"],
        photo_caption=form.cleaned_data["caption"],
    )
    if added := len(form.cleaned_data["photos"]):
        messages.success(request, photos_added(added))
    return saved


def _repeated_by_its_author(request, stored: Event, conflict) -> bool:
    """Whether a report refused as stale only repeats what its author's own save of a moment
    ago stored (a double tap, a retry after a lost answer): the same content, saved by the
    same person, and sent for review if this press asked for that too."""
    wanted = Event.Status.REPORTED if "submit" in request.POST else stored.status
    return (
        not conflict.differences
        and stored.status == wanted
        and selectors.event_step_taken_by(event_id=stored.pk, status=wanted, user=request.user)
    )


def _report_done(request, event: Event):
    """Back to the event, saying whether its report was sent for review or only saved."""
    if event.status == Event.Status.REPORTED:
        messages.success(request, _("The report is sent for review."))
    else:
        messages.success(request, _("The report is saved. Submit it when it is complete."))
    return redirect("event_detail", pk=event.pk)


@login_required
def event_report(request, pk: int):
    event = _visible_event(request.user, pk)
    if not can(request.user, "event.report", event.org_unit):
        raise PermissionDenied
    # A report sent while someone was still typing theirs is answered with the form: they
    # see what was sent beside what they typed (the conflict below), and lose nothing unseen.
    if not event.is_editable and request.method != "POST":
        messages.info(request, _("This report has been sent and can no longer be changed."))
        return redirect("event_detail", pk=event.pk)
    form, handouts, partner_services = _report_forms(request, event)
    outcome = _ReportOutcome(event=event)
    if request.method == "POST" and _report_accepted(
        request.user, event, form, handouts, partner_services
    ):
        outcome = _report_sent(request, event, form, handouts, partner_services)
        if outcome.done:
            return _report_done(request, outcome.event)
    if request.method == "POST" and outcome.saved is None:
        form.photos_not_kept()
    return render(
        request,
        "events/report_form.html",
        {
            "event": outcome.event,
            "form": form,
            "handouts": handouts,
            "partner_services": partner_services,
            "edit_conflict": outcome.conflict,
            "photo_max_bytes": settings.PHOTO_MAX_BYTES,
            # The message after a save with photos, for the phone's outbox to say it too.
            "photos_added_json": _photos_added_json(),
        },
    )


@dataclass
class _ReportOutcome:
    """What became of a report sent from the page: ``done``, or refused (a ``conflict`` or
    errors on the form); ``saved`` when the save went through but the submit did not."""

    event: Event
    done: bool = False
    saved: Event | None = None
    conflict: object = None


def _report_sent(request, event: Event, form, handouts, partner_services) -> _ReportOutcome:
    """Save the report the forms accepted, and submit it when that button was pressed."""
    typed_handouts = [h for h in (f.given() for f in handouts) if h]
    typed_services = [s for s in (f.reported() for f in partner_services) if s]
    saved = None
    try:
        event = saved = _report_saved(request, event, form, typed_handouts, typed_services)
        if "submit" in request.POST:
            event = services.event_submit(
                user=request.user, event_id=event.pk, expected_version=event.version
            )
    except StaleEdit as error:
        if saved is not None:  # saved, then someone came between the save and the submit
            _report_errors_shown(form, error, saved=saved, partner_services=partner_services)
            return _ReportOutcome(event=saved, saved=saved)
        stored = _visible_event(request.user, event.pk)
        conflict = _report_conflict(form, stored, typed_handouts, typed_services)
        if _repeated_by_its_author(request, stored, conflict):
            return _ReportOutcome(event=stored, done=True)
        return _ReportOutcome(event=event, conflict=conflict)
    except ValidationError as error:
        _report_errors_shown(form, error, saved=saved, partner_services=partner_services)
        return _ReportOutcome(event=saved or event, saved=saved)
    return _ReportOutcome(event=event, done=True, saved=saved)


@login_required
def event_detail(request, pk: int):
    return _event_page(request, pk)


def _event_page(request, pk: int, *, head_count_form: HeadCountForm | None = None):
    """The event's page; ``head_count_form``: a refused confirmation, shown with its error."""
    try:
        page = selectors.event_page(user=request.user, event_id=pk)
    except Event.DoesNotExist:
        raise Http404 from None
    event = page.event
    return render(
        request,
        "events/detail.html",
        {
            "page": page,
            "event": event,
            "return_form": NoteForm(label=RETURN_NOTE_LABEL, initial={"version": event.version}),
            "cancel_form": NoteForm(label=CANCEL_REASON_LABEL, initial={"version": event.version}),
            # Offered where event_head_count_confirm would accept it.
            "may_confirm_head_count": (page.may_report or page.may_review)
            and not event.is_online
            and event.status != Event.Status.CANCELLED,
            "head_count_form": head_count_form
            or HeadCountForm(initial={"head_count": event.head_count, "version": event.version}),
            "photo_max_bytes": settings.PHOTO_MAX_BYTES,
        },
    )


@login_required
@require_POST
def event_head_count_confirm(request, pk: int):
    """Confirm or correct a head count derived from the old sum of the groups."""
    event = _visible_event(request.user, pk)
    if not (
        can(request.user, "event.report", event.org_unit)
        or can(request.user, "event.review", event.org_unit)
    ):
        raise PermissionDenied
    form = HeadCountForm(request.POST)
    if form.is_valid():
        try:
            services.event_head_count_confirm(
                user=request.user,
                event_id=event.pk,
                expected_version=form.cleaned_data["version"],
                head_count=form.cleaned_data["head_count"],
            )
        except ValidationError as error:
            service_errors_shown(form, error)
            if isinstance(error, StaleEdit):
                # The page shown again has the other save's figures; sending the typed head
                # count once more is then a deliberate choice, not refused again forever.
                form.data = form.data.copy()
                form.data["version"] = _visible_event(request.user, event.pk).version
        else:
            messages.success(request, _("The head count is saved."))
            return redirect("event_detail", pk=event.pk)
    return _event_page(request, event.pk, head_count_form=form)


def _button_transition(request, pk: int, *, service, reached: str, done: str):
    """Submit or approve: one button; a refusal is shown as a message on the event page."""
    event = _visible_event(request.user, pk)
    return button_step_said(
        request,
        step=partial(service, user=request.user, event_id=event.pk),
        taken_by_user=partial(
            selectors.event_step_taken_by, event_id=event.pk, status=reached, user=request.user
        ),
        done=done,
        back=reverse("event_detail", args=[event.pk]),
    )


@login_required
@require_POST
def event_submit(request, pk: int):
    return _button_transition(
        request,
        pk,
        service=services.event_submit,
        reached=Event.Status.REPORTED,
        done=_("The report is sent for review."),
    )


@login_required
@require_POST
def event_approve(request, pk: int):
    return _button_transition(
        request,
        pk,
        service=services.event_approve,
        reached=Event.Status.APPROVED,
        done=_("The report is approved."),
    )


def _note_transition(request, pk: int, *, action: str, service, label, argument: str, done: str):
    """Return or cancel: a form with one required text, on its own page when it needs fixing."""
    event = _visible_event(request.user, pk)
    if not can(request.user, action, event.org_unit):
        raise PermissionDenied
    form = NoteForm(request.POST or None, label=label, initial={"version": event.version})
    if request.method == "POST" and form.is_valid():
        try:
            service(
                user=request.user,
                event_id=event.pk,
                expected_version=form.cleaned_data["version"],
                **{argument: form.cleaned_data["text"]},
            )
        except ValidationError as error:
            service_errors_shown(form, error, fields={argument: "text"})
        else:
            messages.success(request, done)
            return redirect("event_detail", pk=event.pk)
    return render(
        request, "events/note_form.html", {"event": event, "form": form, "heading": label}
    )


@login_required
def event_return(request, pk: int):
    return _note_transition(
        request,
        pk,
        action="event.review",
        service=services.event_return,
        label=RETURN_NOTE_LABEL,
        argument="note",
        done=_("The report is returned to its organizer."),
    )


@login_required
def event_cancel(request, pk: int):
    return _note_transition(
        request,
        pk,
        action="event.cancel",
        service=services.event_cancel,
        label=CANCEL_REASON_LABEL,
        argument="reason",
        done=_("The event is cancelled."),
    )


@login_required
def review_queue(request):
    events = selectors.review_queue(user=request.user)
    page = Paginator(events, REVIEW_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "events/review_queue.html", {"page": page})


@login_required
@require_POST
def event_approve_bulk(request):
    # bounds.row_id, not str.isdigit: "²" is a digit to isdigit() and no number to int().
    ids = [pk for pk in map(bounds.row_id, request.POST.getlist("events")) if pk is not None]
    if not ids:
        messages.warning(request, _("Tick the reports you want to approve."))
        return redirect("review_queue")
    # The version of each ticked report on the list the reviewer read: a report changed since
    # is not approved unseen.
    try:
        versions = {pk: version_posted(request.POST, f"version-{pk}") for pk in ids}
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("review_queue")
    result = services.event_approve_bulk(user=request.user, versions=versions)
    messages.success(
        request,
        _("%(count)s reports approved.") % {"count": len(result.approved)},
    )
    if result.skipped:
        messages.warning(
            request,
            _(
                "%(count)s reports were not approved: someone else reviewed them meanwhile, "
                "or they are not yours to review."
            )
            % {"count": result.skipped},
        )
    if result.stale:
        messages.error(
            request,
            _(
                "Changed after you opened the list, so not approved: %(titles)s. Open each "
                "report to see what changed, then approve it."
            )
            % {"titles": "、".join(event.title for event in result.stale)},
        )
    return redirect("review_queue")
