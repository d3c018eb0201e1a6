"""Every /api/v1/ route, in one place."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import MeView
from integrations.api import IntegrationViewSet, PartnerViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("partners", PartnerViewSet, basename="partner")
router.register("integrations", IntegrationViewSet, basename="integration")

app_name = "api"
urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]
