"""REST API for verification targets and runs (DESIGN.md §9)."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import UNAVAILABLE
from integrations.selectors import integration_for
from reviews import selectors, services
from reviews.models import (
    LOGIN_METHODS,
    MountType,
    TargetKind,
    VerificationRun,
    VerificationTarget,
)
from reviews.targets import METHOD_FIELDS, PLUGIN_TYPES

# --- Targets -----------------------------------------------------------------------------------


class AuthInputSerializer(serializers.Serializer):
    """The app's login. Secrets are write-only: they are encrypted and never returned."""

    method = serializers.ChoiceField(choices=LOGIN_METHODS)
    mount_path = serializers.CharField(required=False)
    role = serializers.CharField(required=False)
    role_id = serializers.CharField(required=False, write_only=True)
    secret_id = serializers.CharField(required=False, write_only=True)
    jwt = serializers.CharField(required=False, write_only=True)
    client_cert = serializers.CharField(required=False, write_only=True)
    client_key = serializers.CharField(required=False, write_only=True)
    username = serializers.CharField(required=False, write_only=True)
    password = serializers.CharField(required=False, write_only=True)
    token = serializers.CharField(required=False, write_only=True)


class MountSerializer(serializers.Serializer):
    path = serializers.CharField()
    type = serializers.ChoiceField(choices=MountType.choices)
    writable_prefix = serializers.CharField(required=False)
    key = serializers.CharField(required=False)
    role = serializers.CharField(required=False)
    common_name = serializers.CharField(required=False)
    valid_principals = serializers.CharField(required=False)


class PluginSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=PLUGIN_TYPES)
    version = serializers.CharField()
    sha256 = serializers.CharField(required=False, allow_blank=True)
    mount_path = serializers.CharField()


class TargetInputSerializer(serializers.Serializer):
    """The body of POST and PATCH (documentation; reviews.targets.clean_target validates)."""

    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=TargetKind.choices)
    url = serializers.URLField()
    namespace = serializers.CharField(required=False, allow_blank=True)
    ca_cert = serializers.CharField(required=False, allow_blank=True)
    auth = AuthInputSerializer()
    inspector_token = serializers.CharField(required=False, allow_blank=True, write_only=True)
    remove_inspector = serializers.BooleanField(required=False)
    secret_mounts = MountSerializer(many=True, required=False)
    plugin = PluginSerializer(required=False, allow_null=True)
    primary = serializers.BooleanField(
        required=False,
        help_text="PATCH `true` makes this the evidence target (DESIGN.md §4.2): a partner "
        "owner or program staff before review, only program staff from review on.",
    )


class AuthOutputSerializer(serializers.Serializer):
    method = serializers.CharField()
    mount_path = serializers.CharField()
    role = serializers.CharField(required=False)
    credentials_set = serializers.BooleanField()


class TargetSerializer(serializers.ModelSerializer):
    auth = serializers.SerializerMethodField()
    secret_mounts = MountSerializer(many=True)
    plugin = PluginSerializer(allow_null=True)

    class Meta:
        model = VerificationTarget
        fields = [
            "id",
            "integration",
            "name",
            "kind",
            "url",
            "namespace",
            "ca_cert",
            "auth",
            "inspector_set",
            "secret_mounts",
            "plugin",
            "primary",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AuthOutputSerializer)
    def get_auth(self, target: VerificationTarget) -> dict:
        auth = {
            "method": target.auth_method,
            "mount_path": target.auth_mount_path,
            "credentials_set": target.credentials_set,
        }
        if METHOD_FIELDS[target.auth_method]["plain"]:
            auth["role"] = target.auth_role
        return auth


class IntegrationTargetsView(generics.ListAPIView):
    """The verification targets of an integration (its partner's test clusters)."""

    serializer_class = TargetSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular builds the schema
            return VerificationTarget.objects.none()
        integration = integration_for(self.request.user, self.kwargs["integration_pk"])
        return selectors.targets_of(integration)

    @extend_schema(request=TargetInputSerializer, responses={201: TargetSerializer, **UNAVAILABLE})
    def post(self, request, integration_pk: int):
        integration = integration_for(request.user, integration_pk)
        target = services.target_create(
            integration=integration, actor=request.user, data=request.data
        )
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)


class TargetView(APIView):
    @extend_schema(responses=TargetSerializer)
    def get(self, request, pk: int):
        return Response(TargetSerializer(selectors.target_for(request.user, pk)).data)

    @extend_schema(request=TargetInputSerializer, responses={200: TargetSerializer, **UNAVAILABLE})
    def patch(self, request, pk: int):
        """Change the target; `{"primary": true}` makes it the evidence target (with other
        fields too: all of it happens, or none)."""
        target = selectors.target_for(request.user, pk)
        data = request.data
        with transaction.atomic():
            if isinstance(data, dict) and "primary" in data:
                if data["primary"] is not True:
                    raise serializers.ValidationError(
                        {"primary": ["Only true: make another target the evidence target."]}
                    )
                target = services.target_make_primary(target=target, actor=request.user)
                data = {key: value for key, value in data.items() if key != "primary"}
                if not data:
                    return Response(TargetSerializer(target).data)
            target = services.target_update(target=target, actor=request.user, data=data)
        return Response(TargetSerializer(target).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.target_archive(target=selectors.target_for(request.user, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Runs --------------------------------------------------------------------------------------


class CheckSerializer(serializers.Serializer):
    id = serializers.CharField(source="check_id")
    title = serializers.CharField()
    status = serializers.CharField()
    required = serializers.BooleanField()
    subject = serializers.CharField()
    message = serializers.CharField()
    duration_ms = serializers.IntegerField()
    details = serializers.JSONField()


class DetectedSerializer(serializers.Serializer):
    version = serializers.CharField(source="detected_version")
    edition = serializers.CharField(source="detected_edition")


class RunSerializer(serializers.ModelSerializer):
    detected = DetectedSerializer(source="*")
    checks = CheckSerializer(source="results", many=True)
    requested_by = serializers.EmailField(source="requested_by.email", default=None)

    class Meta:
        model = VerificationRun
        fields = [
            "id",
            "status",
            "integration",
            "target",
            "reason",
            "requested_by",
            "queued_at",
            "started_at",
            "finished_at",
            "detected",
            "checks",
        ]
        read_only_fields = fields


class RunListSerializer(RunSerializer):
    class Meta(RunSerializer.Meta):
        fields = [f for f in RunSerializer.Meta.fields if f != "checks"]


class RunRequestSerializer(serializers.Serializer):
    target = serializers.IntegerField()


class IntegrationRunsView(generics.ListAPIView):
    """Verification runs of an integration, newest first; POST queues one."""

    serializer_class = RunListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return VerificationRun.objects.none()
        integration = integration_for(self.request.user, self.kwargs["integration_pk"])
        return VerificationRun.objects.filter(integration=integration).select_related(
            "requested_by"
        )

    @extend_schema(request=RunRequestSerializer, responses={202: RunSerializer, **UNAVAILABLE})
    def post(self, request, integration_pk: int):
        integration = integration_for(request.user, integration_pk)
        body = RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        target = selectors.targets_of(integration).filter(pk=body.validated_data["target"]).first()
        if target is None:
            raise serializers.ValidationError({"target": ["No such target on this integration."]})
        run = services.run_request(target=target, actor=request.user)
        run.refresh_from_db()
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunView(APIView):
    @extend_schema(responses=RunSerializer)
    def get(self, request, pk: int):
        return Response(RunSerializer(selectors.run_for(request.user, pk)).data)


class RunCancelView(APIView):
    @extend_schema(request=None, responses=RunSerializer)
    def post(self, request, pk: int):
        run = services.run_cancel(run=selectors.run_for(request.user, pk), actor=request.user)
        return Response(RunSerializer(run).data)
