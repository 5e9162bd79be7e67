from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaigns.services.accounts import user_sign_in_unlock
from portal.admin_site import AuditedAdmin
from portal.models import User

admin.site.unregister(Group)


@admin.register(Group)
class PortalGroupAdmin(AuditedAdmin, GroupAdmin):
    pass


def _audit_every_registered_admin() -> None:
    """The admins of installed apps registered before this module (django-axes' sign-in
    records, whose deletion lifts a lockout) write to the audit log too."""
    for model, model_admin in list(admin.site._registry.items()):
        if isinstance(model_admin, AuditedAdmin):
            continue
        audited = type(
            f"Audited{type(model_admin).__name__}", (AuditedAdmin, type(model_admin)), {}
        )
        admin.site.unregister(model)
        admin.site.register(model, audited)


_audit_every_registered_admin()


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
