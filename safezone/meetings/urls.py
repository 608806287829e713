from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("cases/<int:case_pk>/refer/", views.refer_to_meeting, name="refer"),
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("lapsing/", views.lapsing_view, name="lapsing"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/agenda/", views.agenda_build_view, name="agenda_build"),
    path("<int:pk>/agenda/add/", views.agenda_add_view, name="agenda_add"),
    path("<int:pk>/hold/", views.hold_view, name="hold"),
    path("<int:pk>/minutes/", views.minutes_issue_view, name="minutes_issue"),
    path("<int:pk>/minutes.pdf", views.minutes_download, name="minutes_pdf"),
    path("items/<int:item_pk>/research/", views.research_view, name="research"),
    path("items/<int:item_pk>/decision/", views.decision_view, name="decision"),
    path("items/<int:item_pk>/actions/", views.action_add_view, name="action_add"),
    path("actions/<int:action_pk>/status/", views.action_status_view, name="action_status"),
]
