"""Schools: early warning, pupils and support plans (/schools/)."""

from django.urls import path

from . import views

app_name = "schools"
urlpatterns = [
    path("", views.warning, name="warning"),
    path("figures/", views.figures, name="figures"),
    path("pupils/<int:pk>/", views.pupil, name="pupil"),
    path("pupils/<int:pk>/plans/new/", views.plan_new, name="plan_new"),
    path("flags/<int:pk>/", views.flag, name="flag"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/<int:pk>/<slug:step>/", views.plan_step, name="plan_step"),
]
