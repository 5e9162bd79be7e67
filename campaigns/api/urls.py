from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from campaigns.api import views


class ApiRouter(DefaultRouter):
    # One URL per resource: no "/events.json" twins, which would double every path in the
    # schema and in the access matrix (tests/security/test_access_matrix.py) for nothing.
    include_format_suffixes = False


router = ApiRouter()
router.register("regions", views.RegionViewSet, basename="api-region")
router.register("org-units", views.OrgUnitViewSet, basename="api-org-unit")
router.register("campaigns", views.CampaignViewSet, basename="api-campaign")
router.register("events", views.EventViewSet, basename="api-event")
router.register("partners", views.PartnerViewSet, basename="api-partner")
router.register("materials", views.MaterialViewSet, basename="api-material")
router.register("print-runs", views.PrintRunViewSet, basename="api-print-run")
router.register("jobs", views.JobViewSet, basename="api-job")
# The consumer-protection measures register (issue 21).
router.register("measures", views.MeasureViewSet, basename="api-measure")
router.register("measure-returns", views.MeasureReturnViewSet, basename="api-measure-return")
router.register("mediation-rooms", views.MediationRoomViewSet, basename="api-mediation-room")
router.register("mediators", views.MediatorViewSet, basename="api-mediator")

urlpatterns = [
    path("", include(router.urls)),
    # The offline report form's: a report and its photos under the ids the phone made, and
    # the reference lists the form is filled from (issue 19).
    path(
        "offline-reports/<uuid:uuid>",
        views.OfflineReportView.as_view(),
        name="api-offline-report",
    ),
    path(
        "offline-reports/<uuid:uuid>/photos/<uuid:photo_uuid>",
        views.OfflineReportPhotoView.as_view(),
        name="api-offline-report-photo",
    ),
    path("form-config", views.FormConfigView.as_view(), name="api-form-config"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from a URL of its own (?script), not
    # inline; Swagger UI's stylesheet draws its icons as data: images.
    path(
        "docs/",
        csp_update({"img-src": "data:"})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="api/docs.html"
            )
        ),
        name="api-docs",
    ),
]
