"""Django's admin as the portal runs it: for superusers only, every change in the audit log.

Administrators of org units manage the people of their subtree on the portal's members page
(``campaigns.views.members``), where the same services and scoping as everywhere else apply.
Django's admin chooses foreign keys from whole tables and writes fields directly, so opening
it below headquarters would let a branch administrator place data, or themselves, outside
their subtree.
"""

import json

from django.contrib import admin


def _loggable(message) -> list | str:
    """Django's change message (a list of dicts with lazy field names) as plain JSON data."""
    return json.loads(json.dumps(message, default=str))


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the admin goes to the portal's audit log, with
    the unit of the object, like a change made through a service."""

    def _audit(self, request, obj, what: str, message=None) -> None:
        from campaigns.services.audit import audit_record

        audit_record(
            actor=request.user,
            obj=obj,
            action=f"admin.{obj._meta.label_lower}.{what}",
            data={"changes": _loggable(message)} if message else {},
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "added", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "changed", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        # Called before the deletion, while each object still has its key and unit.
        for obj in queryset:
            self._audit(request, obj, "deleted")
        return super().log_deletions(request, queryset)


class ReadOnlyAdminMixin:
    """For models with a workflow: their changes (transitions, edits of reports and editions,
    print runs) are made by services on the portal's pages, which check the workflow, the
    version and the four-eyes rules, so the admin only shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_superuser

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        """Every model admin writes to the audit log, those of other apps (django-axes'
        sign-in records, whose deletion lifts a lockout; auth's groups) included."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdmin):
            admin_class = type(f"Audited{admin_class.__name__}", (AuditedAdmin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)
