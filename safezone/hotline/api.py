"""Helpline API: log a whole contact at once (a client logging after the call), and read the contacts
of the helplines the caller works on or supervises. Every write is decided by `access` and audited in
the service; every page and every contact read is audited; refusals answer 403 on a write and 404 on
a read."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from safezone.access.policy import Action, FieldGroup, Purpose
from safezone.access.selectors import grants_for
from safezone.access.services import AccessDenied
from safezone.api.mixins import GuardedReadMixin
from safezone.directory.selectors import districts

from .models import Contact
from .selectors import contact_for, contacts_visible_to
from .services import CONTACT_FIELDS, contact_log

# The caller's sex as the model offers it, by a name ENUM_NAME_OVERRIDES can point at (the
# register's persons have a `sex` with another choice set: the schema needs a name for each).
CALLER_SEX = Contact._meta.get_field("sex").choices


class ContactLogSerializer(serializers.ModelSerializer):
    """What a client sends to log a contact. Choices come from the model; what a logged contact
    needs (a type; issues and an outcome for a contact about someone) is the service's rule."""

    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Contact.Category.choices),
        required=False,
        help_text="Issue codes (Contact.Category)",
    )
    district = serializers.PrimaryKeyRelatedField(
        queryset=districts(), required=False, allow_null=True, help_text="Id of a district of the region"
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    started_at = serializers.DateTimeField(required=False, help_text="ISO 8601; default: now")
    ended_at = serializers.DateTimeField(required=False, help_text="ISO 8601; default: now")

    class Meta:
        model = Contact
        fields = [*CONTACT_FIELDS, "started_at", "ended_at"]


class ContactSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(read_only=True, slug_field="code")
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Contact.Category.choices), read_only=True)
    operator = serializers.CharField(source="operator.username", default=None, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "status",
            "agency",
            "operator",
            "channel",
            "type",
            "categories",
            "age_band",
            "sex",
            "district",
            "urgency",
            "outcome",
            "language",
            "safe_to_talk",
            "in_danger",
            "started_at",
            "ended_at",
            "version",
        ]
        read_only_fields = fields


class ContactDetailSerializer(ContactSerializer):
    notes = serializers.SerializerMethodField(help_text="Only for roles that see the narrative; null otherwise")

    class Meta(ContactSerializer.Meta):
        fields = ContactSerializer.Meta.fields + ["notes"]
        read_only_fields = fields

    def get_notes(self, contact) -> str | None:
        return contact.notes if self.context.get("narrative") else None


def _sees_narrative(user, contact) -> bool:
    """Whether a role that lets the user read this helpline's contacts also shows what callers said."""
    return any(
        grant.membership.agency_id == contact.agency_id and FieldGroup.NARRATIVE in grant.fields
        for grant in grants_for(user, Action.VIEW_CONTACTS, Purpose.HELPLINE)
    )


@extend_schema_view(
    list=extend_schema(summary="Contacts of the helplines the caller works on or supervises, newest first"),
    retrieve=extend_schema(
        summary="One helpline contact", parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)]
    ),
    create=extend_schema(
        summary="Log a whole contact at once (opened and finished)",
        request=ContactLogSerializer,
        responses={
            201: ContactDetailSerializer,
            400: OpenApiResponse(description="A field is wrong or missing; the answer names it"),
            403: OpenApiResponse(description="The caller's roles do not let them log helpline contacts"),
        },
    ),
)
class ContactViewSet(GuardedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Helpline contacts: logged by operators, read by the helpline's operators and supervisors."""

    queryset = Contact.objects.none()
    object_type = "contact"
    list_action = Action.VIEW_CONTACTS
    lookup_value_regex = r"\d+"  # anything else is no contact: a 404 from the router, not a 500

    def purpose(self) -> str:
        # Contacts are reached for the helpline only: no other purpose lets anyone read them.
        return Purpose.HELPLINE

    def get_queryset(self):
        return contacts_visible_to(self.request.user).select_related("agency")

    def get_serializer_class(self):
        if self.action == "create":
            return ContactLogSerializer
        return ContactDetailSerializer if self.action == "retrieve" else ContactSerializer

    def get_guarded_object(self, pk):
        contact = contact_for(self.request.user, pk, request=self.request)
        self._narrative = _sees_narrative(self.request.user, contact)
        return contact

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["narrative"] = getattr(self, "_narrative", False)
        return context

    def create(self, request, *args, **kwargs):
        serializer = ContactLogSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A null district means "not said", as an absent one does.
        data = {name: value for name, value in serializer.validated_data.items() if value is not None}
        started_at, ended_at = data.pop("started_at", None), data.pop("ended_at", None)
        try:
            contact = contact_log(
                actor=request.user, data=data, started_at=started_at, ended_at=ended_at, request=request
            )
        except AccessDenied:
            raise PermissionDenied(_("Your roles do not let you log helpline contacts.")) from None
        except DjangoValidationError as exc:
            raise ValidationError(serializers.as_serializer_error(exc)) from None
        self._narrative = _sees_narrative(request.user, contact)
        body = ContactDetailSerializer(contact, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)
