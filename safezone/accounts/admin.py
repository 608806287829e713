from allauth.account.decorators import reauthentication_required
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from .models import ApiToken, Membership, User
from .services import api_token_revoke


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API keys: listed and revoked here; issued by `manage.py api_token issue`, which prints the
    key once (a web page showing it would leave it in the browser and the session)."""

    list_display = ["name", "user", "prefix", "created_at", "created_by", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "id"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a key is revoked, not deleted: the list keeps who held which key

    def has_revoke_permission(self, request):
        return request.user.has_perm("accounts.change_apitoken")

    @admin.action(description=_("Revoke the selected API keys"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = sum(api_token_revoke(token=t, actor=request.user) for t in queryset)
        self.message_user(
            request, ngettext("%(n)d API key revoked.", "%(n)d API keys revoked.", revoked) % {"n": revoked}
        )
