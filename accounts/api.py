"""REST API for the caller's own account."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import user_roles


class MembershipSerializer(serializers.Serializer):
    slug = serializers.CharField(source="partner.slug")
    name = serializers.CharField(source="partner.name")
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    roles = serializers.SerializerMethodField()
    partners = serializers.SerializerMethodField()

    def get_roles(self, user) -> list[str]:
        return user_roles(user)

    @extend_schema_field(MembershipSerializer(many=True))
    def get_partners(self, user) -> list[dict]:
        memberships = user.memberships.select_related("partner").order_by("partner__name")
        return MembershipSerializer(memberships, many=True).data


class MeView(APIView):
    """Who the caller is: e-mail, roles (`partner`, `reviewer`, `admin`) and partners."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
