"""REST API routes. Each app keeps its own api.py; this file only routes."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from safezone.cases.api import CaseViewSet
from safezone.hotline.api import ContactViewSet
from safezone.meetings.api import MeetingViewSet
from safezone.people.api import PersonViewSet
from safezone.schools.api import SchoolFeedView

router = DefaultRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("persons", PersonViewSet, basename="person")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("schools/feeds/<str:type_name>/", SchoolFeedView.as_view(), name="school-feed"),
    path("", include(router.urls)),
]
