"""The audit page: who did what to which object, for headquarters and unit administrators.

Anyone else is refused with 403, as for any page their role does not allow; what an allowed
user reads is only ``visible_to(user, AuditEntry)``.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from campaigns.forms.audit import AuditFilterForm
from campaigns.selectors import audit as selectors
from portal.access import may_read_audit

ENTRIES_PER_PAGE = 30


@login_required
def audit_log(request):
    if not may_read_audit(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None, user=request.user)
    entries = selectors.audit_entries(user=request.user, filters=form.filters())
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.audit_rows(page.object_list),
            "filtered": form.is_bound and form.has_changed(),
        },
    )
