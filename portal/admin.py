from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaigns.services.accounts import user_sign_in_unlock
from portal.admin_site import AuditedAdmin
from portal.models import User


@admin.register(User)
class PortalUserAdmin(AuditedAdmin, UserAdmin):
    actions = ["unlock_sign_in"]

    @admin.action(description=_("Unlock sign-in"), permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        """Lift the lockout after repeated failed sign-ins, on every address."""
        users = list(queryset)
        for user in users:
            user_sign_in_unlock(actor=request.user, user_id=user.pk)
        self.message_user(
            request,
            ngettext(
                "Sign-in unlocked for %(count)d user.",
                "Sign-in unlocked for %(count)d users.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )
