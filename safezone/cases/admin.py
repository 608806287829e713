"""Reference lists of the cases app. Cases, participants and incidents are deliberately not here:
admin would be a door to personal data that bypasses the access policy (DESIGN.md rule 1)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ViolenceForm


@admin.register(ViolenceForm)
class ViolenceFormAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_ru", "name_en", "ordering"]
    search_fields = ["code", "name_ru", "name_en"]
