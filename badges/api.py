"""REST API for badges (DESIGN.md §9): list, issue (admins), revoke (admins)."""

import django_filters
from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import visible_through_partner
from badges import services
from badges.models import Badge, BadgeKind, BadgeStatus
from badges.selectors import badge_for
from integrations.selectors import integration_for


class BadgeSerializer(serializers.ModelSerializer):
    svg_url = serializers.SerializerMethodField()
    json_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Badge
        fields = [
            "id",
            "integration",
            "kind",
            "status",
            "public_id",
            "svg_url",
            "json_url",
            "verify_url",
            "run",
            "issued_at",
            "verified_at",
            "suspended_at",
            "status_reason",
            "suspension_reason",
            "revoked_at",
            "revocation_reason",
        ]
        read_only_fields = fields

    def _absolute(self, name: str, badge: Badge) -> str:
        return settings.SITE_URL.rstrip("/") + reverse(name, args=[badge.public_id])

    def get_svg_url(self, badge: Badge) -> str:
        return self._absolute("badge_svg", badge)

    def get_json_url(self, badge: Badge) -> str:
        return self._absolute("badge_json", badge)

    def get_verify_url(self, badge: Badge) -> str:
        return self._absolute("badge_verify", badge)


class IssueSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BadgeKind.choices)


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class BadgeFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=BadgeKind.choices)
    status = django_filters.ChoiceFilter(choices=BadgeStatus.choices)
    integration = django_filters.NumberFilter(field_name="integration_id")

    class Meta:
        model = Badge
        fields = ["kind", "status", "integration"]


class BadgeListView(generics.ListAPIView):
    """Badges of the integrations the caller can see (staff: all)."""

    serializer_class = BadgeSerializer
    filterset_class = BadgeFilter

    def get_queryset(self):
        badges = Badge.objects.order_by("-issued_at", "-pk")
        return visible_through_partner(badges, self.request.user, "integration__partner")


class IntegrationBadgesView(APIView):
    @extend_schema(request=IssueSerializer, responses={201: BadgeSerializer})
    def post(self, request, integration_pk: int):
        """Issue a badge: 201, or 409 with `unmet`; admins only (403 otherwise)."""
        integration, _ = integration_for(user=request.user, pk=integration_pk)
        body = IssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        badge = services.badge_issue(
            integration=integration, kind=body.validated_data["kind"], actor=request.user
        )
        return Response(BadgeSerializer(badge).data, status=status.HTTP_201_CREATED)


class BadgeRevokeView(APIView):
    @extend_schema(request=RevokeSerializer, responses=BadgeSerializer)
    def post(self, request, pk: int):
        badge, _ = badge_for(user=request.user, pk=pk)  # admins only: the service says so (403)
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        badge = services.badge_revoke(
            badge=badge, actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(BadgeSerializer(badge).data)
