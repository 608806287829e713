from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [path("cases/<int:case_pk>/refer/", views.refer_to_meeting, name="refer")]
