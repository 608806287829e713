"""Read API for risk meetings: the meetings of the caller's agencies, and one meeting with its agenda
(research, decisions, actions) for the chair and the member agencies only; every read audited."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from safezone.access.policy import Action
from safezone.access.services import NOT_FOUND_MESSAGE, AccessDenied, record_list_read

from .models import AgendaItem, Meeting, MeetingAction, Research
from .selectors import agenda_of, meeting_for, meeting_purpose, meetings_for


class MeetingSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(read_only=True, slug_field="code")
    chair_agency = serializers.SlugRelatedField(read_only=True, slug_field="code")
    member_agencies = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "district",
            "kind",
            "status",
            "scheduled_at",
            "chair_agency",
            "member_agencies",
            "minutes_issued_at",
        ]


class ResearchSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(read_only=True, slug_field="code")

    class Meta:
        model = Research
        fields = ["agency", "text", "updated_at"]


class MeetingActionSerializer(serializers.ModelSerializer):
    owner_agency = serializers.SlugRelatedField(read_only=True, slug_field="code")

    class Meta:
        model = MeetingAction
        fields = ["id", "owner_agency", "text", "due_on", "status", "status_note", "closed_on"]


class AgendaItemSerializer(serializers.ModelSerializer):
    case_id = serializers.IntegerField(source="case.pk", read_only=True)
    reference = serializers.CharField(source="case.reference", read_only=True)
    rule = serializers.CharField(source="referral.rule", default=None, read_only=True)
    research = ResearchSerializer(many=True, read_only=True)
    actions = MeetingActionSerializer(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["id", "case_id", "reference", "rule", "decision", "research", "actions"]


class MeetingDetailSerializer(MeetingSerializer):
    agenda = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = MeetingSerializer.Meta.fields + ["agenda"]

    def get_agenda(self, meeting) -> list[dict]:
        return AgendaItemSerializer(self.context["agenda"], many=True).data


@extend_schema_view(
    list=extend_schema(summary="Risk meetings the caller's agencies chair or sit on"),
    retrieve=extend_schema(summary="One risk meeting with its agenda, research, decisions and actions"),
)
class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    """Meetings of the caller's agencies; the agenda of one only to its chair and members."""

    lookup_value_regex = r"\d+"  # anything else is no record: a 404 from the router, not a 500

    queryset = Meeting.objects.none()

    def get_queryset(self):
        return meetings_for(self.request.user).prefetch_related("member_agencies").order_by("-scheduled_at", "-pk")

    def get_serializer_class(self):
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingSerializer

    def get_object(self):
        try:
            meeting = meeting_for(self.request.user, self.kwargs["pk"], request=self.request)
        except (AccessDenied, Meeting.DoesNotExist):
            raise Http404(NOT_FOUND_MESSAGE) from None
        self._agenda = agenda_of(meeting)
        # The agenda carries what each agency knows about each case: a read of those cases.
        record_list_read(
            user=self.request.user,
            action=Action.VIEW_CASE,
            purpose=meeting_purpose(self.request.user) or "meeting",
            object_type="case",
            ids=[item.case_id for item in self._agenda],
            request=self.request,
            extra={"meeting": meeting.pk, "api": True},
        )
        return meeting

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "_agenda"):
            context["agenda"] = self._agenda
        return context
