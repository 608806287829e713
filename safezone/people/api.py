"""Read API for persons: every list and every record through the access policy, audited."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from safezone.access.policy import Action
from safezone.api.mixins import PURPOSE_PARAMETER, GuardedReadMixin

from .models import Identifier, Person, PersonName
from .selectors import person_for, persons_visible_to


class PersonNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonName
        fields = ["kind", "surname", "first_name", "patronymic"]


class IdentifierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Identifier
        fields = ["kind", "value"]


class PersonSerializer(serializers.ModelSerializer):
    birth_date = serializers.SerializerMethodField(help_text="Partial date: YYYY, MM.YYYY or DD.MM.YYYY")
    district = serializers.SlugRelatedField(read_only=True, slug_field="code")

    class Meta:
        model = Person
        fields = ["id", "surname", "first_name", "patronymic", "sex", "birth_date", "district"]

    def get_birth_date(self, person) -> str | None:
        return str(person.birth_date) if person.birth_date else None


class PersonDetailSerializer(PersonSerializer):
    other_names = PersonNameSerializer(many=True, read_only=True)
    identifiers = IdentifierSerializer(many=True, read_only=True)

    class Meta(PersonSerializer.Meta):
        fields = PersonSerializer.Meta.fields + ["other_names", "identifiers"]


@extend_schema_view(
    list=extend_schema(parameters=[PURPOSE_PARAMETER], summary="Persons the caller may see"),
    retrieve=extend_schema(parameters=[PURPOSE_PARAMETER], summary="One person with other names and documents"),
)
class PersonViewSet(GuardedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Persons taking part in cases the caller may see; each page and each person read is audited."""

    lookup_value_regex = r"\d+"  # anything else is no record: a 404 from the router, not a 500

    queryset = Person.objects.none()
    object_type = "person"
    list_action = Action.VIEW_PERSON

    def get_queryset(self):
        return (
            persons_visible_to(self.request.user, purpose=self.purpose())
            .select_related("district")
            .order_by("surname", "first_name", "pk")
        )

    def get_serializer_class(self):
        return PersonDetailSerializer if self.action == "retrieve" else PersonSerializer

    def get_guarded_object(self, pk):
        return person_for(self.request.user, pk, purpose=self.purpose(), request=self.request)
