"""The members page: administrators give and take the roles of the people of their units."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.forms.members import MemberFilterForm, MemberForm
from campaigns.models import Membership
from campaigns.selectors import members as selectors
from campaigns.selectors.org import own_unit
from campaigns.services import members as services
from campaigns.services.accounts import may_unlock, user_sign_in_unlock
from campaigns.views.errors import refusal_said, service_errors_shown
from portal.access import can, visible_to

MEMBERS_PER_PAGE = 50


def _managed_units(user):
    units = selectors.member_units_managed(user=user)
    if not units.exists():
        raise PermissionDenied
    return units


@login_required
def member_list(request):
    user = request.user
    units = _managed_units(user)
    form = MemberFilterForm(request.GET, org_units=units)
    form.is_valid()  # an invalid filter is left out; cleaned_data keeps the valid ones
    filters = form.cleaned_data
    memberships = selectors.member_list(
        user=user,
        org_unit=filters.get("org_unit"),
        role=filters.get("role", ""),
        search=filters.get("q", "").strip(),
    )
    page = Paginator(memberships, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    locked_out = selectors.member_locked_out(
        usernames={membership.user.get_username() for membership in page.object_list}
    )
    # Flagged only where this administrator may lift the lock.
    unlockable = {
        membership.user_id
        for membership in page.object_list
        if membership.user.get_username() in locked_out and may_unlock(user, membership.user)
    }
    # Offered only where this administrator may mark the person (services/members.py).
    native_markable = selectors.members_native_reader_markable(
        user=user, person_ids={membership.user_id for membership in page.object_list}
    )
    return render(
        request,
        "members/list.html",
        {
            "page": page,
            "form": form,
            "filtered": any(filters.values()),
            "unlockable": unlockable,
            "native_markable": native_markable,
        },
    )


@login_required
def member_add(request):
    user = request.user
    units = _managed_units(user)
    form = MemberForm(
        request.POST or None,
        org_units=units,
        roles=selectors.member_roles_given(user=user),
        initial={"org_unit": own_unit(user=user, action=selectors.MANAGE)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.member_add(actor=user, **form.cleaned_data)
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s in %(unit)s.")
                % {
                    "person": membership.user.get_username(),
                    "role": membership.get_role_display(),
                    "unit": membership.org_unit,
                },
            )
            return redirect("member_list")
    return render(request, "members/form.html", {"form": form})


def _managed_membership(user, pk: int) -> Membership:
    membership = get_object_or_404(
        visible_to(user, Membership).select_related("user", "org_unit"), pk=pk
    )
    if not can(user, selectors.MANAGE, membership.org_unit):
        raise PermissionDenied
    return membership


@login_required
@require_POST
def member_unlock(request, pk: int):
    """Lift the sign-in lockout of the person who holds this role."""
    membership = _managed_membership(request.user, pk)
    user_sign_in_unlock(actor=request.user, user_id=membership.user_id)
    messages.success(
        request,
        _("%(person)s can sign in again.") % {"person": membership.user.get_username()},
    )
    return redirect("member_list")


@login_required
@require_POST
def member_native_reader(request, pk: int):
    """Mark the person who holds this role as a native reader of Tibetan, or no longer one."""
    membership = _managed_membership(request.user, pk)
    marked = request.POST.get("is_native_reader") == "on"
    try:
        services.user_native_reader_set(
            actor=request.user, user_id=membership.user_id, is_native_reader=marked
        )
    except ValidationError as error:
        refusal_said(request, error)
        return redirect("member_list")
    person = membership.user.get_username()
    if marked:
        messages.success(
            request, _("%(person)s is marked as a native reader of Tibetan.") % {"person": person}
        )
    else:
        messages.success(
            request,
            _("%(person)s is no longer marked as a native reader of Tibetan.") % {"person": person},
        )
    return redirect("member_list")


@login_required
def member_remove(request, pk: int):
    user = request.user
    membership = _managed_membership(user, pk)
    error = None
    if request.method == "POST":
        try:
            services.membership_revoke(actor=user, membership_id=membership.pk)
        except ValidationError as refusal:
            error = refusal.messages[0]
        else:
            messages.success(
                request,
                _("%(person)s is no longer %(role)s in %(unit)s.")
                % {
                    "person": membership.user.get_username(),
                    "role": membership.get_role_display(),
                    "unit": membership.org_unit,
                },
            )
            return redirect("member_list")
    return render(request, "members/remove.html", {"membership": membership, "error": error})
