from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("cases/<int:case_pk>/new/", views.assessment_new, name="new"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
]
