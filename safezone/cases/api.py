"""Read API for cases: every list and every record through the access policy, audited."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from safezone.access.policy import Action, FieldGroup
from safezone.api.mixins import PURPOSE_PARAMETER, GuardedReadMixin

from .filters import CaseFilter
from .models import Case, Incident, Participant
from .selectors import case_details, case_for, cases_visible_to


class ParticipantSerializer(serializers.ModelSerializer):
    person_id = serializers.IntegerField(source="person.pk")
    name = serializers.CharField(source="person.full_name")

    class Meta:
        model = Participant
        fields = ["person_id", "name", "role"]


class IncidentSerializer(serializers.ModelSerializer):
    forms = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    district = serializers.SlugRelatedField(read_only=True, slug_field="code")

    class Meta:
        model = Incident
        fields = [
            "id",
            "occurred_on",
            "place",
            "district",
            "forms",
            "reported_to_police",
            "victim",
            "alleged_perpetrator",
        ]


class CaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    district = serializers.SlugRelatedField(read_only=True, slug_field="code")
    agency = serializers.SlugRelatedField(source="owner_agency", read_only=True, slug_field="code")
    worker = serializers.CharField(source="owner_worker.username", default=None, read_only=True)

    class Meta:
        model = Case
        fields = ["id", "reference", "kind", "status", "district", "agency", "worker", "opened_on", "closed_on"]


class CaseDetailSerializer(CaseSerializer):
    summary = serializers.SerializerMethodField(help_text="Only for roles that see the narrative; null otherwise")
    participants = serializers.SerializerMethodField()
    incidents = serializers.SerializerMethodField()

    def get_summary(self, case) -> str | None:
        decision = getattr(case, "decision", None)
        return case.summary if decision is not None and decision.shows(FieldGroup.NARRATIVE) else None

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["summary", "version", "participants", "incidents"]

    def get_participants(self, case) -> list[dict]:
        return ParticipantSerializer(self.context["details"]["participants"], many=True).data

    def get_incidents(self, case) -> list[dict]:
        return IncidentSerializer(self.context["details"]["incidents"], many=True).data


@extend_schema_view(
    list=extend_schema(parameters=[PURPOSE_PARAMETER], summary="Cases the caller may see"),
    retrieve=extend_schema(parameters=[PURPOSE_PARAMETER], summary="One case with participants and incidents"),
)
class CaseViewSet(GuardedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Cases, filtered by the access policy; each page and each case read is audited."""

    queryset = Case.objects.none()
    filterset_class = CaseFilter
    object_type = "case"
    list_action = Action.LIST_CASES

    def get_queryset(self):
        return (
            cases_visible_to(self.request.user, purpose=self.purpose())
            .select_related("owner_agency", "owner_worker", "district")
            .order_by("-opened_on", "-pk")
        )

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_guarded_object(self, pk):
        case = case_for(self.request.user, pk, purpose=self.purpose(), request=self.request)
        self._details = case_details(case)
        return case

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "_details"):
            context["details"] = self._details
        return context
