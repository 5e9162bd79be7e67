from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import health
from portal.forms import SignInForm

urlpatterns = [
    path("", include("campaigns.urls")),
    path("healthz", health.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
