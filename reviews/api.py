"""REST API for verification targets and runs (DESIGN.md §9)."""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import UNAVAILABLE
from integrations.api import IntegrationRowsView
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
from reviews.targets import (
    AUTH_FIELDS,
    LOGINS,
    MOUNT_FIELDS,
    MOUNTS,
    PLUGIN_FIELDS,
    PROBE_FIELDS,
    PROBE_HELP,
    TARGET_FIELDS,
    Field,
    login_fields,
    mount_fields,
)
from reviews.verification.registry import WAIVABLE

# --- Targets -----------------------------------------------------------------------------------


def _described(f: Field, groups: dict[str, tuple[Field, ...]], what: str) -> str:
    """A login's or a mount's own field: for which methods or types, and whether secret."""
    names = " or ".join(
        f"`{group}`" for group, fields in groups.items() if any(g.name == f.name for g in fields)
    )
    text = f"{what} {names}." + (f" {f.help}" if f.help else "")
    return text + (" Secret: write-only." if f.secret else "")


def _api_field(f: Field, *, choices=None, conditional: bool = False, help_text: str = ""):
    """The serializer field documenting `f`. `conditional`: asked for by the chosen login
    method or mount type only, so never required by the schema."""
    kwargs = {"required": f.required and not conditional}
    if f.secret:
        kwargs["write_only"] = True
    if help_text or f.help:
        kwargs["help_text"] = help_text or f.help
    if f.type == "choice":
        return serializers.ChoiceField(choices=choices or f.choices, **kwargs)
    if f.type == "bool":
        return serializers.BooleanField(**kwargs)
    if f.type == "json":
        optional = not kwargs["required"] and not conditional
        return serializers.JSONField(allow_null=optional, **kwargs)
    if f.type == "list":
        return serializers.ListField(child=serializers.CharField(), **kwargs)
    if f.max_length:
        kwargs["max_length"] = f.max_length
    if f.blank:
        kwargs["allow_blank"] = True
    if f.type == "url":
        return serializers.URLField(**kwargs)
    return serializers.CharField(**kwargs)


def _serializer(name: str, doc: str, fields: dict) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), {"__module__": __name__, "__doc__": doc, **fields})


# The input serializers document the body reviews.targets declares (clean_target validates it);
# the schema test holds them to exactly that declaration.
# The choices' labels, by dotted name (the values are reviews.targets').
CHOICES = {
    "kind": TargetKind.choices,
    "auth.method": LOGIN_METHODS,
    "secret_mounts.*.type": MountType.choices,
}

AuthInputSerializer = _serializer(
    "AuthInputSerializer",
    "The app's login. Secrets are write-only: they are encrypted and never returned.",
    {
        **{f.name: _api_field(f, choices=CHOICES.get(f"auth.{f.name}")) for f in AUTH_FIELDS},
        **{
            f.name: _api_field(f, conditional=True, help_text=_described(f, LOGINS, "Method"))
            for f in login_fields().values()
        },
    },
)

MountSerializer = _serializer(
    "MountSerializer",
    "A secrets engine mount to round-trip: its path, its type, and what that type needs.",
    {
        **{
            f.name: _api_field(f, choices=CHOICES.get(f"secret_mounts.*.{f.name}"))
            for f in MOUNT_FIELDS
        },
        **{
            f.name: _api_field(f, conditional=True, help_text=_described(f, MOUNTS, "Type"))
            for f in mount_fields().values()
        },
    },
)

ProbeSerializer = _serializer(
    "ProbeSerializer",
    "What exercises a secrets-engine plugin: called with the app's token, its answer's\n"
    "`data` must hold every key in `expect`.",
    {f.name: _api_field(f) for f in PROBE_FIELDS},
)

PluginSerializer = _serializer(
    "PluginSerializer",
    "The plugin an integration ships, as the catalog registers it.",
    {
        **{f.name: _api_field(f) for f in PLUGIN_FIELDS},
        "probe": ProbeSerializer(required=False, allow_null=True, help_text=PROBE_HELP),
    },
)

TargetInputSerializer = _serializer(
    "TargetInputSerializer",
    "The body of POST and PATCH (documentation; reviews.targets.clean_target validates).",
    {
        **{f.name: _api_field(f, choices=CHOICES.get(f.name)) for f in TARGET_FIELDS},
        "auth": AuthInputSerializer(),
        "secret_mounts": MountSerializer(many=True, required=False),
        "plugin": PluginSerializer(required=False, allow_null=True),
    },
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
        for f in LOGINS[target.auth_method]:
            if f.column:
                auth[f.name] = getattr(target, f.column)
        return auth


class IntegrationTargetsView(IntegrationRowsView):
    """The verification targets of an integration (its partner's test clusters)."""

    serializer_class = TargetSerializer
    model = VerificationTarget

    def rows_of(self, integration):
        return selectors.targets_of(integration=integration)

    @extend_schema(request=TargetInputSerializer, responses={201: TargetSerializer, **UNAVAILABLE})
    def post(self, request, integration_pk: int):
        integration = self.integration()
        target = services.target_create(
            integration=integration, actor=request.user, data=request.data
        )
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)


class TargetView(APIView):
    @extend_schema(responses=TargetSerializer)
    def get(self, request, pk: int):
        target, _ = selectors.target_for(user=request.user, pk=pk)
        return Response(TargetSerializer(target).data)

    @extend_schema(request=TargetInputSerializer, responses={200: TargetSerializer, **UNAVAILABLE})
    def patch(self, request, pk: int):
        """Change the target; `{"primary": true}` makes it the evidence target (with other
        fields too: all of it happens, or none)."""
        target, _ = selectors.target_for(user=request.user, pk=pk)
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
        target, _ = selectors.target_for(user=request.user, pk=pk)
        services.target_archive(target=target, actor=request.user)
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
        target, _ = selectors.target_for(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.waivers_of(integration=target.integration).filter(target=target)

    @extend_schema(request=WaiverInputSerializer, responses={201: WaiverSerializer})
    def post(self, request, pk: int):
        target, _ = selectors.target_for(user=request.user, pk=pk)
        body = request.data if isinstance(request.data, dict) else {}
        waiver = services.waiver_grant(
            target=target,
            actor=request.user,
            check=body.get("check"),
            justification=body.get("justification"),
        )
        return Response(WaiverSerializer(waiver).data, status=status.HTTP_201_CREATED)


class WaiverView(APIView):
    @extend_schema(responses=WaiverSerializer)
    def get(self, request, pk: int):
        waiver, _ = selectors.waiver_for(user=request.user, pk=pk)
        return Response(WaiverSerializer(waiver).data)

    @extend_schema(responses={200: WaiverSerializer})
    def delete(self, request, pk: int):
        """End the waiver (it stays in the history)."""
        waiver, _ = selectors.waiver_for(user=request.user, pk=pk)
        waiver = services.waiver_end(waiver=waiver, actor=request.user)
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
        evidence, _ = selectors.evidence_for(user=request.user, pk=pk)
        body = request.data if isinstance(request.data, dict) else {}
        evidence = services.evidence_accept(
            evidence=evidence,
            actor=request.user,
            justification=body.get("justification"),
        )
        return Response(EvidenceSerializer(evidence).data)


class IntegrationEvidenceView(IntegrationRowsView):
    """Partner-run evidence of an integration (`vip-verify submit`), newest first. POST takes
    the `vip-results.json` that `vip-verify run` writes: 201, or 400 with field errors and
    nothing stored. It is shown beside the program's runs and never counts as one."""

    serializer_class = EvidenceSerializer
    model = PartnerEvidence

    def rows_of(self, integration):
        return selectors.evidence_of(integration=integration)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: EvidenceSerializer})
    def post(self, request, integration_pk: int):
        integration = self.integration()
        evidence = services.evidence_submit(
            integration=integration,
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


class IntegrationRunsView(IntegrationRowsView):
    """Verification runs of an integration, newest first; POST queues one."""

    serializer_class = RunListSerializer
    model = VerificationRun

    def rows_of(self, integration):
        return super().rows_of(integration).select_related("requested_by")

    @extend_schema(request=RunRequestSerializer, responses={202: RunSerializer, **UNAVAILABLE})
    def post(self, request, integration_pk: int):
        integration = self.integration()
        body = RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        target = (
            selectors.targets_of(integration=integration)
            .filter(pk=body.validated_data["target"])
            .first()
        )
        if target is None:
            raise serializers.ValidationError({"target": ["No such target on this integration."]})
        run = services.run_request(target=target, actor=request.user)
        run.refresh_from_db()
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunView(APIView):
    @extend_schema(responses=RunSerializer)
    def get(self, request, pk: int):
        run, _ = selectors.run_for(user=request.user, pk=pk)
        return Response(RunSerializer(run).data)


class RunCancelView(APIView):
    @extend_schema(request=None, responses=RunSerializer)
    def post(self, request, pk: int):
        run, _ = selectors.run_for(user=request.user, pk=pk)
        run = services.run_cancel(run=run, actor=request.user)
        return Response(RunSerializer(run).data)
