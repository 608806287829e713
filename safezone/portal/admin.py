from django.contrib import admin

from .models import HelpLine, PortalPage


@admin.register(HelpLine)
class HelpLineAdmin(admin.ModelAdmin):
    list_display = ("name_ru", "phone", "hours_ru", "free", "anonymous", "around_the_clock", "is_active", "order")
    list_filter = ("audience", "is_active", "emergency")
    search_fields = ("name_ru", "name_en", "phone")


@admin.register(PortalPage)
class PortalPageAdmin(admin.ModelAdmin):
    list_display = ("title_ru", "kind", "slug", "published", "order", "updated_at")
    list_filter = ("kind", "published")
    search_fields = ("title_ru", "title_en", "body_ru")
    prepopulated_fields = {"slug": ("title_en",)}
