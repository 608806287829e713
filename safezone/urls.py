"""Top-level URL map: the web interface, the API and Django admin for reference data."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from safezone.common.views import home

# Admin signs in through allauth too: the same second factor, lockout and audit.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", home, name="home"),
    path("account/", include("allauth.urls")),
    path("me/", include("safezone.accounts.urls")),
    path("cases/", include("safezone.cases.urls")),
    path("people/", include("safezone.people.urls")),
    path("access/", include("safezone.access.urls")),
    path("assessments/", include("safezone.assessments.urls")),
    path("meetings/", include("safezone.meetings.urls")),
    path("audit/", include("safezone.audit.urls")),
    path("linkage/", include("safezone.linkage.urls")),
    # The telephone exchange's hook (signed calls, no session).
    path("hotline/", include("safezone.hotline.urls")),
    path("imports/", include("safezone.imports.urls")),
    path("schools/", include("safezone.schools.urls")),
    path("teens/", include("safezone.schools.teen_urls")),
    path("child-labour/", include("safezone.schools.labour_urls")),
    # Figures: pseudonymised, disclosure-controlled; the action plan.
    path("stats/exports/", include("safezone.stats.export_urls")),
    path("stats/report/", include("safezone.stats.report_urls")),
    path("stats/", include("safezone.stats.urls")),
    path("action-plan/", include("safezone.programmes.urls")),
    # The public portal: no sign-in.
    path("help/", include("safezone.portal.urls")),
    path("api/", include("safezone.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "safezone.common.views.not_found"
