from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/review/", views.break_glass_review_queue, name="break_glass_review"),
    path("break-glass/review/<int:pk>/", views.break_glass_review_step, name="break_glass_review_step"),
]
