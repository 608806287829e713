"""Top-level URL map: the web interface, the API and Django admin for reference data."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:my_work", permanent=False)),
    path("accounts/", include("safezone.accounts.urls")),
    path("cases/", include("safezone.cases.urls")),
    path("people/", include("safezone.people.urls")),
    path("api/", include("safezone.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "safezone.common.views.not_found"
