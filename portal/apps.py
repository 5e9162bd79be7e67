from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        # Connects the receivers: the sign-in time noted in a new session (sessions), and
        # every sign-in and failed sign-in written to the audit log (accounts); registers the
        # system checks of the portal's settings (checks).
        from portal import accounts, checks, sessions  # noqa: F401


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin, open to superusers only (``portal.admin_site.PortalAdminSite``)."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
