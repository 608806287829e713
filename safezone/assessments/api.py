"""What the API shows of an assessment (served under its case: /api/cases/{id}/assessments/)."""

from rest_framework import serializers

from safezone.access.policy import FieldGroup

from .models import Assessment


class AssessmentSerializer(serializers.ModelSerializer):
    """One answered questionnaire: the version it was answered with, the score and band; the answers
    and notes only for roles that see the narrative."""

    person_id = serializers.IntegerField(source="person.pk", read_only=True)
    answers = serializers.SerializerMethodField(help_text="Only for roles that see the narrative; null otherwise")
    notes = serializers.SerializerMethodField(help_text="Only for roles that see the narrative; null otherwise")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "person_id",
            "instrument_code",
            "instrument_version",
            "answered_at",
            "score",
            "band",
            "triggers",
            "not_known",
            "answers",
            "notes",
        ]

    def _shows(self) -> bool:
        decision = self.context.get("decision")
        return decision is not None and decision.shows(FieldGroup.NARRATIVE)

    def get_answers(self, assessment) -> dict | None:
        return assessment.answers if self._shows() else None

    def get_notes(self, assessment) -> str | None:
        return assessment.notes if self._shows() else None
