from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.home, name="home"),
    path("persons/<int:pk>/", views.person_trail, name="person"),
    path("persons/<int:pk>/export.csv", views.person_export, name="person_export"),
    path("cases/<int:pk>/", views.case_trail, name="case"),
    path("users/<int:pk>/", views.user_trail, name="user"),
]
