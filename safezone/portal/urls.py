from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.services, name="services"),
    path("safety/", views.safety, name="safety"),
    path("language/<str:code>/", views.language, name="language"),
    path("<slug:slug>/", views.page, name="page"),
]
