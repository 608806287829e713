from django.urls import path

from . import report_views as views

app_name = "stats_report"
urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/<str:job>/", views.job, name="job"),
    path("jobs/<str:job>/report.pdf", views.download, name="download"),
]
