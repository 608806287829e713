from django.urls import path

from . import views

app_name = "hotline"
urlpatterns = [
    path("pbx/incoming/", views.incoming, name="pbx_incoming"),
    path("pbx/hangup/", views.hangup, name="pbx_hangup"),
]
