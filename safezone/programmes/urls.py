"""The action plan's pages (mounted at /action-plan/)."""

from django.urls import path

from . import views

app_name = "programmes"

urlpatterns = [
    path("", views.plans, name="plans"),
    path("new/", views.plan_new, name="plan_new"),
    path("<int:pk>/", views.plan, name="plan"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/activities/", views.activities, name="activities"),
    path("<int:pk>/elements/new/", views.element_new, name="element_new"),
    path("<int:pk>/export.xlsx", views.export, name="export"),
    path("<int:pk>/import/", views.plan_import, name="import"),
    path("elements/<int:pk>/edit/", views.element_edit, name="element_edit"),
    path("elements/<int:pk>/status/", views.activity_status, name="activity_status"),
    path("elements/<int:pk>/indicators/new/", views.indicator_new, name="indicator_new"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/actuals/", views.actuals, name="actuals"),
]
