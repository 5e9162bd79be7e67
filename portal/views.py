"""The user's own pages: their API tokens, and setting a new password from the emailed link."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaigns.services.accounts import user_password_reset_record
from campaigns.services.tokens import api_token_create, api_token_revoke
from campaigns.views.errors import service_errors_shown
from portal.accounts import client_address
from portal.models import ApiToken


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page for the emailed link; the new password also lifts the account's
    sign-in lockout (``user_password_reset_record``), as the lockout page promises."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_reset_record(user=form.user, address=client_address(self.request))
        return response


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=64,
        help_text=gettext_lazy("The system that will use it, e.g. “branch reporting app”."),
    )


@login_required
def api_tokens(request):
    """The user's API tokens; a new one is shown with its key, once."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "registration/api_tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": request.user.api_tokens.all(),
        },
    )


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    try:
        token = api_token_revoke(user=request.user, token_id=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("Token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api_tokens")
