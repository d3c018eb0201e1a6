"""REST API for review rounds, feedback and replies (DESIGN.md §9). The rules are in
reviews.rounds; these views parse, call a service and serialise. A decision changes the
stage too: its endpoint is pipeline.api.ReviewDecideView."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.api import IntegrationRowsView
from reviews import rounds, selectors
from reviews.models import FeedbackItem, FeedbackReply, ReviewRound

BODY_MAX = 10_000


class ReplySerializer(serializers.ModelSerializer):
    author = serializers.EmailField(source="author.email", default=None, read_only=True)

    class Meta:
        model = FeedbackReply
        fields = ["id", "item", "author", "body", "created_at"]
        read_only_fields = fields


class FeedbackSerializer(serializers.ModelSerializer):
    resolved = serializers.SerializerMethodField()
    author = serializers.EmailField(source="author.email", default=None, read_only=True)
    resolved_by = serializers.EmailField(source="resolved_by.email", default=None, read_only=True)
    replies = ReplySerializer(many=True, read_only=True)

    class Meta:
        model = FeedbackItem
        fields = [
            "id",
            "round",
            "body",
            "blocking",
            "resolved",
            "author",
            "created_at",
            "resolved_at",
            "resolved_by",
            "replies",
        ]
        read_only_fields = fields

    def get_resolved(self, item: FeedbackItem) -> bool:
        return item.resolved_at is not None


class ReviewRoundSerializer(serializers.ModelSerializer):
    opened_by = serializers.EmailField(source="opened_by.email", default=None, read_only=True)
    decided_by = serializers.EmailField(source="decided_by.email", default=None, read_only=True)
    runs = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    feedback = FeedbackSerializer(many=True, read_only=True)

    class Meta:
        model = ReviewRound
        fields = [
            "id",
            "integration",
            "status",
            "summary",
            "opened_by",
            "opened_at",
            "decision_summary",
            "decided_by",
            "decided_at",
            "runs",
            "feedback",
        ]
        read_only_fields = fields


class RoundOpenSerializer(serializers.Serializer):
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=BODY_MAX, default=""
    )


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=rounds.DECISIONS)
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=BODY_MAX, default=""
    )


class FeedbackInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX)
    blocking = serializers.BooleanField(default=False)


class ReplyInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX)


def parsed(serializer_class, data) -> dict:
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def round_data(review_round: ReviewRound) -> dict:
    """A round as the list shows it (re-read with its feedback, replies and runs)."""
    fresh = selectors.rounds_for_integration_page(integration=review_round.integration).get(
        pk=review_round.pk
    )
    return ReviewRoundSerializer(fresh).data


class IntegrationReviewsView(IntegrationRowsView):
    """Review rounds of an integration, newest first, with feedback and replies; POST (staff)
    opens a round while the integration is in `review`."""

    serializer_class = ReviewRoundSerializer
    model = ReviewRound

    def rows_of(self, integration):
        return selectors.rounds_for_integration_page(integration=integration)

    @extend_schema(request=RoundOpenSerializer, responses={201: ReviewRoundSerializer})
    def post(self, request, integration_pk: int):
        integration = self.integration()
        data = parsed(RoundOpenSerializer, request.data)
        review_round = rounds.round_open(
            integration=integration, actor=request.user, summary=data["summary"]
        )
        return Response(round_data(review_round), status=status.HTTP_201_CREATED)


class ReviewFeedbackView(APIView):
    @extend_schema(request=FeedbackInputSerializer, responses={201: FeedbackSerializer})
    def post(self, request, pk: int):
        """Add a feedback item to an open round (staff)."""
        review_round, _ = selectors.round_for(user=request.user, pk=pk)
        data = parsed(FeedbackInputSerializer, request.data)
        item = rounds.feedback_add(
            review_round=review_round,
            actor=request.user,
            body=data["body"],
            blocking=data["blocking"],
        )
        return Response(FeedbackSerializer(item).data, status=status.HTTP_201_CREATED)


class FeedbackResolveView(APIView):
    @extend_schema(request=None, responses=FeedbackSerializer)
    def post(self, request, pk: int):
        """Mark a feedback item resolved (staff)."""
        item, _ = selectors.feedback_for(user=request.user, pk=pk)
        item = rounds.feedback_resolve(item=item, actor=request.user)
        return Response(FeedbackSerializer(item).data)


class FeedbackRepliesView(APIView):
    @extend_schema(request=ReplyInputSerializer, responses={201: ReplySerializer})
    def post(self, request, pk: int):
        """Answer a feedback item that is not resolved (the partner's people, staff)."""
        item, _ = selectors.feedback_for(user=request.user, pk=pk)
        data = parsed(ReplyInputSerializer, request.data)
        reply = rounds.feedback_reply(item=item, actor=request.user, body=data["body"])
        return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)
