from allauth.account.decorators import reauthentication_required
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agency", "unit"]


# Changing who holds which role is the key to every record: it asks for the password (or
# second factor) again, and each change lands in the audit log (safezone.accounts.receivers).
_reauthenticated = method_decorator(reauthentication_required(allow_get=True))


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    fieldsets = DjangoUserAdmin.fieldsets + ((_("SafeZone"), {"fields": ("patronymic", "is_demo")}),)
    list_display = ["username", "last_name", "first_name", "is_active", "is_staff", "is_demo"]
    list_filter = ["is_active", "is_staff", "is_demo", "memberships__role"]
    inlines = [MembershipInline]

    @_reauthenticated
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "agency", "role", "is_active", "started_on", "ended_on"]
    list_filter = ["role", "is_active", "agency__kind"]
    search_fields = ["user__username", "user__last_name", "agency__name_ru"]
    autocomplete_fields = ["user", "agency", "unit"]

    @_reauthenticated
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)
