"""Read API for cases: every list and every record through the access policy, audited."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from safezone.access.policy import Action, FieldGroup
from safezone.api.mixins import PURPOSE_PARAMETER, GuardedReadMixin
from safezone.assessments.api import AssessmentSerializer

from .filters import CaseFilter
from .models import Case, Closure, Goal, Incident, Participant, PlanAction, Referral, ServiceDelivery
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


class _NarrativeMixin:
    """Free text shows only to roles that see the narrative (the case decision says)."""

    def narrative(self, text: str) -> str | None:
        decision = self.context.get("decision")
        return text if decision is not None and decision.shows(FieldGroup.NARRATIVE) else None


class GoalSerializer(_NarrativeMixin, serializers.ModelSerializer):
    text = serializers.SerializerMethodField(help_text="Only for roles that see the narrative; null otherwise")

    class Meta:
        model = Goal
        fields = ["id", "text", "achieved_on", "created_at"]

    def get_text(self, goal) -> str | None:
        return self.narrative(goal.text)


class PlanActionSerializer(_NarrativeMixin, serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(read_only=True, slug_field="code")
    worker = serializers.CharField(source="worker.username", default=None, read_only=True)
    text = serializers.SerializerMethodField(help_text="Only for roles that see the narrative; null otherwise")

    class Meta:
        model = PlanAction
        fields = ["id", "goal", "text", "agency", "worker", "due_on", "status", "status_note", "closed_on", "version"]

    def get_text(self, action) -> str | None:
        return self.narrative(action.text)


class PlanSerializer(serializers.Serializer):
    goals = GoalSerializer(many=True)
    actions = PlanActionSerializer(many=True)


class ReferralSerializer(_NarrativeMixin, serializers.ModelSerializer):
    from_agency = serializers.SlugRelatedField(read_only=True, slug_field="code")
    to_agency = serializers.SlugRelatedField(read_only=True, slug_field="code")
    message = serializers.SerializerMethodField(help_text="Only for roles that see the narrative; null otherwise")

    class Meta:
        model = Referral
        fields = [
            "id",
            "from_agency",
            "to_agency",
            "status",
            "sent_at",
            "answered_at",
            "ended_at",
            "consent",
            "legal_ground",
            "reason",
            "message",
        ]

    def get_message(self, referral) -> str | None:
        return self.narrative(referral.message)


class ServiceSerializer(_NarrativeMixin, serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(read_only=True, slug_field="code")
    facility = serializers.CharField(source="facility.name", default=None, read_only=True)
    person_id = serializers.IntegerField(source="person.pk", default=None, read_only=True)
    outcome_note = serializers.SerializerMethodField(help_text="Only for roles that see the narrative; null otherwise")

    class Meta:
        model = ServiceDelivery
        fields = ["id", "kind", "agency", "facility", "person_id", "started_on", "ended_on", "outcome", "outcome_note"]

    def get_outcome_note(self, service) -> str | None:
        return self.narrative(service.outcome_note)


class ClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Closure
        fields = ["id", "reason", "status", "requested_at", "decided_at"]


@extend_schema_view(
    list=extend_schema(parameters=[PURPOSE_PARAMETER], summary="Cases the caller may see"),
    retrieve=extend_schema(parameters=[PURPOSE_PARAMETER], summary="One case with participants and incidents"),
)
class CaseViewSet(GuardedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Cases, filtered by the access policy; each page and each case read is audited."""

    lookup_value_regex = r"\d+"  # anything else is no record: a 404 from the router, not a 500

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

    # --- what hangs on one case: read like the case itself (one audited decision on the case) -----
    def _on_case(self, serializer_class, rows):
        case = self.get_object()
        return Response(serializer_class(rows(case), many=True, context={"decision": case.decision}).data)

    @extend_schema(parameters=[PURPOSE_PARAMETER], summary="Assessments of one case, newest first")
    @action(detail=True, serializer_class=AssessmentSerializer)
    def assessments(self, request, pk=None):
        from safezone.assessments.selectors import assessments_of

        return self._on_case(AssessmentSerializer, assessments_of)

    @extend_schema(
        parameters=[PURPOSE_PARAMETER], summary="The plan of one case: goals and actions", responses=PlanSerializer
    )
    @action(detail=True)
    def plan(self, request, pk=None):
        from .selectors import plan_of

        case = self.get_object()
        plan = plan_of(case)
        actions = [a for _goal, acts in plan["goals"] for a in acts] + plan["loose_actions"]
        context = {"decision": case.decision}
        return Response(
            {
                "goals": GoalSerializer([g for g, _acts in plan["goals"]], many=True, context=context).data,
                "actions": PlanActionSerializer(actions, many=True, context=context).data,
            }
        )

    @extend_schema(parameters=[PURPOSE_PARAMETER], summary="Referrals of one case to other agencies")
    @action(detail=True, serializer_class=ReferralSerializer)
    def referrals(self, request, pk=None):
        return self._on_case(ReferralSerializer, lambda case: case_details(case)["referrals"])

    @extend_schema(parameters=[PURPOSE_PARAMETER], summary="Requests to close one case and their answers")
    @action(detail=True, serializer_class=ClosureSerializer)
    def closures(self, request, pk=None):
        from .selectors import closures_of

        return self._on_case(ClosureSerializer, closures_of)

    @extend_schema(parameters=[PURPOSE_PARAMETER], summary="Services delivered in one case")
    @action(detail=True, serializer_class=ServiceSerializer)
    def services(self, request, pk=None):
        from .selectors import services_of

        return self._on_case(ServiceSerializer, services_of)
