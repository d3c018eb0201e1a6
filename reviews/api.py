"""REST API for verification targets and runs (DESIGN.md §9)."""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
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
    PartnerEvidence,
    TargetKind,
    VerificationRun,
    VerificationTarget,
    Waiver,
)
from reviews.services import MAX_JUSTIFICATION
from reviews.targets import METHOD_FIELDS, PLAIN_COLUMNS, PLUGIN_TYPES, PROBE_OPERATIONS
from reviews.verification.registry import WAIVABLE

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
    login_path = serializers.CharField(
        required=False, help_text="Method `plugin`: the path under the mount (default login)."
    )
    login_body = serializers.JSONField(
        required=False,
        write_only=True,
        help_text="Method `plugin`: the JSON object the plugin's login takes (secret).",
    )


class MountSerializer(serializers.Serializer):
    path = serializers.CharField()
    type = serializers.ChoiceField(choices=MountType.choices)
    writable_prefix = serializers.CharField(required=False)
    key = serializers.CharField(required=False)
    role = serializers.CharField(required=False)
    common_name = serializers.CharField(required=False)
    valid_principals = serializers.CharField(required=False)


class ProbeSerializer(serializers.Serializer):
    """What exercises a secrets-engine plugin: called with the app's token, its answer's
    `data` must hold every key in `expect`."""

    operation = serializers.ChoiceField(choices=PROBE_OPERATIONS)
    path = serializers.CharField(allow_blank=True, help_text="Under the plugin's mount.")
    body = serializers.JSONField(required=False, allow_null=True)
    expect = serializers.ListField(child=serializers.CharField())


class PluginSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=PLUGIN_TYPES)
    version = serializers.CharField()
    sha256 = serializers.CharField(required=False, allow_blank=True)
    mount_path = serializers.CharField()
    probe = ProbeSerializer(
        required=False, allow_null=True, help_text="Required for secret and database plugins."
    )


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
    login_path = serializers.CharField(required=False)
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
        for name in METHOD_FIELDS[target.auth_method]["plain"]:
            auth[name] = getattr(target, PLAIN_COLUMNS[name])
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


class WaiverSerializer(serializers.ModelSerializer):
    check = serializers.CharField(source="check_id")
    granted_by = serializers.EmailField(source="granted_by.email", default=None)
    ended_by = serializers.EmailField(source="ended_by.email", default=None)
    live = serializers.BooleanField(source="is_live")

    class Meta:
        model = Waiver
        fields = [
            "id",
            "target",
            "check",
            "justification",
            "granted_by",
            "granted_at",
            "ended_by",
            "ended_at",
            "live",
        ]
        read_only_fields = fields


class WaiverInputSerializer(serializers.Serializer):
    """The body of POST (documentation; reviews.services.waiver_grant validates)."""

    check = serializers.ChoiceField(choices=list(WAIVABLE))
    justification = serializers.CharField(max_length=MAX_JUSTIFICATION)


class TargetWaiversView(generics.ListAPIView):
    """The waivers of a target's checks, live ones first; POST waives a check (staff)."""

    serializer_class = WaiverSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Waiver.objects.none()
        target = selectors.target_for(self.request.user, self.kwargs["pk"])
        return selectors.waivers_of(target.integration).filter(target=target)

    @extend_schema(request=WaiverInputSerializer, responses={201: WaiverSerializer})
    def post(self, request, pk: int):
        body = request.data if isinstance(request.data, dict) else {}
        waiver = services.waiver_grant(
            target=selectors.target_for(request.user, pk),
            actor=request.user,
            check=body.get("check"),
            justification=body.get("justification"),
        )
        return Response(WaiverSerializer(waiver).data, status=status.HTTP_201_CREATED)


class WaiverView(APIView):
    @extend_schema(responses=WaiverSerializer)
    def get(self, request, pk: int):
        return Response(WaiverSerializer(selectors.waiver_for(request.user, pk)).data)

    @extend_schema(responses={200: WaiverSerializer})
    def delete(self, request, pk: int):
        """End the waiver (it stays in the history)."""
        waiver = services.waiver_end(
            waiver=selectors.waiver_for(request.user, pk), actor=request.user
        )
        return Response(WaiverSerializer(waiver).data)


class EvidenceSerializer(serializers.ModelSerializer):
    """Partner-run evidence: what the partner's own run reported; never a program run."""

    source = serializers.SerializerMethodField()
    submitted_by = serializers.EmailField(source="submitted_by.email", default=None)

    class Meta:
        model = PartnerEvidence
        fields = [
            "id",
            "source",
            "integration",
            "submitted_by",
            "submitted_at",
            "status",
            "reason",
            "category",
            "engine_version",
            "catalogue_version",
            "subset",
            "target",
            "detected",
            "checks",
            "started_at",
            "finished_at",
            "accepted_by",
            "accepted_at",
            "acceptance",
        ]
        read_only_fields = fields

    accepted_by = serializers.EmailField(source="accepted_by.email", default=None)

    def get_source(self, evidence) -> str:
        return "partner_run"


class EvidenceAcceptSerializer(serializers.Serializer):
    justification = serializers.CharField(max_length=MAX_JUSTIFICATION)


class EvidenceAcceptView(APIView):
    """Program staff accept partner-run evidence in place of a program run for release (the
    program cannot reach the cluster), with a justification; badges never stand on it."""

    @extend_schema(request=EvidenceAcceptSerializer, responses=EvidenceSerializer)
    def post(self, request, pk: int):
        body = request.data if isinstance(request.data, dict) else {}
        evidence = services.evidence_accept(
            evidence=selectors.evidence_for(request.user, pk),
            actor=request.user,
            justification=body.get("justification"),
        )
        return Response(EvidenceSerializer(evidence).data)


class IntegrationEvidenceView(generics.ListAPIView):
    """Partner-run evidence of an integration (`vip-verify submit`), newest first. POST takes
    the `vip-results.json` that `vip-verify run` writes: 201, or 400 with field errors and
    nothing stored. It is shown beside the program's runs and never counts as one."""

    serializer_class = EvidenceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PartnerEvidence.objects.none()
        integration = integration_for(self.request.user, self.kwargs["integration_pk"])
        return selectors.evidence_of(integration)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: EvidenceSerializer})
    def post(self, request, integration_pk: int):
        evidence = services.evidence_submit(
            integration=integration_for(request.user, integration_pk),
            actor=request.user,
            document=request.data,
        )
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class CheckWaiverSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    justification = serializers.CharField()
    granted_by = serializers.EmailField(source="granted_by.email", default=None)
    granted_at = serializers.DateTimeField()


class CheckSerializer(serializers.Serializer):
    id = serializers.CharField(source="check_id")
    title = serializers.CharField()
    status = serializers.CharField()
    required = serializers.BooleanField()
    waived = serializers.SerializerMethodField()
    waiver = CheckWaiverSerializer(allow_null=True)
    subject = serializers.CharField()
    message = serializers.CharField()
    duration_ms = serializers.IntegerField()
    details = serializers.JSONField()

    def get_waived(self, result) -> bool:
        return result.waiver_id is not None


class DetectedSerializer(serializers.Serializer):
    version = serializers.CharField(source="detected_version")
    edition = serializers.CharField(source="detected_edition")


class RunSerializer(serializers.ModelSerializer):
    detected = DetectedSerializer(source="*")
    checks = serializers.SerializerMethodField()
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

    @extend_schema_field(CheckSerializer(many=True))
    def get_checks(self, run: VerificationRun) -> list:
        results = run.results.select_related("waiver__granted_by")
        return CheckSerializer(results, many=True).data


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
