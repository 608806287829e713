from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("mine/", views.my_work, name="my_work"),
    path("intake/", views.intake, name="intake"),
    path("intake/persons/", views.intake_person_search, name="intake_person_search"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/incidents/new/", views.incident_new, name="incident_new"),
]
