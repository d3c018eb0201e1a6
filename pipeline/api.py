"""REST API for partners, integrations, transitions, history and review decisions (DESIGN.md
§9)."""

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import staff_users
from accounts.limits import RateLimited, over_limit
from config.api import RATE_LIMITED
from integrations import selectors as integration_selectors
from integrations import services as integration_services
from integrations.filters import IntegrationFilter
from integrations.models import (
    INTAKE_FIELDS,
    PARTNER_FIELDS,
    PARTNER_STAFF_FIELDS,
    AuthMethod,
    Integration,
    Partner,
    Stage,
    VaultEdition,
)
from pipeline import selectors, services
from pipeline.facts import facts_of
from reviews import selectors as review_selectors
from reviews.rounds_api import DecisionSerializer, ReviewRoundSerializer, parsed, round_data
from support_sla.selectors import Standing, integration_support_standing, partner_calendar

# --- Partners --------------------------------------------------------------------------------


class WorkingDaysField(serializers.ListField):
    """The support calendar's working days as ISO weekday numbers (1 Monday ... 7 Sunday);
    support_sla stores Python's (0 ... 6)."""

    child = serializers.IntegerField(min_value=1, max_value=7)

    def __init__(self, **kwargs):
        super().__init__(max_length=7, **kwargs)

    def get_attribute(self, partner: Partner) -> list[int]:
        return partner_calendar(partner=partner).working_days

    def to_representation(self, days: list[int]) -> list[int]:
        return [day + 1 for day in days]

    def to_internal_value(self, data) -> list[int]:
        return [day - 1 for day in super().to_internal_value(data)]


class ClosuresField(serializers.ListField):
    """The support calendar's closure dates (ISO dates)."""

    child = serializers.DateField()

    def __init__(self, **kwargs):
        super().__init__(max_length=366, **kwargs)

    def get_attribute(self, partner: Partner) -> list[str]:
        return partner_calendar(partner=partner).closures

    def to_representation(self, days: list[str]) -> list[str]:
        return list(days)


class PartnerSerializer(serializers.ModelSerializer):
    """A partner's details. Its support settings (time zone, country, subdivision) are checked
    by integrations.services, as on every other door: a 400 under the field, "de" stored as
    "DE"."""

    working_days = WorkingDaysField(required=False)
    closures = ClosuresField(required=False)

    class Meta:
        model = Partner
        fields = [
            "slug",
            *PARTNER_FIELDS,
            "working_days",
            "closures",
            *PARTNER_STAFF_FIELDS,
            "created_at",
        ]
        read_only_fields = ["slug", "created_at"]
        extra_kwargs = {"name": {"validators": []}}


class PartnerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Partners the caller belongs to (staff: all). POST makes the caller its owner."""

    serializer_class = PartnerSerializer
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            integration_selectors.partners_for_user(user=self.request.user)
            .select_related("calendar")
            .order_by("name")
        )

    def perform_create(self, serializer):
        serializer.instance = services.partner_create(
            owner=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.partner_update(
            partner=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )


# --- Integrations ---------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()


class OverlapSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    partner = serializers.CharField()
    score = serializers.FloatField()


def _unique_choices(choices, *, label: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices),
        allow_empty=False,
        max_length=len(choices),
        error_messages={"empty": f"Choose at least one {label}."},
    )


class IntegrationBadgeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    public_id = serializers.CharField()


class IntegrationSerializer(serializers.ModelSerializer):
    """The intake answers (writable) and what the program computes (read-only)."""

    partner = serializers.SlugRelatedField(slug_field="slug", queryset=Partner.objects.none())
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    vault_editions = _unique_choices(VaultEdition.choices, label="Vault edition")
    auth_methods = _unique_choices(AuthMethod.choices, label="auth method")
    description = serializers.CharField(max_length=10_000)
    checklist = serializers.SerializerMethodField()
    overlaps = serializers.SerializerMethodField()
    overlaps_unreleased = serializers.SerializerMethodField()
    overlaps_acknowledged = serializers.BooleanField(required=False)
    support_standing = serializers.SerializerMethodField()
    badges = IntegrationBadgeSerializer(many=True, read_only=True)
    not_encouraged = serializers.BooleanField(read_only=True)
    days_in_stage = serializers.IntegerField(read_only=True)
    assignee = serializers.SlugRelatedField(
        slug_field="email",
        queryset=staff_users(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Integration
        fields = [
            "id",
            "partner",
            "partner_name",
            *INTAKE_FIELDS,
            "stage",
            "stage_changed_at",
            "days_in_stage",
            "not_encouraged",
            "checklist",
            "overlaps",
            "overlaps_unreleased",
            "overlaps_acknowledged",
            "support_standing",
            "badges",
            "demo_done_at",
            "plugin_portal_url",
            "assignee",
            "created_at",
        ]
        read_only_fields = ["id", "stage", "stage_changed_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["partner"].queryset = integration_selectors.partners_for_user(
                user=request.user
            )
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["partner"].read_only = True

    def validate_vault_editions(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate_auth_methods(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def to_representation(self, instance: Integration) -> dict:
        data = super().to_representation(instance)
        data["overlaps_acknowledged"] = instance.overlaps_acknowledged_at is not None
        return data

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, instance: Integration) -> list[dict]:
        return ChecklistItemSerializer(
            selectors.integration_checklist(integration=instance, facts=facts_of(instance)),
            many=True,
        ).data

    def _overlaps(self, instance: Integration) -> integration_selectors.Overlaps:
        cache = self.context.setdefault("_overlaps", {})
        if instance.pk not in cache:
            cache[instance.pk] = integration_selectors.overlaps_for_viewer(
                integration=instance, user=self.context["request"].user
            )
        return cache[instance.pk]

    @extend_schema_field(OverlapSerializer(many=True))
    def get_overlaps(self, instance: Integration) -> list[dict]:
        """The overlaps the caller may see by name (staff: all)."""
        return OverlapSerializer(self._overlaps(instance).shown, many=True).data

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_overlaps_unreleased(self, instance: Integration) -> int:
        """How many other overlaps are other partners' unreleased work: only a count."""
        return self._overlaps(instance).unreleased

    @extend_schema_field(serializers.ChoiceField(choices=Standing.choices))
    def get_support_standing(self, instance: Integration) -> str:
        return integration_support_standing(integration=instance)


class IntegrationListSerializer(IntegrationSerializer):
    """Lists skip what costs queries per row (checklist, overlaps)."""

    class Meta(IntegrationSerializer.Meta):
        fields = [
            f
            for f in IntegrationSerializer.Meta.fields
            if f not in {"checklist", "overlaps", "overlaps_unreleased"}
        ]


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class HistorySerializer(serializers.Serializer):
    """One row of the history: a stage change (`field` "stage", stages as `from`/`to`) or a
    change of another field (its JSON values)."""

    field = serializers.CharField()
    from_ = serializers.JSONField(source="before")
    to = serializers.JSONField(source="after")
    actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)
    at = serializers.DateTimeField()
    note = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        fields = {name if name != "from_" else "from": field for name, field in fields.items()}
        return fields


@extend_schema_view(
    create=extend_schema(responses={201: IntegrationSerializer, **RATE_LIMITED}),
)
class IntegrationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Integrations. POST is the intake webform (rate-limited per user and per partner: 429);
    the response lists `overlaps`."""

    filterset_class = IntegrationFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            integration_selectors.integrations_visible_to(user=self.request.user)
            .prefetch_related("badges")
            .order_by("-created_at", "-pk")
        )

    def get_serializer_class(self):
        return IntegrationListSerializer if self.action == "list" else IntegrationSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        staff_only = (
            integration_services.INTEGRATION_STAFF_FIELDS | {"overlaps_acknowledged"}
        ) & set(data)
        if staff_only:
            raise serializers.ValidationError(
                {field: ["Set by program staff after the intake."] for field in staff_only}
            )
        partner = data.pop("partner")
        if over_limit(self.request, action="intake", partner=partner):
            raise RateLimited
        serializer.instance = integration_services.integration_intake(
            partner=partner, actor=self.request.user, data=data
        )

    def perform_update(self, serializer):
        serializer.instance = integration_services.integration_update(
            integration=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )

    @extend_schema(request=TransitionSerializer, responses=IntegrationSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the integration to another stage: 200, or 409 with `unmet`."""
        integration = self.get_object()
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.integration_transition(
            integration=integration,
            to=body.validated_data["to"],
            actor=request.user,
            note=body.validated_data["note"],
        )
        return Response(IntegrationSerializer(integration, context={"request": request}).data)

    @extend_schema(responses=HistorySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        integration = self.get_object()
        rows = integration.history.select_related("actor").order_by("at", "pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(HistorySerializer(page, many=True).data)


class ReviewDecideView(APIView):
    @extend_schema(request=DecisionSerializer, responses=ReviewRoundSerializer)
    def post(self, request, pk: int):
        """Close the round: `changes_requested` moves the integration back to `develop`;
        `approved` is a 409 with `unmet` while blocking feedback is open."""
        review_round, _ = review_selectors.round_for(user=request.user, pk=pk)
        data = parsed(DecisionSerializer, request.data)
        services.review_decide(
            review_round=review_round,
            actor=request.user,
            decision=data["decision"],
            summary=data["summary"],
        )
        return Response(round_data(review_round))
