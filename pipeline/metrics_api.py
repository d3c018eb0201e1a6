"""GET /api/v1/program/metrics/ (program staff): the figures of the /program/ page, from the
same selectors (pipeline.metrics). The page renders its charts from this serializer's
output too, so the page and the API cannot disagree."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import IsProgramStaff
from pipeline import metrics


class StageCountSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    off_track = serializers.BooleanField(help_text="withdrawn, rejected or delisted")
    current = serializers.IntegerField(help_text="Integrations in this stage now.")
    reached = serializers.IntegerField(
        allow_null=True,
        help_text="Integrations that ever reached this stage (the funnel); null off the pipeline.",
    )


class StageDurationSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    median_days = serializers.FloatField(
        allow_null=True, help_text="Median whole days of completed stays (entered and left)."
    )
    completed_stays = serializers.IntegerField()
    current_median_days = serializers.FloatField(
        allow_null=True, help_text="Median days so far of the integrations in the stage now."
    )
    current = serializers.IntegerField()


class WeekPassRateSerializer(serializers.Serializer):
    week = serializers.CharField(help_text='ISO week, e.g. "2026-W48" (UTC).')
    week_start = serializers.DateField()
    finished = serializers.IntegerField(help_text="Runs finished passed, failed or error.")
    passed = serializers.IntegerField()
    pass_rate = serializers.FloatField(allow_null=True, help_text="passed / finished, 0 to 1.")


class SeverityComplianceSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=["critical", "normal", "overall"])
    label = serializers.CharField()
    met = serializers.IntegerField(help_text="Clock cycles resolved within the SLA.")
    breached = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True, help_text="met / (met + breached).")


class PartnerBreachesSerializer(serializers.Serializer):
    partner = serializers.CharField(source="slug")
    name = serializers.CharField()
    breaches = serializers.IntegerField()


class ProgramMetricsSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    window_days = serializers.IntegerField(
        help_text="The window of SLA compliance and breaches per partner, in days."
    )
    counts_by_stage = StageCountSerializer(many=True)
    median_days_in_stage = StageDurationSerializer(many=True)
    verification_pass_rate = WeekPassRateSerializer(
        many=True, help_text="The last 12 ISO weeks, oldest first."
    )
    sla_compliance = SeverityComplianceSerializer(many=True)
    breaches_by_partner = PartnerBreachesSerializer(
        many=True, help_text="The 10 partners with most breaches in the window."
    )


class ProgramMetricsView(APIView):
    """Program metrics (staff): counts by stage and the funnel, median days in stage,
    verification pass rate per week, SLA compliance per severity, breaches per partner."""

    permission_classes = [IsAuthenticated, IsProgramStaff]
    staff_only_message = "Program metrics are for program staff."

    @extend_schema(responses=ProgramMetricsSerializer)
    def get(self, request):
        return Response(ProgramMetricsSerializer(metrics.program_metrics()).data)
