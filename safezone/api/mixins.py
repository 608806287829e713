"""What every API view over personal data shares: a purpose, the access policy, and an audit trail."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from safezone.access.policy import Purpose
from safezone.access.services import NOT_FOUND_MESSAGE, AccessDenied, record_list_read

PURPOSE_PARAMETER = OpenApiParameter(
    "purpose",
    OpenApiTypes.STR,
    enum=Purpose.values,
    description="Why the data is read; the caller's roles must allow it (default: case_work).",
)


class GuardedReadMixin:
    """List and retrieve through the owner app's selectors; record each page shown; refusals answer 404."""

    object_type = ""
    list_action = ""

    def purpose(self) -> str:
        purpose = self.request.query_params.get("purpose", Purpose.CASE_WORK)
        if purpose not in Purpose.values:
            raise ValidationError({"purpose": [f"unknown purpose; one of: {', '.join(Purpose.values)}"]})
        return purpose

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        record_list_read(
            user=self.request.user,
            action=self.list_action,
            purpose=self.purpose(),
            object_type=self.object_type,
            ids=[row.pk for row in rows],
            request=self.request,
            extra={"api": True},
        )
        return page

    def get_object(self):
        try:
            return self.get_guarded_object(self.kwargs[self.lookup_field])
        except (AccessDenied, self.queryset.model.DoesNotExist):
            raise Http404(NOT_FOUND_MESSAGE) from None
