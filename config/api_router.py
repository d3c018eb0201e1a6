"""Every /api/v1/ route, in one place."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import MeView
from integrations.api import IntegrationViewSet, PartnerViewSet
from reviews import api as reviews_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("partners", PartnerViewSet, basename="partner")
router.register("integrations", IntegrationViewSet, basename="integration")

app_name = "api"
urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path(
        "integrations/<int:integration_pk>/targets/",
        reviews_api.IntegrationTargetsView.as_view(),
        name="integration-targets",
    ),
    path("targets/<int:pk>/", reviews_api.TargetView.as_view(), name="target-detail"),
    path(
        "integrations/<int:integration_pk>/verifications/",
        reviews_api.IntegrationRunsView.as_view(),
        name="integration-verifications",
    ),
    path("verifications/<int:pk>/", reviews_api.RunView.as_view(), name="verification-detail"),
    path(
        "verifications/<int:pk>/cancel/",
        reviews_api.RunCancelView.as_view(),
        name="verification-cancel",
    ),
    *router.urls,
]
