from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import health, offline, views
from portal.forms import SignInForm

urlpatterns = [
    path("", include("campaigns.urls")),
    path("api/v1/", include("campaigns.api.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # At the root, so that the service worker's scope is the whole site.
    path("sw.js", offline.service_worker, name="service_worker"),
    path("offline/<str:language>", offline.offline_page, name="offline_page"),
    path("outbox/", offline.outbox_page, name="outbox"),
    path("manifest.webmanifest", offline.web_manifest, name="web_manifest"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path("accounts/tokens/<int:pk>/revoke", views.api_token_revoke_view, name="api_token_revoke"),
    # Before django.contrib.auth's own: the same address, with the lockout lifted on success.
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
