from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, Facility, Territory, Unit


@admin.register(Territory)
class TerritoryAdmin(SimpleHistoryAdmin):
    list_display = ["name_ru", "name_en", "level", "kind", "parent", "population"]
    list_filter = ["level", "kind"]
    search_fields = ["name_ru", "name_en", "code"]


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name_ru", "kind", "district", "is_active"]
    list_filter = ["kind", "is_active", "district"]
    search_fields = ["name_ru", "name_en", "code"]
    filter_horizontal = ["districts_served"]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name_ru", "agency", "code"]
    list_filter = ["agency"]
    search_fields = ["name_ru", "name_en", "code", "agency__name_ru"]


@admin.register(Facility)
class FacilityAdmin(SimpleHistoryAdmin):
    list_display = ["name_ru", "kind", "agency", "district", "places", "is_active"]
    list_filter = ["kind", "is_active", "district"]
    search_fields = ["name_ru", "name_en", "agency__name_ru"]
