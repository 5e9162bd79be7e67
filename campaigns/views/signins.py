"""An event's sign-in list: adding people, importing a paper list, exporting it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from campaigns.exporters.filenames import download_filename
from campaigns.forms.signins import PersonalDataReasonForm, SignInForm, SignInSheetForm
from campaigns.imports.sheets import MAX_UPLOAD_BYTES
from campaigns.imports.sign_ins_sheet import sign_in_sheet_template
from campaigns.models import CONSENT_TEXTS, CONSENT_VERSION, Event, SignIn
from campaigns.services import signins as services
from campaigns.views.errors import refusal_said, service_errors_shown
from portal.access import can, visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _event(request, pk: int) -> Event:
    return get_object_or_404(visible_to(request.user, Event).select_related("org_unit"), pk=pk)


def _page(request, event, *, form=None, sheet_form=None, problems=None, status=200):
    page, in_full = services.sign_ins_listed(
        user=request.user, event=event, page_number=request.GET.get("page")
    )
    may_record = can(request.user, "signin.record", event.org_unit)
    list_closed = event.status in services.REPORT_SENT
    context = {
        "event": event,
        "page": page,
        "in_full": in_full,
        "may_record": may_record and event.status != Event.Status.CANCELLED and not list_closed,
        "may_remove": may_record,
        "list_closed": list_closed,
        "form": form or SignInForm(),
        "sheet_form": sheet_form or SignInSheetForm(),
        "problems": problems,
        "consent_text": CONSENT_TEXTS[CONSENT_VERSION],
        "consent_version": CONSENT_VERSION,
        "retention_days": settings.SIGN_IN_RETENTION_DAYS,
    }
    return render(request, "events/sign_ins.html", context, status=status)


# Pages that show phones in full are kept out of every cache, the browser's included: a
# shared office computer must not offer them again after signing out.
@never_cache
@login_required
def event_sign_ins(request, pk: int):
    event = _event(request, pk)
    if request.method != "POST":
        return _page(request, event)
    form = SignInForm(request.POST)
    if form.is_valid():
        try:
            services.sign_in_add(user=request.user, event_id=event.pk, **form.cleaned_data)
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            messages.success(request, _("The sign-in is recorded."))
            return redirect("event_sign_ins", pk=event.pk)
    return _page(request, event, form=form, status=400)


@never_cache
@login_required
@require_POST
def event_sign_ins_import(request, pk: int):
    event = _event(request, pk)
    sheet_form = SignInSheetForm(request.POST, request.FILES)
    if not sheet_form.is_valid():
        return _page(request, event, sheet_form=sheet_form, status=400)
    upload = sheet_form.cleaned_data["sheet"]
    try:
        # One byte past the limit is enough for the sheet's reader to refuse it as too large.
        result = services.sign_ins_import(
            user=request.user, event_id=event.pk, data=upload.read(MAX_UPLOAD_BYTES + 1)
        )
    except ValidationError as error:
        service_errors_shown(sheet_form, error)
        return _page(request, event, sheet_form=sheet_form, status=400)
    if not result.saved:
        return _page(request, event, problems=result.problems, status=400)
    messages.success(
        request,
        ngettext("%(count)s sign-in imported.", "%(count)s sign-ins imported.", result.created)
        % {"count": result.created},
    )
    return redirect("event_sign_ins", pk=event.pk)


@login_required
def event_sign_ins_template(request, pk: int):
    event = _event(request, pk)
    if not can(request.user, "signin.record", event.org_unit):
        raise PermissionDenied
    response = HttpResponse(sign_in_sheet_template(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, download_filename("签到表", event.title, extension="xlsx")
    )
    return response


@login_required
@require_POST
def event_sign_in_remove(request, pk: int, sign_in_pk: int):
    event = _event(request, pk)
    try:
        services.sign_in_remove(
            user=request.user,
            event_id=event.pk,
            sign_in_id=sign_in_pk,
            reason=request.POST.get("reason", ""),
        )
    except SignIn.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        refusal_said(request, error)
    else:
        messages.success(request, _("The sign-in is deleted."))
    return redirect("event_sign_ins", pk=event.pk)


@never_cache
@login_required
def event_sign_ins_export(request, pk: int):
    event = _event(request, pk)
    if not can(request.user, "signin.personal", event.org_unit):
        raise PermissionDenied
    form = PersonalDataReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            filename, data = services.sign_ins_export(
                user=request.user, event_id=event.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            response = HttpResponse(data, content_type=XLSX)
            response["Content-Disposition"] = content_disposition_header(True, filename)
            return response
    return render(request, "events/sign_ins_export.html", {"event": event, "form": form})
