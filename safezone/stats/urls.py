"""Statistics: the dashboard, its downloads and the indicator registry (/stats/)."""

from django.urls import path, re_path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    re_path(r"^download/(?P<code>[-\w]+)\.(?P<fmt>csv|xlsx)$", views.download, name="download"),
    path("refresh/", views.refresh, name="refresh"),
    path("definitions/", views.definitions, name="definitions"),
    path("definitions/new/", views.define, name="define"),
]
