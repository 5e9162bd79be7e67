from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        # Connects the receivers: the sign-in time noted in a new session (sessions), and
        # every sign-in and failed sign-in written to the audit log (accounts).
        from portal import accounts, sessions  # noqa: F401
