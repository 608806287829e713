"""The district's list of teenagers at risk (/teens/)."""

from django.urls import path

from . import teen_views as views

app_name = "teens"
urlpatterns = [
    path("", views.teen_list, name="list"),
    path("new/", views.teen_new, name="new"),
    path("<int:pk>/", views.teen_detail, name="detail"),
    path("<int:pk>/edit/", views.teen_edit, name="edit"),
    path("<int:pk>/remove/", views.teen_remove_view, name="remove"),
    path("<int:pk>/outreach/new/", views.outreach_new, name="outreach_new"),
]
