"""REST API for support issues (DESIGN.md §9) with their SLA clocks."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.api import IntegrationRowsView
from support_sla import clocks, selectors, services
from support_sla.models import IssueComment, IssueStatus, Severity, SupportIssue


class SlaSerializer(serializers.Serializer):
    remaining_seconds = serializers.IntegerField(allow_null=True)
    breached = serializers.BooleanField()
    paused = serializers.BooleanField()
    warned = serializers.BooleanField()


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.EmailField(source="author.email", default=None)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    clock = serializers.ChoiceField(
        choices=IssueComment.Clock.choices,
        help_text="`paused`: this comment asked the reporter and paused the clock; `resumed`: "
        "it answered (or the pause reached its limit) and the clock runs again.",
    )


class SupportIssueSerializer(serializers.ModelSerializer):
    sla = serializers.SerializerMethodField()
    due_at = serializers.SerializerMethodField()
    reporter = serializers.EmailField(
        source="reporter.email", default=None, allow_null=True, read_only=True
    )
    assignee = serializers.EmailField(
        source="assignee.email", default=None, allow_null=True, read_only=True
    )
    pause_ends_at = serializers.SerializerMethodField()

    class Meta:
        model = SupportIssue
        fields = [
            "id",
            "integration",
            "title",
            "description",
            "severity",
            "status",
            "reporter",
            "opened_by_staff",
            "assignee",
            "opened_at",
            "resolved_at",
            "closed_at",
            "reopened_at",
            "cycle",
            "due_at",
            "pause_ends_at",
            "sla",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_pause_ends_at(self, issue: SupportIssue):
        """While paused: when the pause reaches its limit and the clock runs again by itself."""
        return _datetime(clock_now(issue).pause_ends_at)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_due_at(self, issue: SupportIssue):
        """When the clock runs out; none while paused (the pause moves it)."""
        return _datetime(clock_now(issue).shown_due_at)

    @extend_schema_field(SlaSerializer)
    def get_sla(self, issue: SupportIssue) -> dict:
        return clock_now(issue).as_api()


def clock_now(issue: SupportIssue) -> clocks.Clock:
    """The issue's clock (clocks.Clock), read once per issue and response."""
    clock = getattr(issue, "clock", None)
    if clock is None:
        clock = issue.clock = clocks.clock_of(issue, timezone.now())
    return clock


def _datetime(value):
    return None if value is None else serializers.DateTimeField().to_representation(value)


class SupportIssueDetailSerializer(SupportIssueSerializer):
    comments = CommentSerializer(many=True, read_only=True)

    class Meta(SupportIssueSerializer.Meta):
        fields = [*SupportIssueSerializer.Meta.fields, "comments"]


class IssueInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20_000)
    severity = serializers.ChoiceField(choices=Severity.choices)


class IssueUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=20_000, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    status = serializers.ChoiceField(choices=IssueStatus.choices, required=False)
    assignee = serializers.EmailField(required=False, allow_null=True)
    comment = serializers.CharField(
        max_length=20_000,
        required=False,
        allow_blank=True,
        help_text="A comment posted with the change; required to wait on the reporter.",
    )


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20_000)


class IssueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=IssueStatus.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    breached = django_filters.BooleanFilter(method="filter_breached")
    partner = django_filters.CharFilter(field_name="integration__partner__slug")

    class Meta:
        model = SupportIssue
        fields = ["status", "severity", "breached", "partner"]

    def filter_breached(self, queryset, name, value):
        return selectors.filter_breached(issues=queryset, breached=value)


class SupportIssueListView(generics.ListAPIView):
    """Support issues the caller can see, soonest due first."""

    serializer_class = SupportIssueSerializer
    filterset_class = IssueFilter

    def get_queryset(self):
        return selectors.issues_visible_to(user=self.request.user).order_by(
            "due_at", "-opened_at", "pk"
        )


class IntegrationIssuesView(IntegrationRowsView):
    serializer_class = SupportIssueSerializer
    model = SupportIssue

    def rows_of(self, integration):
        return selectors.issues_with_sla().filter(integration=integration).order_by("-opened_at")

    @extend_schema(request=IssueInputSerializer, responses={201: SupportIssueSerializer})
    def post(self, request, integration_pk: int):
        integration = self.integration()
        body = IssueInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        issue = services.issue_open(
            integration=integration, actor=request.user, data=body.validated_data
        )
        issue = selectors.issues_with_sla().get(pk=issue.pk)
        return Response(SupportIssueSerializer(issue).data, status=status.HTTP_201_CREATED)


class SupportIssueView(APIView):
    @extend_schema(responses=SupportIssueDetailSerializer)
    def get(self, request, pk: int):
        issue, _ = selectors.issue_for(user=request.user, pk=pk)
        return Response(SupportIssueDetailSerializer(issue).data)

    @extend_schema(request=IssueUpdateSerializer, responses=SupportIssueDetailSerializer)
    def patch(self, request, pk: int):
        issue, _ = selectors.issue_for(user=request.user, pk=pk)
        body = IssueUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.issue_update(issue=issue, actor=request.user, data=dict(body.validated_data))
        issue, _ = selectors.issue_for(user=request.user, pk=pk)  # again: the clock as it now runs
        return Response(SupportIssueDetailSerializer(issue).data)


class IssueCommentsView(APIView):
    @extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer})
    def post(self, request, pk: int):
        issue, _ = selectors.issue_for(user=request.user, pk=pk)
        body = CommentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = services.issue_comment(
            issue=issue, actor=request.user, body=body.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
