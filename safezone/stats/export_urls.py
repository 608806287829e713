"""Aggregate exports and code mappings, mounted at /stats/exports/."""

from django.urls import path

from . import export_views as views

app_name = "stats_exports"

urlpatterns = [
    path("", views.export, name="export"),
    path("mappings/", views.mappings, name="mappings"),
    path("mappings/<int:pk>/delete/", views.mapping_remove, name="mapping_delete"),
    path("mappings.csv", views.mappings_download, name="mappings_csv"),
    path("mappings/import/", views.mappings_upload, name="mappings_import"),
]
