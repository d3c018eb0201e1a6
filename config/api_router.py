"""Every /api/v1/ route, in one place."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from accounts.api import MeView
from badges import api as badges_api
from pipeline.api import IntegrationViewSet, PartnerViewSet, ReviewDecideView
from pipeline.metrics_api import ProgramMetricsView
from reviews import api as reviews_api
from reviews import rounds_api
from support_sla import api as support_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False  # the index below lists every resource, not only the router's
# The API speaks JSON only and documents no `.json` paths; the suffix routes the router would
# add (on its viewsets only) made their actions answer 500 (`format` passed to `history`).
router.include_format_suffixes = False
router.register("partners", PartnerViewSet, basename="partner")
router.register("integrations", IntegrationViewSet, basename="integration")

# The index's entries: the collections and the caller's own resource (per-object URLs are in
# each object's answer and in the schema).
INDEX = {
    "me": "api:me",
    "partners": "api:partner-list",
    "integrations": "api:integration-list",
    "badges": "api:badge-list",
    "support_issues": "api:support-issues",
    "program_metrics": "api:program-metrics",
    "schema": "api_schema",
    "docs": "api_docs",
}


class ApiIndexSerializer(serializers.Serializer):
    me = serializers.URLField()
    partners = serializers.URLField()
    integrations = serializers.URLField()
    badges = serializers.URLField()
    support_issues = serializers.URLField()
    program_metrics = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()


class ApiRootView(APIView):
    """The API's index: the URL of each resource, the schema and the documentation. Public
    (it holds no data); each resource says itself who may use it."""

    permission_classes = [AllowAny]

    @extend_schema(responses=ApiIndexSerializer)
    def get(self, request):
        return Response({key: reverse(name, request=request) for key, name in INDEX.items()})


app_name = "api"
urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("me/", MeView.as_view(), name="me"),
    path(
        "integrations/<int:integration_pk>/targets/",
        reviews_api.IntegrationTargetsView.as_view(),
        name="integration-targets",
    ),
    path("targets/<int:pk>/", reviews_api.TargetView.as_view(), name="target-detail"),
    path(
        "targets/<int:pk>/waivers/",
        reviews_api.TargetWaiversView.as_view(),
        name="target-waivers",
    ),
    path("waivers/<int:pk>/", reviews_api.WaiverView.as_view(), name="waiver-detail"),
    path(
        "integrations/<int:integration_pk>/verifications/",
        reviews_api.IntegrationRunsView.as_view(),
        name="integration-verifications",
    ),
    path(
        "integrations/<int:integration_pk>/evidence/",
        reviews_api.IntegrationEvidenceView.as_view(),
        name="integration-evidence",
    ),
    path(
        "evidence/<int:pk>/accept/",
        reviews_api.EvidenceAcceptView.as_view(),
        name="evidence-accept",
    ),
    path("verifications/<int:pk>/", reviews_api.RunView.as_view(), name="verification-detail"),
    path(
        "verifications/<int:pk>/cancel/",
        reviews_api.RunCancelView.as_view(),
        name="verification-cancel",
    ),
    path(
        "integrations/<int:integration_pk>/reviews/",
        rounds_api.IntegrationReviewsView.as_view(),
        name="integration-reviews",
    ),
    path("reviews/<int:pk>/decide/", ReviewDecideView.as_view(), name="review-decide"),
    path(
        "reviews/<int:pk>/feedback/",
        rounds_api.ReviewFeedbackView.as_view(),
        name="review-feedback",
    ),
    path(
        "feedback/<int:pk>/resolve/",
        rounds_api.FeedbackResolveView.as_view(),
        name="feedback-resolve",
    ),
    path(
        "feedback/<int:pk>/replies/",
        rounds_api.FeedbackRepliesView.as_view(),
        name="feedback-replies",
    ),
    path("badges/", badges_api.BadgeListView.as_view(), name="badge-list"),
    path(
        "integrations/<int:integration_pk>/badges/",
        badges_api.IntegrationBadgesView.as_view(),
        name="integration-badges",
    ),
    path("badges/<int:pk>/revoke/", badges_api.BadgeRevokeView.as_view(), name="badge-revoke"),
    path("support-issues/", support_api.SupportIssueListView.as_view(), name="support-issues"),
    path(
        "integrations/<int:integration_pk>/support-issues/",
        support_api.IntegrationIssuesView.as_view(),
        name="integration-support-issues",
    ),
    path("support-issues/<int:pk>/", support_api.SupportIssueView.as_view(), name="support-issue"),
    path(
        "support-issues/<int:pk>/comments/",
        support_api.IssueCommentsView.as_view(),
        name="support-issue-comments",
    ),
    path("program/metrics/", ProgramMetricsView.as_view(), name="program-metrics"),
    *router.urls,
]
