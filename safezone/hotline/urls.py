from django.urls import path

from . import views

app_name = "hotline"
urlpatterns = [
    path("pbx/incoming/", views.incoming, name="pbx_incoming"),
    path("pbx/hangup/", views.hangup, name="pbx_hangup"),
    path("", views.console, name="console"),
    path("waiting/", views.waiting, name="waiting"),
    path("services/", views.district_services, name="district_services"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/<int:pk>/", views.contact, name="contact"),
    path("contacts/<int:pk>/take/", views.take, name="take"),
    path("contacts/<int:pk>/draft/", views.draft, name="draft"),
    path("contacts/<int:pk>/caller/note/", views.caller_note, name="caller_note"),
    path("contacts/<int:pk>/caller/block/", views.caller_block_view, name="caller_block"),
    path("contacts/<int:pk>/callback/", views.callback_new, name="callback_new"),
    path("contacts/<int:pk>/refer/", views.refer, name="refer"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/<int:pk>/", views.callback_step, name="callback_step"),
    path("shifts/", views.shifts, name="shifts"),
    path("shifts/start/", views.shift_start_step, name="shift_start"),
    path("shifts/end/", views.shift_end_step, name="shift_end"),
    path("figures/", views.figures, name="figures"),
]
