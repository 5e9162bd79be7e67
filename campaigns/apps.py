from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Job runners register themselves by kind when their module is imported.
        from campaigns import checks  # noqa: F401 - registers the system checks
        from campaigns.exporters import coverage_pdf, events, regulator  # noqa: F401
        from campaigns.imports import jobs as import_jobs  # noqa: F401
        from campaigns.printing import jobs  # noqa: F401
