from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("export.csv", views.case_export, name="export"),
    path("mine/", views.my_work, name="my_work"),
    path("intake/", views.intake, name="intake"),
    path("intake/persons/", views.intake_person_search, name="intake_person_search"),
    path("referrals/", views.referral_inbox_view, name="referrals"),
    path("referrals/<int:pk>/<slug:step>/", views.referral_step, name="referral_step"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/incidents/new/", views.incident_new, name="incident_new"),
    path("<int:pk>/refer/", views.refer, name="refer"),
    path("<int:pk>/seals/", views.seal_add, name="seal_add"),
    path("<int:pk>/seals/<int:seal_pk>/lift/", views.seal_lift, name="seal_lift"),
    path("<int:pk>/consents/new/", views.consent_new, name="consent_new"),
    path("<int:pk>/goals/", views.goal_new, name="goal_new"),
    path("<int:pk>/actions/", views.action_new, name="action_new"),
    path("<int:pk>/actions/<int:action_pk>/status/", views.action_status, name="action_status"),
    path("<int:pk>/closure/", views.closure_request, name="closure_request"),
    path("<int:pk>/closure/<int:closure_pk>/decide/", views.closure_decide, name="closure_decide"),
    path("<int:pk>/closure/<int:closure_pk>/withdraw/", views.closure_withdraw, name="closure_withdraw"),
    path("<int:pk>/reopen/", views.case_reopen_view, name="reopen"),
    path("<int:pk>/services/", views.service_new, name="service_new"),
    path("<int:pk>/services/<int:service_pk>/end/", views.service_end_view, name="service_end"),
    path("capacity/", views.capacity, name="capacity"),
    path("programmes/<int:facility_pk>/", views.programme, name="programme"),
    path("<int:pk>/consents/<int:consent_pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
