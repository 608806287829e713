"""Child-labour monitoring (/child-labour/)."""

from django.urls import path

from . import labour_views as views

app_name = "labour"
urlpatterns = [
    path("", views.children, name="children"),
    path("new/", views.child_new, name="child_new"),
    path("<int:pk>/", views.child, name="child"),
    path("<int:pk>/steps/<int:step>/complete/", views.step_complete, name="step_complete"),
    path("<int:pk>/steps/<int:step>/reassign/", views.step_reassign, name="step_reassign"),
    path("visits/", views.visits, name="visits"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/areas/", views.area_add, name="area_add"),
    path("coverage/areas/<int:area>/end/", views.area_end, name="area_end"),
]
